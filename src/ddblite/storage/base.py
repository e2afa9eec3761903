"""The storage contract: bytes in, bytes out, no DynamoDB semantics.

Design constraint: a backend never sees an expression, an attribute value or a schema. It stores
catalog rows (a table's description as opaque JSON bytes), item rows keyed by
``(table_id, pk_hash, pk, sk)`` and index rows keyed by ``(index_id, ix_hash, ix_pk, ix_sk, pk,
sk)``, where every key is already in the order-preserving encoding of ``model.keycodec``; byte
order is DynamoDB's order. Range reads come back in key order, which is how Query and Scan avoid
sorting. A Query's sort-key condition arrives as a ``model.sort_key.SortKeyCondition``: an
operator and encoded key bytes (``None``: the whole partition). Everything the engine does for
one request happens inside one ``write()`` or ``read()`` block, which is the unit of atomicity.

A hash-only table stores ``sk = b""``. ``pk_hash`` is in ``[0, 2**63)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import NamedTuple, Protocol, TypeVar

from ddblite.model.sort_key import SortKeyCondition


@dataclass(frozen=True, slots=True)
class TableRow:
    table_id: int
    account: str
    region: str
    name: str
    description: bytes
    status: str
    created_at: float
    version: int


# Item and index rows are NamedTuples rather than frozen dataclasses: a Query or Scan builds
# one per row read, and a tuple is built about three times faster (no per-field
# object.__setattr__), which is a measurable share of a Query's per-row cost.
class ItemRow(NamedTuple):
    pk_hash: int
    pk: bytes
    sk: bytes
    body: bytes
    size: int


class IndexRow(NamedTuple):
    ix_hash: int
    ix_pk: bytes
    ix_sk: bytes
    pk: bytes
    sk: bytes
    body: bytes
    size: int


# Separates the bodies of a page read in one piece: a stored body is JSON text in UTF-8, where
# the byte 0xFF never occurs, so the bodies can be told apart again.
BODY_SEPARATOR = b"\xff"


class PageRead(NamedTuple):
    """The first rows of a range read in one piece (``Reader.query_item_page``)."""

    rows: int  # rows read: at most the ``max_rows`` asked for
    size: int  # their sizes, summed
    joined: bytes  # their bodies in order, separated by BODY_SEPARATOR


@dataclass(frozen=True, slots=True)
class StreamRow:
    """One change record of a table's stream log; ``record`` is opaque bytes."""

    seq: int
    created_at: float
    record: bytes


class Reader(Protocol):
    """Read operations, valid inside ``read()`` or ``write()``."""

    def get_table(self, account: str, region: str, name: str) -> TableRow | None: ...

    def list_tables(
        self, account: str, region: str, start_after: str | None, limit: int
    ) -> list[str]: ...

    def get_item(self, table_id: int, pk_hash: int, pk: bytes, sk: bytes) -> bytes | None: ...

    def query_items(
        self,
        table_id: int,
        pk_hash: int,
        pk: bytes,
        sort: SortKeyCondition | None,
        forward: bool,
        after_sk: bytes | None,
    ) -> Iterator[ItemRow]: ...

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
        """``query_items`` reduced to each row's (body, size): all a plain Query page (no
        filter, no projection) needs, read without building a row object per item. ``skip``
        leaves out the range's first rows (those a ``query_item_page`` already read)."""
        ...

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
        """The first ``max_rows`` rows of ``query_item_bodies`` in one piece. A plain Query
        page is its bodies joined, which SQL can build without a Python object per row; the
        caller bounds ``max_rows``, as the piece is built whole in memory."""
        ...

    def scan_items(
        self,
        table_id: int,
        hash_low: int,
        hash_high: int,
        after: tuple[int, bytes, bytes] | None,
    ) -> Iterator[ItemRow]:
        """Items with ``hash_low <= pk_hash < hash_high`` in (pk_hash, pk, sk) order, starting
        after the exclusive start key ``after``."""
        ...

    def query_index(
        self,
        index_id: int,
        ix_hash: int,
        ix_pk: bytes,
        sort: SortKeyCondition | None,
        forward: bool,
        after: tuple[bytes, bytes, bytes] | None,
    ) -> Iterator[IndexRow]:
        """Rows of one index partition in (ix_sk, pk, sk) order; ``after`` is the exclusive
        start (ix_sk, pk, sk) in the scan direction."""
        ...

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
        """``query_index`` reduced to (body, size), as ``query_item_bodies``."""
        ...

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
        """``query_index_bodies`` in one piece, as ``query_item_page``."""
        ...

    def scan_index(
        self,
        index_id: int,
        hash_low: int,
        hash_high: int,
        after: tuple[int, bytes, bytes, bytes, bytes] | None,
    ) -> Iterator[IndexRow]: ...

    def table_stats(self, table_id: int) -> tuple[int, int]:
        """(item count, total item bytes)."""
        ...

    def index_stats(self, index_id: int) -> tuple[int, int]: ...

    def collection_size(self, table_id: int, pk_hash: int, pk: bytes) -> int:
        """Bytes of every item sharing one partition key (an LSI item collection)."""
        ...

    # --- expiry (TTL) and the stream log ---------------------------------------------------

    def expiring_tables(self, now: int, oldest: int) -> list[TableRow]:
        """Catalog rows of the tables holding an item with ``oldest <= expires_at < now``."""
        ...

    def expired_items(
        self, table_id: int, now: int, limit: int, oldest: int = -(2**63)
    ) -> list[ItemRow]:
        """Up to ``limit`` items of the table with ``oldest <= expires_at < now``, soonest
        expired first."""
        ...

    def last_stream_seq(self, table_id: int, shard: int) -> int:
        """The highest sequence number in the stream log of (table, shard), 0 if none. Inside
        a write block a backend with concurrent writers serializes appenders here."""
        ...

    def read_stream(self, table_id: int, shard: int, after_seq: int, limit: int) -> list[StreamRow]:
        """Up to ``limit`` records of (table, shard) with ``seq > after_seq``, in order."""
        ...


class Writer(Reader, Protocol):
    """Reads plus writes, valid inside ``write()``."""

    def create_table(
        self,
        account: str,
        region: str,
        name: str,
        description: bytes,
        status: str,
        created_at: float,
    ) -> int: ...

    def update_table(self, table_id: int, description: bytes, status: str) -> None: ...

    def delete_table(self, table_id: int) -> None:
        """Drop the catalog row, every item and every index row of the table."""
        ...

    def retire_table(self, table_id: int, account: str, region: str, name: str) -> None:
        """Move the table's catalog row to another (account, region, name), with a new
        version, leaving its items and index rows in place: DeleteTable frees the name at once
        and deletes the rows in the background (engine.deletion)."""
        ...

    def new_index_id(self, table_id: int, name: str) -> int: ...

    def drop_index(self, index_id: int) -> None: ...

    def put_item(
        self,
        table_id: int,
        pk_hash: int,
        pk: bytes,
        sk: bytes,
        body: bytes,
        size: int,
        expires_at: int | None,
    ) -> None: ...

    def delete_item(self, table_id: int, pk_hash: int, pk: bytes, sk: bytes) -> None: ...

    def put_index_row(self, index_id: int, row: IndexRow) -> None: ...

    def delete_index_row(
        self, index_id: int, ix_hash: int, ix_pk: bytes, ix_sk: bytes, pk: bytes, sk: bytes
    ) -> None: ...

    def append_stream_record(
        self, table_id: int, shard: int, seq: int, created_at: float, record: bytes
    ) -> None: ...

    def trim_stream_log(self, created_before: float) -> int:
        """Drop every stream record older than ``created_before``; the number dropped."""
        ...

    # ClientRequestToken idempotency rows (``tokens``), written in the same block as the items.

    def get_token(self, token: str) -> tuple[bytes, float, bytes] | None:
        """``(request_hash, completed_at, response)`` of a recorded token. A backend several
        servers share locks the token for the rest of the block first."""
        ...

    def put_token(
        self, token: str, request_hash: bytes, completed_at: float, response: bytes
    ) -> None:
        """Record a token, replacing an earlier (expired) record of the same token."""
        ...

    def purge_tokens(self, before: float) -> None:
        """Drop the tokens completed before ``before``."""
        ...


class StorageBackend(Protocol):
    """A database: ``write()`` is one atomic read-check-write unit; ``read()`` a consistent
    read-only view. Blocking backends (PostgreSQL) set ``blocking`` so the server runs their
    calls off the event loop; SQLite calls take microseconds and run inline."""

    blocking: bool
    kind: str  # what /_ddblite/health reports: "sqlite", "memory" or "postgresql"

    def write(self) -> AbstractContextManager[Writer]: ...

    def read(self) -> AbstractContextManager[Reader]: ...

    def pending_commit(self) -> bool:
        """True when acknowledged-to-be writes await ``commit()`` (group commit)."""
        ...

    def commit(self) -> None: ...

    def close(self) -> None: ...

    def size_bytes(self) -> int:
        """What the database takes in storage now (for the metrics endpoint)."""
        ...


class StaleCatalogError(Exception):
    """A backend shared by several servers (``shared = True``, PostgreSQL) raises this inside a
    ``write()`` block when the table version the engine fenced with ``fence_table`` is no
    longer current: another server changed or dropped the table. Nothing has been written;
    the engine reloads the table and runs the write again."""


_T = TypeVar("_T")


class FencedWriter(Writer, Protocol):
    """What a writer of a backend shared by several servers adds (storage.postgres)."""

    def fence_table(self, table_id: int, version: int) -> None:
        """Pin the table version the caller's schema was built from; the block raises
        ``StaleCatalogError`` (before committing anything) if it is no longer current."""
        ...

    def lock_keys(self, keys: Iterable[tuple[int, bytes, bytes]]) -> None:
        """Lock every ``(table_id, pk, sk)`` a multi-item block will touch, in a deadlock-free
        order, before reading any of them."""
        ...


class SharedBackend(StorageBackend, Protocol):
    """A backend several stateless servers share (``shared = True``): tables can change under
    a server's cache, and writes may need re-running (``run_write``)."""

    shared: bool

    def write(self) -> AbstractContextManager[FencedWriter]: ...

    def run_write(self, fn: Callable[[], _T]) -> _T:
        """Run ``fn`` (one write block and the Python checks inside it), re-running it on
        serialization failures where the backend's isolation needs that."""
        ...
