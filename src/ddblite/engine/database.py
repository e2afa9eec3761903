"""The facade the operations call: DynamoDB semantics over a storage backend.

Every single-item write is one read-check-write inside one storage ``write()`` block:
``old = get(key)``; ``new = mutate(old)`` (condition check and update, pure, on a copy); store
``new``; keep the indexes in step. A ``mutate`` that raises leaves storage untouched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from ddblite.errors import ResourceNotFoundException, ValidationException
from ddblite.model.schema import EncodedKey, TableSchema, encode_key
from ddblite.model.values import Item, item_size
from ddblite.storage.base import StorageBackend, TableRow, Writer

NOT_FOUND = "Requested resource not found"
ITEM_TOO_LARGE = "Item size has exceeded the maximum allowed size"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: tables live per (account, region)."""

    account: str
    region: str


@dataclass(frozen=True, slots=True)
class WriteResult:
    old: Item | None
    new: Item | None
    old_size: int
    new_size: int


Mutation = Callable[[Item | None], Item | None]
IndexSync = Callable[[Writer, TableSchema, EncodedKey, Item | None, Item | None], None]


def _no_indexes(
    writer: Writer, table: TableSchema, key: EncodedKey, old: Item | None, new: Item | None
) -> None:
    return None


class Database:
    def __init__(self, backend: StorageBackend, clock: Callable[[], float] = time.time) -> None:
        self.backend = backend
        self.clock = clock
        self._tables: dict[tuple[str, str, str], TableSchema] = {}
        # Installed by engine.indexes when it is imported; kept as a hook so the item path
        # pays nothing for tables without indexes.
        self.sync_indexes: IndexSync = _no_indexes
        self.max_item_bytes = 400 * 1024

    # --- catalog cache ----------------------------------------------------------------------

    def find_table(self, caller: Caller, name: str) -> TableSchema | None:
        cache_key = (caller.account, caller.region, name)
        table = self._tables.get(cache_key)
        if table is not None:
            return table
        with self.backend.read() as r:
            row = r.get_table(caller.account, caller.region, name)
        if row is None:
            return None
        table = schema_of(row)
        self._tables[cache_key] = table
        return table

    def table(self, caller: Caller, name: str, message: str | None = None) -> TableSchema:
        """The table, or ResourceNotFoundException (item operations use the short message)."""
        table = self.find_table(caller, name)
        if table is None:
            raise ResourceNotFoundException(message or NOT_FOUND)
        return table

    def forget(self, caller: Caller, name: str) -> None:
        self._tables.pop((caller.account, caller.region, name), None)

    # --- items -------------------------------------------------------------------------------

    def get_item(self, table: TableSchema, key: Item) -> tuple[Item | None, int]:
        ek = encode_key(table.keys, key)
        with self.backend.read() as r:
            body = r.get_item(table.table_id, ek.pk_hash, ek.pk, ek.sk)
        if body is None:
            return None, 0
        item: Item = orjson.loads(body)
        return item, item_size(item)

    def write_item(self, table: TableSchema, key: Item, mutate: Mutation) -> WriteResult:
        """Read the item at ``key``, let ``mutate`` decide its new state (None deletes), store
        it. ``mutate`` raises to refuse (condition failed, bad update): nothing is written."""
        ek = encode_key(table.keys, key)
        with self.backend.write() as w:
            body = w.get_item(table.table_id, ek.pk_hash, ek.pk, ek.sk)
            old: Item | None = orjson.loads(body) if body is not None else None
            new = mutate(old)
            old_size = item_size(old) if old is not None else 0
            new_size = 0
            if new is not None:
                new_size = item_size(new)
                if new_size > self.max_item_bytes:
                    raise ValidationException(ITEM_TOO_LARGE)
                w.put_item(
                    table.table_id, ek.pk_hash, ek.pk, ek.sk, orjson.dumps(new), new_size,
                    None,
                )
            elif old is not None:
                w.delete_item(table.table_id, ek.pk_hash, ek.pk, ek.sk)
            if table.indexes and (old is not None or new is not None):
                self.sync_indexes(w, table, ek, old, new)
        return WriteResult(old, new, old_size, new_size)


def schema_of(row: TableRow) -> TableSchema:
    return TableSchema.load(
        row.table_id, row.account, row.region, row.name, row.description, row.status,
        row.version, row.created_at,
    )
