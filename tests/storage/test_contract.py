"""The storage contract (storage/base.py), one suite over every backend.

Bytes in, bytes out: these tests speak only in encoded keys and opaque bodies. Byte order is
DynamoDB's order, so every ordering assertion below is a plain ``sorted()`` of bytes.
"""

from __future__ import annotations

import threading

import pytest

from ddblite.model.sort_key import SortKeyCondition, SortOp
from ddblite.storage.base import IndexRow, ItemRow, PageRead, StorageBackend
from tests.storage.conftest import Opener

ACCOUNT, REGION = "000000000000", "us-east-1"
HASH_SPACE = 1 << 63
# The engine's Scan hands storage at most 2**63 - 1 as the exclusive top (engine/reads.py);
# an open top at 2**63 is pinned separately below.
TOP = HASH_SPACE - 1
EVERYTHING = None  # no sort-key condition: the whole partition


def between(low: bytes, high: bytes) -> SortKeyCondition:
    return SortKeyCondition(SortOp.BETWEEN, low, high)


def make_table(backend: StorageBackend, name: str = "t", account: str = ACCOUNT) -> int:
    with backend.write() as w:
        return w.create_table(account, REGION, name, b'{"wire": {}}', "ACTIVE", 1700000000.5)


def put(
    backend: StorageBackend,
    table_id: int,
    pk: bytes,
    sk: bytes,
    body: bytes,
    pk_hash: int = 7,
    expires_at: int | None = None,
) -> None:
    with backend.write() as w:
        w.put_item(table_id, pk_hash, pk, sk, body, len(body), expires_at)


def get(
    backend: StorageBackend, table_id: int, pk: bytes, sk: bytes, pk_hash: int = 7
) -> bytes | None:
    with backend.read() as r:
        return r.get_item(table_id, pk_hash, pk, sk)


def query(
    backend: StorageBackend,
    table_id: int,
    pk: bytes,
    sort: SortKeyCondition | None = EVERYTHING,
    forward: bool = True,
    after: bytes | None = None,
    pk_hash: int = 7,
) -> list[bytes]:
    with backend.read() as r:
        return [row.sk for row in r.query_items(table_id, pk_hash, pk, sort, forward, after)]


# --- catalog -----------------------------------------------------------------------------


def test_create_and_get_table(backend: StorageBackend) -> None:
    table_id = make_table(backend, "Music")
    with backend.read() as r:
        row = r.get_table(ACCOUNT, REGION, "Music")
        assert r.get_table(ACCOUNT, REGION, "music") is None
        assert r.get_table(ACCOUNT, "eu-west-1", "Music") is None
        assert r.get_table("111111111111", REGION, "Music") is None
    assert row is not None
    assert (row.table_id, row.account, row.region, row.name) == (table_id, ACCOUNT, REGION, "Music")
    assert (row.description, row.status, row.created_at, row.version) == (
        b'{"wire": {}}',
        "ACTIVE",
        1700000000.5,
        1,
    )


def test_table_ids_are_never_reused(
    backend: StorageBackend, request: pytest.FixtureRequest
) -> None:
    """A recreated table must not inherit anything keyed by the old id (stream records,
    a stale cached schema on another server whose fence compares (table_id, version))."""
    first = make_table(backend, "a")
    with backend.write() as w:
        w.delete_table(first)
    second = make_table(backend, "a")
    assert second != first


def test_update_table_bumps_version(backend: StorageBackend) -> None:
    table_id = make_table(backend)
    with backend.write() as w:
        w.update_table(table_id, b'{"v": 2}', "UPDATING")
    with backend.write() as w:
        w.update_table(table_id, b'{"v": 3}', "ACTIVE")
    with backend.read() as r:
        row = r.get_table(ACCOUNT, REGION, "t")
    assert row is not None
    assert (row.description, row.status, row.version) == (b'{"v": 3}', "ACTIVE", 3)


def test_list_tables_in_byte_order_with_exclusive_start(backend: StorageBackend) -> None:
    names = ["b", "a", "B", "a-1", "a.1", "a_1", "A", "a0", "Z9", "zz"]
    for name in names:
        make_table(backend, name)
    make_table(backend, "other-account", account="111111111111")
    expected = sorted(names, key=str.encode)
    assert expected == ["A", "B", "Z9", "a", "a-1", "a.1", "a0", "a_1", "b", "zz"]
    with backend.read() as r:
        assert r.list_tables(ACCOUNT, REGION, None, 100) == expected
        assert r.list_tables(ACCOUNT, REGION, None, 3) == expected[:3]
        assert r.list_tables(ACCOUNT, REGION, "Z9", 4) == expected[3:7]
        assert r.list_tables(ACCOUNT, REGION, "a0", 100) == expected[7:]
        assert r.list_tables(ACCOUNT, REGION, "zz", 100) == []
        assert r.list_tables(ACCOUNT, "eu-west-1", None, 100) == []


def test_delete_table_drops_items_and_index_rows(backend: StorageBackend) -> None:
    table_id = make_table(backend)
    keep = make_table(backend, "keep")
    with backend.write() as w:
        index_id = w.new_index_id(table_id, "gsi")
        w.put_item(table_id, 1, b"p", b"", b"x", 1, None)
        w.put_item(keep, 1, b"p", b"", b"y", 1, None)
        w.put_index_row(index_id, IndexRow(2, b"g", b"", b"p", b"", b"x", 1))
    with backend.write() as w:
        w.delete_table(table_id)
    with backend.read() as r:
        assert r.get_table(ACCOUNT, REGION, "t") is None
        assert r.table_stats(table_id) == (0, 0)
        assert r.index_stats(index_id) == (0, 0)
        assert r.get_item(keep, 1, b"p", b"") == b"y"
        assert r.list_tables(ACCOUNT, REGION, None, 10) == ["keep"]


def test_index_ids_are_distinct_and_drop_index_removes_rows(backend: StorageBackend) -> None:
    table_id = make_table(backend)
    with backend.write() as w:
        first = w.new_index_id(table_id, "a")
        second = w.new_index_id(table_id, "b")
        w.put_index_row(first, IndexRow(1, b"k", b"", b"p", b"", b"x", 1))
        w.put_index_row(second, IndexRow(1, b"k", b"", b"p", b"", b"xy", 2))
    assert first != second
    with backend.write() as w:
        w.drop_index(first)
        third = w.new_index_id(table_id, "a")
    assert third not in (first, second)
    with backend.read() as r:
        assert r.index_stats(first) == (0, 0)
        assert r.index_stats(third) == (0, 0)
        assert r.index_stats(second) == (1, 2)


# --- items -------------------------------------------------------------------------------


def test_put_get_replace_delete(backend: StorageBackend) -> None:
    table_id = make_table(backend)
    assert get(backend, table_id, b"p", b"s") is None
    put(backend, table_id, b"p", b"s", b"one")
    assert get(backend, table_id, b"p", b"s") == b"one"
    put(backend, table_id, b"p", b"s", b"two!")
    assert get(backend, table_id, b"p", b"s") == b"two!"
    with backend.read() as r:
        assert r.table_stats(table_id) == (1, 4)
    with backend.write() as w:
        w.delete_item(table_id, 7, b"p", b"s")
        w.delete_item(table_id, 7, b"p", b"absent")  # deleting nothing is not an error
    assert get(backend, table_id, b"p", b"s") is None
    with backend.read() as r:
        assert r.table_stats(table_id) == (0, 0)


def test_keys_and_bodies_are_arbitrary_bytes(backend: StorageBackend) -> None:
    table_id = make_table(backend)
    pk, sk, body = b"\x00\xff\x00", b"\x00", bytes(range(256)) * 3
    put(backend, table_id, pk, sk, body)
    assert get(backend, table_id, pk, sk) == body
    assert get(backend, table_id, pk, b"") is None
    assert get(backend, table_id, b"\x00\xff", sk) is None


def test_items_are_per_table_and_per_full_key(backend: StorageBackend) -> None:
    one, two = make_table(backend, "one"), make_table(backend, "two")
    put(backend, one, b"p", b"", b"1")
    put(backend, two, b"p", b"", b"2")
    # Two partition keys with the same hash (a collision) stay apart.
    put(backend, one, b"q", b"", b"3")
    assert get(backend, one, b"p", b"") == b"1"
    assert get(backend, two, b"p", b"") == b"2"
    assert get(backend, one, b"q", b"") == b"3"
    assert get(backend, one, b"p", b"", pk_hash=8) is None


def test_write_block_rolls_back_on_exception(backend: StorageBackend) -> None:
    table_id = make_table(backend)
    put(backend, table_id, b"p", b"keep", b"old")
    with pytest.raises(RuntimeError, match="refused"), backend.write() as w:
        w.put_item(table_id, 7, b"p", b"new", b"x", 1, None)
        w.put_item(table_id, 7, b"p", b"keep", b"changed", 7, None)
        w.create_table(ACCOUNT, REGION, "ghost", b"{}", "ACTIVE", 0.0)
        assert w.get_item(table_id, 7, b"p", b"new") == b"x"  # a block sees its own writes
        raise RuntimeError("refused")
    assert get(backend, table_id, b"p", b"new") is None
    assert get(backend, table_id, b"p", b"keep") == b"old"
    with backend.read() as r:
        assert r.get_table(ACCOUNT, REGION, "ghost") is None
        assert r.table_stats(table_id) == (1, 3)


def test_nested_write_joins_the_outer_block(backend: StorageBackend) -> None:
    table_id = make_table(backend)
    with pytest.raises(RuntimeError), backend.write() as outer:
        outer.put_item(table_id, 7, b"p", b"a", b"1", 1, None)
        with backend.write() as inner:
            inner.put_item(table_id, 7, b"p", b"b", b"2", 1, None)
        with backend.read() as r:  # reads inside a write block see its writes
            assert r.get_item(table_id, 7, b"p", b"b") == b"2"
        raise RuntimeError("outer fails")
    assert query(backend, table_id, b"p") == []


def test_collection_size_and_stats(backend: StorageBackend) -> None:
    table_id = make_table(backend)
    with backend.write() as w:
        w.put_item(table_id, 7, b"p", b"a", b"x", 100, None)
        w.put_item(table_id, 7, b"p", b"b", b"x", 50, 1700000000)
        w.put_item(table_id, 9, b"q", b"a", b"x", 7, None)
    with backend.read() as r:
        assert r.collection_size(table_id, 7, b"p") == 150
        assert r.collection_size(table_id, 9, b"q") == 7
        assert r.collection_size(table_id, 9, b"none") == 0
        assert r.table_stats(table_id) == (3, 157)


# --- query -------------------------------------------------------------------------------

SKS = [b"", b"a", b"a\x00", b"ab", b"b", b"\x7f", b"\x80", b"\xff", b"\xff\xff"]


@pytest.fixture
def ranged(backend: StorageBackend) -> int:
    table_id = make_table(backend)
    with backend.write() as w:
        for sk in SKS:
            w.put_item(table_id, 7, b"p", sk, b"body-" + sk, 5 + len(sk), None)
        w.put_item(table_id, 7, b"other", b"a", b"x", 1, None)  # same hash, other key
        w.put_item(table_id, 8, b"q", b"a", b"x", 1, None)
    return table_id


def test_query_returns_the_partition_in_byte_order(backend: StorageBackend, ranged: int) -> None:
    ordered = sorted(SKS)
    assert query(backend, ranged, b"p") == ordered
    assert query(backend, ranged, b"p", forward=False) == ordered[::-1]
    with backend.read() as r:
        rows = list(r.query_items(ranged, 7, b"p", SortKeyCondition(SortOp.EQ, b"ab"), True, None))
    assert rows == [ItemRow(7, b"p", b"ab", b"body-ab", 7)]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (
            SortKeyCondition(SortOp.GE, b"a"),
            [b"a", b"a\x00", b"ab", b"b", b"\x7f", b"\x80", b"\xff", b"\xff\xff"],
        ),
        (
            SortKeyCondition(SortOp.GT, b"a"),
            [b"a\x00", b"ab", b"b", b"\x7f", b"\x80", b"\xff", b"\xff\xff"],
        ),
        (SortKeyCondition(SortOp.LE, b"ab"), [b"", b"a", b"a\x00", b"ab"]),
        (SortKeyCondition(SortOp.LT, b"ab"), [b"", b"a", b"a\x00"]),
        (SortKeyCondition(SortOp.EQ, b"a\x00"), [b"a\x00"]),
        (between(b"a", b"b"), [b"a", b"a\x00", b"ab", b"b"]),
        (SortKeyCondition(SortOp.BEGINS_WITH, b"a"), [b"a", b"a\x00", b"ab"]),
        # a prefix of 0xFF bytes only has no key above it: the range is open at the top
        (SortKeyCondition(SortOp.BEGINS_WITH, b"\xff"), [b"\xff", b"\xff\xff"]),
        (between(b"\x80", b"\xff"), [b"\x80", b"\xff"]),
        (between(b"c", b"d"), []),
    ],
)
def test_query_sort_key_ranges(
    backend: StorageBackend, ranged: int, sort: SortKeyCondition, expected: list[bytes]
) -> None:
    assert query(backend, ranged, b"p", sort) == expected
    assert query(backend, ranged, b"p", sort, forward=False) == expected[::-1]


def test_query_exclusive_start_in_both_directions(backend: StorageBackend, ranged: int) -> None:
    ordered = sorted(SKS)
    for i, start in enumerate(ordered):
        assert query(backend, ranged, b"p", after=start) == ordered[i + 1 :]
        assert query(backend, ranged, b"p", forward=False, after=start) == ordered[:i][::-1]
    # An exclusive start that is not a stored key still splits the order.
    assert query(backend, ranged, b"p", after=b"aa") == [
        b"ab",
        b"b",
        b"\x7f",
        b"\x80",
        b"\xff",
        b"\xff\xff",
    ]
    within = between(b"a", b"b")
    assert query(backend, ranged, b"p", within, after=b"a\x00") == [b"ab", b"b"]
    assert query(backend, ranged, b"p", within, forward=False, after=b"ab") == [b"a\x00", b"a"]


@pytest.mark.parametrize("forward", [True, False])
@pytest.mark.parametrize("after", [None, b"a\x00", b"aa"])
@pytest.mark.parametrize(
    "sort", [EVERYTHING, between(b"a", b"b"), SortKeyCondition(SortOp.LE, b"ab")]
)
def test_query_item_bodies_are_the_rows_bodies_and_sizes(
    backend: StorageBackend,
    ranged: int,
    sort: SortKeyCondition | None,
    forward: bool,
    after: bytes | None,
) -> None:
    with backend.read() as r:
        rows = list(r.query_items(ranged, 7, b"p", sort, forward, after))
        bodies = list(r.query_item_bodies(ranged, 7, b"p", sort, forward, after))
        skipped = list(r.query_item_bodies(ranged, 7, b"p", sort, forward, after, 2))
    assert bodies == [(row.body, row.size) for row in rows]
    assert skipped == bodies[2:]


def test_query_item_bodies_exact(backend: StorageBackend, ranged: int) -> None:
    with backend.read() as r:
        got = list(r.query_item_bodies(ranged, 7, b"p", between(b"a", b"ab"), False, b"ab"))
    assert got == [(b"body-a\x00", 7), (b"body-a", 6)]


@pytest.mark.parametrize("forward", [True, False])
@pytest.mark.parametrize("after", [None, b"a\x00"])
def test_query_item_page_is_the_bodies_in_one_piece(
    backend: StorageBackend, ranged: int, forward: bool, after: bytes | None
) -> None:
    with backend.read() as r:
        rows = list(r.query_item_bodies(ranged, 7, b"p", EVERYTHING, forward, after))
        whole = r.query_item_page(ranged, 7, b"p", EVERYTHING, forward, after, 1000)
        first = r.query_item_page(ranged, 7, b"p", EVERYTHING, forward, after, 3)
    assert whole == PageRead(
        len(rows), sum(size for _, size in rows), b"\xff".join(body for body, _ in rows)
    )
    head = rows[:3]  # fewer when the exclusive start leaves fewer
    assert first == PageRead(
        len(head), sum(size for _, size in head), b"\xff".join(body for body, _ in head)
    )


def test_query_item_page_exact_and_empty(backend: StorageBackend, ranged: int) -> None:
    with backend.read() as r:
        got = r.query_item_page(ranged, 7, b"p", between(b"a", b"ab"), False, None, 10)
        none = r.query_item_page(ranged, 7, b"p", between(b"c", b"d"), True, None, 10)
    assert got == PageRead(3, 7 + 7 + 6, b"body-ab\xffbody-a\x00\xffbody-a")
    assert none == PageRead(0, 0, b"")


def test_long_partitions_come_back_whole_and_in_order(backend: StorageBackend) -> None:
    """More rows than a backend fetches at once (PostgreSQL pages by keyset)."""
    table_id = make_table(backend)
    sks = [i.to_bytes(2, "big") for i in range(2500)]
    with backend.write() as w:
        for sk in sks:
            w.put_item(table_id, 7, b"p", sk, b"v", 1, None)
    assert query(backend, table_id, b"p") == sks
    assert query(backend, table_id, b"p", forward=False) == sks[::-1]
    assert query(backend, table_id, b"p", after=sks[1000]) == sks[1001:]
    with backend.write() as w:  # a one-piece read keeps the order past a few hundred rows
        for sk in sks:
            w.put_item(table_id, 7, b"q", sk, b"v" + sk.hex().encode(), 1, None)
    with backend.read() as r:
        forward = r.query_item_page(table_id, 7, b"q", EVERYTHING, True, None, 2000)
        backward = r.query_item_page(table_id, 7, b"q", EVERYTHING, False, sks[2000], 1500)
    assert forward == PageRead(
        2000, 2000, b"\xff".join(b"v" + sk.hex().encode() for sk in sks[:2000])
    )
    assert backward.joined == b"\xff".join(b"v" + sk.hex().encode() for sk in sks[1999:499:-1])
    with backend.read() as r:  # stopping early is allowed
        first = r.query_items(table_id, 7, b"p", EVERYTHING, True, None)
        assert [next(first).sk for _ in range(3)] == sks[:3]


# --- scan --------------------------------------------------------------------------------


@pytest.fixture
def scattered(backend: StorageBackend) -> tuple[int, list[tuple[int, bytes, bytes]]]:
    table_id = make_table(backend)
    keys = []
    for i in range(300):
        pk_hash = (i * 0x9E3779B97F4A7C15) % HASH_SPACE
        for sk in (b"", b"s") if i % 3 == 0 else (b"",):
            keys.append((pk_hash, b"pk%d" % i, sk))
    keys.append((keys[0][0], b"collides", b""))  # same hash, different key
    keys.append((0, b"lowest", b""))
    keys.append((TOP - 1, b"highest", b""))
    with backend.write() as w:
        for pk_hash, pk, sk in keys:
            w.put_item(table_id, pk_hash, pk, sk, b"v", 1, None)
        w.put_item(make_table(backend, "other"), 5, b"x", b"", b"v", 1, None)
    return table_id, sorted(keys)


def scan(
    backend: StorageBackend,
    table_id: int,
    low: int = 0,
    high: int = TOP,
    after: tuple[int, bytes, bytes] | None = None,
) -> list[tuple[int, bytes, bytes]]:
    with backend.read() as r:
        return [(row.pk_hash, row.pk, row.sk) for row in r.scan_items(table_id, low, high, after)]


def test_scan_walks_hash_order(
    backend: StorageBackend, scattered: tuple[int, list[tuple[int, bytes, bytes]]]
) -> None:
    table_id, keys = scattered
    assert scan(backend, table_id) == keys


def test_scan_segments_partition_the_hash_space(
    backend: StorageBackend, scattered: tuple[int, list[tuple[int, bytes, bytes]]]
) -> None:
    table_id, keys = scattered
    for total in (1, 2, 3, 7):
        bounds = [min(HASH_SPACE * i // total, TOP) for i in range(total + 1)]
        parts = [scan(backend, table_id, bounds[i], bounds[i + 1]) for i in range(total)]
        assert [k for part in parts for k in part] == keys
        for i, part in enumerate(parts):
            assert all(bounds[i] <= k[0] < bounds[i + 1] for k in part)


def test_scan_exclusive_start(
    backend: StorageBackend, scattered: tuple[int, list[tuple[int, bytes, bytes]]]
) -> None:
    table_id, keys = scattered
    for i in (0, 1, 150, len(keys) - 2, len(keys) - 1):
        assert scan(backend, table_id, after=keys[i]) == keys[i + 1 :]
    middle = HASH_SPACE // 2
    tail = [k for k in keys if k[0] >= middle]
    assert scan(backend, table_id, middle, TOP, after=tail[0]) == tail[1:]
    # A start key between stored keys: (hash, pk) of an existing item with a larger sk.
    assert scan(backend, table_id, after=(keys[0][0], keys[0][1], b"\xff")) == [
        k for k in keys if k > (keys[0][0], keys[0][1], b"\xff")
    ]


def test_scan_top_of_the_hash_space_is_open(
    backend: StorageBackend, request: pytest.FixtureRequest
) -> None:
    """``hash_high = 2**63`` (engine backfill and index walks pass it) means "to the end",
    including an item hashed to 2**63 - 1."""
    table_id = make_table(backend)
    with backend.write() as w:
        index_id = w.new_index_id(table_id, "gsi")
        w.put_item(table_id, TOP, b"top", b"", b"v", 1, None)
        w.put_index_row(index_id, IndexRow(TOP, b"top", b"", b"top", b"", b"v", 1))
    assert scan(backend, table_id, 0, HASH_SPACE) == [(TOP, b"top", b"")]
    assert scan(backend, table_id, 0, TOP) == []
    with backend.read() as r:
        assert [x.ix_hash for x in r.scan_index(index_id, 0, HASH_SPACE, None)] == [TOP]


# --- index rows --------------------------------------------------------------------------


@pytest.fixture
def indexed(backend: StorageBackend) -> tuple[int, list[IndexRow]]:
    table_id = make_table(backend)
    rows = []
    with backend.write() as w:
        index_id = w.new_index_id(table_id, "gsi")
        other = w.new_index_id(table_id, "other")
        for n, (ix_sk, pk) in enumerate(
            [(b"b", b"p1"), (b"a", b"p2"), (b"a", b"p1"), (b"", b"p3"), (b"c", b"p0")]
        ):
            row = IndexRow(42, b"g", ix_sk, pk, b"", b"body%d" % n, 10 + n)
            rows.append(row)
            w.put_index_row(index_id, row)
        w.put_index_row(index_id, IndexRow(42, b"h", b"a", b"p9", b"", b"x", 1))
        w.put_index_row(index_id, IndexRow(3, b"e", b"a", b"p9", b"", b"x", 1))
        w.put_index_row(other, IndexRow(42, b"g", b"a", b"p9", b"", b"x", 1))
    return index_id, sorted(rows, key=lambda r: (r.ix_sk, r.pk, r.sk))


def test_query_index_orders_by_index_sort_key_then_item_key(
    backend: StorageBackend, indexed: tuple[int, list[IndexRow]]
) -> None:
    index_id, rows = indexed
    with backend.read() as r:
        got = list(r.query_index(index_id, 42, b"g", EVERYTHING, True, None))
        back = list(r.query_index(index_id, 42, b"g", EVERYTHING, False, None))
        ranged = list(r.query_index(index_id, 42, b"g", between(b"a", b"b"), True, None))
        after = list(r.query_index(index_id, 42, b"g", EVERYTHING, True, (b"a", b"p1", b"")))
        after_back = list(r.query_index(index_id, 42, b"g", EVERYTHING, False, (b"a", b"p2", b"")))
    assert got == rows
    assert [(x.ix_sk, x.pk) for x in got] == [
        (b"", b"p3"),
        (b"a", b"p1"),
        (b"a", b"p2"),
        (b"b", b"p1"),
        (b"c", b"p0"),
    ]
    assert back == rows[::-1]
    assert ranged == rows[1:4]
    assert after == rows[2:]
    assert after_back == rows[:2][::-1]


@pytest.mark.parametrize("forward", [True, False])
@pytest.mark.parametrize("after", [None, (b"a", b"p1", b"")])
def test_query_index_bodies_are_the_rows_bodies_and_sizes(
    backend: StorageBackend,
    indexed: tuple[int, list[IndexRow]],
    forward: bool,
    after: tuple[bytes, bytes, bytes] | None,
) -> None:
    index_id, rows = indexed
    with backend.read() as r:
        got = list(r.query_index_bodies(index_id, 42, b"g", EVERYTHING, forward, after))
        full = list(r.query_index(index_id, 42, b"g", EVERYTHING, forward, after))
        skipped = list(r.query_index_bodies(index_id, 42, b"g", EVERYTHING, forward, after, 1))
    assert got == [(row.body, row.size) for row in full]
    assert skipped == got[1:]
    if after is None:
        ordered = rows if forward else rows[::-1]
        assert got == [(row.body, row.size) for row in ordered]
    with backend.read() as r:
        page = r.query_index_page(index_id, 42, b"g", EVERYTHING, forward, after, 1000)
        first = r.query_index_page(index_id, 42, b"g", EVERYTHING, forward, after, 2)
    assert page == PageRead(
        len(got), sum(size for _, size in got), b"\xff".join(body for body, _ in got)
    )
    assert first == PageRead(
        len(got[:2]), sum(size for _, size in got[:2]), b"\xff".join(b for b, _ in got[:2])
    )


def test_index_rows_replace_delete_and_stats(
    backend: StorageBackend, indexed: tuple[int, list[IndexRow]]
) -> None:
    index_id, rows = indexed
    with backend.read() as r:
        assert r.index_stats(index_id) == (7, sum(x.size for x in rows) + 2)
    target = rows[0]
    with backend.write() as w:
        w.put_index_row(index_id, IndexRow(42, b"g", target.ix_sk, target.pk, b"", b"new", 99))
        w.delete_index_row(index_id, 42, b"g", rows[1].ix_sk, rows[1].pk, b"")
        w.delete_index_row(index_id, 42, b"g", b"zz", b"absent", b"")
    with backend.read() as r:
        got = list(r.query_index(index_id, 42, b"g", EVERYTHING, True, None))
    assert got == [IndexRow(42, b"g", target.ix_sk, target.pk, b"", b"new", 99), *rows[2:]]


def test_scan_index_walks_hash_order(
    backend: StorageBackend, indexed: tuple[int, list[IndexRow]]
) -> None:
    index_id, _ = indexed
    with backend.read() as r:
        everything = list(r.scan_index(index_id, 0, TOP, None))
        low_half = list(r.scan_index(index_id, 0, 10, None))
        after = list(r.scan_index(index_id, 0, TOP, (42, b"g", b"a", b"p2", b"")))
    keys = [(x.ix_hash, x.ix_pk, x.ix_sk, x.pk, x.sk) for x in everything]
    assert keys == sorted(keys)
    assert len(everything) == 7
    assert [x.ix_pk for x in low_half] == [b"e"]
    assert after == everything[4:]


# --- expiry (TTL) ----------------------------------------------------------------------------


def test_expired_items_soonest_first_within_bounds(backend: StorageBackend) -> None:
    table_id, other, quiet = (
        make_table(backend, "a"),
        make_table(backend, "b"),
        make_table(backend, "c"),
    )
    with backend.write() as w:
        w.put_item(table_id, 1, b"late", b"", b"x", 1, 150)
        w.put_item(table_id, 1, b"early", b"", b"x", 1, 100)
        w.put_item(table_id, 1, b"future", b"", b"x", 1, 500)
        w.put_item(table_id, 1, b"never", b"", b"x", 1, None)
        w.put_item(other, 1, b"old", b"", b"x", 1, 50)
        w.put_item(quiet, 1, b"never", b"", b"x", 1, None)
    with backend.read() as r:
        assert [row.pk for row in r.expired_items(table_id, 200, 10)] == [b"early", b"late"]
        assert [row.pk for row in r.expired_items(table_id, 200, 1)] == [b"early"]
        assert [row.pk for row in r.expired_items(table_id, 200, 10, oldest=101)] == [b"late"]
        assert [row.pk for row in r.expired_items(table_id, 100, 10)] == []
        assert sorted(t.name for t in r.expiring_tables(200, 0)) == ["a", "b"]
        assert [t.name for t in r.expiring_tables(200, 60)] == ["a"]
        assert r.expiring_tables(50, 0) == []
    with backend.write() as w:  # rewriting an item without expiry takes it off the list
        w.put_item(table_id, 1, b"early", b"", b"x", 1, None)
    with backend.read() as r:
        assert [row.pk for row in r.expired_items(table_id, 200, 10)] == [b"late"]


# --- stream log --------------------------------------------------------------------------


def test_stream_log_appends_reads_in_order_and_trims(backend: StorageBackend) -> None:
    table_id, other = make_table(backend, "a"), make_table(backend, "b")
    with backend.write() as w:
        assert w.last_stream_seq(table_id, 0) == 0
        for seq in (1, 2, 3):
            w.append_stream_record(table_id, 0, seq, 100.0 * seq, b"rec%d" % seq)
        w.append_stream_record(table_id, 1, 7, 50.0, b"other shard")
        w.append_stream_record(other, 0, 1, 50.0, b"other table")
        assert w.last_stream_seq(table_id, 0) == 3
    with backend.read() as r:
        assert r.last_stream_seq(table_id, 1) == 7
        assert [(x.seq, x.created_at, x.record) for x in r.read_stream(table_id, 0, 0, 10)] == [
            (1, 100.0, b"rec1"),
            (2, 200.0, b"rec2"),
            (3, 300.0, b"rec3"),
        ]
        assert [x.seq for x in r.read_stream(table_id, 0, 1, 1)] == [2]
        assert r.read_stream(table_id, 0, 3, 10) == []
    with backend.write() as w:
        assert w.trim_stream_log(150.0) == 3  # rec1, the other shard's and other table's
    with backend.read() as r:
        assert [x.seq for x in r.read_stream(table_id, 0, 0, 10)] == [2, 3]
        assert r.read_stream(other, 0, 0, 10) == []
        assert r.last_stream_seq(table_id, 0) == 3


# --- ClientRequestToken rows --------------------------------------------------------------


def test_tokens_record_replace_and_purge(backend: StorageBackend) -> None:
    with backend.write() as w:
        assert w.get_token("tok-1") is None
        w.put_token("tok-1", b"hash1", 100.5, b'{"r": 1}')
        w.put_token("tok-2", b"hash2", 200.0, b"{}")
        assert w.get_token("tok-1") == (b"hash1", 100.5, b'{"r": 1}')  # the block's own write
    with backend.write() as w:
        w.put_token("tok-1", b"hash3", 300.0, b"\x00")  # a later record replaces it
    with backend.write() as w:
        assert w.get_token("tok-1") == (b"hash3", 300.0, b"\x00")
        w.purge_tokens(250.0)
    with backend.write() as w:
        assert w.get_token("tok-2") is None
        assert w.get_token("tok-1") == (b"hash3", 300.0, b"\x00")
    with pytest.raises(RuntimeError), backend.write() as w:
        w.put_token("tok-3", b"h", 1.0, b"")
        raise RuntimeError("rolled back")
    with backend.write() as w:
        assert w.get_token("tok-3") is None


# --- lifecycle ---------------------------------------------------------------------------


def test_reopening_migrates_once_and_keeps_data(open_backend: Opener) -> None:
    first = open_backend()
    try:
        table_id = make_table(first)
        put(first, table_id, b"p", b"", b"kept")
    finally:
        first.close()
    second = open_backend()
    try:
        with second.read() as r:
            row = r.get_table(ACCOUNT, REGION, "t")
        if getattr(second, "path", None) == ":memory:":
            assert row is None  # a new in-memory database
            return
        assert row is not None
        assert get(second, table_id, b"p", b"") == b"kept"
        assert schema_versions(second) == [1]
    finally:
        second.close()


def schema_versions(backend: StorageBackend) -> list[int]:
    """The applied migrations, read through the backend's own connection."""
    sql = "SELECT version FROM schema_version ORDER BY 1"
    pool = getattr(backend, "_pool", None)
    if pool is not None:
        with pool.connection() as conn:
            return [int(r[0]) for r in conn.execute(sql)]
    conn = getattr(backend, "_conn", None)
    assert conn is not None
    return [int(r[0]) for r in conn.execute(sql)]


def test_blocks_from_many_threads(backend: StorageBackend) -> None:
    """Every backend serves concurrent blocks (the server runs PostgreSQL calls on threads)."""
    table_id = make_table(backend)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                put(backend, table_id, b"t%d" % n, b"%03d" % i, b"v")
                assert get(backend, table_id, b"t%d" % n, b"%03d" % i) == b"v"
        except BaseException as error:  # pragma: no cover
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with backend.read() as r:
        assert r.table_stats(table_id) == (160, 160)
