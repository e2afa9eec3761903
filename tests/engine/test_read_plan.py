"""engine/read_plan.py and the Database facade that runs it (``Database.query`` / ``scan``):
a plan built by hand reads exactly what its fields say, on every backend."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ddblite.engine.database import Caller, Database
from ddblite.engine.read_plan import QueryPlan, ScanPlan, is_plain
from ddblite.engine.reads import Page
from ddblite.model.keycodec import encode
from ddblite.model.schema import TableSchema
from ddblite.model.sort_key import SortKeyCondition, SortOp
from ddblite.model.values import Item
from tests.engine.support import ok

CALLER = Caller("000000000000", "us-east-1")


@pytest.fixture
def table(db: Database) -> TableSchema:
    ok(
        db,
        "CreateTable",
        TableName="plans",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [
                    {"AttributeName": "g", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    for pk in ("p", "q"):
        for sk in range(5):
            ok(db, "PutItem", TableName="plans", Item=item(pk, sk))
    return db.table(CALLER, "plans")


def item(pk: str, sk: int) -> Item:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, "g": {"S": "g"}}


def between(low: int, high: int) -> SortKeyCondition:
    return SortKeyCondition(SortOp.BETWEEN, encode({"N": str(low)}), encode({"N": str(high)}))


def items_of(page: Page) -> list[Any]:
    if page.items_json is not None:
        return list(orjson.loads(orjson.dumps(page.items_json)))
    return page.items


def test_plain_is_a_raw_page_with_nothing_to_apply(table: TableSchema) -> None:
    assert is_plain(QueryPlan(table=table, partition={"S": "p"}, raw=True))
    assert not is_plain(QueryPlan(table=table, partition={"S": "p"}))
    assert not is_plain(QueryPlan(table=table, partition={"S": "p"}, raw=True, keep=bool))
    assert not is_plain(QueryPlan(table=table, partition={"S": "p"}, raw=True, project=dict))
    assert not is_plain(QueryPlan(table=table, partition={"S": "p"}, raw=True, fetch=True))
    assert is_plain(ScanPlan(table=table, raw=True))
    assert not is_plain(ScanPlan(table=table, raw=True, keep=bool))


def test_a_plan_is_immutable(table: TableSchema) -> None:
    plan = ScanPlan(table=table, segment=1, total_segments=2)
    with pytest.raises(AttributeError):
        plan.segment = 0  # type: ignore[misc]
    assert plan._replace(segment=0) == ScanPlan(table=table, total_segments=2)


@pytest.mark.parametrize("raw", [False, True])
def test_query_reads_the_plans_range_direction_and_limit(
    db: Database, table: TableSchema, raw: bool
) -> None:
    plan = QueryPlan(
        table=table, partition={"S": "p"}, sort=between(1, 3), forward=False, limit=2, raw=raw
    )
    page = db.query(plan)
    assert items_of(page) == [item("p", 3), item("p", 2)]
    assert (page.scanned, page.last_key) == (2, {"pk": {"S": "p"}, "sk": {"N": "2"}})
    rest = db.query(
        QueryPlan(
            table=table,
            partition={"S": "p"},
            sort=between(1, 3),
            forward=False,
            start=page.last_key,
            raw=raw,
        )
    )
    assert (items_of(rest), rest.last_key) == ([item("p", 1)], None)


def test_query_filters_and_projects(db: Database, table: TableSchema) -> None:
    plan = QueryPlan(
        table=table,
        partition={"S": "q"},
        keep=lambda found: int(found["sk"]["N"]) % 2 == 0,
        project=lambda found: {"sk": found["sk"]},
        raw=True,
    )
    page = db.query(plan)
    assert page.items == [{"sk": {"N": "0"}}, {"sk": {"N": "2"}}, {"sk": {"N": "4"}}]
    assert (page.items_json, page.scanned) == (None, 5)


def test_query_an_index(db: Database, table: TableSchema) -> None:
    index = table.index("by_g")
    assert index is not None
    plan = QueryPlan(
        table=table,
        secondary_index=index,
        partition={"S": "g"},
        sort=between(4, 9),
        limit=1,
        raw=True,
    )
    page = db.query(plan)
    # index order is (g, sk, then the table key): p's item before q's
    assert items_of(page) == [item("p", 4)]
    assert page.last_key == {"pk": {"S": "p"}, "sk": {"N": "4"}, "g": {"S": "g"}}


@pytest.mark.parametrize("raw", [False, True])
def test_scan_segments_hold_every_item_once(db: Database, table: TableSchema, raw: bool) -> None:
    seen: list[Any] = []
    for segment in range(3):
        page = db.scan(ScanPlan(table=table, segment=segment, total_segments=3, raw=raw))
        assert page.last_key is None
        seen.extend(items_of(page))
    expected = [item(pk, sk) for pk in ("p", "q") for sk in range(5)]
    assert sorted(seen, key=orjson.dumps) == sorted(expected, key=orjson.dumps)


def test_scan_pages_from_the_start_key(db: Database, table: TableSchema) -> None:
    index = table.index("by_g")
    first = db.scan(ScanPlan(table=table, secondary_index=index, limit=6))
    rest = db.scan(ScanPlan(table=table, secondary_index=index, start=first.last_key))
    assert (first.scanned, rest.scanned, rest.last_key) == (6, 4, None)
    assert [found["sk"] for found in first.items + rest.items] == [
        {"N": str(sk)} for sk in range(5) for _ in range(2)
    ]
