"""Reader and Writer over one PostgreSQL connection (the SQL half of ``storage.postgres``).

Writes run inside a psycopg pipeline: a statement whose result nobody needs (an advisory
lock, an upsert) is only queued, and the next fetch sends everything queued in one network
round trip. A single-item write therefore costs two round trips: ``[BEGIN, table fence, item
lock, SELECT ... FOR UPDATE]`` and ``[INSERT/DELETE, index rows, COMMIT]``. The lock and the
read stay separate statements on purpose: in READ COMMITTED each statement takes its snapshot
when it starts, so the read must start after the lock is granted, or it could miss an item
that the previous lock holder just inserted.

Range reads fetch in chunks by keyset (``... AND (key) > (last key) ORDER BY key LIMIT n``),
so a Scan of a large table never pulls more than a chunk into memory and holds no server-side
cursor; each chunk is its own statement (read committed, as DynamoDB's Query and Scan are).
Iterators must be consumed inside the ``read()``/``write()`` block that produced them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import psycopg

from ddblite.model.sort_key import SortKeyCondition
from ddblite.storage.base import (
    IndexRow,
    ItemRow,
    PageRead,
    StaleCatalogError,
    StreamRow,
    TableRow,
)
from ddblite.storage.postgres.sql import (
    FIRST_CHUNK,
    GET,
    INDEX_COLS,
    ITEM_COLS,
    LOCK,
    LOCK_SHARED,
    UPSERT_INDEX_ROW,
    UPSERT_ITEM,
    Row,
    item_lock_id,
    name_lock_id,
    next_chunk,
    page_of,
    range_sql,
    stream_lock_id,
    table_lock_id,
    token_lock_id,
    upper_bound,
)
from ddblite.storage.sql_ranges import sk_bounds

NUL = "\x00"


def _token_text(token: str) -> str:
    """A ClientRequestToken as PostgreSQL text, which cannot hold NUL (DynamoDB takes any
    token): backslashes doubled, then NUL spelled backslash-zero, so distinct tokens stay
    distinct."""
    if NUL not in token and "\\" not in token:
        return token
    return token.replace("\\", "\\\\").replace(NUL, "\\0")


class PgOps:
    """Reader (``writing=False``, an autocommit connection) or Writer (inside one transaction,
    in pipeline mode). ``locking`` is False in SERIALIZABLE mode, where the database's own
    conflict detection replaces the advisory locks."""

    def __init__(self, conn: psycopg.Connection[Row], writing: bool, locking: bool) -> None:
        self._c = conn
        self.writing = writing
        self.locking = locking and writing
        self._held: set[int] = set()
        self._fences: list[tuple[psycopg.Cursor[Row], int]] = []
        # Set when the block ends and the connection goes back to the pool: an iterator
        # resumed after that must not run a query on a connection someone else now holds.
        self.closed = False

    # --- locking and fencing (writers only) --------------------------------------------------

    def _lock(self, lock_id: int) -> None:
        if lock_id not in self._held:
            self._held.add(lock_id)
            self._c.execute(LOCK, (lock_id,))

    def lock_keys(self, keys: Iterable[tuple[int, bytes, bytes]]) -> None:
        """Lock every ``(table_id, pk, sk)`` a multi-item write block will touch, before it
        reads any of them. Locks are taken in sorted lock-id order, so two blocks over
        overlapping keys cannot deadlock; keys locked here are not locked again by
        ``get_item``/``put_item``/``delete_item``. A no-op in SERIALIZABLE mode."""
        if not self.locking:
            return
        for lock_id in sorted({item_lock_id(*key) for key in keys}):
            self._lock(lock_id)

    def fence_table(self, table_id: int, version: int) -> None:
        """Pin the table version the engine's cached schema was built from. Takes the
        table's lock in shared mode (schema changes take it exclusively), then reads the
        version in a later statement; the check runs with the next fetch, before anything is
        committed, and raises ``StaleCatalogError`` when the table changed or is gone."""
        if self.locking:
            self._c.execute(LOCK_SHARED, (table_lock_id(table_id),))
        cur = self._c.execute("SELECT version FROM tables WHERE table_id = %s", (table_id,))
        self._fences.append((cur, version))

    def check_fences(self) -> None:
        while self._fences:
            cur, version = self._fences.pop()
            row = cur.fetchone()
            if row is None or row[0] != version:
                raise StaleCatalogError(f"table changed: version {version} is not current")

    def _fetchone(self, sql: str, params: tuple[Any, ...]) -> Row | None:
        if self.closed:
            raise RuntimeError("storage block already ended")
        row = self._c.execute(sql, params, binary=True).fetchone()
        if self._fences:
            self.check_fences()
        return row

    def _fetchall(self, sql: str, params: list[Any]) -> list[Row]:
        if self.closed:
            raise RuntimeError("storage block already ended")
        rows = self._c.execute(sql, params, binary=True).fetchall()
        if self._fences:
            self.check_fences()
        return rows

    # --- catalog --------------------------------------------------------------------------

    def get_table(self, account: str, region: str, name: str) -> TableRow | None:
        """Inside a write block this locks the catalog row first (create and update are
        read-check-writes too); item writes use the cached schema and ``fence_table``."""
        if NUL in name or NUL in account or NUL in region:
            return None  # PostgreSQL text cannot hold NUL: no stored name has one
        if self.locking:
            self._lock(name_lock_id(account, region, name))
        row = self._fetchone(
            "SELECT table_id, account, region, name, description, status, created_at, version"
            " FROM tables WHERE account = %s AND region = %s AND name = %s",
            (account, region, name),
        )
        return TableRow(*row) if row else None

    def list_tables(
        self, account: str, region: str, start_after: str | None, limit: int
    ) -> list[str]:
        # COLLATE "C": byte order, as SQLite and DynamoDB list names, whatever the locale.
        rows = self._fetchall(
            'SELECT name FROM tables WHERE account = %s AND region = %s AND name COLLATE "C" > %s'
            ' ORDER BY name COLLATE "C" LIMIT %s',
            # No stored name holds a NUL, so the names after "ab<NUL>c" are those after "ab".
            [account, region, (start_after or "").partition(NUL)[0], limit],
        )
        return [r[0] for r in rows]

    def create_table(
        self,
        account: str,
        region: str,
        name: str,
        description: bytes,
        status: str,
        created_at: float,
    ) -> int:
        if self.locking:
            self._lock(name_lock_id(account, region, name))
        row = self._fetchone(
            "INSERT INTO tables (account, region, name, description, status, created_at, version)"
            " VALUES (%s, %s, %s, %s, %s, %s, 1) RETURNING table_id",
            (account, region, name, description, status, created_at),
        )
        assert row is not None
        return int(row[0])

    def _lock_table(self, table_id: int) -> None:
        """Exclusive: waits for in-flight item writes of the table (they hold it shared)."""
        if self.locking:
            self._lock(table_lock_id(table_id))

    def update_table(self, table_id: int, description: bytes, status: str) -> None:
        self._lock_table(table_id)
        self._c.execute(
            "UPDATE tables SET description = %s, status = %s, version = version + 1"
            " WHERE table_id = %s",
            (description, status, table_id),
        )

    def delete_table(self, table_id: int) -> None:
        self._lock_table(table_id)
        c = self._c
        c.execute(
            "DELETE FROM index_rows WHERE index_id IN"
            " (SELECT index_id FROM index_catalog WHERE table_id = %s)",
            (table_id,),
        )
        c.execute("DELETE FROM index_catalog WHERE table_id = %s", (table_id,))
        c.execute("DELETE FROM items WHERE table_id = %s", (table_id,))
        c.execute("DELETE FROM tables WHERE table_id = %s", (table_id,))

    def retire_table(self, table_id: int, account: str, region: str, name: str) -> None:
        self._lock_table(table_id)
        self._c.execute(
            "UPDATE tables SET account = %s, region = %s, name = %s, version = version + 1"
            " WHERE table_id = %s",
            (account, region, name, table_id),
        )

    def new_index_id(self, table_id: int, name: str) -> int:
        self._lock_table(table_id)
        row = self._fetchone(
            "INSERT INTO index_catalog (table_id, name) VALUES (%s, %s) RETURNING index_id",
            (table_id, name),
        )
        assert row is not None
        return int(row[0])

    def drop_index(self, index_id: int) -> None:
        owner = self._fetchone(
            "SELECT table_id FROM index_catalog WHERE index_id = %s", (index_id,)
        )
        if owner is not None:
            self._lock_table(int(owner[0]))
        self._c.execute("DELETE FROM index_rows WHERE index_id = %s", (index_id,))
        self._c.execute("DELETE FROM index_catalog WHERE index_id = %s", (index_id,))

    # --- items ----------------------------------------------------------------------------

    def get_item(self, table_id: int, pk_hash: int, pk: bytes, sk: bytes) -> bytes | None:
        if not self.writing:
            row = self._fetchone(GET, (table_id, pk_hash, pk, sk))
            return row[0] if row else None
        if self.locking:
            self._lock(item_lock_id(table_id, pk, sk))
        row = self._fetchone(GET + " FOR UPDATE", (table_id, pk_hash, pk, sk))
        return row[0] if row else None

    def put_item(
        self,
        table_id: int,
        pk_hash: int,
        pk: bytes,
        sk: bytes,
        body: bytes,
        size: int,
        expires_at: int | None,
    ) -> None:
        if self.locking:
            self._lock(item_lock_id(table_id, pk, sk))
        self._c.execute(UPSERT_ITEM, (table_id, pk_hash, pk, sk, body, size, expires_at))

    def delete_item(self, table_id: int, pk_hash: int, pk: bytes, sk: bytes) -> None:
        if self.locking:
            self._lock(item_lock_id(table_id, pk, sk))
        self._c.execute(
            "DELETE FROM items WHERE table_id = %s AND pk_hash = %s AND pk = %s AND sk = %s",
            (table_id, pk_hash, pk, sk),
        )

    def _chunks(
        self,
        shape: tuple[str, str, tuple[str, ...], tuple[str, ...], str, str, bool],
        prefix: list[Any],
        after: tuple[Any, ...] | None,
        size_col: int,
        skip: int = 0,
        first: int = FIRST_CHUNK,
    ) -> Iterator[Row]:
        """Rows of a keyset-paged range, chunk by chunk; ``shape`` is ``range_sql``'s
        arguments without ``after``; the last ``len(order_cols)`` columns of the selected list
        before ``body, size`` are the order key. ``skip`` leaves out the range's first rows
        (an OFFSET on the first chunk, so they never leave the server); ``first`` sizes the
        first chunk."""
        columns, table, prefix_cols, order_cols, low, high, forward = shape
        width = len(order_cols)
        limit = first
        while True:
            sql = range_sql(
                columns, table, prefix_cols, order_cols, low, high, forward, after is not None
            )
            params = [*prefix, *(after or ()), limit]
            if skip:
                sql, params, skip = sql + " OFFSET %s", [*params, skip], 0
            rows = self._fetchall(sql, params)
            yield from rows
            if len(rows) < limit:
                return
            last = rows[-1]
            after = tuple(last[size_col - 1 - width : size_col - 1])
            limit = next_chunk(limit, rows, size_col)

    def query_items(
        self,
        table_id: int,
        pk_hash: int,
        pk: bytes,
        sort: SortKeyCondition | None,
        forward: bool,
        after_sk: bytes | None,
    ) -> Iterator[ItemRow]:
        for row in self._item_chunks(table_id, pk_hash, pk, sort, forward, after_sk):
            yield ItemRow(*row)

    def _item_chunks(
        self,
        table_id: int,
        pk_hash: int,
        pk: bytes,
        sort: SortKeyCondition | None,
        forward: bool,
        after_sk: bytes | None,
        skip: int = 0,
        first: int = FIRST_CHUNK,
    ) -> Iterator[Row]:
        low, high, args = sk_bounds(sort)
        shape = (ITEM_COLS, "items", ("table_id", "pk_hash", "pk"), ("sk",), low, high, forward)
        after = (after_sk,) if after_sk is not None else None
        return self._chunks(shape, [table_id, pk_hash, pk, *args], after, 4, skip, first)

    def query_item_bodies(
        self,
        table_id: int,
        pk_hash: int,
        pk: bytes,
        sort: SortKeyCondition | None,
        forward: bool,
        after_sk: bytes | None,
        skip: int = 0,
    ) -> Iterator[tuple[bytes, int]]:
        # The keyset chunks need each row's key, so the key columns are still selected.
        for row in self._item_chunks(table_id, pk_hash, pk, sort, forward, after_sk, skip):
            yield row[3], row[4]

    def query_item_page(
        self,
        table_id: int,
        pk_hash: int,
        pk: bytes,
        sort: SortKeyCondition | None,
        forward: bool,
        after_sk: bytes | None,
        max_rows: int,
    ) -> PageRead:
        rows = self._item_chunks(table_id, pk_hash, pk, sort, forward, after_sk, first=max_rows)
        return page_of(rows, 3, max_rows)

    def scan_items(
        self,
        table_id: int,
        hash_low: int,
        hash_high: int,
        after: tuple[int, bytes, bytes] | None,
    ) -> Iterator[ItemRow]:
        high, bound = upper_bound(hash_high)
        shape = (ITEM_COLS, "items", ("table_id",), ("pk_hash", "pk", "sk"), ">=", high, True)
        for row in self._chunks(shape, [table_id, hash_low, bound], after, 4):
            yield ItemRow(*row)

    def table_stats(self, table_id: int) -> tuple[int, int]:
        row = self._fetchone(
            "SELECT count(*), coalesce(sum(size), 0) FROM items WHERE table_id = %s",
            (table_id,),
        )
        assert row is not None
        return int(row[0]), int(row[1])

    def collection_size(self, table_id: int, pk_hash: int, pk: bytes) -> int:
        row = self._fetchone(
            "SELECT coalesce(sum(size), 0) FROM items WHERE table_id = %s AND pk_hash = %s"
            " AND pk = %s",
            (table_id, pk_hash, pk),
        )
        assert row is not None
        return int(row[0])

    # --- index rows (owned by their base item: the item's lock covers them) ---------------

    def put_index_row(self, index_id: int, row: IndexRow) -> None:
        self._c.execute(
            UPSERT_INDEX_ROW,
            (index_id, row.ix_hash, row.ix_pk, row.ix_sk, row.pk, row.sk, row.body, row.size),
        )

    def delete_index_row(
        self, index_id: int, ix_hash: int, ix_pk: bytes, ix_sk: bytes, pk: bytes, sk: bytes
    ) -> None:
        self._c.execute(
            "DELETE FROM index_rows WHERE index_id = %s AND ix_hash = %s AND ix_pk = %s"
            " AND ix_sk = %s AND pk = %s AND sk = %s",
            (index_id, ix_hash, ix_pk, ix_sk, pk, sk),
        )

    def query_index(
        self,
        index_id: int,
        ix_hash: int,
        ix_pk: bytes,
        sort: SortKeyCondition | None,
        forward: bool,
        after: tuple[bytes, bytes, bytes] | None,
    ) -> Iterator[IndexRow]:
        for row in self._index_chunks(index_id, ix_hash, ix_pk, sort, forward, after):
            yield IndexRow(*row)

    def _index_chunks(
        self,
        index_id: int,
        ix_hash: int,
        ix_pk: bytes,
        sort: SortKeyCondition | None,
        forward: bool,
        after: tuple[bytes, bytes, bytes] | None,
        skip: int = 0,
        first: int = FIRST_CHUNK,
    ) -> Iterator[Row]:
        low, high, args = sk_bounds(sort)
        shape = (
            INDEX_COLS,
            "index_rows",
            ("index_id", "ix_hash", "ix_pk"),
            ("ix_sk", "pk", "sk"),
            low,
            high,
            forward,
        )
        return self._chunks(shape, [index_id, ix_hash, ix_pk, *args], after, 6, skip, first)

    def query_index_bodies(
        self,
        index_id: int,
        ix_hash: int,
        ix_pk: bytes,
        sort: SortKeyCondition | None,
        forward: bool,
        after: tuple[bytes, bytes, bytes] | None,
        skip: int = 0,
    ) -> Iterator[tuple[bytes, int]]:
        for row in self._index_chunks(index_id, ix_hash, ix_pk, sort, forward, after, skip):
            yield row[5], row[6]

    def query_index_page(
        self,
        index_id: int,
        ix_hash: int,
        ix_pk: bytes,
        sort: SortKeyCondition | None,
        forward: bool,
        after: tuple[bytes, bytes, bytes] | None,
        max_rows: int,
    ) -> PageRead:
        rows = self._index_chunks(index_id, ix_hash, ix_pk, sort, forward, after, first=max_rows)
        return page_of(rows, 5, max_rows)

    def scan_index(
        self,
        index_id: int,
        hash_low: int,
        hash_high: int,
        after: tuple[int, bytes, bytes, bytes, bytes] | None,
    ) -> Iterator[IndexRow]:
        high, bound = upper_bound(hash_high)
        shape = (
            INDEX_COLS,
            "index_rows",
            ("index_id",),
            ("ix_hash", "ix_pk", "ix_sk", "pk", "sk"),
            ">=",
            high,
            True,
        )
        for row in self._chunks(shape, [index_id, hash_low, bound], after, 6):
            yield IndexRow(*row)

    def index_stats(self, index_id: int) -> tuple[int, int]:
        row = self._fetchone(
            "SELECT count(*), coalesce(sum(size), 0) FROM index_rows WHERE index_id = %s",
            (index_id,),
        )
        assert row is not None
        return int(row[0]), int(row[1])

    # --- ClientRequestToken idempotency --------------------------------------------------------

    def get_token(self, token: str) -> tuple[bytes, float, bytes] | None:
        """Inside a write block the token is locked first, like an item key: two requests
        with one token (on any servers) run one after the other."""
        sql = "SELECT request_hash, completed_at, response FROM tokens WHERE token = %s"
        if self.writing:
            if self.locking:
                self._lock(token_lock_id(token))
            sql += " FOR UPDATE"
        row = self._fetchone(sql, (_token_text(token),))
        return (row[0], float(row[1]), row[2]) if row else None

    def put_token(
        self, token: str, request_hash: bytes, completed_at: float, response: bytes
    ) -> None:
        if self.locking:
            self._lock(token_lock_id(token))
        self._c.execute(
            "INSERT INTO tokens (token, request_hash, completed_at, response)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (token) DO UPDATE"
            " SET request_hash = EXCLUDED.request_hash, completed_at = EXCLUDED.completed_at,"
            " response = EXCLUDED.response",
            (_token_text(token), request_hash, completed_at, response),
        )

    def purge_tokens(self, before: float) -> None:
        self._c.execute("DELETE FROM tokens WHERE completed_at < %s", (before,))

    # --- expiry (TTL) and the stream log ---------------------------------------------------

    def expiring_tables(self, now: int, oldest: int) -> list[TableRow]:
        rows = self._fetchall(
            "SELECT table_id, account, region, name, description, status, created_at, version"
            " FROM tables WHERE table_id IN (SELECT DISTINCT table_id FROM items"
            " WHERE expires_at IS NOT NULL AND expires_at >= %s AND expires_at < %s)",
            [oldest, now],
        )
        return [TableRow(*row) for row in rows]

    def expired_items(
        self, table_id: int, now: int, limit: int, oldest: int = -(2**63)
    ) -> list[ItemRow]:
        rows = self._fetchall(
            "SELECT pk_hash, pk, sk, body, size FROM items WHERE expires_at IS NOT NULL"
            " AND expires_at >= %s AND expires_at < %s AND table_id = %s"
            " ORDER BY expires_at LIMIT %s",
            [oldest, now, table_id, limit],
        )
        return [ItemRow(*row) for row in rows]

    def last_stream_seq(self, table_id: int, shard: int) -> int:
        # Writers of one stream take turns from here to COMMIT, so sequence numbers are
        # handed out without gaps or duplicates (SERIALIZABLE mode: the database detects it).
        if self.locking:
            self._lock(stream_lock_id(table_id, shard))
        row = self._fetchone(
            "SELECT max(seq) FROM stream_log WHERE table_id = %s AND shard = %s",
            (table_id, shard),
        )
        return int(row[0] or 0) if row else 0

    def read_stream(self, table_id: int, shard: int, after_seq: int, limit: int) -> list[StreamRow]:
        rows = self._fetchall(
            "SELECT seq, created_at, record FROM stream_log WHERE table_id = %s AND shard = %s"
            " AND seq > %s ORDER BY seq LIMIT %s",
            [table_id, shard, after_seq, limit],
        )
        return [StreamRow(int(r[0]), float(r[1]), bytes(r[2])) for r in rows]

    def append_stream_record(
        self, table_id: int, shard: int, seq: int, created_at: float, record: bytes
    ) -> None:
        self._c.execute(
            "INSERT INTO stream_log (table_id, shard, seq, created_at, record)"
            " VALUES (%s, %s, %s, %s, %s)",
            (table_id, shard, seq, created_at, record),
        )

    def trim_stream_log(self, created_before: float) -> int:
        row = self._fetchone(
            "WITH gone AS (DELETE FROM stream_log WHERE created_at < %s RETURNING 1)"
            " SELECT count(*) FROM gone",
            (created_before,),
        )
        return int(row[0]) if row else 0
