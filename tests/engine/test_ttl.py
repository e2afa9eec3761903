"""engine.ttl on every backend: which items expire, the sweep, and the sweeper task.

- An item expires when its TTL attribute is a Number of epoch seconds below now and at most
  five years below it; anything else (other types, missing, the future, older values) stays.
- Until a sweep runs, an expired item is still read; the sweep deletes it through the normal
  delete path, so its index rows go too.
- The ``expires_at`` column is kept by every write path (single items, transactions), filled
  for existing items when TTL is enabled, and its stale values are cleared after disabling.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from ddblite.clock import ManualClock
from ddblite.engine import ttl
from ddblite.engine.background import schedule_standard_jobs
from ddblite.engine.chunks import CHUNK
from ddblite.engine.database import Database
from ddblite.storage.base import StorageBackend
from ddblite.storage.sqlite.backend import SqliteBackend
from tests.engine.support import NOW, call, ok
from tests.pg_server import pg_server

__all__ = ["pg_server"]


def make_table(db: Database, name: str = "ttl_table", **extra: Any) -> str:
    ok(
        db,
        "CreateTable",
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )
    return name


def enable(db: Database, name: str = "ttl_table", attribute: str = "exp") -> None:
    ok(
        db,
        "UpdateTimeToLive",
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
    )


def put(db: Database, pk: str, name: str = "ttl_table", **attributes: Any) -> None:
    item = {"pk": {"S": pk}, "g": {"S": "G"}, **attributes}
    ok(db, "PutItem", TableName=name, Item=item)


def keys(db: Database, name: str = "ttl_table") -> list[str]:
    return sorted(i["pk"]["S"] for i in ok(db, "Scan", TableName=name)["Items"])


def index_keys(db: Database, name: str = "ttl_table") -> list[str]:
    items = ok(
        db,
        "Query",
        TableName=name,
        IndexName="by_g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "G"}},
    )
    return sorted(i["pk"]["S"] for i in items["Items"])


def n(value: float | str) -> dict[str, str]:
    return {"N": str(value)}


# --- the rule --------------------------------------------------------------------------------

# DynamoDB expires an item whose TTL is epoch seconds below now but never one whose TTL is more
# than five years in the past (Developer Guide, "Formatting an item's TTL attribute"). Five
# calendar years hold one or two leap days, so ddblite counts five years as 1_827 days: an item
# 1_825 days old (five years of 365 days) surely expires, one 1_828 days old surely does not.
DAY = 86_400
FIVE_YEARS_WITH_LEAP_DAYS = 1_827 * DAY


@pytest.mark.parametrize(
    ("value", "expired"),
    [
        (n(NOW - 1), True),
        (n(NOW - 0.5), True),
        (n(NOW), False),  # strictly below now
        (n(NOW + 1), False),
        (n(NOW - 365 * DAY), True),
        (n(NOW - 1_825 * DAY), True),
        (n(NOW - FIVE_YEARS_WITH_LEAP_DAYS), True),
        (n(NOW - FIVE_YEARS_WITH_LEAP_DAYS - 1), False),  # more than five years old: ignored
        (n(NOW - 1_828 * DAY), False),
        (n(-5), False),
        ({"S": str(int(NOW - 1))}, False),  # only Numbers count
        ({"NS": [str(int(NOW - 1))]}, False),
    ],
)
def test_is_expired(value: dict[str, Any], expired: bool) -> None:
    assert ttl.is_expired({"exp": value}, "exp", NOW) is expired
    assert ttl.is_expired({"other": value}, "exp", NOW) is False


def test_expires_at_column() -> None:
    assert ttl.expires_at({"exp": n("1700000000.9")}, "exp") == 1_700_000_000
    assert ttl.expires_at({"exp": n("-1")}, "exp") is None
    assert ttl.expires_at({"exp": n("1E+100")}, "exp") is None
    assert ttl.expires_at({"exp": {"S": "1"}}, "exp") is None
    assert ttl.expires_at({}, "exp") is None


# --- sweeping --------------------------------------------------------------------------------


# Expired items stay readable until a sweep; the sweep deletes exactly them, index rows too.
def test_sweep_deletes_expired_items_only(db: Database) -> None:
    make_table(db)
    enable(db)
    put(db, "past", exp=n(NOW - 10))
    put(db, "fraction", exp=n(NOW - 0.25))
    put(db, "future", exp=n(NOW + 10))
    put(db, "two_years", exp=n(NOW - 730 * DAY))
    put(db, "ancient", exp=n(NOW - 1_828 * DAY))
    put(db, "string", exp={"S": "1"})
    put(db, "none")
    everything = ["ancient", "fraction", "future", "none", "past", "string", "two_years"]
    assert keys(db) == everything  # expired but not yet swept: still read
    assert ttl.sweep(db) == 3
    assert keys(db) == ["ancient", "future", "none", "string"]
    assert index_keys(db) == ["ancient", "future", "none", "string"]
    assert ttl.sweep(db) == 0


# The clock moving on expires more; a later write that moves the expiry saves an item.
def test_sweep_follows_clock_and_updates(db: Database, clock: ManualClock) -> None:
    make_table(db)
    enable(db)
    put(db, "a", exp=n(NOW + 5))
    put(db, "b", exp=n(NOW + 5))
    ok(
        db,
        "UpdateItem",
        TableName="ttl_table",
        Key={"pk": {"S": "b"}},
        UpdateExpression="SET exp = :e",
        ExpressionAttributeValues={":e": n(NOW + 100)},
    )
    assert ttl.sweep(db) == 0
    clock.advance(6)
    assert ttl.sweep(db) == 1
    assert keys(db) == ["b"]
    ok(
        db,
        "UpdateItem",
        TableName="ttl_table",
        Key={"pk": {"S": "b"}},
        UpdateExpression="REMOVE exp",
    )
    clock.advance(1000)
    assert ttl.sweep(db) == 0
    assert keys(db) == ["b"]


# Items written before TTL was enabled expire too; items of tables without TTL never do.
def test_enable_after_items_exist(db: Database) -> None:
    make_table(db)
    make_table(db, "plain")
    for i in range(300):  # more than one backfill chunk
        put(db, f"old{i:03}", exp=n(NOW - 1))
        put(db, f"p{i:03}", name="plain", exp=n(NOW - 1))
    assert ttl.sweep(db) == 0
    enable(db)
    assert ttl.sweep(db) == 300
    assert keys(db) == []
    assert len(keys(db, "plain")) == 300


def ttl_status(db: Database, name: str = "ttl_table") -> dict[str, Any]:
    return dict(ok(db, "DescribeTimeToLive", TableName=name)["TimeToLiveDescription"])


# Enabling answers at once and the items already stored get their expiry indexed in chunks
# through the scheduler: DescribeTimeToLive says ENABLING until the last chunk, then ENABLED.
# Items written meanwhile index their own expiry; a second UpdateTimeToLive meanwhile gets
# the service's ValidationException. A sweep meanwhile deletes only what is indexed so far.
def test_enabling_runs_in_chunks(db: Database) -> None:
    make_table(db)
    for i in range(CHUNK * 2 + 10):
        put(db, f"old{i:03}", exp=n(NOW - 1))
    db.background.inline = False  # the test runs the background steps itself
    enable(db)
    assert ttl_status(db) == {"TimeToLiveStatus": "ENABLING", "AttributeName": "exp"}
    status, body = call(
        db,
        "UpdateTimeToLive",
        TableName="ttl_table",
        TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"},
    )
    assert (status, body) == (
        400,
        {
            "__type": "com.amazon.coral.validate#ValidationException",
            "message": "Time to live has been modified multiple times within a fixed interval",
        },
    )
    put(db, "new", exp=n(NOW - 1))
    assert ttl.sweep(db) == 1  # the new item: nothing older is indexed yet
    assert db.background.step()  # the first chunk
    assert ttl_status(db) == {"TimeToLiveStatus": "ENABLING", "AttributeName": "exp"}
    assert ttl.sweep(db) == CHUNK
    db.background.run_all()
    assert ttl_status(db) == {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    assert ttl.sweep(db) == CHUNK + 10
    assert keys(db) == []


# A restart in the middle of enabling (the same SQLite file closed and opened again): the
# table is still ENABLING and the next DescribeTimeToLive finishes the work.
def test_enabling_resumes_after_restart(tmp_path: Path, clock: ManualClock) -> None:
    path = str(tmp_path / "data.db")
    first = Database(SqliteBackend(path), clock=clock.now)
    make_table(first)
    for i in range(CHUNK + 10):
        put(first, f"old{i:03}", exp=n(NOW - 1))
    first.background.inline = False
    enable(first)
    first.background.step()  # part done, then the server stops
    first.close()

    second = Database(SqliteBackend(path), clock=clock.now)  # inline: work runs when found
    assert ttl_status(second) == {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    assert ttl.sweep(second) == CHUNK + 10
    second.close()


# Disabling stops expiry; the stale column values are cleared by the next sweep, and
# enabling again on another attribute expires by that attribute.
def test_disable_and_switch_attribute(db: Database, backend: StorageBackend) -> None:
    make_table(db)
    enable(db)
    put(db, "a", exp=n(NOW - 1), other=n(NOW + 50))
    put(db, "b", exp=n(NOW + 50), other=n(NOW - 1))
    ok(
        db,
        "UpdateTimeToLive",
        TableName="ttl_table",
        TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"},
    )
    assert ttl.sweep(db) == 0
    with backend.read() as r:
        table_id = db.table(dispatch_caller(), "ttl_table").table_id
        assert r.expired_items(table_id, int(NOW) + 1, 10) == []
    enable(db, attribute="other")
    assert ttl.sweep(db) == 1
    assert keys(db) == ["a"]


def dispatch_caller() -> Any:
    from ddblite.engine.database import Caller

    return Caller("000000000000", "us-east-1")


# TransactWriteItems and BatchWriteItem index the expiry too.
def test_other_write_paths(db: Database) -> None:
    make_table(db)
    enable(db)
    ok(
        db,
        "TransactWriteItems",
        TransactItems=[
            {
                "Put": {
                    "TableName": "ttl_table",
                    "Item": {"pk": {"S": "tx"}, "g": {"S": "G"}, "exp": n(NOW - 1)},
                }
            }
        ],
    )
    ok(
        db,
        "BatchWriteItem",
        RequestItems={
            "ttl_table": [{"PutRequest": {"Item": {"pk": {"S": "batch"}, "exp": n(NOW - 1)}}}]
        },
    )
    assert ttl.sweep(db) == 2
    assert keys(db) == []


# The server's budget: a sweep looks at a bounded number of candidates per table.
def test_budget(db: Database) -> None:
    make_table(db)
    enable(db)
    for i in range(10):
        put(db, f"k{i}", exp=n(NOW - 100 + i))
    assert ttl.sweep(db, budget=4) == 4
    assert keys(db) == [f"k{i}" for i in range(4, 10)]  # soonest expired first
    assert ttl.sweep(db) == 6


# The server's scheduler sweeps by itself, about every second.
def test_sweeper_task(db: Database) -> None:
    schedule_standard_jobs(db)
    make_table(db)
    enable(db)
    put(db, "gone", exp=n(NOW - 1))
    commits: list[None] = []

    async def run() -> None:
        task = asyncio.create_task(db.background.serve(lambda: commits.append(None), None))
        for _ in range(200):
            await asyncio.sleep(0.01)
            if not keys(db):
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert keys(db) == []
    assert commits
