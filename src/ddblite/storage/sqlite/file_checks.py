"""Whether a path may hold ddblite's SQLite database, checked before anything is written.

ddblite never writes into a file that is not its own: SQLite would happily add ddblite's
tables to any database, and ``PRAGMA journal_mode=WAL`` alone rewrites the file header. A file
is ddblite's when its header carries ddblite's ``application_id`` (set when ddblite creates
it), or, for files made before the id existed, when it has no application id and a
``schema_version`` table with a version in it. A missing or 0-byte file is new.
"""

from __future__ import annotations

import os
import sqlite3
from urllib.parse import quote

from ddblite.errors import (
    DatabaseDirectoryMissing,
    DatabaseIsDirectory,
    DatabaseReadOnly,
    NotDdbliteDatabase,
    NotSQLite,
)

# "DDBL" in the header's application_id field (offset 68), as `file` and sqlite3 show it.
APPLICATION_ID = 0x4444424C
_SQLITE_MAGIC = b"SQLite format 3\x00"


def check_path(path: str) -> None:
    """Refuse, with the error that names the problem, a path SQLite cannot open for writing
    or that holds something other than ddblite's SQLite database."""
    where = os.path.abspath(path)
    if os.path.isdir(path):
        raise DatabaseIsDirectory(f"{where} is a directory, not a database file")
    directory = os.path.dirname(where)
    try:
        os.stat(directory)
    except FileNotFoundError:
        raise DatabaseDirectoryMissing(
            f"cannot create {where}: the directory {directory} does not exist"
        ) from None
    except PermissionError:
        raise DatabaseReadOnly(f"cannot reach {where}: permission denied") from None
    if not os.path.exists(path):
        if not os.access(directory, os.W_OK):
            raise DatabaseReadOnly(f"cannot create {where}: the directory {directory} is read-only")
        return
    if not os.access(path, os.R_OK | os.W_OK):
        raise DatabaseReadOnly(f"{where} is read-only (ddblite needs to write it)")
    # WAL mode keeps two files beside the database, created on first use.
    if not os.access(directory, os.W_OK):
        raise DatabaseReadOnly(
            f"{where} is in a read-only directory (SQLite needs to create {where}-wal there)"
        )
    with open(path, "rb") as file:
        header = file.read(len(_SQLITE_MAGIC))
    if header and header != _SQLITE_MAGIC:
        raise NotSQLite(f"{where} is not a SQLite database")
    check_owner(path)


def check_owner(path: str) -> None:
    """Refuse a SQLite database that some other program made (read through a read-only
    connection, so nothing is written, not even a lock file)."""
    where = os.path.abspath(path)
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return
    conn = sqlite3.connect(f"file:{quote(where)}?mode=ro", uri=True)
    try:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if application_id == APPLICATION_ID:
            return
        tables = {
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if application_id == 0 and not tables:
            return  # new, or empty
        if application_id == 0 and "schema_version" in tables:
            versions = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
            if versions:
                return  # made by a ddblite from before the application id
    except sqlite3.DatabaseError:
        raise NotSQLite(f"{where} is not a SQLite database") from None
    finally:
        conn.close()
    made_by = (
        f"application_id 0x{application_id:08X}"
        if application_id
        else "tables " + ", ".join(sorted(tables))
    )
    raise NotDdbliteDatabase(
        f"{where} is a SQLite database of another program ({made_by}): ddblite only writes "
        "its own files; choose another --db path"
    )
