"""Build a Database for a Settings value, and run the HTTP server."""

from __future__ import annotations

import sys

from ddblite.config import MEMORY, Settings
from ddblite.engine.database import Database
from ddblite.storage.base import StorageBackend


def open_backend(settings: Settings) -> StorageBackend:
    if settings.is_postgres:
        from ddblite.storage.postgres import PostgresBackend

        return PostgresBackend(settings.db)
    from ddblite.storage.sqlite import SqliteBackend

    return SqliteBackend(settings.db, synchronous=settings.synchronous)


def open_database(settings: Settings) -> Database:
    from ddblite.engine import indexes  # noqa: F401  (installs index maintenance)

    return Database(open_backend(settings))


def serve(settings: Settings) -> None:
    import uvicorn

    from ddblite.protocol.app import DynamoDBApp

    db = open_database(settings)
    app = DynamoDBApp(db)
    where = "in memory" if settings.db == MEMORY else settings.db
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=False,
    )
    server = uvicorn.Server(config)
    print(
        f"ddblite listening on http://{settings.host}:{settings.port} (data: {where})",
        file=sys.stderr,
        flush=True,
    )
    server.run()
