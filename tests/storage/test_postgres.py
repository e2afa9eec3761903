"""What only the PostgreSQL backend has: its layout rules, lock protocol, error mapping,
SERIALIZABLE retry mode and table fences (docs/postgres.md)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from ddblite.errors import DatabaseTooNew, InternalServerError, TransactionConflictException
from ddblite.storage.base import StaleCatalogError
from ddblite.storage.migrations import SCHEMA_VERSION, postgres_schema, sqlite_schema
from ddblite.storage.postgres.backend import PgSettings, PostgresBackend, is_local, parse_url
from ddblite.storage.postgres.ops import PgOps
from ddblite.storage.postgres.sql import GET, range_sql
from tests.pg_server import PgServer

pytestmark = pytest.mark.postgres

ACCOUNT, REGION = "000000000000", "us-east-1"
CONFLICT = "Transaction is ongoing for the item"


@pytest.fixture
def url(pg_server: PgServer) -> str:
    return pg_server.fresh_database()


@pytest.fixture
def backend(url: str) -> Iterator[PostgresBackend]:
    store = PostgresBackend(url, pool_size=6, lock_timeout_ms=300)
    yield store
    store.close()


def make_table(backend: PostgresBackend, name: str = "t") -> int:
    with backend.write() as w:
        return w.create_table(ACCOUNT, REGION, name, b"{}", "ACTIVE", 0.0)


def in_thread(fn: Any) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


# --- settings ------------------------------------------------------------------------------


def test_url_parameters_are_ddblites_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DDBLITE_PG_ISOLATION", raising=False)
    conninfo, settings = parse_url(
        "postgresql://u@h:5/db?sslmode=disable&ddblite_isolation=serializable"
        "&ddblite_lock_timeout_ms=250&ddblite_pool_size=3&ddblite_retries=4&ddblite_prepare=0"
        "&ddblite_pipeline=0"
    )
    assert conninfo == "postgresql://u@h:5/db?sslmode=disable"
    assert settings == PgSettings(
        isolation="serializable",
        lock_timeout_ms=250,
        pool_size=3,
        retries=4,
        prepare=False,
        pipeline=False,
    )
    assert parse_url("postgresql://u@h/db") == ("postgresql://u@h/db", PgSettings())
    monkeypatch.setenv("DDBLITE_PG_ISOLATION", "SERIALIZABLE")
    assert parse_url("postgresql://u@h/db")[1].isolation == "serializable"
    assert parse_url("postgresql://u@h/db?ddblite_isolation=read_committed")[1].isolation == (
        "read_committed"
    )
    with pytest.raises(
        ValueError, match="ddblite_isolation must be read_committed or serializable, not 'snapshot'"
    ):
        parse_url("postgresql://u@h/db?ddblite_isolation=snapshot")


def test_pipeline_mode_by_default_only_for_a_remote_database() -> None:
    assert is_local("postgresql://u@127.0.0.1:5432/db")
    assert is_local("postgresql://u@localhost/db")
    assert is_local("postgresql:///db")  # the default Unix socket
    assert is_local("postgresql:///db?host=/var/run/postgresql")
    assert not is_local("postgresql://u@db.internal/db")
    assert not is_local("postgresql://u@localhost,db2.internal/db")


# --- layout ----------------------------------------------------------------------------------

HASH_AFTER_ID = {"items": ["table_id", "pk_hash"], "index_rows": ["index_id", "ix_hash"]}


def test_every_key_has_the_hash_right_after_the_id(backend: PostgresBackend) -> None:
    """Citus distributes items by pk_hash and index rows by ix_hash: the column must be in
    every primary key and unique index, right after the table or index id."""
    with backend._pool.connection() as conn:
        rows = conn.execute(
            "SELECT t.relname, i.indisprimary, i.indisunique,"
            " array_agg(a.attname ORDER BY k.ord)"
            " FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
            " JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true"
            " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum"
            " WHERE t.relname IN ('items', 'index_rows')"
            " GROUP BY t.relname, i.indexrelid, i.indisprimary, i.indisunique"
        ).fetchall()
    primary = {name: cols for name, is_primary, _, cols in rows if is_primary}
    assert primary == {
        "items": ["table_id", "pk_hash", "pk", "sk"],
        "index_rows": ["index_id", "ix_hash", "ix_pk", "ix_sk", "pk", "sk"],
    }
    for name, _, unique, cols in rows:
        if unique:
            assert cols[:2] == HASH_AFTER_ID[name], (name, cols)


def test_keys_and_bodies_are_bytea_and_hashes_bigint(backend: PostgresBackend) -> None:
    with backend._pool.connection() as conn:
        types: dict[str, str] = dict(
            conn.execute(
                "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns"
                " WHERE table_name IN ('items', 'index_rows', 'tables')"
            ).fetchall()
        )
    for column in (
        "items.pk",
        "items.sk",
        "items.body",
        "index_rows.ix_pk",
        "index_rows.ix_sk",
        "index_rows.body",
        "tables.description",
    ):
        assert types[column] == "bytea", column  # never jsonb: it rejects \u0000
    assert types["items.pk_hash"] == types["index_rows.ix_hash"] == "bigint"


def test_sqlite_layout_follows_the_same_rule() -> None:
    statements = " ".join(s for _, group in sqlite_schema() for s in group)
    assert "PRIMARY KEY (table_id, pk_hash, pk, sk)" in statements
    assert "PRIMARY KEY (index_id, ix_hash, ix_pk, ix_sk, pk, sk)" in statements
    pg = " ".join(s for _, group in postgres_schema() for s in group)
    assert "jsonb" not in pg.lower()


def _partitioned_database(pg_server: PgServer, url: str) -> None:
    """ddblite's schema with items hash-partitioned by pk_hash (8 partitions), the shape a
    single-node stand-in for Citus' distribution takes."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE items")
        items_ddl = next(
            s for _, group in postgres_schema() for s in group if s.startswith("CREATE TABLE items")
        )
        conn.execute(items_ddl + " PARTITION BY HASH (pk_hash)")
        for n in range(8):
            conn.execute(
                f"CREATE TABLE items_p{n} PARTITION OF items"
                f" FOR VALUES WITH (MODULUS 8, REMAINDER {n})"
            )


def _plan(conn: psycopg.Connection[Any], sql: str, params: list[Any]) -> str:
    rows = conn.execute("EXPLAIN (COSTS OFF) " + sql, params).fetchall()
    return "\n".join(r[0] for r in rows)


def _generic_plan(conn: psycopg.Connection[Any], sql: str, types: str, values: str) -> str:
    numbered = iter(range(1, 100))
    body = re.sub("%s", lambda _: f"${next(numbered)}", sql)
    conn.execute(f"PREPARE probe ({types}) AS {body}")
    try:
        rows = conn.execute(f"EXPLAIN (COSTS OFF) EXECUTE probe ({values})").fetchall()
    finally:
        conn.execute("DEALLOCATE probe")
    return "\n".join(r[0] for r in rows)


def _partitions(plan: str) -> set[str]:
    return set(re.findall(r"\bitems_p\d\b", plan))


def test_get_item_and_query_touch_one_partition(pg_server: PgServer, url: str) -> None:
    _partitioned_database(pg_server, url)
    store = PostgresBackend(url, pool_size=2)
    try:
        table_id = make_table(store)
        with store.write() as w:
            for i in range(200):
                w.put_item(table_id, i * 7919 % 1000, b"pk%d" % i, b"s", b"v", 1, None)
        with store.read() as r:  # reads through the backend still work partitioned
            assert r.get_item(table_id, 7919 % 1000, b"pk1", b"s") == b"v"
            assert r.table_stats(table_id) == (200, 200)
    finally:
        store.close()
    query = range_sql(
        "pk_hash, pk, sk, body, size",
        "items",
        ("table_id", "pk_hash", "pk"),
        ("sk",),
        ">=",
        "<",
        True,
        True,
    )
    scan = range_sql(
        "pk_hash, pk, sk, body, size",
        "items",
        ("table_id",),
        ("pk_hash", "pk", "sk"),
        ">=",
        "<",
        True,
        False,
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE items")
        get_params = [table_id, 123, b"pk", b"s"]
        query_params = [table_id, 123, b"pk", b"a", b"z", b"b", 100]
        # Plans for concrete values (what a first execution gets) prune at plan time...
        assert len(_partitions(_plan(conn, GET, get_params))) == 1
        assert len(_partitions(_plan(conn, GET + " FOR UPDATE", get_params))) == 1
        assert len(_partitions(_plan(conn, query, query_params))) == 1
        # ...and generic plans of prepared statements prune when the executor starts.
        conn.execute("SET plan_cache_mode = force_generic_plan")
        generic = _generic_plan(conn, GET, "bigint, bigint, bytea, bytea", "1, 123, 'pk', 's'")
        assert "Subplans Removed: 7" in generic, generic
        generic = _generic_plan(
            conn,
            query,
            "bigint, bigint, bytea, bytea, bytea, bytea, bigint",
            "1, 123, 'pk', 'a', 'z', 'b', 100",
        )
        assert "Subplans Removed: 7" in generic, generic
        # A Scan walks every partition (the control: pruning is not vacuous).
        conn.execute("SET plan_cache_mode = auto")
        assert len(_partitions(_plan(conn, scan, [table_id, 0, 1 << 62, 100]))) == 8


# --- locks and errors ------------------------------------------------------------------------


def test_a_lock_wait_past_lock_timeout_is_a_transaction_conflict(
    backend: PostgresBackend,
) -> None:
    table_id = make_table(backend)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with backend.write() as w:
            assert w.get_item(table_id, 1, b"p", b"") is None  # locks the absent item
            holding.set()
            release.wait(10)
            w.put_item(table_id, 1, b"p", b"", b"first", 5, None)

    thread, errors = in_thread(hold)
    assert holding.wait(10)
    try:
        with pytest.raises(TransactionConflictException) as info, backend.write() as w:
            w.get_item(table_id, 1, b"p", b"")
        assert info.value.message == CONFLICT
        with backend.write() as w:  # other keys are not blocked
            w.put_item(table_id, 1, b"q", b"", b"other", 5, None)
    finally:
        release.set()
        thread.join()
    assert errors == []
    with backend.read() as r:
        assert r.get_item(table_id, 1, b"p", b"") == b"first"


def test_blind_writes_and_lock_keys_take_the_same_locks(backend: PostgresBackend) -> None:
    table_id = make_table(backend)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with backend.write() as w:
            w.lock_keys([(table_id, b"b", b""), (table_id, b"a", b"")])
            w.get_item(table_id, 1, b"a", b"")  # a fetch sends the queued lock statements
            holding.set()
            release.wait(10)

    thread, errors = in_thread(hold)
    assert holding.wait(10)
    try:
        for attempt in ("put", "delete", "lock"):
            with pytest.raises(TransactionConflictException), backend.write() as w:
                if attempt == "put":
                    w.put_item(table_id, 1, b"a", b"", b"x", 1, None)
                elif attempt == "delete":
                    w.delete_item(table_id, 1, b"b", b"")
                else:
                    w.lock_keys([(table_id, b"c", b""), (table_id, b"b", b"")])
    finally:
        release.set()
        thread.join()
    assert errors == []
    with backend.read() as r:
        assert r.table_stats(table_id) == (0, 0)


def test_a_token_is_locked_like_an_item_key(backend: PostgresBackend) -> None:
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with backend.write() as w:
            assert w.get_token("tok") is None
            holding.set()
            release.wait(10)
            w.put_token("tok", b"h", 1.0, b"first")

    thread, errors = in_thread(hold)
    assert holding.wait(10)
    try:
        with pytest.raises(TransactionConflictException), backend.write() as w:
            w.get_token("tok")
    finally:
        release.set()
        thread.join()
    assert errors == []
    with backend.write() as w:
        assert w.get_token("tok") == (b"h", 1.0, b"first")


def test_connection_lost_before_commit_is_a_500_and_the_pool_recovers(
    backend: PostgresBackend, url: str
) -> None:
    table_id = make_table(backend)
    with pytest.raises(InternalServerError) as info, backend.write() as w:
        assert isinstance(w, PgOps)
        w.put_item(table_id, 1, b"p", b"", b"lost", 4, None)
        pid = w._c.info.backend_pid
        with psycopg.connect(url, autocommit=True) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert info.value.status == 500
    assert info.value.message == "Internal server error"
    # The broken connection is not handed out again; the next blocks work.
    for _ in range(8):
        with backend.write() as w:
            w.put_item(table_id, 1, b"q", b"", b"ok", 2, None)
    with backend.read() as r:
        assert r.get_item(table_id, 1, b"p", b"") is None
        assert r.get_item(table_id, 1, b"q", b"") == b"ok"


def test_database_errors_that_are_bugs_are_not_disguised(backend: PostgresBackend) -> None:
    with pytest.raises(psycopg.errors.UndefinedTable), backend.read() as r:
        assert isinstance(r, PgOps)
        r._c.execute("SELECT * FROM no_such_table")


def test_iterators_do_not_outlive_their_block(backend: PostgresBackend) -> None:
    table_id = make_table(backend)
    with backend.write() as w:
        for i in range(150):  # more than the first chunk
            w.put_item(table_id, 1, b"p", b"%03d" % i, b"v", 1, None)
    with backend.read() as r:
        rows = r.query_items(table_id, 1, b"p", None, True, None)
        assert next(rows).sk == b"000"
    with pytest.raises(RuntimeError, match="storage block already ended"):
        list(rows)


def test_servers_starting_together_migrate_once(pg_server: PgServer) -> None:
    name = f"bare_{threading.get_ident()}"
    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")  # no schema at all
    url = pg_server.url(name)
    opened: list[PostgresBackend] = []
    starts = [in_thread(lambda: opened.append(PostgresBackend(url, pool_size=1))) for _ in range(4)]
    for thread, errors in starts:
        thread.join()
        assert errors == []
    try:
        with opened[0]._pool.connection() as conn:
            versions = conn.execute("SELECT version FROM schema_version").fetchall()
        assert versions == [(v,) for v, _ in postgres_schema()]
    finally:
        for store in opened:
            store.close()


def test_a_newer_schema_is_refused(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99)")
    with pytest.raises(DatabaseTooNew) as raised:
        PostgresBackend(url, pool_size=1)
    assert str(raised.value) == (
        "the database was written by a newer ddblite (schema version 99; this one knows up "
        f"to {SCHEMA_VERSION})"
    )


# --- table fences ----------------------------------------------------------------------------


def test_a_stale_fence_refuses_the_block_before_anything_commits(
    backend: PostgresBackend,
) -> None:
    table_id = make_table(backend)
    with backend.write() as w:
        w.update_table(table_id, b"{}", "ACTIVE")  # version 2
    with pytest.raises(StaleCatalogError), backend.write() as w:
        w.fence_table(table_id, 1)
        w.get_item(table_id, 1, b"p", b"")
    with pytest.raises(StaleCatalogError), backend.write() as w:  # blind write, no read
        w.fence_table(table_id, 1)
        w.put_item(table_id, 1, b"p", b"", b"x", 1, None)
    with pytest.raises(StaleCatalogError), backend.write() as w:  # dropped table
        w.fence_table(table_id + 100, 1)
        w.put_item(table_id + 100, 1, b"p", b"", b"x", 1, None)
    with backend.write() as w:
        w.fence_table(table_id, 2)
        w.put_item(table_id, 1, b"p", b"", b"x", 1, None)
    with backend.read() as r:
        assert r.table_stats(table_id) == (1, 1)
        assert r.table_stats(table_id + 100) == (0, 0)


def test_schema_changes_wait_for_fenced_writers(backend: PostgresBackend) -> None:
    table_id = make_table(backend)
    holding, release = threading.Event(), threading.Event()

    def write() -> None:
        with backend.write() as w:
            w.fence_table(table_id, 1)
            w.get_item(table_id, 1, b"p", b"")
            holding.set()
            release.wait(10)

    thread, errors = in_thread(write)
    assert holding.wait(10)
    try:
        with pytest.raises(TransactionConflictException), backend.write() as w:
            w.update_table(table_id, b"{}", "ACTIVE")
        with pytest.raises(TransactionConflictException), backend.write() as w:
            w.delete_table(table_id)
        with backend.write() as w:  # another fenced writer shares the table lock
            w.fence_table(table_id, 1)
            w.put_item(table_id, 1, b"q", b"", b"x", 1, None)
    finally:
        release.set()
        thread.join()
    assert errors == []


# --- SERIALIZABLE mode -----------------------------------------------------------------------


def test_serializable_mode_reruns_the_block_on_serialization_failure(url: str) -> None:
    store = PostgresBackend(url, pool_size=4, isolation="serializable")
    try:
        table_id = make_table(store)
        both_read = threading.Barrier(2, timeout=10)
        attempts: list[int] = []

        def increment() -> None:
            def block() -> None:
                attempts.append(1)
                with store.write() as w:
                    body = w.get_item(table_id, 1, b"counter", b"")
                    if len(attempts) <= 2:
                        both_read.wait()  # both first attempts read "absent"
                    n = int(body or b"0") + 1
                    w.put_item(table_id, 1, b"counter", b"", b"%d" % n, 1, None)

            store.run_write(block)

        threads = [in_thread(increment) for _ in range(2)]
        for thread, errors in threads:
            thread.join()
            assert errors == []
        with store.read() as r:
            assert r.get_item(table_id, 1, b"counter", b"") == b"2"
        assert len(attempts) == 3  # one of the two ran again, on fresh data
    finally:
        store.close()


def test_serializable_failure_outside_run_write_is_a_conflict(url: str) -> None:
    store = PostgresBackend(url, pool_size=4, isolation="serializable")
    try:
        table_id = make_table(store)
        both_read = threading.Barrier(2, timeout=10)
        outcomes: list[str] = []

        def write(n: int) -> None:
            try:
                with store.write() as w:
                    w.get_item(table_id, 1, b"k", b"")
                    both_read.wait()
                    w.put_item(table_id, 1, b"k", b"", b"%d" % n, 1, None)
                outcomes.append("ok")
            except TransactionConflictException as error:
                outcomes.append(error.message or "")

        threads = [in_thread(lambda n=n: write(n)) for n in range(2)]
        for thread, _ in threads:
            thread.join()
        assert sorted(outcomes) == [CONFLICT, "ok"]
    finally:
        store.close()


def test_serializable_mode_takes_no_advisory_locks(url: str) -> None:
    store = PostgresBackend(url, pool_size=2, isolation="serializable")
    try:
        table_id = make_table(store)
        with store.write() as w:
            w.fence_table(table_id, 1)
            w.lock_keys([(table_id, b"a", b"")])
            w.get_item(table_id, 1, b"a", b"")
            assert isinstance(w, PgOps)
            count = w._c.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                " AND pid = pg_backend_pid()"
            ).fetchone()
            level = w._c.execute("SHOW transaction_isolation").fetchone()
        assert count == (0,)
        assert level == ("serializable",)
        with store.read() as r:
            assert list(r.query_items(table_id, 1, b"a", None, True, None)) == []
    finally:
        store.close()
