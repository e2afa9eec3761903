"""tests/pg_server.py's policy for a missing PostgreSQL: skip locally, fail under CI."""

from __future__ import annotations

import pytest

from tests.pg_server import find_bin_dir, required


@pytest.mark.parametrize(("ci", "expected"), [("true", True), ("1", True), ("", False)])
def test_ci_makes_postgresql_required(
    monkeypatch: pytest.MonkeyPatch, ci: str, expected: bool
) -> None:
    monkeypatch.setenv("CI", ci)
    assert required() is expected


def test_without_ci_postgresql_is_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert required() is False


def test_the_reason_names_what_was_looked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DDBLITE_PG_BIN", "/nonexistent")
    assert find_bin_dir() == (None, "DDBLITE_PG_BIN=/nonexistent holds no initdb and pg_ctl")
