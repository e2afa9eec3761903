"""Suite-wide settings: markers derived from how a test is built, hypothesis's profile, and the
``slow`` tests (1M-case fuzz, soak runs), which run only with DDBLITE_SLOW=1."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# No wall-clock limits on generated tests: on a loaded machine (CI runners, shared cores) the
# time hypothesis takes to draw inputs or run one example says nothing about the code under test.
settings.register_profile("ddblite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ddblite")

SLOW = os.environ.get("DDBLITE_SLOW") == "1"


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
# runs exactly the tests that need no PostgreSQL server. A ``slow`` test is skipped, saying
# why, unless DDBLITE_SLOW=1.
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip_slow = pytest.mark.skip(reason="slow (soak / 1M-case fuzz): runs with DDBLITE_SLOW=1")
    for item in items:
        if needs_postgres(item):
            item.add_marker(pytest.mark.postgres)
        if not SLOW and item.get_closest_marker("slow") is not None:
            item.add_marker(skip_slow)
