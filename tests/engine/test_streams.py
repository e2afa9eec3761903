"""engine.streams on every backend, where time matters or writers race.

- Shard iterators expire after 15 minutes (ExpiredIteratorException).
- Records are kept 24 hours: older ones are skipped by reads, refused by sequence-number
  iterators (TrimmedDataAccessException) and dropped by the trimmer; a disabled stream is
  listed for 24 hours.
- A TTL deletion's REMOVE record carries the service's userIdentity.
- Concurrent writers (PostgreSQL, many threads) get distinct, gap-free sequence numbers.
"""

from __future__ import annotations

import threading
from typing import Any

import orjson

from ddblite.clock import ManualClock
from ddblite.engine import streams, ttl
from ddblite.engine.database import Database
from ddblite.protocol import dispatch
from ddblite.storage.base import StorageBackend
from tests.engine.support import AUTH, NOW, ok
from tests.pg_server import pg_server

__all__ = ["pg_server"]

DAY = 24 * 3600


def call(db: Database, operation: str, **request: Any) -> tuple[int, dict[str, Any]]:
    prefix = (
        "DynamoDBStreams_20120810"
        if operation in ("ListStreams", "DescribeStream", "GetShardIterator", "GetRecords")
        else "DynamoDB_20120810"
    )
    status, body = dispatch.handle(db, f"{prefix}.{operation}", AUTH, orjson.dumps(request))
    return status, orjson.loads(body)


def error(db: Database, operation: str, **request: Any) -> tuple[str, str]:
    status, body = call(db, operation, **request)
    assert status == 400, body
    return str(body["__type"]).rsplit("#", 1)[1], str(body.get("message", body.get("Message")))


def make_table(db: Database, name: str = "streamed", view: str = "NEW_AND_OLD_IMAGES") -> str:
    described = ok(
        db,
        "CreateTable",
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )
    return str(described["TableDescription"]["LatestStreamArn"])


def put(db: Database, pk: str, **attributes: Any) -> None:
    ok(db, "PutItem", TableName="streamed", Item={"pk": {"S": pk}, **attributes})


def iterator(db: Database, arn: str, kind: str = "TRIM_HORIZON", **extra: Any) -> str:
    shard = ok(db, "DescribeStream", StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    return str(
        ok(db, "GetShardIterator", StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **extra)[
            "ShardIterator"
        ]
    )


def pks(page: dict[str, Any]) -> list[str]:
    return [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]]


# An iterator is good for 15 minutes; each GetRecords hands out a fresh one.
def test_iterator_expiry(db: Database, clock: ManualClock) -> None:
    arn = make_table(db)
    put(db, "a")
    token = iterator(db, arn)
    clock.advance(15 * 60)
    page = ok(db, "GetRecords", ShardIterator=token)
    assert pks(page) == ["a"]
    clock.advance(15 * 60)
    assert pks(ok(db, "GetRecords", ShardIterator=page["NextShardIterator"])) == []
    clock.advance(15 * 60 + 1)
    assert error(db, "GetRecords", ShardIterator=page["NextShardIterator"]) == (
        "ExpiredIteratorException",
        "Iterator expired. The iterator was created more than 15 minutes ago.",
    )


# Records older than 24 hours are gone: skipped from TRIM_HORIZON, refused by position, and
# dropped from storage by the trimmer.
def test_retention(db: Database, clock: ManualClock, backend: StorageBackend) -> None:
    arn = make_table(db)
    put(db, "old")
    clock.advance(DAY - 10)
    put(db, "recent")
    first = ok(db, "GetRecords", ShardIterator=iterator(db, arn))["Records"][0]
    clock.advance(11)
    assert pks(ok(db, "GetRecords", ShardIterator=iterator(db, arn))) == ["recent"]
    assert error(
        db,
        "GetShardIterator",
        StreamArn=arn,
        ShardId=ok(db, "DescribeStream", StreamArn=arn)["StreamDescription"]["Shards"][0][
            "ShardId"
        ],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=first["dynamodb"]["SequenceNumber"],
    ) == (
        "TrimmedDataAccessException",
        "The operation attempted to read past the oldest stream record in a shard.",
    )
    assert streams.trim(db) == 1
    table_id = db.table(_caller(), "streamed").table_id
    with backend.read() as r:
        assert [row.seq for row in r.read_stream(table_id, streams.SHARD, 0, 10)] == [2]
    assert pks(ok(db, "GetRecords", ShardIterator=iterator(db, arn))) == ["recent"]


# A disabled stream is listed, described and read for 24 hours, then it is gone.
def test_disabled_stream_kept_for_a_day(db: Database, clock: ManualClock) -> None:
    arn = make_table(db)
    put(db, "a")
    ok(db, "UpdateTable", TableName="streamed", StreamSpecification={"StreamEnabled": False})
    clock.advance(DAY - 1)
    assert [s["StreamArn"] for s in ok(db, "ListStreams")["Streams"]] == [arn]
    assert ok(db, "DescribeStream", StreamArn=arn)["StreamDescription"]["StreamStatus"] == (
        "DISABLED"
    )
    clock.advance(2)
    assert ok(db, "ListStreams")["Streams"] == []
    assert error(db, "DescribeStream", StreamArn=arn)[0] == "ResourceNotFoundException"


# A stream enabled again at the same instant (a clock standing still) still gets its own label.
def test_labels_unique(db: Database) -> None:
    first = make_table(db)
    ok(db, "UpdateTable", TableName="streamed", StreamSpecification={"StreamEnabled": False})
    second = ok(
        db,
        "UpdateTable",
        TableName="streamed",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    )["TableDescription"]
    assert first.endswith("/stream/2023-11-14T22:13:20.000")
    assert second["LatestStreamArn"].endswith("/stream/2023-11-14T22:13:20.001")


# A TTL deletion is a REMOVE made by the service.
def test_ttl_removal_record(db: Database, clock: ManualClock) -> None:
    arn = make_table(db)
    ok(
        db,
        "UpdateTimeToLive",
        TableName="streamed",
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"},
    )
    put(db, "mortal", exp={"N": str(int(NOW) + 5)})
    ok(db, "DeleteItem", TableName="streamed", Key={"pk": {"S": "x"}})  # nothing: no record
    clock.advance(10)
    assert ttl.sweep(db) == 1
    records = ok(db, "GetRecords", ShardIterator=iterator(db, arn))["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "REMOVE"]
    assert "userIdentity" not in records[0]
    assert records[1]["userIdentity"] == {
        "Type": "Service",
        "PrincipalId": "dynamodb.amazonaws.com",
    }
    assert records[1]["dynamodb"]["OldImage"] == {
        "pk": {"S": "mortal"},
        "exp": {"N": str(int(NOW) + 5)},
    }
    assert records[1]["dynamodb"]["ApproximateCreationDateTime"] == NOW + 10


# Many writers at once: every change gets one record, numbered 1..N without gaps.
def test_concurrent_writers(db: Database) -> None:
    arn = make_table(db, view="KEYS_ONLY")
    writers, each = 8, 25

    def write(w: int) -> None:
        for i in range(each):
            put(db, f"w{w}-{i}")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seen: list[int] = []
    token = iterator(db, arn)
    while True:
        page = ok(db, "GetRecords", ShardIterator=token)
        if not page["Records"]:
            break
        seen.extend(int(r["dynamodb"]["SequenceNumber"]) for r in page["Records"])
        token = page["NextShardIterator"]
    assert seen == list(range(1, writers * each + 1))


def _caller() -> Any:
    from ddblite.engine.database import Caller

    return Caller("000000000000", "us-east-1")
