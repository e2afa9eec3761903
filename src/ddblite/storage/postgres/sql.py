"""The PostgreSQL backend's SQL: statements, range-read builders and advisory-lock keys.

``PgOps`` (pg_ops.py) runs them; ``PostgresBackend`` (postgres.py) owns connections and
transactions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import lru_cache
from itertools import islice
from typing import Any

from ddblite.storage.base import BODY_SEPARATOR, PageRead

FIRST_CHUNK = 100
_MAX_CHUNK = 1000
_CHUNK_BYTES = 4 << 20  # aim for ~4 MB per chunk: two DynamoDB pages
_MAX_HASH = (1 << 63) - 1

Row = tuple[Any, ...]


def _lock_id(kind: bytes, *parts: bytes) -> int:
    """A signed 64-bit advisory-lock key. ``kind`` separates the name spaces (item, table,
    catalog name); each part is length-prefixed so (b"ab", b"c") and (b"a", b"bc") differ."""
    h = hashlib.blake2b(kind, digest_size=8)
    for part in parts:
        h.update(len(part).to_bytes(4, "big"))
        h.update(part)
    return int.from_bytes(h.digest(), "big", signed=True)


def item_lock_id(table_id: int, pk: bytes, sk: bytes) -> int:
    return _lock_id(b"item", table_id.to_bytes(8, "big"), pk, sk)


def table_lock_id(table_id: int) -> int:
    return _lock_id(b"table", table_id.to_bytes(8, "big"))


def name_lock_id(account: str, region: str, name: str) -> int:
    return _lock_id(b"name", account.encode(), region.encode(), name.encode())


def token_lock_id(token: str) -> int:
    return _lock_id(b"token", token.encode())


def stream_lock_id(table_id: int, shard: int) -> int:
    return _lock_id(b"stream", table_id.to_bytes(8, "big"), shard.to_bytes(4, "big"))


@lru_cache(maxsize=256)
def range_sql(
    columns: str,
    table: str,
    prefix_cols: tuple[str, ...],
    order_cols: tuple[str, ...],
    low: str,
    high: str,
    forward: bool,
    after: bool,
) -> str:
    """One chunk of a partition (or hash range) in key order; built once per shape."""
    where = [f"{c} = %s" for c in prefix_cols]
    sort_col = order_cols[0]
    if low:
        where.append(f"{sort_col} {low} %s")
    if high:
        where.append(f"{sort_col} {high} %s")
    if after:
        cmp = ">" if forward else "<"
        where.append(f"({', '.join(order_cols)}) {cmp} ({', '.join('%s' for _ in order_cols)})")
    direction = "ASC" if forward else "DESC"
    order = ", ".join(f"{c} {direction}" for c in order_cols)
    return f"SELECT {columns} FROM {table} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %s"


def upper_bound(hash_high: int) -> tuple[str, int]:
    """The exclusive upper hash bound as SQL: the top of the space, 2**63, does not fit a
    bigint, so it becomes ``<= 2**63 - 1``."""
    if hash_high > _MAX_HASH:
        return "<=", _MAX_HASH
    return "<", hash_high


def page_of(rows: Iterator[Row], body_col: int, max_rows: int) -> PageRead:
    """A PageRead of the first ``max_rows`` rows of a range read whose first chunk is that
    size (only that chunk is fetched); ``body_col`` is where body sits, size follows it."""
    taken = list(islice(rows, max_rows))
    return PageRead(
        len(taken),
        sum(row[body_col + 1] for row in taken),
        BODY_SEPARATOR.join(row[body_col] for row in taken),
    )


def next_chunk(limit: int, rows: list[Row], size_col: int) -> int:
    average = max(1, sum(r[size_col] for r in rows) // max(1, len(rows)))
    return int(max(10, min(limit * 4, _MAX_CHUNK, _CHUNK_BYTES // average)))


ITEM_COLS = "pk_hash, pk, sk, body, size"
INDEX_COLS = "ix_hash, ix_pk, ix_sk, pk, sk, body, size"
GET = "SELECT body FROM items WHERE table_id = %s AND pk_hash = %s AND pk = %s AND sk = %s"
UPSERT_ITEM = (
    "INSERT INTO items (table_id, pk_hash, pk, sk, body, size, expires_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (table_id, pk_hash, pk, sk) DO UPDATE"
    " SET body = EXCLUDED.body, size = EXCLUDED.size, expires_at = EXCLUDED.expires_at"
)
UPSERT_INDEX_ROW = (
    "INSERT INTO index_rows (index_id, ix_hash, ix_pk, ix_sk, pk, sk, body, size)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (index_id, ix_hash, ix_pk, ix_sk, pk, sk) DO UPDATE"
    " SET body = EXCLUDED.body, size = EXCLUDED.size"
)
LOCK = "SELECT pg_advisory_xact_lock(%s)"
LOCK_SHARED = "SELECT pg_advisory_xact_lock_shared(%s)"
