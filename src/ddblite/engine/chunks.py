"""What every chunked background job needs: running one chunk's write block, and reading the
next items of a table in a form safe to rewrite.

A chunk is one storage ``write()`` block over a few hundred rows (engine.backfill, engine.ttl,
engine.backups), so requests interleave with the job that runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, TypeVar, cast

import orjson

from ddblite.engine.database import Caller, Database
from ddblite.engine.reads import WHOLE_HASH_SPACE, take
from ddblite.model.schema import TableSchema
from ddblite.model.values import item_size
from ddblite.storage.base import FencedWriter, SharedBackend, Writer

CHUNK = 256
_T = TypeVar("_T")

# (pk_hash, pk, sk): where a walk of a table in key order stands.
Position = tuple[int, bytes, bytes]


class ChunkRow(NamedTuple):
    """One item as a chunk saw it."""

    pk_hash: int
    pk: bytes
    sk: bytes
    body: bytes | None  # None: deleted meanwhile
    size: int

    @property
    def position(self) -> Position:
        return (self.pk_hash, self.pk, self.sk)


def current_table(db: Database, table: TableSchema) -> TableSchema | None:
    """The table as it stands now, or None if it was deleted (or re-created) since ``table``
    was read: a job for it then stops."""
    current = db.find_table(Caller(table.account, table.region), table.name)
    if current is None or current.table_id != table.table_id:
        return None
    return current


def run_chunk(db: Database, fn: Callable[[], _T]) -> _T:
    """``fn`` (one write block); on a shared backend through ``run_write``, which re-runs it
    where the isolation level needs that."""
    if getattr(db.backend, "shared", False):
        return cast(SharedBackend, db.backend).run_write(fn)
    return fn()


def next_rows(
    w: Writer, table: TableSchema, after: Position | None, size: int, shared: bool
) -> list[ChunkRow]:
    """The next ``size`` items of ``table`` after ``after`` in key order, to be rewritten in
    this write block.

    On a backend other servers write to concurrently (PostgreSQL, READ COMMITTED) an item may
    change between the scan and the rewrite; so the chunk fences the table version, locks the
    items' keys as every item write does, and re-reads each item under that lock. Writes that
    commit later keep what they derive from the item themselves."""
    if shared:
        cast(FencedWriter, w).fence_table(table.table_id, table.version)
    rows = [
        ChunkRow(row.pk_hash, row.pk, row.sk, row.body, row.size)
        for row in take(w.scan_items(table.table_id, *WHOLE_HASH_SPACE, after), size)
    ]
    if shared:
        cast(FencedWriter, w).lock_keys((table.table_id, row.pk, row.sk) for row in rows)
        rows = [_reread(w, table, row) for row in rows]
    return rows


def _reread(w: Writer, table: TableSchema, row: ChunkRow) -> ChunkRow:
    body = w.get_item(table.table_id, row.pk_hash, row.pk, row.sk)
    if body == row.body:
        return row
    size = 0 if body is None else item_size(orjson.loads(body))
    return row._replace(body=body, size=size)


def drop_index_rows(w: Writer, index_id: int) -> bool:
    """Delete up to CHUNK rows of an index nothing writes any more (deleted, or its table's);
    when fewer were left, drop the index id too. True when the index is gone."""
    rows = take(w.scan_index(index_id, *WHOLE_HASH_SPACE, None), CHUNK)
    for row in rows:
        w.delete_index_row(index_id, row.ix_hash, row.ix_pk, row.ix_sk, row.pk, row.sk)
    if len(rows) < CHUNK:
        w.drop_index(index_id)
        return True
    return False
