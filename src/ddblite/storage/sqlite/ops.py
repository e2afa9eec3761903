"""SQLite's reads and writes: the storage contract as SQL over the one shared connection.

``SqliteBackend`` (sqlite.py) owns the connection and its transactions; this is the SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from functools import lru_cache

from ddblite.model.sort_key import SortKeyCondition
from ddblite.storage.base import (
    IndexRow,
    ItemRow,
    PageRead,
    StreamRow,
    TableRow,
)
from ddblite.storage.sql_ranges import sk_bounds


@lru_cache(maxsize=256)
def _range_sql(
    columns: str,
    table: str,
    prefix_cols: tuple[str, ...],
    sort_col: str,
    tail: tuple[str, ...],
    low: str,
    high: str,
    forward: bool,
    after: bool,
) -> str:
    """SQL for one partition's rows in sort order; built once per shape."""
    where = [f"{c} = ?" for c in prefix_cols]
    if low:
        where.append(f"{sort_col} {low} ?")
    if high:
        where.append(f"{sort_col} {high} ?")
    order_cols = (sort_col, *tail)
    if after:
        cmp = ">" if forward else "<"
        where.append(f"({', '.join(order_cols)}) {cmp} ({', '.join('?' for _ in order_cols)})")
    direction = "ASC" if forward else "DESC"
    order = ", ".join(f"{c} {direction}" for c in order_cols)
    return f"SELECT {columns} FROM {table} WHERE {' AND '.join(where)} ORDER BY {order}"


def _item_range(
    columns: str,
    table_id: int,
    pk_hash: int,
    pk: bytes,
    sort: SortKeyCondition | None,
    forward: bool,
    after_sk: bytes | None,
) -> tuple[str, list[object]]:
    """SQL and parameters of one partition's item rows in sort order."""
    low, high, args = sk_bounds(sort)
    sql = _range_sql(
        columns,
        "items",
        ("table_id", "pk_hash", "pk"),
        "sk",
        (),
        low,
        high,
        forward,
        after_sk is not None,
    )
    params: list[object] = [table_id, pk_hash, pk, *args]
    if after_sk is not None:
        params.append(after_sk)
    return sql, params


def _index_range(
    columns: str,
    index_id: int,
    ix_hash: int,
    ix_pk: bytes,
    sort: SortKeyCondition | None,
    forward: bool,
    after: tuple[bytes, bytes, bytes] | None,
) -> tuple[str, list[object]]:
    """SQL and parameters of one index partition's rows in (ix_sk, pk, sk) order."""
    low, high, args = sk_bounds(sort)
    sql = _range_sql(
        columns,
        "index_rows",
        ("index_id", "ix_hash", "ix_pk"),
        "ix_sk",
        ("pk", "sk"),
        low,
        high,
        forward,
        after is not None,
    )
    params: list[object] = [index_id, ix_hash, ix_pk, *args]
    if after is not None:
        params.extend(after)
    return sql, params


def _skipping(sql: str, params: list[object], skip: int) -> tuple[str, list[object]]:
    """A range read without its first ``skip`` rows (SQLite walks past them inside the
    statement, building nothing for them)."""
    if not skip:
        return sql, params
    return sql + " LIMIT -1 OFFSET ?", [*params, skip]


# A page in one piece (Reader.query_item_page): the first rows of a range read, counted, summed
# and joined by one statement, so no Python object is built per row. The subquery's ORDER BY
# holds because it has a LIMIT (SQLite only drops a FROM-subquery's ORDER BY when it has none),
# and group_concat takes the rows in the order the subquery yields them: the usual idiom before
# SQLite 3.44 gave aggregates an ORDER BY of their own; tests/storage pin it both ways.
# group_concat yields TEXT; the CAST returns its bytes as they are (the 0xFF separators are not
# UTF-8).
@lru_cache(maxsize=256)
def _page_sql(range_sql: str) -> str:
    return (
        "SELECT count(*), total(size), CAST(group_concat(body, x'ff') AS BLOB)"
        f" FROM ({range_sql} LIMIT ?)"
    )


def _last(hash_high: int) -> int:
    """The inclusive upper hash bound for an exclusive ``hash_high``; ``2**63`` ("to the end")
    does not fit SQLite's signed 64-bit integers, so bounds are bound inclusively."""
    return min(hash_high, 1 << 63) - 1


class SqliteOps:
    """Reader and Writer over the shared connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    # --- catalog --------------------------------------------------------------------------

    def get_table(self, account: str, region: str, name: str) -> TableRow | None:
        row = self._c.execute(
            "SELECT table_id, account, region, name, description, status, created_at, version"
            " FROM tables WHERE account = ? AND region = ? AND name = ?",
            (account, region, name),
        ).fetchone()
        return TableRow(*row) if row else None

    def list_tables(
        self, account: str, region: str, start_after: str | None, limit: int
    ) -> list[str]:
        rows = self._c.execute(
            "SELECT name FROM tables WHERE account = ? AND region = ? AND name > ?"
            " ORDER BY name LIMIT ?",
            (account, region, start_after or "", limit),
        ).fetchall()
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
        cur = self._c.execute(
            "INSERT INTO tables (account, region, name, description, status, created_at, version)"
            " VALUES (?, ?, ?, ?, ?, ?, 1)",
            (account, region, name, description, status, created_at),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def update_table(self, table_id: int, description: bytes, status: str) -> None:
        self._c.execute(
            "UPDATE tables SET description = ?, status = ?, version = version + 1"
            " WHERE table_id = ?",
            (description, status, table_id),
        )

    def delete_table(self, table_id: int) -> None:
        c = self._c
        for (index_id,) in c.execute(
            "SELECT index_id FROM index_catalog WHERE table_id = ?", (table_id,)
        ).fetchall():
            self.drop_index(index_id)
        c.execute("DELETE FROM items WHERE table_id = ?", (table_id,))
        c.execute("DELETE FROM tables WHERE table_id = ?", (table_id,))

    def retire_table(self, table_id: int, account: str, region: str, name: str) -> None:
        self._c.execute(
            "UPDATE tables SET account = ?, region = ?, name = ?, version = version + 1"
            " WHERE table_id = ?",
            (account, region, name, table_id),
        )

    def new_index_id(self, table_id: int, name: str) -> int:
        cur = self._c.execute(
            "INSERT INTO index_catalog (table_id, name) VALUES (?, ?)", (table_id, name)
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def drop_index(self, index_id: int) -> None:
        self._c.execute("DELETE FROM index_rows WHERE index_id = ?", (index_id,))
        self._c.execute("DELETE FROM index_catalog WHERE index_id = ?", (index_id,))

    # --- items ----------------------------------------------------------------------------

    def get_item(self, table_id: int, pk_hash: int, pk: bytes, sk: bytes) -> bytes | None:
        row = self._c.execute(
            "SELECT body FROM items WHERE table_id = ? AND pk_hash = ? AND pk = ? AND sk = ?",
            (table_id, pk_hash, pk, sk),
        ).fetchone()
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
        self._c.execute(
            "INSERT OR REPLACE INTO items (table_id, pk_hash, pk, sk, body, size, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (table_id, pk_hash, pk, sk, body, size, expires_at),
        )

    def delete_item(self, table_id: int, pk_hash: int, pk: bytes, sk: bytes) -> None:
        self._c.execute(
            "DELETE FROM items WHERE table_id = ? AND pk_hash = ? AND pk = ? AND sk = ?",
            (table_id, pk_hash, pk, sk),
        )

    def query_items(
        self,
        table_id: int,
        pk_hash: int,
        pk: bytes,
        sort: SortKeyCondition | None,
        forward: bool,
        after_sk: bytes | None,
    ) -> Iterator[ItemRow]:
        # A map over the cursor rather than a generator: one Python frame less per row
        # (callers iterate at once, inside the same read block).
        sql, params = _item_range(
            "pk_hash, pk, sk, body, size", table_id, pk_hash, pk, sort, forward, after_sk
        )
        return map(ItemRow._make, self._c.execute(sql, params))

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
        sql, params = _item_range("body, size", table_id, pk_hash, pk, sort, forward, after_sk)
        return self._c.execute(*_skipping(sql, params, skip))

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
        sql, params = _item_range("body, size", table_id, pk_hash, pk, sort, forward, after_sk)
        return self._page(sql, params, max_rows)

    def _page(self, sql: str, params: list[object], max_rows: int) -> PageRead:
        count, size, joined = self._c.execute(_page_sql(sql), [*params, max_rows]).fetchone()
        return PageRead(count, int(size), joined or b"")

    def scan_items(
        self,
        table_id: int,
        hash_low: int,
        hash_high: int,
        after: tuple[int, bytes, bytes] | None,
    ) -> Iterator[ItemRow]:
        if after is None or after[0] < hash_low:
            cur = self._c.execute(
                "SELECT pk_hash, pk, sk, body, size FROM items WHERE table_id = ?"
                " AND pk_hash >= ? AND pk_hash <= ? ORDER BY pk_hash, pk, sk",
                (table_id, hash_low, _last(hash_high)),
            )
        else:
            # No "pk_hash >= ?" beside the row value (it is implied): with both, SQLite seeks
            # on pk_hash alone and re-walks the start key's partition on every page.
            cur = self._c.execute(
                "SELECT pk_hash, pk, sk, body, size FROM items WHERE table_id = ?"
                " AND (pk_hash, pk, sk) > (?, ?, ?) AND pk_hash <= ?"
                " ORDER BY pk_hash, pk, sk",
                (table_id, *after, _last(hash_high)),
            )
        yield from map(ItemRow._make, cur)

    def table_stats(self, table_id: int) -> tuple[int, int]:
        row = self._c.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM items WHERE table_id = ?", (table_id,)
        ).fetchone()
        return int(row[0]), int(row[1])

    def collection_size(self, table_id: int, pk_hash: int, pk: bytes) -> int:
        row = self._c.execute(
            "SELECT coalesce(sum(size), 0) FROM items WHERE table_id = ? AND pk_hash = ?"
            " AND pk = ?",
            (table_id, pk_hash, pk),
        ).fetchone()
        return int(row[0])

    # --- index rows -----------------------------------------------------------------------

    def put_index_row(self, index_id: int, row: IndexRow) -> None:
        self._c.execute(
            "INSERT OR REPLACE INTO index_rows"
            " (index_id, ix_hash, ix_pk, ix_sk, pk, sk, body, size)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (index_id, row.ix_hash, row.ix_pk, row.ix_sk, row.pk, row.sk, row.body, row.size),
        )

    def delete_index_row(
        self, index_id: int, ix_hash: int, ix_pk: bytes, ix_sk: bytes, pk: bytes, sk: bytes
    ) -> None:
        self._c.execute(
            "DELETE FROM index_rows WHERE index_id = ? AND ix_hash = ? AND ix_pk = ?"
            " AND ix_sk = ? AND pk = ? AND sk = ?",
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
        sql, params = _index_range(
            "ix_hash, ix_pk, ix_sk, pk, sk, body, size",
            index_id,
            ix_hash,
            ix_pk,
            sort,
            forward,
            after,
        )
        return map(IndexRow._make, self._c.execute(sql, params))  # as in query_items

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
        sql, params = _index_range("body, size", index_id, ix_hash, ix_pk, sort, forward, after)
        return self._c.execute(*_skipping(sql, params, skip))

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
        sql, params = _index_range("body, size", index_id, ix_hash, ix_pk, sort, forward, after)
        return self._page(sql, params, max_rows)

    def scan_index(
        self,
        index_id: int,
        hash_low: int,
        hash_high: int,
        after: tuple[int, bytes, bytes, bytes, bytes] | None,
    ) -> Iterator[IndexRow]:
        columns = "SELECT ix_hash, ix_pk, ix_sk, pk, sk, body, size FROM index_rows"
        order = " ORDER BY ix_hash, ix_pk, ix_sk, pk, sk"
        if after is None or after[0] < hash_low:
            cur = self._c.execute(
                columns + " WHERE index_id = ? AND ix_hash >= ? AND ix_hash <= ?" + order,
                (index_id, hash_low, _last(hash_high)),
            )
        else:
            # As in scan_items: the row value alone is the lower bound, so SQLite seeks to it.
            cur = self._c.execute(
                columns + " WHERE index_id = ? AND (ix_hash, ix_pk, ix_sk, pk, sk) >"
                " (?, ?, ?, ?, ?) AND ix_hash <= ?" + order,
                (index_id, *after, _last(hash_high)),
            )
        yield from map(IndexRow._make, cur)

    def index_stats(self, index_id: int) -> tuple[int, int]:
        row = self._c.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM index_rows WHERE index_id = ?",
            (index_id,),
        ).fetchone()
        return int(row[0]), int(row[1])

    # --- ClientRequestToken idempotency ---------------------------------------------------

    def get_token(self, token: str) -> tuple[bytes, float, bytes] | None:
        row = self._c.execute(
            "SELECT request_hash, completed_at, response FROM tokens WHERE token = ?", (token,)
        ).fetchone()
        return (row[0], float(row[1]), row[2]) if row else None

    def put_token(
        self, token: str, request_hash: bytes, completed_at: float, response: bytes
    ) -> None:
        self._c.execute(
            "INSERT OR REPLACE INTO tokens (token, request_hash, completed_at, response)"
            " VALUES (?, ?, ?, ?)",
            (token, request_hash, completed_at, response),
        )

    def purge_tokens(self, before: float) -> None:
        self._c.execute("DELETE FROM tokens WHERE completed_at < ?", (before,))

    # --- expiry (TTL) and the stream log ---------------------------------------------------

    def expiring_tables(self, now: int, oldest: int) -> list[TableRow]:
        rows = self._c.execute(
            "SELECT table_id, account, region, name, description, status, created_at, version"
            " FROM tables WHERE table_id IN (SELECT DISTINCT table_id FROM items"
            " WHERE expires_at IS NOT NULL AND expires_at >= ? AND expires_at < ?)",
            (oldest, now),
        ).fetchall()
        return [TableRow(*row) for row in rows]

    def expired_items(
        self, table_id: int, now: int, limit: int, oldest: int = -(2**63)
    ) -> list[ItemRow]:
        rows = self._c.execute(
            "SELECT pk_hash, pk, sk, body, size FROM items INDEXED BY items_expiry"
            " WHERE expires_at IS NOT NULL AND expires_at >= ? AND expires_at < ?"
            " AND table_id = ? ORDER BY expires_at LIMIT ?",
            (oldest, now, table_id, limit),
        ).fetchall()
        return [ItemRow(*row) for row in rows]

    def last_stream_seq(self, table_id: int, shard: int) -> int:
        row = self._c.execute(
            "SELECT max(seq) FROM stream_log WHERE table_id = ? AND shard = ?",
            (table_id, shard),
        ).fetchone()
        return int(row[0] or 0)

    def read_stream(self, table_id: int, shard: int, after_seq: int, limit: int) -> list[StreamRow]:
        rows = self._c.execute(
            "SELECT seq, created_at, record FROM stream_log WHERE table_id = ? AND shard = ?"
            " AND seq > ? ORDER BY seq LIMIT ?",
            (table_id, shard, after_seq, limit),
        ).fetchall()
        return [StreamRow(*row) for row in rows]

    def append_stream_record(
        self, table_id: int, shard: int, seq: int, created_at: float, record: bytes
    ) -> None:
        self._c.execute(
            "INSERT INTO stream_log (table_id, shard, seq, created_at, record)"
            " VALUES (?, ?, ?, ?, ?)",
            (table_id, shard, seq, created_at, record),
        )

    def trim_stream_log(self, created_before: float) -> int:
        cur = self._c.execute("DELETE FROM stream_log WHERE created_at < ?", (created_before,))
        return cur.rowcount
