"""Time to Live: which items have expired, and the sweeper that deletes them.

A table with TTL enabled names one attribute (``ttl_attribute``). An item has expired when that
attribute is a Number of epoch seconds below the current time and not more than five years in
the past (DynamoDB ignores older values, and values of any other type): ``model.expiry``, which
the write path uses too. DynamoDB deletes expired items in the background, "typically within a
few days"; until then they still appear in every read. We delete them within about a second,
and tests can call ``sweep`` directly.

Finding expired items without scanning: every item write of a TTL table stores
``expires_at = floor(value)`` in the item row (``expiry.expires_at``), which has an index; a
write of any other table stores NULL and pays nothing. ``floor`` makes the column a superset: an
item whose row says ``expires_at < ceil(now)`` is a candidate, and the sweeper checks the
exact value before deleting. Deletion goes through ``Database.write_item``, the path every
delete takes, so indexes stay in step and a stream gets its REMOVE record, marked as the
service's doing (``stream_log.service_identity``).

Enabling TTL on a table that already holds items fills the column for them in the background
(``start_enabling``: DescribeTimeToLive says ENABLING meanwhile, as DynamoDB's does; the item
writes made meanwhile already store their own value);
disabling it leaves stale values, which the sweeper clears the first time it meets them (it
rewrites an item it finds not expired, and the rewrite stores the current answer).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import orjson

from ddblite.engine.chunks import CHUNK, ChunkRow, Position, current_table, next_rows, run_chunk
from ddblite.engine.database import Caller, Database, schema_of
from ddblite.engine.scheduler import Chunks
from ddblite.engine.stream_log import service_identity
from ddblite.model.expiry import FIVE_YEARS, expires_at, is_expired
from ddblite.model.schema import TableSchema, key_of
from ddblite.model.values import Item
from ddblite.storage.base import StaleCatalogError

SWEEP_INTERVAL = 1.0
# Candidates a scheduled sweep looks at per table; a larger backlog is worked off in several
# steps, between which the server answers requests.
SWEEP_BUDGET = 500
_BATCH = 256


class _Gone(Exception):
    """The candidate was deleted or rewritten meanwhile: nothing to do."""


def _expire_mutation(attribute: str | None, now: float) -> Callable[[Item | None], Item | None]:
    def mutate(old: Item | None) -> Item | None:
        if old is None:
            raise _Gone
        if attribute is not None and is_expired(old, attribute, now):
            return None
        # Not expired after all (changed since, TTL now off, or a fraction of a second to
        # go): storing it again refreshes its expires_at; the stream sees no change.
        return old

    return mutate


def sweep(db: Database, now: float | None = None, budget: int | None = None) -> int:
    """Delete the items expired at ``now`` (default: the database's clock); the number
    deleted. ``budget`` caps the candidates looked at per table (default: no cap)."""
    now = db.clock() if now is None else now
    high = math.ceil(now)
    low = math.floor(now - FIVE_YEARS)

    with db.backend.read() as r:
        rows = r.expiring_tables(high, low)
    deleted = 0
    with service_identity():
        for row in rows:
            deleted += _sweep_table(db, schema_of(row), now, high, low, budget)
    return deleted


def _sweep_table(
    db: Database, table: TableSchema, now: float, high: int, low: int, budget: int | None
) -> int:
    mutate = _expire_mutation(table.ttl_attribute, now)
    deleted = seen = 0
    while budget is None or seen < budget:
        batch = _BATCH if budget is None else min(_BATCH, budget - seen)
        with db.backend.read() as r:
            candidates = r.expired_items(table.table_id, high, batch, low)
        removed = 0
        for candidate in candidates:
            key = key_of(table.keys, orjson.loads(candidate.body))
            try:
                result = db.write_item(table, key, mutate)
            except _Gone:
                continue
            if result.new is None:
                removed += 1
        deleted += removed
        seen += len(candidates)
        # A batch that deleted nothing holds only items a fraction of a second from expiry:
        # the next sweep gets them.
        if len(candidates) < batch or not removed:
            break
    return deleted


def start_enabling(db: Database, table: TableSchema) -> None:
    """Index the expiry of the items stored before TTL was enabled, a chunk per scheduler
    step; the table stays ENABLING (``TableRecord.ttl_enabling``) until the last chunk, so a
    restart finds the work and ``backfill.ensure_running`` starts it again (it is idempotent:
    each chunk stores every item's current answer)."""
    db.background.submit(("ttl", table.table_id), _enable(db, table))


def _enable(db: Database, table: TableSchema) -> Chunks:
    from ddblite.engine import catalog  # imported here: engine.catalog imports this module

    after: Position | None = None
    shared = bool(getattr(db.backend, "shared", False))
    while True:
        current = current_table(db, table)
        if current is None or current.ttl_attribute is None or not current.record.ttl_enabling:
            return
        try:
            rows = run_chunk(db, functools.partial(_index_chunk, db, current, after, shared))
        except StaleCatalogError:  # another server changed the table: reload, then go on
            db.forget(Caller(table.account, table.region), table.name)
            yield
            continue
        if len(rows) < CHUNK:
            break
        after = rows[-1].position
        yield
    run_chunk(db, functools.partial(catalog.finish_enabling_ttl, db, table))


def _index_chunk(
    db: Database, table: TableSchema, after: Position | None, shared: bool
) -> list[ChunkRow]:
    """Store ``expires_at`` for the next CHUNK items, in one write block."""
    attribute = table.ttl_attribute
    assert attribute is not None
    with db.backend.write() as w:
        rows = next_rows(w, table, after, CHUNK, shared)
        for row in rows:
            if row.body is None:
                continue  # deleted meanwhile
            at = expires_at(orjson.loads(row.body), attribute)
            w.put_item(table.table_id, row.pk_hash, row.pk, row.sk, row.body, row.size, at)
    return rows


def scheduled_sweep(db: Database, now: float) -> bool:
    """The scheduler's periodic sweep (engine.background): a bounded one, so requests keep
    flowing; True while a backlog remains, which has the scheduler sweep again at once."""
    return sweep(db, now, SWEEP_BUDGET) >= SWEEP_BUDGET
