"""The embedded default backend: SQLite from the standard library.

One connection owns the database: the server is one event loop and every SQLite call takes
microseconds, so requests run inline, one at a time, and never wait on a lock or a thread hop.

Durability: WAL with ``synchronous=FULL``; a write is acknowledged only after the COMMIT that
holds it. Group commit keeps that from costing one fsync per request: with ``group_commit``
on, writes join one open transaction (each in its own SAVEPOINT, so a failed request rolls
back alone) and the server calls ``commit()`` once per event-loop turn, then answers every
request of the batch. Reads on the same connection see the batch; their answers wait for the
same commit, so nothing is ever reported that a crash could take back.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ddblite.errors import DatabaseReadOnly, DatabaseTooNew
from ddblite.storage.migrations import SCHEMA_VERSION, sqlite_schema
from ddblite.storage.sqlite.file_checks import APPLICATION_ID, check_path
from ddblite.storage.sqlite.lock import FileLock
from ddblite.storage.sqlite.ops import SqliteOps

_MEMORY = ":memory:"


class SqliteBackend:
    blocking = False

    def __init__(self, path: str = _MEMORY, *, synchronous: str = "FULL") -> None:
        self.path = path
        in_memory = path == _MEMORY or path.startswith("file::memory:")
        if not in_memory:
            # Before the lock, which creates <db>.lock: nothing is written beside a directory,
            # in a missing one, or next to another program's file.
            check_path(path)
        # Raises DatabaseInUse while another process has the file open.
        self._file_lock = None if in_memory else FileLock(path)
        self._lock = threading.RLock()
        self._depth = 0
        self.group_commit = not in_memory
        self.kind = "memory" if in_memory else "sqlite"
        self._in_batch = False
        try:
            self._conn = self._connect(synchronous, in_memory)
        except BaseException:
            if self._file_lock is not None:
                self._file_lock.release()
            raise
        self._ops = SqliteOps(self._conn)

    def _connect(self, synchronous: str, in_memory: bool) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, cached_statements=256
        )
        try:
            if not in_memory:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(f"PRAGMA synchronous={synchronous}")
            conn.execute("PRAGMA foreign_keys=OFF")
            conn.execute("PRAGMA cache_size=-65536")
            self._migrate(conn)
        except sqlite3.OperationalError as error:
            conn.close()
            if "readonly" not in str(error):
                raise
            # A read-only mount or an immutable file: access() cannot tell beforehand.
            where = os.path.abspath(self.path)
            raise DatabaseReadOnly(f"{where} is read-only ({error})") from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        current = row[0] or 0
        if current > SCHEMA_VERSION:
            raise DatabaseTooNew(
                f"{os.path.abspath(self.path)} was written by a newer ddblite (schema version "
                f"{current}; this one knows up to {SCHEMA_VERSION})"
            )
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        for version, statements in sqlite_schema():
            if version <= current:
                continue
            conn.execute("BEGIN IMMEDIATE")
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[SqliteOps]:
        with self._lock:
            conn = self._conn
            if self._depth:
                # Nested use (a transaction calling single-item helpers) joins the outer block.
                self._depth += 1
                try:
                    yield self._ops
                finally:
                    self._depth -= 1
                return
            if self.group_commit and not self._in_batch:
                conn.execute("BEGIN IMMEDIATE")
                self._in_batch = True
            conn.execute("SAVEPOINT request")
            self._depth = 1
            try:
                yield self._ops
            except BaseException:
                conn.execute("ROLLBACK TO request")
                conn.execute("RELEASE request")
                raise
            else:
                conn.execute("RELEASE request")
            finally:
                self._depth = 0

    @contextmanager
    def read(self) -> Iterator[SqliteOps]:
        with self._lock:
            yield self._ops

    def pending_commit(self) -> bool:
        return self._in_batch

    def commit(self) -> None:
        with self._lock:
            if self._in_batch:
                self._in_batch = False
                try:
                    self._conn.execute("COMMIT")
                except sqlite3.Error:
                    # A failed COMMIT (disk full, I/O error) leaves the transaction open: roll
                    # the batch back (none of it was acknowledged) so the next one can begin.
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise

    def size_bytes(self) -> int:
        with self._lock:
            pages = self._conn.execute("PRAGMA page_count").fetchone()[0]
            page_size = self._conn.execute("PRAGMA page_size").fetchone()[0]
        wal = self.path + "-wal"
        return int(pages * page_size) + (os.path.getsize(wal) if os.path.exists(wal) else 0)

    def close(self) -> None:
        with self._lock:
            try:
                self.commit()
                self._conn.close()
            finally:
                if self._file_lock is not None:
                    self._file_lock.release()
