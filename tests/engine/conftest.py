"""Fixtures for engine tests driven in process: a backend (SQLite memory and file, PostgreSQL),
a manual clock and a Database on both. A module may override ``backend`` with other params."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ddblite.clock import ManualClock
from ddblite.engine.database import Database
from ddblite.storage.base import StorageBackend
from tests.engine.support import NOW, database, open_backend
from tests.pg_server import pg_server

__all__ = ["pg_server"]


@pytest.fixture(params=["sqlite_memory", "sqlite_file", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StorageBackend]:
    yield from open_backend(request, tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def db(backend: StorageBackend, clock: ManualClock) -> Database:
    return database(backend, clock)
