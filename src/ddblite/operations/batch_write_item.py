"""BatchWriteItem: up to 25 puts and deletes over several tables, each item atomic on its own.

Every input error is found before the first write: the shape of each WriteRequest and its
values, the total count, then per table (in request order) the table itself, each key against
the schema and duplicate keys. Only then do the writes run, one ``db.write_item`` each, exactly
like PutItem and DeleteItem without a condition. Nothing is ever left unprocessed here, so
UnprocessedItems is always ``{}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ddblite.engine import indexes
from ddblite.engine.database import Caller, Database
from ddblite.errors import DUPLICATE_KEYS, ITEM_TOO_LARGE, KEY_MISMATCH, ValidationException
from ddblite.limits import MAX_BATCH_WRITE_REQUESTS
from ddblite.model import capacity
from ddblite.model.keycodec import encode
from ddblite.model.request_enums import ReturnConsumedCapacity, ReturnItemCollectionMetrics
from ddblite.model.schema import TableSchema, check_item_key, check_key, encode_key
from ddblite.model.values import MANY_TYPES, Item, check_item, item_size

TOO_MANY = "Too many items requested for the BatchWriteItem call"


@dataclass(slots=True)
class _Write:
    table: TableSchema
    item: Item  # the whole item for a put, the key for a delete
    put: bool


@dataclass(slots=True)
class _Usage:
    """Write units and touched partitions of one table."""

    units: float = 0.0
    index_units: dict[str, tuple[bool, float]] = field(default_factory=dict)
    partitions: dict[bytes, Item] = field(default_factory=dict)


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    requests: dict[str, list[dict[str, Any]]] = request["RequestItems"]
    _check_values(db, requests)
    writes = _plan(db, caller, requests)
    # Keyed by table name, not by the request's key: a table may be named by its ARN.
    tables = {write.table.name: write.table for write in writes}
    usage = {name: _Usage() for name in tables}
    mode = ReturnConsumedCapacity.of(request)
    wants_capacity = mode is not ReturnConsumedCapacity.NONE
    with db.batch_block():
        for write in writes:
            _apply(db, write, usage[write.table.name], wants_capacity)
    out: dict[str, Any] = {"UnprocessedItems": {}}
    if wants_capacity:
        out["ConsumedCapacity"] = [_consumed(mode, tables[name], usage[name]) for name in tables]
    if ReturnItemCollectionMetrics.of(request) is ReturnItemCollectionMetrics.SIZE:
        metrics = _collection_metrics(db, tables, usage)
        if metrics:
            out["ItemCollectionMetrics"] = metrics
    return out


def _check_values(db: Database, requests: dict[str, list[dict[str, Any]]]) -> None:
    """Checks that need no table: one action per WriteRequest, valid values, item size,
    and at most 25 requests in all."""
    total = 0
    for writes in requests.values():
        for write in writes:
            if len(write) != 1:
                # DynamoDB's wording for a WriteRequest with neither (or both) members.
                raise ValidationException(MANY_TYPES)
            put = write.get("PutRequest")
            if put is not None:
                check_item(put["Item"])
                if item_size(put["Item"]) > db.limits.item_bytes:
                    raise ValidationException(ITEM_TOO_LARGE)
            else:
                check_item(write["DeleteRequest"]["Key"])
        total += len(writes)
    if total > MAX_BATCH_WRITE_REQUESTS:
        raise ValidationException(TOO_MANY)


def _plan(db: Database, caller: Caller, requests: dict[str, list[dict[str, Any]]]) -> list[_Write]:
    """Per table, in request order: the table exists, each key fits the schema, no key twice."""
    writes: list[_Write] = []
    for name, table_writes in requests.items():
        table = db.table(caller, name)
        seen: set[tuple[bytes, bytes]] = set()
        for write in table_writes:
            put = write.get("PutRequest")
            if put is not None:
                item: Item = put["Item"]
                _check_put_key(table, item)
            else:
                item = write["DeleteRequest"]["Key"]
                check_key(table.keys, item)
            ek = encode_key(table.keys, item)
            if (ek.pk, ek.sk) in seen:
                raise ValidationException(DUPLICATE_KEYS)
            seen.add((ek.pk, ek.sk))
            writes.append(_Write(table, item, put is not None))
    return writes


def _check_put_key(table: TableSchema, item: Item) -> None:
    # Unlike PutItem, a batch put reports a missing or mistyped key with the generic message.
    keys = table.keys
    for name, kind in ((keys.hash_name, keys.hash_type), (keys.range_name, keys.range_type)):
        if name is not None and kind not in item.get(name, {}):
            raise ValidationException(KEY_MISMATCH)
    check_item_key(keys, item)
    indexes.check_index_keys(table, item)


def _apply(db: Database, write: _Write, usage: _Usage, wants_capacity: bool) -> None:
    new = write.item if write.put else None
    result = db.write_item(write.table, write.item, lambda old: new)
    table = write.table
    if wants_capacity:
        usage.units += capacity.write_units(max(result.old_size, result.new_size))
    if wants_capacity and table.indexes:
        for name, (is_global, units) in indexes.write_units(table, result.old, result.new).items():
            _, total = usage.index_units.get(name, (is_global, 0.0))
            usage.index_units[name] = (is_global, total + units)
    if indexes.has_lsi(table):
        hash_name = table.keys.hash_name
        pk = encode(write.item[hash_name])
        usage.partitions.setdefault(pk, {hash_name: write.item[hash_name]})


def _consumed(
    mode: ReturnConsumedCapacity, table: TableSchema, usage: _Usage
) -> dict[str, Any] | None:
    """One table's entry: its write units and, as for PutItem, those of each index whose
    entries the batch changed."""
    index_units = usage.index_units if table.indexes else None
    return capacity.consumed(mode, table.name, usage.units, index_units=index_units)


def _collection_metrics(
    db: Database, tables: dict[str, TableSchema], usage: dict[str, _Usage]
) -> dict[str, list[dict[str, Any]]]:
    """ItemCollectionMetrics: one entry per partition written, for tables with an LSI (only
    they have item collections)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, used in usage.items():
        table = tables.get(name)
        if table is None or not used.partitions:
            continue
        keys = list(used.partitions.values())
        sizes = db.collection_sizes(table, keys)
        out[name] = [
            indexes.collection_metrics(table, key, size)
            for key, size in zip(keys, sizes, strict=True)
        ]
    return out
