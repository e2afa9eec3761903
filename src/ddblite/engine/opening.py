"""Open the Database a Settings value names: the backend it picks, and the engine over it with
its standard background jobs."""

from __future__ import annotations

from ddblite.config import Settings
from ddblite.engine.background import schedule_standard_jobs
from ddblite.engine.database import Database
from ddblite.errors import MissingDriver
from ddblite.storage.base import StorageBackend

# What ``pip install 'ddblite[postgres]'`` adds; the base install leaves them out.
POSTGRES_DRIVERS = frozenset({"psycopg", "psycopg_pool"})


def open_backend(settings: Settings) -> StorageBackend:
    if settings.is_postgres:
        try:
            from ddblite.storage.postgres.backend import PostgresBackend
        except ModuleNotFoundError as missing:
            if missing.name not in POSTGRES_DRIVERS:
                raise
            raise MissingDriver(
                f"a postgresql:// database needs the PostgreSQL driver ({missing.name} is not "
                "installed): pip install 'ddblite[postgres]'",
                name=missing.name,
            ) from None
        return PostgresBackend(settings.db)
    from ddblite.storage.sqlite.backend import SqliteBackend

    return SqliteBackend(settings.db, synchronous=settings.synchronous)


def open_database(settings: Settings) -> Database:
    db = Database(open_backend(settings))
    schedule_standard_jobs(db)
    return db
