"""Backends for the storage contract suite: SQLite in memory, SQLite on a file, PostgreSQL.

Every test gets an empty database. PostgreSQL comes from the throwaway server in
``tests.pg_server`` (one per session; a fresh database per test is a template copy); without
PostgreSQL binaries its parameter skips and says why (fails, under CI).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ddblite.storage.base import StorageBackend
from tests.pg_server import PgServer, pg_server

__all__ = ["pg_server"]

# postgres_pipeline: the same server through psycopg's pipeline mode, which the backend
# uses by default for a database on another machine (tests run over loopback).
BACKENDS = ["sqlite_memory", "sqlite_file", "postgres", "postgres_pipeline"]

Opener = Callable[[], StorageBackend]


def opener(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    """A function that opens (and reopens) the same empty database of ``kind``."""
    if kind == "sqlite_memory":
        from ddblite.storage.sqlite.backend import SqliteBackend

        return SqliteBackend
    if kind == "sqlite_file":
        from ddblite.storage.sqlite.backend import SqliteBackend

        path = str(tmp_path / "data.db")
        return lambda: SqliteBackend(path)
    server: PgServer = request.getfixturevalue("pg_server")
    url = server.fresh_database()
    from ddblite.storage.postgres.backend import PostgresBackend

    if kind == "postgres_serializable":
        return lambda: PostgresBackend(url, pool_size=8, isolation="serializable")
    if kind == "postgres_pipeline":
        return lambda: PostgresBackend(url, pool_size=8, pipeline=True)
    return lambda: PostgresBackend(url, pool_size=8)


@pytest.fixture(params=BACKENDS)
def open_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    return opener(request.param, request, tmp_path)


@pytest.fixture
def backend(open_backend: Opener) -> Iterator[StorageBackend]:
    store = open_backend()
    yield store
    store.close()
