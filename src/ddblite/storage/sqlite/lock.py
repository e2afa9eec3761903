"""One process per SQLite file: an exclusive lock held for as long as the database is open.

Two processes on one file would each trust their own cached catalog: after one drops and
recreates a table with another key schema, the other goes on acknowledging writes that nobody
can ever read (issue 13). A lock on ``<file>.lock`` (``flock``; ``msvcrt.locking`` on Windows;
either is released by the kernel when the process dies, even by kill -9) keeps the second one
out; the file holds the owner's pid, after the locked first byte, for the message. SQLite's own
locks on the database file are separate and unaffected.
"""

from __future__ import annotations

import os
import sys

from ddblite.errors import DatabaseInUse

_PID_AT = 1  # the pid is written after byte 0, the one Windows locks (its locks are mandatory)


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class FileLock:
    """Held from construction to ``release()``."""

    def __init__(self, database: str) -> None:
        path = database + ".lock"
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        if not _try_lock(self._fd):
            os.lseek(self._fd, _PID_AT, os.SEEK_SET)
            owner = os.read(self._fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(self._fd)
            raise DatabaseInUse(
                f"{os.path.abspath(database)} is in use by another ddblite process (pid "
                f"{owner}): one server per SQLite file (share a PostgreSQL database instead)"
            )
        os.ftruncate(self._fd, _PID_AT)
        os.lseek(self._fd, _PID_AT, os.SEEK_SET)
        os.write(self._fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = -1
