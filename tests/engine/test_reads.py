"""engine/reads.py through Query, on every backend: plain pages (no filter, no projection),
whose stored bodies are sent as they are, cut where DynamoDB cuts them (Limit counts items
read, the page ends with the item that brings the bytes read to 1 MB, LastEvaluatedKey
whenever it stops early), over long partitions and large items."""

from __future__ import annotations

from typing import Any

import pytest

from ddblite.engine.database import Database
from tests.engine.support import ok


@pytest.fixture
def table(db: Database) -> str:
    ok(db, "CreateTable", TableName="reads", BillingMode="PAY_PER_REQUEST",
       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "N"}],
       KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                  {"AttributeName": "sk", "KeyType": "RANGE"}])
    return "reads"


def fill(db: Database, table: str, pk: str, count: int, pad: int = 0,
         big: frozenset[int] = frozenset()) -> None:
    for start in range(0, count, 25):
        requests = [
            {"PutRequest": {"Item": {
                "pk": {"S": pk}, "sk": {"N": str(i)},
                "d": {"S": "x" * (10_000 if i in big else pad or 1)},
            }}}
            for i in range(start, min(count, start + 25))
        ]
        assert ok(db, "BatchWriteItem", RequestItems={table: requests})["UnprocessedItems"] == {}


def query(db: Database, table: str, pk: str, **extra: Any) -> dict[str, Any]:
    return ok(db, "Query", TableName=table, KeyConditionExpression="pk = :p",
              ExpressionAttributeValues={":p": {"S": pk}}, ReturnConsumedCapacity="TOTAL",
              **extra)


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
