"""Open the Database a Settings value names: the backend it picks, and the engine over it with
its standard background jobs."""

from __future__ import annotations

from ddblite.config import Settings
from ddblite.engine.background import schedule_standard_jobs
from ddblite.engine.database import Database
from ddblite.storage.base import StorageBackend


def open_backend(settings: Settings) -> StorageBackend:
    if settings.is_postgres:
        from ddblite.storage.postgres.backend import PostgresBackend

        return PostgresBackend(settings.db)
    from ddblite.storage.sqlite.backend import SqliteBackend

    return SqliteBackend(settings.db, synchronous=settings.synchronous)


def open_database(settings: Settings) -> Database:
    db = Database(open_backend(settings))
    schedule_standard_jobs(db)
    return db
