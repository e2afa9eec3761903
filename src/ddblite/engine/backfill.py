"""Background work in bounded chunks: GSI backfill and dropping a deleted index's rows.

Each job is a chunked one-off job of the database's scheduler (``db.background``, engine.
scheduler): an iterator whose every ``next()`` does one chunk of work inside its own storage
``write()`` block (a few hundred rows, milliseconds), so requests interleave with it. Without
a server (in-process mode, tests that do not ask otherwise) a job runs to completion when it
is submitted.

Backfilling a new GSI: the index is in the catalog with IndexStatus CREATING from the moment
UpdateTable returns, so every write from then on keeps its rows (``indexes.sync``). The job
walks the table in key order and writes each item's row (put is an upsert, so an item written
meanwhile is harmless), then flips the index to ACTIVE. A job stops quietly if its index or
table went away. Progress is not persisted: after a restart the next DescribeTable (or
UpdateTable, or Query) of the table restarts the backfill from the beginning, which is safe
because it is idempotent.

Dropping a deleted index: its catalog entry is gone at once (nothing reads or writes it any
more); the rows are deleted in chunks, then the index id. Pending drops are listed in the
table's catalog record (``TableRecord.dropping``) so a restart finishes them the same way.
"""

from __future__ import annotations

import functools

import orjson

from ddblite.engine import indexes, ttl
from ddblite.engine.chunks import (
    CHUNK,
    Position,
    current_table,
    drop_index_rows,
    next_rows,
    run_chunk,
)
from ddblite.engine.database import Caller, Database
from ddblite.engine.reads import WHOLE_HASH_SPACE
from ddblite.engine.scheduler import Chunks
from ddblite.errors import TransactionConflictException
from ddblite.model.schema import EncodedKey, IndexSchema, TableSchema
from ddblite.model.table_record import TableStatus
from ddblite.storage.base import StaleCatalogError

__all__ = ["CHUNK", "ensure_running", "start_backfill", "start_drop"]
_ALL = WHOLE_HASH_SPACE


def start_backfill(db: Database, table: TableSchema, index_name: str) -> None:
    index = table.index(index_name)
    if index is None:
        return
    key = ("backfill", table.table_id, index.index_id)
    db.background.submit(key, _backfill(db, table, index_name, index.index_id))


def ensure_running(db: Database, table: TableSchema) -> None:
    """Restart work a restart interrupted: backfills of CREATING indexes, pending drops,
    TTL still ENABLING, backups still being copied, a restore still CREATING."""
    for index in table.indexes:
        if index.status == "CREATING" and not db.background.pending(
            ("backfill", table.table_id, index.index_id)
        ):
            start_backfill(db, table, index.name)
    for index_id in table.record.dropping:
        start_drop(db, table, index_id)
    if table.record.ttl_enabling:
        ttl.start_enabling(db, table)
    from ddblite.engine import backups  # (see _backfill)

    for backup in table.record.backups_copying:
        backups.copy(db, table, backup)
    if table.record.status is TableStatus.CREATING and table.record.restored_from is not None:
        backups.start_restore(db, table)


def _backfill(db: Database, table: TableSchema, index_name: str, index_id: int) -> Chunks:
    from ddblite.engine import catalog  # imported here: engine.catalog imports this module

    after: Position | None = None
    size = CHUNK
    shared = bool(getattr(db.backend, "shared", False))
    while True:
        current = current_table(db, table)
        index = current.index(index_name) if current is not None else None
        if current is None or index is None or index.index_id != index_id:
            return
        if index.status != "CREATING":
            return
        chunk = functools.partial(_backfill_chunk, db, current, index, after, size, shared)
        try:
            rows = run_chunk(db, chunk)
        except StaleCatalogError:  # another server changed the table: reload, then go on
            db.forget(Caller(table.account, table.region), table.name)
            yield
            continue
        except TransactionConflictException:
            # Busy keys (a lock timeout, or SERIALIZABLE retries used up): the same range
            # again a turn later, smaller, so that it can slip between the writers.
            size = max(1, size // 4)
            yield
            continue
        if len(rows) < size:
            break
        after = rows[-1]
        size = min(CHUNK, size * 2)
        yield
    run_chunk(db, functools.partial(catalog.activate_index, db, table, index_name, index_id))


def _backfill_chunk(
    db: Database,
    table: TableSchema,
    index: IndexSchema,
    after: Position | None,
    size: int,
    shared: bool,
) -> list[Position]:
    """Index rows for the next ``size`` items after ``after``, in one write block; returns
    the keys it covered (``chunks.next_rows`` keeps it safe beside concurrent writers)."""
    with db.backend.write() as w:
        rows = next_rows(w, table, after, size, shared)
        for row in rows:
            if row.body is None:
                continue  # deleted meanwhile
            item = orjson.loads(row.body)
            entry = indexes.index_row(table, index, item, EncodedKey(*row.position))
            if entry is not None:
                w.put_index_row(index.index_id, entry)
    return [row.position for row in rows]


def start_drop(db: Database, table: TableSchema, index_id: int) -> None:
    db.background.submit(("drop", index_id), _drop(db, table, index_id))


def _drop(db: Database, table: TableSchema, index_id: int) -> Chunks:
    from ddblite.engine import catalog  # (see _backfill)

    while not run_chunk(db, functools.partial(_drop_chunk, db, index_id)):
        yield
    run_chunk(db, functools.partial(catalog.forget_dropped_index, db, table, index_id))


def _drop_chunk(db: Database, index_id: int) -> bool:
    """Delete up to CHUNK rows of a dropped index; the last chunk drops the index id too.
    True when done. Nothing else writes these rows any more, so no locking is needed."""
    with db.backend.write() as w:
        return drop_index_rows(w, index_id)
