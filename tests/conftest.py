"""Markers the suite derives from how a test is built rather than from a decorator."""

from __future__ import annotations

import pytest


def needs_postgres(item: pytest.Item) -> bool:
    """A test that asks for the PostgreSQL server, or runs with a PostgreSQL backend parameter
    (``postgres``, ``postgres_pipeline``, ``postgres_serializable``, ...)."""
    if "pg_server" in getattr(item, "fixturenames", ()):
        return True
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return False
    return any(
        isinstance(value, str) and value.startswith(("postgres", "pg"))
        for value in callspec.params.values()
    )


# Every PostgreSQL-parametrized test carries the ``postgres`` marker, so ``-m "not postgres"``
# runs exactly the tests that need no PostgreSQL server.
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if needs_postgres(item):
            item.add_marker(pytest.mark.postgres)
