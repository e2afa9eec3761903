"""The scale-out backend: PostgreSQL (and Citus, YugabyteDB, CockroachDB) through psycopg 3.

Any number of stateless ddblite servers can share one database. Each server keeps a pool of
connections; the HTTP layer runs requests on a thread pool (``blocking = True``) and every
``read()`` or ``write()`` block borrows one connection for its duration.

Atomicity (docs/postgres.md has the full protocol). In the default READ COMMITTED mode every
``write()`` block is one transaction that, before it reads a key, takes
``pg_advisory_xact_lock`` on the 64-bit hash of that key (a lock on a key, so it also covers
items that do not exist yet: row locks alone would let write skew through on absent items),
then ``SELECT ... FOR UPDATE``; the engine checks its conditions in Python, writes, and the
block commits. Multi-item blocks call ``lock_keys`` first, which locks in sorted order.

- A lock wait over ``lock_timeout`` becomes ``TransactionConflictException``.
- A lost connection becomes ``InternalServerError`` (HTTP 500): if it broke during COMMIT the
  outcome is unknown, and a 500 is the one answer that is never wrong.

With ``ddblite_isolation=serializable`` in the URL (or ``DDBLITE_PG_ISOLATION=serializable``)
no advisory locks are taken; write blocks run SERIALIZABLE and ``run_write`` re-runs the whole
block on a serialization failure (SQLSTATE 40001) or deadlock, a bounded number of times. That
is the mode for CockroachDB and YugabyteDB, whose advisory locks are not cluster-wide.

URL query parameters read by ddblite (removed before connecting): ``ddblite_isolation``
(``read_committed`` | ``serializable``), ``ddblite_lock_timeout_ms`` (default 5000),
``ddblite_pool_size`` (default 40), ``ddblite_retries`` (default 20), ``ddblite_prepare``
(``0`` turns off server-side prepared statements, for PgBouncer in transaction mode),
``ddblite_pipeline`` (``1``/``0``; default: on unless the database is on this machine),
``ddblite_connect_wait_s`` (default 30: how long startup waits for the server to come up).
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.numeric import Int8BinaryDumper
from psycopg_pool import ConnectionPool, PoolTimeout

from ddblite.errors import (
    DatabaseTooNew,
    InternalServerError,
    PostgresUnreachable,
    TransactionConflictException,
)
from ddblite.storage.base import SharedBackend
from ddblite.storage.migrations import SCHEMA_VERSION, postgres_schema
from ddblite.storage.postgres.ops import PgOps
from ddblite.storage.postgres.sql import Row

log = logging.getLogger("ddblite.postgres")

T = TypeVar("T")

READ_COMMITTED = "read_committed"
SERIALIZABLE = "serializable"
# Session-level advisory lock held while migrating, so servers starting together migrate once.
_MIGRATION_LOCK = 0x64646C6974650001
_RETRY_STATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
_LOCK_TIMEOUT_STATE = "55P03"  # lock_not_available


@dataclass(frozen=True, slots=True)
class PgSettings:
    isolation: str = READ_COMMITTED
    lock_timeout_ms: int = 5000
    pool_size: int = 40
    retries: int = 20
    prepare: bool = True
    # Pipeline mode sends a write block in two round trips instead of about seven, at the
    # price of more client CPU per block (psycopg's pipeline bookkeeping): a win when the
    # database is across a network, a loss over loopback. None: decide by the host.
    pipeline: bool | None = None
    # A server that stops mid-transaction (paused, partitioned) must not hold item locks
    # forever: PostgreSQL ends such a session, and the transaction rolls back.
    idle_in_transaction_ms: int = 60000
    # How long startup waits for a database that is not up yet (a compose file starting both).
    connect_wait_s: float = 30.0


def parse_url(url: str) -> tuple[str, PgSettings]:
    """The libpq URL without ddblite's own query parameters, and the settings they carry.
    ``DDBLITE_PG_ISOLATION`` sets the isolation when the URL does not."""
    parts = urlsplit(url)
    kept: list[tuple[str, str]] = []
    ours: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.startswith("ddblite_"):
            ours[key[len("ddblite_") :]] = value
        else:
            kept.append((key, value))
    isolation = ours.get("isolation") or os.environ.get("DDBLITE_PG_ISOLATION") or READ_COMMITTED
    isolation = isolation.lower().replace(" ", "_")
    if isolation not in (READ_COMMITTED, SERIALIZABLE):
        raise ValueError(
            f"ddblite_isolation must be {READ_COMMITTED} or {SERIALIZABLE}, not {isolation!r}"
        )
    defaults = PgSettings()
    settings = PgSettings(
        isolation=isolation,
        lock_timeout_ms=int(ours.get("lock_timeout_ms", defaults.lock_timeout_ms)),
        pool_size=int(ours.get("pool_size", defaults.pool_size)),
        retries=int(ours.get("retries", defaults.retries)),
        prepare=_flag(ours.get("prepare", "1")),
        pipeline=_flag(ours["pipeline"]) if "pipeline" in ours else None,
        connect_wait_s=float(ours.get("connect_wait_s", defaults.connect_wait_s)),
    )
    return urlunsplit(parts._replace(query=urlencode(kept))), settings


def _flag(value: str) -> bool:
    return value.lower() not in ("0", "false", "no", "off")


def is_local(conninfo: str) -> bool:
    """True when every host of the connection string is this machine (loopback or a Unix
    socket): round trips are then cheaper than pipeline bookkeeping."""
    hosts = conninfo_to_dict(conninfo).get("host") or ""
    return all(
        host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/")
        for host in str(hosts).split(",")
    )


_ATTEMPT_TIMEOUT_S = 2


def wait_for_server(conninfo: str, wait_s: float) -> None:
    """Return once PostgreSQL accepts a connection; until then log one line per attempt, and
    raise PostgresUnreachable after ``wait_s`` seconds."""
    where = server_address(conninfo)
    deadline = time.monotonic() + wait_s
    attempt = 0
    while True:
        attempt += 1
        try:
            psycopg.connect(conninfo, connect_timeout=_ATTEMPT_TIMEOUT_S).close()
            return
        except psycopg.OperationalError as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
            if time.monotonic() + 1 >= deadline:
                raise PostgresUnreachable(
                    f"PostgreSQL at {where} did not accept a connection within {wait_s:g} s "
                    f"({attempt} attempts): {reason}"
                ) from None
            # Authentication and missing-database errors will not go away by waiting.
            if "password" in reason or "does not exist" in reason:
                raise PostgresUnreachable(f"PostgreSQL at {where}: {reason}") from None
            log.warning("waiting for PostgreSQL at %s (attempt %d)", where, attempt)
        time.sleep(1)


def server_address(conninfo: str) -> str:
    """host:port of a connection string, for messages (never its password)."""
    params = conninfo_to_dict(conninfo)
    host = str(params.get("host") or "localhost")
    return f"{host}:{params.get('port') or 5432}"


class _Retry(Exception):
    """A serialization failure inside ``run_write``: run the block again."""


class PostgresBackend:
    blocking = True
    kind = "postgresql"
    # Several servers share this catalog: the engine revalidates cached tables and fences
    # writes on the table version (``fence_table``).
    shared = True

    def __init__(
        self,
        url: str,
        *,
        pool_size: int | None = None,
        isolation: str | None = None,
        lock_timeout_ms: int | None = None,
        pipeline: bool | None = None,
    ) -> None:
        conninfo, settings = parse_url(url)
        overrides: dict[str, Any] = {
            k: v
            for k, v in (
                ("pool_size", pool_size),
                ("isolation", isolation),
                ("lock_timeout_ms", lock_timeout_ms),
                ("pipeline", pipeline),
            )
            if v is not None
        }
        if overrides:
            settings = PgSettings(**{**_fields(settings), **overrides})
        self.settings = settings
        self.serializable = settings.isolation == SERIALIZABLE
        self.locking = not self.serializable
        self.pipeline = (
            settings.pipeline if settings.pipeline is not None else not is_local(conninfo)
        )
        self._local = threading.local()
        wait_for_server(conninfo, settings.connect_wait_s)
        self._pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            conninfo,
            min_size=min(2, settings.pool_size),
            max_size=settings.pool_size,
            kwargs={"autocommit": True},
            configure=self._configure,
            open=False,
            name="ddblite",
        )
        self._pool.open(wait=True, timeout=30)
        try:
            self._migrate()
        except BaseException:
            self._pool.close()
            raise

    def _configure(self, conn: psycopg.Connection[Row]) -> None:
        conn.adapters.register_dumper(int, Int8BinaryDumper)
        conn.prepared_max = 256
        if not self.settings.prepare:
            conn.prepare_threshold = None
        conn.execute(f"SET lock_timeout = {int(self.settings.lock_timeout_ms)}")
        conn.execute(
            f"SET idle_in_transaction_session_timeout = {int(self.settings.idle_in_transaction_ms)}"
        )
        if self.serializable:
            conn.isolation_level = psycopg.IsolationLevel.SERIALIZABLE

    def _migrate(self) -> None:
        with self._pool.connection() as conn:
            if self.locking:
                conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
            try:
                conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
                current = (row[0] if row else None) or 0
                if current > SCHEMA_VERSION:
                    raise DatabaseTooNew(
                        f"the database was written by a newer ddblite (schema version "
                        f"{current}; this one knows up to {SCHEMA_VERSION})"
                    )
                for version, statements in postgres_schema():
                    if version <= current:
                        continue
                    with conn.transaction():
                        for statement in statements:
                            conn.execute(statement)
                        conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
            finally:
                if self.locking:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))

    # --- blocks ----------------------------------------------------------------------------

    def _getconn(self) -> psycopg.Connection[Row]:
        try:
            return self._pool.getconn()
        except PoolTimeout as error:
            log.error("no PostgreSQL connection available: %s", error)
            raise InternalServerError() from error

    @contextmanager
    def write(self) -> Iterator[PgOps]:
        """One transaction. A nested ``write()`` on the same thread joins the outer one."""
        local = self._local
        outer: PgOps | None = getattr(local, "ops", None)
        if outer is not None and outer.writing:
            yield outer
            return
        # (A write inside a read block gets its own connection and transaction.)
        conn = self._getconn()
        ops = PgOps(conn, writing=True, locking=self.locking)
        local.ops = ops
        try:
            with conn.pipeline() if self.pipeline else nullcontext(), conn.transaction():
                yield ops
                ops.check_fences()  # before COMMIT: a stale schema must not commit
        except psycopg.Error as error:
            raise self._translate(error, getattr(local, "retrying", False)) from error
        finally:
            ops.closed = True
            local.ops = outer
            self._pool.putconn(conn)

    @contextmanager
    def read(self) -> Iterator[PgOps]:
        """Autocommit reads: each statement sees what was committed when it started (read
        committed). Inside a write block, reads join the writer and see its writes."""
        current: PgOps | None = getattr(self._local, "ops", None)
        if current is not None:
            yield current
            return
        conn = self._getconn()
        ops = PgOps(conn, writing=False, locking=False)
        self._local.ops = ops
        try:
            yield ops
        except psycopg.Error as error:
            raise self._translate(error, False) from error
        finally:
            ops.closed = True
            self._local.ops = None
            self._pool.putconn(conn)

    def _translate(self, error: psycopg.Error, retrying: bool) -> Exception:
        state = error.sqlstate
        if state == _LOCK_TIMEOUT_STATE:
            return TransactionConflictException()
        if state in _RETRY_STATES:
            return _Retry() if retrying else TransactionConflictException()
        if isinstance(error, psycopg.OperationalError):
            # Connection lost, server shut down, ... If this happened while COMMIT was in
            # flight the write may or may not have happened: only a 500 is honest.
            log.error("PostgreSQL connection failed: %s", error)
            return InternalServerError()
        return error

    def run_write(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` (which opens one ``write()`` block and checks conditions in Python
        between its reads and writes). In SERIALIZABLE mode a serialization failure re-runs
        all of ``fn``, so the conditions are checked again on fresh data; after
        ``retries`` attempts it is a TransactionConflictException. In READ COMMITTED mode the
        advisory locks make conflicts wait instead, and ``fn`` runs once."""
        local = self._local
        if not self.serializable or getattr(local, "ops", None) is not None:
            return fn()
        attempts = max(1, self.settings.retries)
        for attempt in range(attempts):
            local.retrying = True
            try:
                return fn()
            except _Retry:
                time.sleep(random.uniform(0, min(0.001 * 2**attempt, 0.05)))
            finally:
                local.retrying = False
        raise TransactionConflictException()

    def pending_commit(self) -> bool:
        return False  # every write block commits itself

    def commit(self) -> None:
        return None

    def size_bytes(self) -> int:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self._pool.close()


def _fields(settings: PgSettings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in PgSettings.__dataclass_fields__}


if TYPE_CHECKING:  # the backend satisfies the storage contract, checked by mypy

    def _conforms(backend: PostgresBackend) -> SharedBackend:
        return backend
