"""engine/reads.py: plain Query pages (no filter, no projection), whose stored bodies are sent
as they are: from storage's one-piece read when it holds the page, else row by row. Both must
cut where DynamoDB cuts (Limit counts items read, the page ends with the item that brings the
bytes read to 1 MB, LastEvaluatedKey whenever it stops early); the Query tests run on every
backend, over long partitions and large items."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from ddblite.engine.database import Database
from ddblite.engine.reads import Page, plain_page
from ddblite.model.values import Item
from ddblite.storage.base import BODY_SEPARATOR, PageRead
from tests.engine.support import ok

# DynamoDB's page limit, 1 MB (API reference, Query and Scan).
ONE_MB = 1_048_576

BODIES = [orjson.dumps({"pk": {"S": "p"}, "sk": {"S": f"s{i}"}}) for i in range(3)]


def last_key(item: Item) -> Item:
    return {"sk": item["sk"]}


class Storage:
    """A partition of (body, size) rows, read the two ways ``plain_page`` may."""

    def __init__(self, rows: list[tuple[bytes, int]]) -> None:
        self.rows = rows
        self.row_reads = 0
        self.skipped: int | None = None
        self.asked: int | None = None

    def whole(self, max_rows: int) -> PageRead:
        self.asked = max_rows
        taken = self.rows[:max_rows]
        return PageRead(
            len(taken), sum(s for _, s in taken), BODY_SEPARATOR.join(b for b, _ in taken)
        )

    def bodies(self, skip: int) -> Iterator[tuple[bytes, int]]:
        self.row_reads += 1
        self.skipped = skip
        return iter(self.rows[skip:])


def page_items(page: Page) -> Any:
    assert page.items_json is not None
    return orjson.loads(orjson.dumps(page.items_json))


def test_a_whole_partition_comes_from_the_one_piece_read() -> None:
    storage = Storage([(b, 10) for b in BODIES])
    page = plain_page(storage.whole, storage.bodies, None, last_key)
    assert page_items(page) == [orjson.loads(b) for b in BODIES]
    assert (page.scanned, page.read_bytes, page.last_key) == (3, 30, None)
    assert (storage.asked, storage.row_reads) == (128, 0)


def test_a_page_stopped_by_limit_carries_the_last_items_key() -> None:
    storage = Storage([(b, 10) for b in BODIES])
    page = plain_page(storage.whole, storage.bodies, 2, last_key)
    assert page_items(page) == [orjson.loads(b) for b in BODIES[:2]]
    assert (page.scanned, page.read_bytes, page.last_key) == (2, 20, {"sk": {"S": "s1"}})
    assert (storage.asked, storage.row_reads) == (2, 0)


def test_limit_above_the_partition_ends_without_a_key() -> None:
    storage = Storage([(b, 10) for b in BODIES])
    page = plain_page(storage.whole, storage.bodies, 4, last_key)
    assert (page.scanned, page.last_key, storage.row_reads) == (3, None, 0)


def test_an_empty_partition() -> None:
    storage = Storage([])
    page = plain_page(storage.whole, storage.bodies, 5, last_key)
    assert (page_items(page), page.scanned, page.read_bytes, page.last_key) == ([], 0, 0, None)


@pytest.mark.parametrize(
    ("count", "limit", "scanned", "stop"),
    [
        (128, None, 128, None),  # exactly the rows one piece holds: nothing follows
        (300, None, 300, None),  # more rows than one piece: the rest row by row
        (300, 200, 200, 199),  # the same under a Limit past one piece
    ],
)
def test_reads_on_row_by_row_after_one_piece(
    count: int, limit: int | None, scanned: int, stop: int | None
) -> None:
    rows = [(orjson.dumps({"sk": {"N": str(i)}}), 10) for i in range(count)]
    storage = Storage(rows)
    page = plain_page(storage.whole, storage.bodies, limit, last_key)
    assert (storage.row_reads, storage.skipped) == (1, 128)
    assert page_items(page) == [{"sk": {"N": str(i)}} for i in range(scanned)]
    assert (page.scanned, page.read_bytes) == (scanned, 10 * scanned)
    assert page.last_key == (None if stop is None else {"sk": {"N": str(stop)}})


def test_reads_again_from_the_start_when_1_mb_falls_inside_one_piece() -> None:
    storage = Storage([(BODIES[i], ONE_MB // 2) for i in range(3)])
    page = plain_page(storage.whole, storage.bodies, None, last_key)
    assert (storage.row_reads, storage.skipped) == (1, 0)
    assert page_items(page) == [orjson.loads(b) for b in BODIES[:2]]
    assert (page.scanned, page.read_bytes) == (2, ONE_MB)
    assert page.last_key == {"sk": {"S": "s1"}}


@pytest.fixture
def table(db: Database) -> str:
    ok(
        db,
        "CreateTable",
        TableName="reads",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    )
    return "reads"


def fill(
    db: Database, table: str, pk: str, count: int, pad: int = 0, big: frozenset[int] = frozenset()
) -> None:
    for start in range(0, count, 25):
        requests = [
            {
                "PutRequest": {
                    "Item": {
                        "pk": {"S": pk},
                        "sk": {"N": str(i)},
                        "d": {"S": "x" * (10_000 if i in big else pad or 1)},
                    }
                }
            }
            for i in range(start, min(count, start + 25))
        ]
        assert ok(db, "BatchWriteItem", RequestItems={table: requests})["UnprocessedItems"] == {}


def query(db: Database, table: str, pk: str, **extra: Any) -> dict[str, Any]:
    return ok(
        db,
        "Query",
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": pk}},
        ReturnConsumedCapacity="TOTAL",
        **extra,
    )


def sort_keys(answer: dict[str, Any]) -> list[int]:
    return [int(item["sk"]["N"]) for item in answer["Items"]]


def test_query_over_a_thousand_items_returns_them_all_in_order(db: Database, table: str) -> None:
    fill(db, table, "long", 1203)
    forward = query(db, table, "long")
    backward = query(db, table, "long", ScanIndexForward=False)
    assert sort_keys(forward) == list(range(1203))
    assert sort_keys(backward) == list(range(1202, -1, -1))
    assert (forward["Count"], forward["ScannedCount"]) == (1203, 1203)
    assert "LastEvaluatedKey" not in forward
    limited = query(db, table, "long", Limit=1100, ScanIndexForward=False)
    assert sort_keys(limited) == list(range(1202, 102, -1))
    assert limited["LastEvaluatedKey"] == {"pk": {"S": "long"}, "sk": {"N": "103"}}


def test_query_with_a_large_item(db: Database, table: str) -> None:
    fill(db, table, "big", 7, big=frozenset({3}))
    answer = query(db, table, "big", Limit=5)
    assert sort_keys(answer) == [0, 1, 2, 3, 4]
    assert answer["Items"][3]["d"] == {"S": "x" * 10_000}
    assert answer["LastEvaluatedKey"] == {"pk": {"S": "big"}, "sk": {"N": "4"}}


def test_query_page_ends_at_one_megabyte(db: Database, table: str) -> None:
    # Items of about 7,009 bytes (pk 2+2, sk 2+2..3, d 1+7,000): the 150th brings the bytes
    # read past 1 MB, so the page ends with it (sort keys 0..149).
    fill(db, table, "mb", 200, pad=7_000)
    answer = query(db, table, "mb")
    assert sort_keys(answer) == list(range(150))
    assert answer["LastEvaluatedKey"] == {"pk": {"S": "mb"}, "sk": {"N": "149"}}
    rest = query(db, table, "mb", ExclusiveStartKey=answer["LastEvaluatedKey"])
    assert sort_keys(rest) == list(range(150, 200))
    assert "LastEvaluatedKey" not in rest


def test_plain_page_bills_the_bytes_read(db: Database, table: str) -> None:
    fill(db, table, "few", 3, pad=5_000)
    answer = query(db, table, "few")
    # 3 items of about 5 KB: 15 KB read eventually consistent, 4 KB per unit, halved.
    assert answer["ConsumedCapacity"] == {"TableName": "reads", "CapacityUnits": 2.0}
    assert answer["Count"] == 3


@pytest.mark.parametrize("count", [127, 128, 129])
def test_query_around_the_one_piece_bound(db: Database, table: str, count: int) -> None:
    fill(db, table, "edge", count)
    whole = query(db, table, "edge", ScanIndexForward=False)
    assert sort_keys(whole) == list(range(count - 1, -1, -1))
    assert "LastEvaluatedKey" not in whole
    limited = query(db, table, "edge", Limit=128)
    assert sort_keys(limited) == list(range(min(count, 128)))
    # Limit reached: a LastEvaluatedKey even when nothing follows, as DynamoDB does.
    if count >= 128:
        assert limited["LastEvaluatedKey"] == {"pk": {"S": "edge"}, "sk": {"N": "127"}}
    else:
        assert "LastEvaluatedKey" not in limited
