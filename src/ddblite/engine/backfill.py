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
from collections.abc import Callable
from typing import TypeVar, cast

import orjson

from ddblite.engine import indexes
from ddblite.engine.database import Caller, Database
from ddblite.engine.reads import WHOLE_HASH_SPACE, take
from ddblite.engine.scheduler import Chunks
from ddblite.errors import TransactionConflictException
from ddblite.model.schema import EncodedKey, IndexSchema, TableSchema
from ddblite.storage.base import FencedWriter, SharedBackend, StaleCatalogError

CHUNK = 256
_T = TypeVar("_T")
_ALL = WHOLE_HASH_SPACE


def start_backfill(db: Database, table: TableSchema, index_name: str) -> None:
    index = table.index(index_name)
    if index is None:
        return
    key = ("backfill", table.table_id, index.index_id)
    db.background.submit(key, _backfill(db, table, index_name, index.index_id))


def ensure_running(db: Database, table: TableSchema) -> None:
    """Restart work a restart interrupted: backfills of CREATING indexes, pending drops."""
    for index in table.indexes:
        if index.status == "CREATING" and not db.background.pending(
            ("backfill", table.table_id, index.index_id)
        ):
            start_backfill(db, table, index.name)
    for index_id in table.record.dropping:
        start_drop(db, table, index_id)


def _current(db: Database, table: TableSchema) -> TableSchema | None:
    current = db.find_table(Caller(table.account, table.region), table.name)
    if current is None or current.table_id != table.table_id:
        return None
    return current


def _backfill(db: Database, table: TableSchema, index_name: str, index_id: int) -> Chunks:
    from ddblite.engine import catalog  # imported here: engine.catalog imports this module

    after: tuple[int, bytes, bytes] | None = None
    size = CHUNK
    shared = bool(getattr(db.backend, "shared", False))
    while True:
        current = _current(db, table)
        index = current.index(index_name) if current is not None else None
        if current is None or index is None or index.index_id != index_id:
            return
        if index.status != "CREATING":
            return
        chunk = functools.partial(_backfill_chunk, db, current, index, after, size, shared)
        try:
            rows = _run(db, chunk)
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
    _run(db, functools.partial(catalog.activate_index, db, table, index_name, index_id))


def _backfill_chunk(
    db: Database,
    table: TableSchema,
    index: IndexSchema,
    after: tuple[int, bytes, bytes] | None,
    size: int,
    shared: bool,
) -> list[tuple[int, bytes, bytes]]:
    """Index rows for the next ``size`` items after ``after``, in one write block; returns
    the keys it covered.

    On a backend other servers write to concurrently (PostgreSQL, READ COMMITTED) an item may
    change between the scan and the index write; so the chunk fences the table version, locks
    the items' keys as every item write does, and builds each row from the item as it is under
    that lock. Writes that commit later keep the row themselves."""
    with db.backend.write() as w:
        if shared:
            cast(FencedWriter, w).fence_table(table.table_id, table.version)
        rows: list[tuple[int, bytes, bytes, bytes | None]] = [
            (row.pk_hash, row.pk, row.sk, row.body)
            for row in take(w.scan_items(table.table_id, *_ALL, after), size)
        ]
        if shared:
            cast(FencedWriter, w).lock_keys((table.table_id, pk, sk) for _, pk, sk, _ in rows)
            rows = [
                (pk_hash, pk, sk, w.get_item(table.table_id, pk_hash, pk, sk))
                for pk_hash, pk, sk, _ in rows
            ]
        for pk_hash, pk, sk, body in rows:
            if body is None:
                continue  # deleted meanwhile
            entry = indexes.index_row(table, index, orjson.loads(body), EncodedKey(pk_hash, pk, sk))
            if entry is not None:
                w.put_index_row(index.index_id, entry)
    return [(pk_hash, pk, sk) for pk_hash, pk, sk, _ in rows]


def start_drop(db: Database, table: TableSchema, index_id: int) -> None:
    db.background.submit(("drop", index_id), _drop(db, table, index_id))


def _drop(db: Database, table: TableSchema, index_id: int) -> Chunks:
    from ddblite.engine import catalog  # (see _backfill)

    while not _run(db, functools.partial(_drop_chunk, db, index_id)):
        yield
    _run(db, functools.partial(catalog.forget_dropped_index, db, table, index_id))


def _drop_chunk(db: Database, index_id: int) -> bool:
    """Delete up to CHUNK rows of a dropped index; the last chunk drops the index id too.
    True when done. Nothing else writes these rows any more, so no locking is needed."""
    with db.backend.write() as w:
        rows = take(w.scan_index(index_id, *_ALL, None), CHUNK)
        for row in rows:
            w.delete_index_row(index_id, row.ix_hash, row.ix_pk, row.ix_sk, row.pk, row.sk)
        if len(rows) < CHUNK:
            w.drop_index(index_id)
            return True
    return False


def _run(db: Database, fn: Callable[[], _T]) -> _T:
    """``fn`` (one write block); on a shared backend through ``run_write``, which re-runs it
    where the isolation level needs that."""
    if getattr(db.backend, "shared", False):
        return cast(SharedBackend, db.backend).run_write(fn)
    return fn()
