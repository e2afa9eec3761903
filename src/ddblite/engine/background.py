"""The database's standard periodic jobs, registered on its scheduler in one place.

``open_database`` calls ``schedule_standard_jobs`` for every host (server, embedded engine).
A feature with periodic work (PITR retention, capacity refill, replication, trigger delivery)
adds its job here; chunked one-off work is submitted where it starts (``db.background.submit``,
as engine.backfill does). The job bodies import the database; the database imports none of
them.
"""

from __future__ import annotations

from functools import partial

from ddblite.engine import deletion, streams, ttl
from ddblite.engine.database import Database
from ddblite.engine.scheduler import PeriodicJob


def schedule_standard_jobs(db: Database) -> None:
    # The TTL sweep runs every second, and again at once while a backlog remains.
    db.background.every(
        PeriodicJob("TTL sweep", ttl.SWEEP_INTERVAL, partial(ttl.scheduled_sweep, db))
    )
    db.background.every(
        PeriodicJob("stream trim", streams.TRIM_INTERVAL, partial(streams.scheduled_trim, db))
    )
    # Deleted tables whose rows a restart left behind (engine.deletion): at once, then hourly.
    db.background.every(
        PeriodicJob("table deletions", deletion.RESUME_INTERVAL, partial(deletion.resume, db))
    )
