"""Backfilling a vector index created on a populated table (UpdateTable VectorIndexUpdates).

The index is in the catalog as CREATING from the moment UpdateTable returns. The job
registers an empty set of matrices for it in the cache, so every write from then on keeps
them in step (``VectorCache.on_store``), then reads the table in chunks of ``CHUNK`` items,
one read block each (a put is an upsert, so an item written meanwhile is harmless), through
the database's scheduler so requests interleave with it; then the index becomes ACTIVE.
DescribeTable meanwhile counts the entries read so far. Progress is not persisted: after a
restart the next DescribeTable restarts the job from the beginning (``ensure_running``).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import orjson

from ddblite.engine.chunks import CHUNK, Position, current_table, run_chunk
from ddblite.engine.database import Database
from ddblite.engine.reads import WHOLE_HASH_SPACE, take
from ddblite.engine.scheduler import Chunks
from ddblite.model.schema import TableSchema
from ddblite.model.table_record import IndexStatus

if TYPE_CHECKING:
    from ddblite.engine.vectors.index_matrices import IndexMatrices


def start(db: Database, table: TableSchema, name: str) -> None:
    db.background.submit(_key(table, name), _backfill(db, table, name))


def ensure_running(db: Database, table: TableSchema) -> None:
    """Restart the backfills a restart interrupted."""
    for index in table.record.vector_indexes:
        if index.status is IndexStatus.CREATING and not db.background.pending(
            _key(table, index.name)
        ):
            start(db, table, index.name)


def _key(table: TableSchema, name: str) -> tuple[str, int, str]:
    return ("vector-backfill", table.table_id, name)


def _backfill(db: Database, table: TableSchema, name: str) -> Chunks:
    # Imported here: engine.catalog imports this module, and numpy (index_matrices) loads only
    # once a vector index is backfilled.
    from ddblite.engine import catalog
    from ddblite.engine.vectors.index_matrices import IndexMatrices

    matrices: IndexMatrices | None = None
    after: Position | None = None
    while True:
        current = current_table(db, table)
        index = current.record.vector_index(name) if current is not None else None
        if index is None or index.status is not IndexStatus.CREATING:
            return
        if matrices is None:
            matrices = IndexMatrices(index)
            db.vectors.install(table, matrices)
        with db.backend.read() as r:
            rows = take(r.scan_items(table.table_id, *WHOLE_HASH_SPACE, after), CHUNK)
        for row in rows:
            matrices.put((row.pk, row.sk), orjson.loads(row.body))
        if len(rows) < CHUNK:
            break
        last = rows[-1]
        after = (last.pk_hash, last.pk, last.sk)
        yield
    run_chunk(db, functools.partial(catalog.activate_vector_index, db, table, name))
