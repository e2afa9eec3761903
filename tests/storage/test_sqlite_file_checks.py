"""storage/sqlite/file_checks.py: ddblite opens its own SQLite files and no others."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ddblite.errors import DatabaseTooNew, NotDdbliteDatabase
from ddblite.storage.migrations import SCHEMA_VERSION
from ddblite.storage.sqlite.backend import SqliteBackend
from ddblite.storage.sqlite.file_checks import APPLICATION_ID


def _application_id(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA application_id").fetchone()[0])
    finally:
        conn.close()


def test_a_new_file_is_marked_as_ddblites(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    SqliteBackend(str(path)).close()
    assert _application_id(path) == APPLICATION_ID == 0x4444424C
    SqliteBackend(str(path)).close()  # and opens again


def test_a_file_from_before_the_application_id_is_adopted(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    SqliteBackend(str(path)).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 0")
    conn.close()
    SqliteBackend(str(path)).close()
    assert _application_id(path) == APPLICATION_ID


def test_an_empty_schema_version_table_is_not_ddblites(tmp_path: Path) -> None:
    # What an older ddblite left in a foreign file before failing on "table items exists".
    path = tmp_path / "damaged.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE items (x)")
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.commit()
    conn.close()
    with pytest.raises(NotDdbliteDatabase) as raised:
        SqliteBackend(str(path))
    assert str(raised.value) == (
        f"{path} is a SQLite database of another program (tables items, schema_version): "
        "ddblite only writes its own files; choose another --db path"
    )


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    SqliteBackend(str(path)).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseTooNew) as raised:
        SqliteBackend(str(path))
    assert str(raised.value) == (
        f"{path} was written by a newer ddblite (schema version {SCHEMA_VERSION + 1}; this "
        f"one knows up to {SCHEMA_VERSION})"
    )
