"""engine/opening.py: which backend a Settings value opens."""

from __future__ import annotations

import sys

import pytest

from ddblite.config import Settings
from ddblite.engine.opening import open_backend


@pytest.mark.parametrize("driver", ["psycopg", "psycopg_pool"])
def test_postgres_url_without_the_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, driver: str
) -> None:
    # A base install (no ddblite[postgres]): the driver cannot be imported.
    monkeypatch.delitem(sys.modules, "ddblite.storage.postgres.backend", raising=False)
    monkeypatch.setitem(sys.modules, driver, None)
    with pytest.raises(ModuleNotFoundError) as raised:
        open_backend(Settings(db="postgresql://localhost/ddblite"))
    assert str(raised.value) == (
        f"a postgresql:// database needs the PostgreSQL driver ({driver} is not installed): "
        "pip install 'ddblite[postgres]'"
    )
    assert raised.value.name == driver
