"""One process per SQLite file: an exclusive lock held for as long as the database is open.

Two processes on one file would each trust their own cached catalog: after one drops and
recreates a table with another key schema, the other goes on acknowledging writes that nobody
can ever read (issue 13). A lock on ``<file>.lock`` (``flock``: released by the kernel when the
process dies, even by kill -9) keeps the second one out; the file holds the owner's pid for the
message. SQLite's own locks (``fcntl`` on the database file) are separate and unaffected.
"""

from __future__ import annotations

import fcntl
import os

from ddblite.errors import DatabaseInUse


class FileLock:
    """Held from construction to ``release()``."""

    def __init__(self, database: str) -> None:
        path = database + ".lock"
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(self._fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(self._fd)
            raise DatabaseInUse(
                f"{os.path.abspath(database)} is in use by another ddblite process (pid "
                f"{owner}): one server per SQLite file (share a PostgreSQL database instead)"
            ) from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the last descriptor drops the flock
            self._fd = -1
