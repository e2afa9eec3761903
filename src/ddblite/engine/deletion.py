"""DeleteTable's rows, deleted in the background.

DeleteTable retires the table's catalog row in one write block (``Writer.retire_table``: moved
under the reserved account ``__deleting__``, named by its storage id), so the table is gone
for every request and its name free at once; this job then deletes its index rows and items a
chunk per scheduler step, and last the row itself. The retired row is the job's pending
state: after a restart ``resume`` (a periodic job, engine.background) finds it and the job
goes on where it stood (each chunk deletes what is left).
"""

from __future__ import annotations

import functools

from ddblite.engine.chunks import CHUNK, drop_index_rows, run_chunk
from ddblite.engine.database import Database
from ddblite.engine.reads import WHOLE_HASH_SPACE, take
from ddblite.engine.scheduler import Chunks
from ddblite.model import table_codec

# Where a retired catalog row lives: no SigV4 caller has this account (accounts are 12
# digits), and no region is named "-".
ACCOUNT = "__deleting__"
REGION = "-"
# How often a restarted server looks for deletions to finish (the first time at once).
RESUME_INTERVAL = 3600.0


def retired_name(table_id: int) -> str:
    return f"{table_id:020d}"


def start(db: Database, table_id: int) -> None:
    db.background.submit(("delete table", table_id), _delete(db, table_id))


def _delete(db: Database, table_id: int) -> Chunks:
    while not run_chunk(db, functools.partial(_delete_chunk, db, table_id)):
        yield


def _delete_chunk(db: Database, table_id: int) -> bool:
    """Up to CHUNK index rows, or else up to CHUNK items, of the retired table; the last
    chunk drops its catalog row. True when the table is gone."""
    with db.backend.write() as w:
        row = w.get_table(ACCOUNT, REGION, retired_name(table_id))
        if row is None:
            return True
        record = table_codec.decode(row.description)
        index_ids = [ix.index_id for ix in (*record.local_indexes, *record.global_indexes)]
        for index_id in (*index_ids, *record.dropping):
            if not drop_index_rows(w, index_id):
                return False
        items = take(w.scan_items(table_id, *WHOLE_HASH_SPACE, None), CHUNK)
        for item in items:
            w.delete_item(table_id, item.pk_hash, item.pk, item.sk)
        if len(items) == CHUNK:
            return False
        w.delete_table(table_id)
    return True


def resume(db: Database, now: float) -> bool:
    """Restart the deletions a restart interrupted (the scheduler's periodic job)."""
    with db.backend.read() as r:
        names = r.list_tables(ACCOUNT, REGION, None, 2**31 - 1)
    for name in names:
        start(db, int(name))
    return False
