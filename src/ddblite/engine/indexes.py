"""Secondary indexes: which items belong, what they project, and keeping the rows in step.

An index row is one item's entry in one index: keyed by the encoded index key (``ix_pk``,
``ix_sk``, with ``ix_hash = pk_hash(ix_pk)``) followed by the item's table key (``pk``, ``sk``),
so index rows are unique even when many items share an index key. Its body is the projected
item: the table keys, the index keys and, per ProjectionType, nothing else (KEYS_ONLY), the
listed NonKeyAttributes that the item has (INCLUDE) or everything (ALL).

Sparse indexes: an item is in an index only if it has every index key attribute with the
declared type and a non-empty value. Writes reject a wrong type or an empty value up front
(``check_index_keys``), but items written before a GSI existed may hold anything, and the
backfill skips those exactly as DynamoDB does.

``sync`` runs inside the item's storage ``write()`` block, so table and index never disagree,
also while a new GSI is backfilling (its rows are kept by this path as soon as the index is in
the catalog; the backfill only adds the rows of items nobody has written since).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import orjson

from ddblite.engine.reads import WHOLE_HASH_SPACE
from ddblite.engine.vectors.checks import check_item as check_vector_item
from ddblite.errors import (
    INVALID,
    ITEM_TOO_LARGE,
    ItemCollectionSizeLimitExceededException,
    ValidationException,
)
from ddblite.limits import MAX_HASH_KEY_BYTES, MAX_RANGE_KEY_BYTES, Limits
from ddblite.model import capacity
from ddblite.model.keycodec import encode, pk_hash
from ddblite.model.schema import EncodedKey, IndexSchema, TableSchema
from ddblite.model.values import Item, Value, binary_size, item_size
from ddblite.storage.base import IndexRow, Reader, Writer

NOT_VALID = "One or more parameter values are not valid. "
COLLECTION_TOO_LARGE = "Collection size exceeded."
GB = 1024 * 1024 * 1024
_ALL = WHOLE_HASH_SPACE


# --- membership and projection ------------------------------------------------------------


def _key_bytes(value: Value | None, declared: str | None) -> bytes | None:
    """Encoded key value, or None when it cannot key the index (absent, wrong type, empty)."""
    if value is None:
        return None
    kind, inner = next(iter(value.items()))
    if kind != declared or inner == "":
        return None
    return encode(value)


def entry_key(index: IndexSchema, item: Item) -> tuple[bytes, bytes] | None:
    """(ix_pk, ix_sk) of the item's entry in the index, or None: not in this (sparse) index."""
    keys = index.keys
    ix_pk = _key_bytes(item.get(keys.hash_name), keys.hash_type)
    if ix_pk is None:
        return None
    if keys.range_name is None:
        return ix_pk, b""
    ix_sk = _key_bytes(item.get(keys.range_name), keys.range_type)
    if ix_sk is None:
        return None
    return ix_pk, ix_sk


def projected_names(table: TableSchema, index: IndexSchema) -> frozenset[str] | None:
    """The names an entry of ``index`` holds; None for ALL."""
    if index.projection_type == "ALL":
        return None
    if index.projected is not None:
        return index.projected
    return frozenset((*table.keys.names, *index.keys.names, *index.non_key_attributes))


def project(table: TableSchema, index: IndexSchema, item: Item) -> Item:
    """The item as the index stores it."""
    if index.projection_type == "ALL":
        return item
    attrs = index.projected or projected_names(table, index) or frozenset()
    return {name: value for name, value in item.items() if name in attrs}


def index_row(
    table: TableSchema, index: IndexSchema, item: Item, ek: EncodedKey
) -> IndexRow | None:
    """The index row for a stored item (the backfill, a restore), None when the item has no
    place in the index. An item written before a GSI existed may hold a key the index cannot
    take (over 2048/1024 bytes): DynamoDB's backfill skips it (an index key violation)."""
    key = entry_key(index, item)
    if key is None or _index_problem(index, item, None) is not None:
        return None
    projected = project(table, index, item)
    return IndexRow(
        pk_hash(key[0]),
        key[0],
        key[1],
        ek.pk,
        ek.sk,
        orjson.dumps(projected),
        item_size(projected),
    )


# --- validation (pure; before any write) --------------------------------------------------


def check_index_keys(table: TableSchema, item: Item, before: Item | None = None) -> None:
    """Reject an item whose index key attributes cannot key their index: wrong type, empty
    S/B, or over the key size limit. Absent attributes are fine (sparse index).

    ``before``: the item before an update; only index keys the update changed are checked
    (an UpdateItem never re-rejects a value it did not touch) and empty values get the
    update-expression wording. When several indexes are violated, DynamoDB names the
    alphabetically first index; so do we. Vector indexes are checked first
    (engine.vectors.checks)."""
    if table.record.vector_indexes:
        check_vector_item(table, item, before)
    if not table.indexes:
        return
    found: tuple[str, str] | None = None
    for index in table.indexes:
        if found is not None and index.name >= found[0]:
            continue
        message = _index_problem(index, item, before)
        if message is not None:
            found = (index.name, message)
    if found is not None:
        raise ValidationException(found[1])


def _index_problem(index: IndexSchema, item: Item, before: Item | None) -> str | None:
    keys = index.keys
    elements: list[tuple[str, str | None, int]] = []
    if index.is_global:  # an LSI's hash key is the table's, checked as a table key
        elements.append((keys.hash_name, keys.hash_type, MAX_HASH_KEY_BYTES))
    if keys.range_name is not None:
        elements.append((keys.range_name, keys.range_type, MAX_RANGE_KEY_BYTES))
    name = index.name
    for attr, declared, limit in elements:
        value = item.get(attr)
        if value is None or (before is not None and before.get(attr) == value):
            continue
        kind, inner = next(iter(value.items()))
        if kind != declared:
            return (
                INVALID + f"Type mismatch for Index Key {attr} Expected: {declared} "
                f"Actual: {kind} IndexName: {name}"
            )
        if kind == "N":
            continue
        if inner == "":
            what = "string" if kind == "S" else "binary"
            if before is not None:
                return (
                    NOT_VALID + "The update expression attempted to update a secondary index "
                    "key to a value that is not supported. The AttributeValue for a key "
                    f"attribute cannot contain an empty {what} value."
                )
            return (
                NOT_VALID + "A value specified for a secondary index key is not supported. "
                f"The AttributeValue for a key attribute cannot contain an empty {what} value. "
                f"IndexName: {name}, IndexKey: {attr}"
            )
        size = len(inner.encode()) if kind == "S" else binary_size(inner)
        if size > limit:
            return (
                INVALID + f"Size limit exceeded for Index Key {attr} Actual Size: {size} bytes "
                f"Max Size: {limit} bytes IndexName: {name}"
            )
    return None


# --- maintenance (inside the item's write block) ------------------------------------------


def sync(
    w: Writer,
    table: TableSchema,
    ek: EncodedKey,
    old: Item | None,
    new: Item | None,
    limits: Limits,
) -> None:
    """Bring every index of ``table`` in step with the change of one item from ``old`` to
    ``new`` (either may be None). An entry whose key and projection are unchanged is left
    alone. For a table with LSIs, also enforce the 400 KB item limit (the item plus its LSI
    entries) and the item collection size limit; raising rolls the whole write back."""
    lsi_bytes = 0
    has_lsi = False
    whole: tuple[bytes, int] | None = None  # body and size of ``new``, shared by ALL indexes
    for index in table.indexes:
        old_key = entry_key(index, old) if old is not None else None
        new_key = entry_key(index, new) if new is not None else None
        if old_key is not None and old_key != new_key:
            w.delete_index_row(
                index.index_id, pk_hash(old_key[0]), old_key[0], old_key[1], ek.pk, ek.sk
            )
        if new_key is None or new is None:
            continue
        projected = project(table, index, new)
        if projected is new:
            if whole is None:
                whole = (orjson.dumps(new), item_size(new))
            body, size = whole
        else:
            body, size = b"", item_size(projected)
        if not index.is_global:
            has_lsi = True
            lsi_bytes += size
        if old_key == new_key and old is not None and project(table, index, old) == projected:
            continue
        row = IndexRow(
            pk_hash(new_key[0]),
            new_key[0],
            new_key[1],
            ek.pk,
            ek.sk,
            body or orjson.dumps(projected),
            size,
        )
        w.put_index_row(index.index_id, row)
    if has_lsi and new is not None:
        new_size = whole[1] if whole is not None else item_size(new)
        if new_size + lsi_bytes > limits.item_bytes:
            raise ValidationException(ITEM_TOO_LARGE)
        if old is None or new_size > item_size(old):
            _check_collection(w, table, ek, limits.lsi_collection_bytes)


def _check_collection(w: Writer, table: TableSchema, ek: EncodedKey, limit: int) -> None:
    # The item rows alone are one aggregate; LSI rows are never larger than their item, so
    # only a collection near the limit needs its LSI rows added up.
    items = w.collection_size(table.table_id, ek.pk_hash, ek.pk)
    lsi_count = sum(1 for index in table.indexes if not index.is_global)
    if items * (1 + lsi_count) <= limit:
        return
    if items > limit or items + _lsi_rows_size(w, table, ek) > limit:
        raise ItemCollectionSizeLimitExceededException(COLLECTION_TOO_LARGE)


def _lsi_rows_size(r: Reader, table: TableSchema, ek: EncodedKey) -> int:
    total = 0
    for index in table.indexes:
        if not index.is_global:
            for row in r.query_index(index.index_id, ek.pk_hash, ek.pk, None, True, None):
                total += row.size
    return total


def collection_size(r: Reader, table: TableSchema, key: Item) -> int:
    """Bytes of one item collection: every item with the key's partition key value plus
    their LSI entries."""
    pk = encode(key[table.keys.hash_name])
    ek = EncodedKey(pk_hash(pk), pk, b"")
    return r.collection_size(table.table_id, ek.pk_hash, ek.pk) + _lsi_rows_size(r, table, ek)


def has_lsi(table: TableSchema) -> bool:
    return any(not index.is_global for index in table.indexes)


def collection_metrics(table: TableSchema, key: Item, size: int) -> dict[str, Any]:
    """One ItemCollectionMetrics member: the collection's partition key and DynamoDB's
    size estimate, a [lower, upper] range in GB one GB wide."""
    low = float(math.floor(size / GB))
    hash_name = table.keys.hash_name
    return {
        "ItemCollectionKey": {hash_name: key[hash_name]},
        "SizeEstimateRangeGB": [low, low + 1.0],
    }


# --- capacity ----------------------------------------------------------------------------


def write_units(
    table: TableSchema, old: Item | None, new: Item | None
) -> dict[str, tuple[bool, float]]:
    """Write units each index consumes for one item changing from ``old`` to ``new``:
    a new entry costs its size, a removed one its size, an entry rewritten in place the
    larger of the two, a moved key both (a delete and a put); an entry that does not change
    costs nothing and is absent from the result. Sizes are those of the projected entries."""
    out: dict[str, tuple[bool, float]] = {}
    for index in table.indexes:
        before = _entry(table, index, old)
        after = _entry(table, index, new)
        units = _units(before, after)
        if units:
            out[index.name] = (index.is_global, units)
    return out


def _entry(
    table: TableSchema, index: IndexSchema, item: Item | None
) -> tuple[tuple[bytes, bytes], Item] | None:
    if item is None:
        return None
    key = entry_key(index, item)
    return None if key is None else (key, project(table, index, item))


def _units(
    before: tuple[tuple[bytes, bytes], Item] | None,
    after: tuple[tuple[bytes, bytes], Item] | None,
) -> float:
    if before is None and after is None:
        return 0.0
    if before is None or after is None:
        entry = before or after
        assert entry is not None
        return capacity.write_units(item_size(entry[1]))
    old_units = capacity.write_units(item_size(before[1]))
    new_units = capacity.write_units(item_size(after[1]))
    if before[0] != after[0]:
        return old_units + new_units
    if same_item(before[1], after[1]):
        return 0.0
    return max(old_units, new_units)


def same_item(a: Item, b: Item) -> bool:
    """Equality as DynamoDB sees it: sets are unordered, lists are not."""
    return len(a) == len(b) and all(
        name in b and _same_value(value, b[name]) for name, value in a.items()
    )


def _same_value(a: Value, b: Value) -> bool:
    (kind, x), (other, y) = next(iter(a.items())), next(iter(b.items()))
    if kind != other:
        return False
    if kind in ("SS", "NS", "BS"):
        return len(x) == len(y) and set(x) == set(y)
    if kind == "L":
        return len(x) == len(y) and all(map(_same_value, x, y))
    if kind == "M":
        return same_item(x, y)
    return bool(x == y)


def rows_of(r: Reader, index: IndexSchema) -> Iterator[IndexRow]:
    """Every row of one index, in storage order (tests and consistency checks)."""
    return r.scan_index(index.index_id, *_ALL, None)
