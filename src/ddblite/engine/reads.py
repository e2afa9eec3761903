"""Query and Scan pages over storage range reads: ``query`` and ``scan`` run one page of a
``read_plan.QueryPlan`` / ``ScanPlan`` (through ``Database.query`` / ``Database.scan``).

A page stops after ``limit`` items *evaluated* or once the bytes read reach 1 MB, whichever
comes first, both counted before the filter, as DynamoDB does; when it stops for either
reason it carries a LastEvaluatedKey (even if nothing follows, as DynamoDB does). Rows arrive in
key order from storage, one at a time, so memory stays flat whatever the table size.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate, islice
from operator import attrgetter
from typing import TypeVar

import orjson

from ddblite.engine.read_plan import Filter, Project, QueryPlan, ReadPlan, ScanPlan, is_plain
from ddblite.limits import MAX_PAGE_BYTES
from ddblite.model.keycodec import HASH_SPACE, encode, pk_hash
from ddblite.model.schema import IndexSchema, KeySchema, TableSchema, encode_key, key_of
from ddblite.model.values import Item, item_size
from ddblite.storage.base import (
    BODY_SEPARATOR,
    IndexRow,
    ItemRow,
    PageRead,
    Reader,
    StorageBackend,
)

RowT = TypeVar("RowT")


@dataclass(slots=True)
class Page:
    items: list[Item] = field(default_factory=list)
    # A plain page (``collect_raw``) carries its items instead as one JSON array of their
    # stored bodies, never decoded; it returns every item it read (``scanned``).
    items_json: orjson.Fragment | None = None
    scanned: int = 0
    read_bytes: int = 0
    last_key: Item | None = None
    # Bytes of the full items fetched from the table for an LSI read (Select=ALL_ATTRIBUTES or
    # attributes the index does not project); billed to the table, apart from the index.
    table_bytes: int = 0


# The exclusive upper bound handed to storage must fit a signed 64-bit column (SQLite INTEGER,
# PostgreSQL bigint), so the top of the hash space is 2**63 - 1 rather than 2**63; the one
# hash value it leaves out (2**63 - 1 itself) is not produced by ``keycodec.pk_hash`` in
# practice (a 2**-63 chance per key); a storage contract with an open top would remove it.
_TOP = HASH_SPACE - 1


def segment_bounds(segment: int, total: int) -> tuple[int, int]:
    """Segment ``segment`` of ``total`` is one contiguous slice of the pk_hash space; the
    slices of one ``total`` tile it without gaps or overlap."""
    return segment * HASH_SPACE // total, min((segment + 1) * HASH_SPACE // total, _TOP)


WHOLE_HASH_SPACE = segment_bounds(0, 1)  # (low, high) of a scan over every partition


def take(rows: Iterator[RowT], count: int) -> list[RowT]:
    """Up to ``count`` rows of a storage range read, then close it: a chunked walk (backfill,
    backup, index drop, TTL) must not leave a half-read cursor open inside its block."""
    try:
        return list(islice(rows, count))
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def collect(
    rows: Iterable[tuple[Item, int]],
    limit: int | None,
    keep: Filter | None,
    project: Project | None,
    last_key: Callable[[Item], Item],
    page: Page | None = None,
) -> Page:
    """Fill one page from ``(item, size)`` rows in key order."""
    if page is None:
        page = Page()
    cap = limit if limit is not None else -1
    last: Item | None = None
    stopped = False
    for item, size in rows:
        page.scanned += 1
        page.read_bytes += size
        last = item
        if keep is None or keep(item):
            page.items.append(item if project is None else project(item))
        if page.scanned == cap or page.read_bytes >= MAX_PAGE_BYTES:
            stopped = True
            break
    if stopped and last is not None:
        page.last_key = last_key(last)
    return page


_RAW_CHUNK = 256


def collect_raw(
    rows: Iterator[tuple[bytes, int]],
    limit: int | None,
    last_key: Callable[[Item], Item],
    read: list[bytes] | None = None,
    read_bytes: int = 0,
) -> Page:
    """A page with no filter and no projection, from ``(body, size)`` rows: the stored bodies
    go into the response as the JSON they already are, never decoded and re-encoded; only the
    last one is decoded, for the LastEvaluatedKey. Decoding is most of a plain Query's cost
    per item, and the page cut (Limit, or the first item that brings the bytes read to 1 MB) is
    found with C-level passes over chunks of rows rather than a Python loop per row; the chunks
    keep a page over a huge partition from reading more than it returns. ``read`` and
    ``read_bytes``: the bodies of this page already read before ``rows``, and their size."""
    bodies: list[bytes] = read if read is not None else []
    total = read_bytes
    remaining = None if limit is None else limit - len(bodies)
    stopped = False
    while not stopped:
        want = _RAW_CHUNK if remaining is None else min(_RAW_CHUNK, remaining)
        chunk = list(islice(rows, want))
        if not chunk:
            break
        chunk_bodies, sizes = zip(*chunk, strict=True)
        chunk_total = total + sum(sizes)
        if chunk_total >= MAX_PAGE_BYTES:
            running = list(accumulate(sizes, initial=total))[1:]
            cut = bisect_left(running, MAX_PAGE_BYTES) + 1
            chunk_bodies, chunk_total, stopped = chunk_bodies[:cut], running[cut - 1], True
        bodies.extend(chunk_bodies)
        total = chunk_total
        if remaining is not None:
            remaining -= len(chunk_bodies)
            stopped = stopped or remaining == 0
        if len(chunk) < want and not stopped:
            break  # the range is exhausted
    page = Page(items_json=_json_array(b",".join(bodies)), scanned=len(bodies), read_bytes=total)
    if stopped and bodies:
        page.last_key = last_key(orjson.loads(bodies[-1]))
    return page


# A plain Query page is first asked of storage in one piece (``Reader.query_item_page``), of at
# most _WHOLE_ROWS rows: built whole in memory, so bounded like a BatchGetItem of 100 items.
# A longer page goes on row by row after those rows; one whose 1 MB cut falls inside them is
# read again row by row (items averaging over 8 KB). Measured in benchmarks/README.md.
_WHOLE_ROWS = 128


def plain_page(
    whole: Callable[[int], PageRead],
    rows: Callable[[int], Iterator[tuple[bytes, int]]],
    limit: int | None,
    last_key: Callable[[Item], Item],
) -> Page:
    """A Query page with no filter and no projection: from storage's one-piece read when that
    holds the whole page, else row by row (``collect_raw``), after the rows it holds.
    ``whole`` and ``rows`` are the partition's ``query_*_page`` and ``query_*_bodies`` reads
    with their range bound (``rows`` takes how many rows to skip)."""
    probe = _WHOLE_ROWS if limit is None else min(limit, _WHOLE_ROWS)
    read = whole(probe)
    joined = read.joined
    if read.size >= MAX_PAGE_BYTES:  # the 1 MB cut falls inside the read: find it row by row
        return collect_raw(rows(0), limit, last_key)
    complete = read.rows < probe  # the range ended inside the read
    stopped = read.rows == limit  # Limit reached: the page ends here, with a LastEvaluatedKey
    if not (complete or stopped):  # more rows may follow
        bodies = joined.split(BODY_SEPARATOR)
        return collect_raw(rows(read.rows), limit, last_key, bodies, read.size)
    page = Page(
        items_json=_json_array(joined.replace(BODY_SEPARATOR, b",")),
        scanned=read.rows,
        read_bytes=read.size,
    )
    if stopped and read.rows:
        page.last_key = last_key(orjson.loads(joined[joined.rfind(BODY_SEPARATOR) + 1 :]))
    return page


def _json_array(joined: bytes) -> orjson.Fragment:
    """Comma-joined stored bodies as one JSON array: one Fragment for the page is cheaper than
    one per item, for orjson and for us."""
    return orjson.Fragment(b"[" + joined + b"]")


# (body, size) of a full ItemRow or IndexRow, at C speed: the scans' plain pages (only Query
# has body-only reads in storage).
_body_and_size = attrgetter("body", "size")


def table_rows(rows: Iterator[ItemRow]) -> Iterator[tuple[Item, int]]:
    for row in rows:
        yield orjson.loads(row.body), row.size


def index_rows(rows: Iterator[IndexRow]) -> Iterator[tuple[Item, int]]:
    for row in rows:
        yield orjson.loads(row.body), row.size


def fetched_rows(
    reader: Reader, table: TableSchema, rows: Iterator[IndexRow], page: Page
) -> Iterator[tuple[Item, int]]:
    """Index rows replaced by the table's full items (an LSI read asking for attributes the
    index does not hold). The page limit still counts the index bytes; the table bytes are
    tallied apart for the capacity bill. The full item holds every key attribute, so the
    LastEvaluatedKey built from it is the same."""
    for row in rows:
        body = reader.get_item(table.table_id, pk_hash(row.pk), row.pk, row.sk)
        if body is None:  # cannot happen while indexes are kept in the same transaction
            yield orjson.loads(row.body), row.size
            continue
        item: Item = orjson.loads(body)
        page.table_bytes += item_size(item)
        yield item, row.size


def index_last_key(table: TableSchema, index: IndexSchema) -> Callable[[Item], Item]:
    """LastEvaluatedKey of an index page: the index key and the table key."""

    def last_key(item: Item) -> Item:
        out = key_of(table.keys, item)
        out.update(key_of(index.keys, item))
        return out

    return last_key


def table_last_key(keys: KeySchema) -> Callable[[Item], Item]:
    return lambda item: key_of(keys, item)


def start_after_table(keys: KeySchema, start: Item | None) -> tuple[int, bytes, bytes] | None:
    if start is None:
        return None
    ek = encode_key(keys, start)
    return ek.pk_hash, ek.pk, ek.sk


def start_after_index(
    table: TableSchema, index: IndexSchema, start: Item | None
) -> tuple[int, bytes, bytes, bytes, bytes] | None:
    if start is None:
        return None
    ix_pk = encode(start[index.keys.hash_name])
    ix_sk = b"" if index.keys.range_name is None else encode(start[index.keys.range_name])
    ek = encode_key(table.keys, start)
    return pk_hash(ix_pk), ix_pk, ix_sk, ek.pk, ek.sk


def query(backend: StorageBackend, plan: QueryPlan) -> Page:
    with backend.read() as r:
        if plan.secondary_index is None:
            return _query_table(r, plan)
        return _query_index(r, plan, plan.secondary_index)


def _query_table(r: Reader, plan: QueryPlan) -> Page:
    table = plan.table
    keys = table.keys
    start = plan.start
    after = None
    if start is not None:
        if keys.range_name is None:
            return Page()  # a hash-only partition holds one item: nothing follows it
        after = encode(start[keys.range_name])
    pk = encode(plan.partition)
    args = (table.table_id, pk_hash(pk), pk, plan.sort, plan.forward, after)
    last_key = table_last_key(keys)
    if is_plain(plan):
        return plain_page(
            partial(r.query_item_page, *args),
            partial(r.query_item_bodies, *args),
            plan.limit,
            last_key,
        )
    rows = table_rows(r.query_items(*args))
    return collect(rows, plan.limit, plan.keep, plan.project, last_key)


def _query_index(r: Reader, plan: QueryPlan, index: IndexSchema) -> Page:
    after = None
    if plan.start is not None:
        begin = start_after_index(plan.table, index, plan.start)
        assert begin is not None
        after = begin[2:]
    ix_pk = encode(plan.partition)
    args = (index.index_id, pk_hash(ix_pk), ix_pk, plan.sort, plan.forward, after)
    if is_plain(plan):
        return plain_page(
            partial(r.query_index_page, *args),
            partial(r.query_index_bodies, *args),
            plan.limit,
            index_last_key(plan.table, index),
        )
    return _collect_index(r, plan, index, r.query_index(*args))


def scan(backend: StorageBackend, plan: ScanPlan) -> Page:
    with backend.read() as r:
        if plan.secondary_index is None:
            return _scan_table(r, plan)
        return _scan_index(r, plan, plan.secondary_index)


def _scan_table(r: Reader, plan: ScanPlan) -> Page:
    keys = plan.table.keys
    low, high = segment_bounds(plan.segment, plan.total_segments)
    after = start_after_table(keys, plan.start)
    if after is not None:
        # Start the range at the start key's partition: SQLite seeks on the lower pk_hash
        # bound, not on the row value, so a bound at the segment's start would make every
        # page re-walk the segment from its beginning (quadratic over a whole Scan).
        low = max(low, after[0])
    rows = r.scan_items(plan.table.table_id, low, high, after)
    if is_plain(plan):
        return collect_raw(map(_body_and_size, rows), plan.limit, table_last_key(keys))
    return collect(table_rows(rows), plan.limit, plan.keep, plan.project, table_last_key(keys))


def _scan_index(r: Reader, plan: ScanPlan, index: IndexSchema) -> Page:
    low, high = segment_bounds(plan.segment, plan.total_segments)
    after = start_after_index(plan.table, index, plan.start)
    if after is not None:
        low = max(low, after[0])  # as in _scan_table
    rows = r.scan_index(index.index_id, low, high, after)
    if is_plain(plan):
        bodies = map(_body_and_size, rows)
        return collect_raw(bodies, plan.limit, index_last_key(plan.table, index))
    return _collect_index(r, plan, index, rows)


def _collect_index(
    reader: Reader, plan: ReadPlan, index: IndexSchema, rows: Iterator[IndexRow]
) -> Page:
    page = Page()
    table = plan.table
    source = fetched_rows(reader, table, rows, page) if plan.fetch else index_rows(rows)
    last_key = index_last_key(table, index)
    return collect(source, plan.limit, plan.keep, plan.project, last_key, page)
