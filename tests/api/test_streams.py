"""DynamoDB Streams: StreamSpecification on CreateTable/UpdateTable, the change records item
writes produce, and the Streams API (ListStreams, DescribeStream, GetShardIterator,
GetRecords)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.conftest import TableFactory, error_of, make_client
from tests.servers import RunningServer

INVALID = "One or more parameter values were invalid: "
ARN = re.compile(
    r"arn:aws:dynamodb:us-east-1:000000000000:table/(?P<table>[^/]+)/stream/"
    r"(?P<label>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})"
)


@pytest.fixture(scope="module")
def streams(server: RunningServer) -> Any:
    return make_client(server.endpoint, "dynamodbstreams")


def spec(view: str) -> dict[str, Any]:
    return {"StreamEnabled": True, "StreamViewType": view}


def stream_arn(ddb: Any, name: str) -> str:
    return str(ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"])


def records(streams: Any, arn: str, kind: str = "TRIM_HORIZON", **extra: Any) -> list[Any]:
    """Every record from an iterator of ``kind`` to the current end of the shard."""
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **extra
    )["ShardIterator"]
    out: list[Any] = []
    while iterator:
        page = streams.get_records(ShardIterator=iterator)
        out.extend(page["Records"])
        if not page["Records"]:
            break
        iterator = page.get("NextShardIterator")
    return out


def events(found: list[Any]) -> list[tuple[str, str]]:
    return [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in found]


# --- enabling ----------------------------------------------------------------------------------


# A table created with a stream describes it: the specification, the label (the creation time,
# ISO 8601 with milliseconds) and the stream ARN under the table's ARN.
def test_create_table_with_stream(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(StreamSpecification=spec("NEW_AND_OLD_IMAGES"))
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["StreamSpecification"] == spec("NEW_AND_OLD_IMAGES")
    match = ARN.fullmatch(table["LatestStreamArn"])
    assert match is not None and match["table"] == name
    assert table["LatestStreamLabel"] == match["label"]


# CreateTable's own stream rules, before the table exists.
def test_create_table_stream_rules(ddb: Any, table_name: str) -> None:
    base = {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    }
    assert error_of(ddb.create_table, **base, StreamSpecification={"StreamEnabled": True}) == (
        "ValidationException",
        INVALID + "Table is being created with a stream enabled, UpdateViewType is required",
    )
    assert error_of(
        ddb.create_table,
        **base,
        StreamSpecification={"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"},
    ) == (
        "ValidationException",
        INVALID + "Table is being created with a stream disabled, UpdateViewType should not "
        "be specified",
    )
    assert table_name not in ddb.list_tables()["TableNames"]


# UpdateTable turns a stream on and off; each state refuses the request that would not change
# it. A disabled stream stays readable, DISABLED, its shard closed at the last record.
def test_update_table_enable_disable(ddb: Any, streams: Any, create_table: TableFactory) -> None:
    name = create_table()
    assert "LatestStreamArn" not in ddb.describe_table(TableName=name)["Table"]
    assert error_of(
        ddb.update_table, TableName=name, StreamSpecification={"StreamEnabled": False}
    ) == ("ValidationException", f"Table has no stream to disable: TableName: {name}")
    assert error_of(
        ddb.update_table, TableName=name, StreamSpecification={"StreamEnabled": True}
    ) == (
        "ValidationException",
        INVALID + "If stream is being enabled then UpdateViewType is required",
    )
    table = ddb.update_table(TableName=name, StreamSpecification=spec("KEYS_ONLY"))[
        "TableDescription"
    ]
    arn = table["LatestStreamArn"]
    assert table["StreamSpecification"] == spec("KEYS_ONLY")
    assert error_of(ddb.update_table, TableName=name, StreamSpecification=spec("NEW_IMAGE")) == (
        "ValidationException",
        f"Table already has an enabled stream: TableName: {name}",
    )
    assert error_of(
        ddb.update_table,
        TableName=name,
        StreamSpecification={"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"},
    ) == (
        "ValidationException",
        INVALID + "If stream is being disabled, then UpdateViewType must not be specified",
    )
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    table = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})[
        "TableDescription"
    ]
    assert "StreamSpecification" not in table
    assert table["LatestStreamArn"] == arn
    ddb.put_item(TableName=name, Item={"pk": {"S": "after"}})
    described = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert described["StreamStatus"] == "DISABLED"
    numbers = described["Shards"][0]["SequenceNumberRange"]
    assert numbers["EndingSequenceNumber"] == numbers["StartingSequenceNumber"]
    found = records(streams, arn)
    assert events(found) == [("INSERT", "a")]
    # A closed shard read to its end gives no next iterator.
    shard = described["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn,
        ShardId=shard,
        ShardIteratorType="AFTER_SEQUENCE_NUMBER",
        SequenceNumber=found[-1]["dynamodb"]["SequenceNumber"],
    )["ShardIterator"]
    page = streams.get_records(ShardIterator=iterator)
    assert page["Records"] == [] and "NextShardIterator" not in page


# Enabling again makes a new stream: a new ARN that sees only what follows.
def test_reenable_makes_new_stream(ddb: Any, streams: Any, create_table: TableFactory) -> None:
    name = create_table(StreamSpecification=spec("KEYS_ONLY"))
    first = stream_arn(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "one"}})
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    ddb.put_item(TableName=name, Item={"pk": {"S": "unseen"}})
    second = ddb.update_table(TableName=name, StreamSpecification=spec("KEYS_ONLY"))[
        "TableDescription"
    ]["LatestStreamArn"]
    ddb.put_item(TableName=name, Item={"pk": {"S": "two"}})
    assert second != first
    assert events(records(streams, first)) == [("INSERT", "one")]
    assert events(records(streams, second)) == [("INSERT", "two")]
    listed = streams.list_streams(TableName=name)["Streams"]
    assert [s["StreamArn"] for s in listed] == [second, first]


# --- the records ----------------------------------------------------------------------------


# One record per change, in order: INSERT, MODIFY, REMOVE; with the images the view type asks
# for, and the same fields on every record.
@pytest.mark.parametrize("view", ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"])
def test_records_per_view_type(
    ddb: Any, streams: Any, create_table: TableFactory, view: str
) -> None:
    name = create_table(range_key=("sk", "N"), StreamSpecification=spec(view))
    key = {"pk": {"S": "k"}, "sk": {"N": "1"}}
    ddb.put_item(TableName=name, Item={**key, "v": {"S": "one"}})
    ddb.update_item(
        TableName=name,
        Key=key,
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"S": "two"}},
    )
    ddb.delete_item(TableName=name, Key=key)
    found = records(streams, stream_arn(ddb, name))
    assert [r["eventName"] for r in found] == ["INSERT", "MODIFY", "REMOVE"]
    one, two = {**key, "v": {"S": "one"}}, {**key, "v": {"S": "two"}}
    images = [(None, one), (one, two), (two, None)]
    for record, (old, new) in zip(found, images, strict=True):
        change = record["dynamodb"]
        assert record["eventVersion"] == "1.1"
        assert record["eventSource"] == "aws:dynamodb"
        assert record["awsRegion"] == "us-east-1"
        assert "userIdentity" not in record
        assert change["Keys"] == key
        assert change["StreamViewType"] == view
        assert change.get("NewImage") == (
            new if view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") else None
        )
        assert change.get("OldImage") == (
            old if view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") else None
        )
        assert change["SizeBytes"] > 0
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in found]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    assert len({r["eventID"] for r in found}) == 3
    assert all(len(r["dynamodb"]["SequenceNumber"]) >= 21 for r in found)


# A write that changes nothing writes no record: the same item put again, an update to the
# same value, a delete of an item that is not there, a failed condition.
def test_no_change_no_record(ddb: Any, streams: Any, create_table: TableFactory) -> None:
    name = create_table(StreamSpecification=spec("NEW_AND_OLD_IMAGES"))
    item = {"pk": {"S": "a"}, "n": {"N": "1"}}
    ddb.put_item(TableName=name, Item=item)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": {"N": "1.0"}})
    ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "1"}},
    )
    ddb.delete_item(TableName=name, Key={"pk": {"S": "missing"}})
    ddb.update_item(TableName=name, Key={"pk": {"S": "missing"}}, UpdateExpression="REMOVE n")
    error_of(
        ddb.put_item, TableName=name, Item=item, ConditionExpression="attribute_not_exists(pk)"
    )
    assert events(records(streams, stream_arn(ddb, name))) == [("INSERT", "a")]


# Batch writes and transactions write their records too.
def test_batch_and_transaction_records(ddb: Any, streams: Any, create_table: TableFactory) -> None:
    name = create_table(StreamSpecification=spec("KEYS_ONLY"))
    ddb.batch_write_item(
        RequestItems={
            name: [
                {"PutRequest": {"Item": {"pk": {"S": "b1"}}}},
                {"PutRequest": {"Item": {"pk": {"S": "b2"}}}},
            ]
        }
    )
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": "t1"}}}},
            {"Delete": {"TableName": name, "Key": {"pk": {"S": "b1"}}}},
        ]
    )
    found = events(records(streams, stream_arn(ddb, name)))
    assert sorted(found[:2]) == [("INSERT", "b1"), ("INSERT", "b2")]
    assert sorted(found[2:]) == [("INSERT", "t1"), ("REMOVE", "b1")]


# A table dropped and created again under the same name has a new stream that does not see
# the old table's records.
def test_recreated_table(ddb: Any, streams: Any, create_table: TableFactory) -> None:
    name = create_table(StreamSpecification=spec("KEYS_ONLY"))
    ddb.put_item(TableName=name, Item={"pk": {"S": "old"}})
    ddb.delete_table(TableName=name)
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification=spec("KEYS_ONLY"),
    )
    ddb.put_item(TableName=name, Item={"pk": {"S": "new"}})
    assert events(records(streams, stream_arn(ddb, name))) == [("INSERT", "new")]


# --- ListStreams and DescribeStream -----------------------------------------------------------


def test_list_streams(ddb: Any, streams: Any, create_table: TableFactory) -> None:
    names = [create_table(StreamSpecification=spec("KEYS_ONLY")) for _ in range(3)]
    plain = create_table()
    listed = streams.list_streams()["Streams"]
    mine = [s for s in listed if s["TableName"] in names]
    assert [s["TableName"] for s in mine] == sorted(names)
    assert all(s["StreamArn"].endswith("/stream/" + s["StreamLabel"]) for s in mine)
    assert plain not in {s["TableName"] for s in listed}
    assert streams.list_streams(TableName=plain)["Streams"] == []
    assert streams.list_streams(TableName="no_such_table")["Streams"] == []
    only = streams.list_streams(TableName=names[1])["Streams"]
    assert only == [s for s in mine if s["TableName"] == names[1]]
    # Paging: Limit, LastEvaluatedStreamArn, ExclusiveStartStreamArn.
    seen: list[str] = []
    request: dict[str, Any] = {"Limit": 1}
    while True:
        page = streams.list_streams(**request)
        assert len(page["Streams"]) <= 1
        seen.extend(s["StreamArn"] for s in page["Streams"])
        if "LastEvaluatedStreamArn" not in page:
            break
        request["ExclusiveStartStreamArn"] = page["LastEvaluatedStreamArn"]
    assert seen == [s["StreamArn"] for s in listed]


def test_describe_stream(ddb: Any, streams: Any, create_table: TableFactory) -> None:
    name = create_table(range_key=("sk", "S"), StreamSpecification=spec("NEW_IMAGE"))
    arn = stream_arn(ddb, name)
    described = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert described["StreamArn"] == arn
    assert described["StreamLabel"] == arn.rsplit("/", 1)[1]
    assert described["StreamStatus"] == "ENABLED"
    assert described["StreamViewType"] == "NEW_IMAGE"
    assert described["TableName"] == name
    assert described["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    [shard] = described["Shards"]
    assert shard["ShardId"].startswith("shardId-") and len(shard["ShardId"]) >= 28
    assert set(shard["SequenceNumberRange"]) == {"StartingSequenceNumber"}
    after = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=shard["ShardId"])
    assert after["StreamDescription"]["Shards"] == []


def test_unknown_stream(ddb: Any, streams: Any, create_table: TableFactory) -> None:
    name = create_table()
    arn = f"arn:aws:dynamodb:us-east-1:000000000000:table/{name}/stream/2024-01-01T00:00:00.000"
    expected = (
        "ResourceNotFoundException",
        f"Requested resource not found: Stream: {arn} not found",
    )
    assert error_of(streams.describe_stream, StreamArn=arn) == expected
    assert (
        error_of(
            streams.get_shard_iterator,
            StreamArn=arn,
            ShardId="shardId-00000000000000000001-abcdef01",
            ShardIteratorType="LATEST",
        )
        == expected
    )


# --- iterators --------------------------------------------------------------------------------


# LATEST starts after the last record; AT_/AFTER_SEQUENCE_NUMBER at or after a given one.
def test_iterator_types(ddb: Any, streams: Any, create_table: TableFactory) -> None:
    name = create_table(StreamSpecification=spec("KEYS_ONLY"))
    arn = stream_arn(ddb, name)
    for pk in ("a", "b", "c"):
        ddb.put_item(TableName=name, Item={"pk": {"S": pk}})
    found = records(streams, arn)
    second = found[1]["dynamodb"]["SequenceNumber"]
    assert events(records(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=second)) == [
        ("INSERT", "b"),
        ("INSERT", "c"),
    ]
    assert events(records(streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=second)) == [
        ("INSERT", "c")
    ]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    latest = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")[
        "ShardIterator"
    ]
    page = streams.get_records(ShardIterator=latest)
    assert page["Records"] == []
    ddb.put_item(TableName=name, Item={"pk": {"S": "d"}})
    page = streams.get_records(ShardIterator=page["NextShardIterator"])
    assert events(page["Records"]) == [("INSERT", "d")]


# GetRecords pages by Limit; NextShardIterator carries on where the page stopped.
def test_get_records_limit(ddb: Any, streams: Any, create_table: TableFactory) -> None:
    name = create_table(StreamSpecification=spec("KEYS_ONLY"))
    arn = stream_arn(ddb, name)
    for i in range(5):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}})
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    pages = []
    while True:
        page = streams.get_records(ShardIterator=iterator, Limit=2)
        if not page["Records"]:
            break
        pages.append([r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]])
        iterator = page["NextShardIterator"]
    assert pages == [["k0", "k1"], ["k2", "k3"], ["k4"]]


def test_iterator_errors(ddb: Any, streams: Any, create_table: TableFactory) -> None:
    name = create_table(StreamSpecification=spec("KEYS_ONLY"))
    arn = stream_arn(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    wrong = "shardId-00000000000000000099-abcdef01"
    assert error_of(
        streams.get_shard_iterator, StreamArn=arn, ShardId=wrong, ShardIteratorType="LATEST"
    ) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Shard does not exist: {wrong}",
    )
    assert error_of(
        streams.get_shard_iterator,
        StreamArn=arn,
        ShardId=shard,
        ShardIteratorType="AT_SEQUENCE_NUMBER",
    ) == (
        "ValidationException",
        "SequenceNumber is required for ShardIteratorType AT_SEQUENCE_NUMBER",
    )
    beyond = "9" * 21
    assert error_of(
        streams.get_shard_iterator,
        StreamArn=arn,
        ShardId=shard,
        ShardIteratorType="AFTER_SEQUENCE_NUMBER",
        SequenceNumber=beyond,
    ) == (
        "ValidationException",
        f"Invalid SequenceNumber {beyond} for shard {shard} in stream {arn}",
    )
    assert error_of(streams.get_records, ShardIterator="not-an-iterator") == (
        "ValidationException",
        "Invalid ShardIterator",
    )


# The documented upper bounds of Limit: 100 streams, 1000 records (checked before the iterator).
def test_limit_upper_bounds(streams: Any) -> None:
    assert error_of(streams.list_streams, Limit=101) == (
        "ValidationException",
        "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 100",
    )
    assert error_of(streams.get_records, ShardIterator="x" * 40, Limit=1001) == (
        "ValidationException",
        "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000",
    )


# Paging resumed from the stream of a table deleted since goes on with the next table name.
def test_list_streams_resumes_after_a_deleted_tables_stream(
    ddb: Any, streams: Any, create_table: TableFactory
) -> None:
    names = sorted(create_table(StreamSpecification=spec("KEYS_ONLY")) for _ in range(2))
    gone = stream_arn(ddb, names[0])
    ddb.delete_table(TableName=names[0])
    after = streams.list_streams(ExclusiveStartStreamArn=gone)["Streams"]
    assert names[1] in {s["TableName"] for s in after}
    assert all(s["TableName"] > names[0] for s in after)


# DescribeStream's ShardFilter CHILD_SHARDS lists the children of the shard named (a stream's
# first shard has none here); ExclusiveStartShardId past the last shard leaves none.
def test_describe_stream_shard_filter(ddb: Any, streams: Any, create_table: TableFactory) -> None:
    name = create_table(StreamSpecification=spec("KEYS_ONLY"))
    arn = stream_arn(ddb, name)
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    children = streams.describe_stream(
        StreamArn=arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": shard["ShardId"]}
    )["StreamDescription"]["Shards"]
    assert children == []
    after = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=shard["ShardId"])
    assert after["StreamDescription"]["Shards"] == []
