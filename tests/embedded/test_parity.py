"""In-process and server answer alike: the same calls, through boto3, both ways, compared whole.

Each scenario is a list of calls; every call's outcome (the response without its request id and
times, or the error code, message, status and extras) must be identical in-process and against a
real ``ddblite serve``. The scenarios do not pin what DynamoDB answers (tests/api does): only that
the two modes cannot drift apart, whatever the operations do today.
"""

from __future__ import annotations

import base64
import http.client
import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import ddblite
from ddblite.embedded.engine import Engine
from ddblite.embedded.pytest_plugin import DdbliteServer

# No retries, and no client-side parameter checks: the server-side checks are the point.
NO_RETRIES = Config(retries={"max_attempts": 1}, parameter_validation=False)
Scenario = Callable[[Any, Any, str], list[Any]]
# Differ between two databases by nature (times, generated ids, positions in a shared log).
MASKED = frozenset(
    {
        "TableId",
        "LatestStreamLabel",
        "LatestStreamArn",
        "StreamArn",
        "StreamLabel",
        "SequenceNumber",
        "StartingSequenceNumber",
        "EndingSequenceNumber",
        "ShardIterator",
        "NextShardIterator",
        "ShardId",
        "eventID",
        "LastEvaluatedShardId",
    }
)
_names = itertools.count()


def outcome(call: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    try:
        response = dict(call(**kwargs))
    except ClientError as error:
        raw = dict(error.response)
        meta = raw.pop("ResponseMetadata")
        return {
            "status": meta["HTTPStatusCode"],
            "headers": sorted(meta["HTTPHeaders"]),
            "error": raw.pop("Error"),
            "extra": normalize(raw),
        }
    meta = response.pop("ResponseMetadata")
    return {
        "status": meta["HTTPStatusCode"],
        "headers": sorted(meta["HTTPHeaders"]),
        "response": normalize(response),
    }


def normalize(value: Any) -> Any:
    """Times and generated ids differ between two databases by nature; all else must not."""
    if isinstance(value, datetime):
        return "<time>"
    if isinstance(value, dict):
        return {k: "<id>" if k in MASKED else normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value


def keys(hash_type: str = "S", range_type: str | None = None) -> dict[str, Any]:
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    definitions = [{"AttributeName": "pk", "AttributeType": hash_type}]
    if range_type:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        definitions.append({"AttributeName": "sk", "AttributeType": range_type})
    return {
        "KeySchema": schema,
        "AttributeDefinitions": definitions,
        "BillingMode": "PAY_PER_REQUEST",
    }


# --- scenarios ---------------------------------------------------------------------------------


def table_lifecycle(c: Any, streams: Any, name: str) -> list[Any]:
    return [
        outcome(c.create_table, TableName=name, **keys("S", "N")),
        outcome(c.create_table, TableName=name, **keys()),
        outcome(c.describe_table, TableName=name),
        outcome(
            c.update_table,
            TableName=name,
            BillingMode="PROVISIONED",
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        ),
        outcome(c.delete_table, TableName=name),
        outcome(c.describe_table, TableName=name),
        outcome(c.delete_table, TableName=name),
    ]


def table_validation(c: Any, streams: Any, name: str) -> list[Any]:
    return [
        outcome(c.create_table, TableName="ab", **keys()),
        outcome(c.create_table, TableName=name + "!", **keys()),
        outcome(c.create_table, TableName=name, **keys("BOOL")),
        outcome(
            c.create_table,
            TableName=name,
            KeySchema=[],
            AttributeDefinitions=[],
            BillingMode="PAY_PER_REQUEST",
        ),
        outcome(
            c.create_table,
            TableName=name,
            **keys(),
            ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        ),
        outcome(c.list_tables, Limit=0),
        outcome(c.describe_limits),
    ]


def items(c: Any, streams: Any, name: str) -> list[Any]:
    item = {
        "pk": {"S": "a"},
        "sk": {"N": "1.50"},
        "b": {"B": base64.b64decode("AAE=")},
        "set": {"NS": ["3", "1", "2"]},
        "nested": {"M": {"l": {"L": [{"NULL": True}]}}},
    }
    key = {"pk": {"S": "a"}, "sk": {"N": "1.5"}}
    return [
        outcome(c.create_table, TableName=name, **keys("S", "N")),
        outcome(c.put_item, TableName=name, Item=item),
        outcome(
            c.put_item,
            TableName=name,
            Item=item,
            ReturnValues="ALL_OLD",
            ReturnConsumedCapacity="TOTAL",
        ),
        outcome(
            c.get_item,
            TableName=name,
            Key=key,
            ConsistentRead=True,
            ReturnConsumedCapacity="INDEXES",
        ),
        outcome(
            c.get_item,
            TableName=name,
            Key=key,
            ProjectionExpression="#n.l[0], b",
            ExpressionAttributeNames={"#n": "nested"},
        ),
        outcome(c.get_item, TableName=name, Key={"pk": {"S": "missing"}, "sk": {"N": "0"}}),
        outcome(
            c.put_item,
            TableName=name,
            Item=item,
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        ),
        outcome(c.delete_item, TableName=name, Key=key, ReturnValues="ALL_OLD"),
        outcome(c.delete_item, TableName=name, Key=key, ReturnValues="ALL_OLD"),
    ]


def item_validation(c: Any, streams: Any, name: str) -> list[Any]:
    return [
        outcome(c.create_table, TableName=name, **keys("S", "N")),
        outcome(c.put_item, TableName=name, Item={"pk": {"S": "a"}}),
        outcome(c.put_item, TableName=name, Item={"pk": {"S": ""}, "sk": {"N": "1"}}),
        outcome(c.put_item, TableName=name, Item={"pk": {"N": "1"}, "sk": {"N": "1"}}),
        outcome(c.put_item, TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1e200"}}),
        outcome(
            c.put_item,
            TableName=name,
            Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "s": {"SS": ["x", "x"]}},
        ),
        outcome(
            c.put_item,
            TableName=name,
            Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "big": {"S": "x" * 410_000}},
        ),
        outcome(
            c.put_item,
            TableName=name,
            Item={"pk": {"S": "a"}, "sk": {"N": "1"}},
            ReturnValues="ALL_NEW",
        ),
        outcome(c.get_item, TableName=name, Key={"pk": {"S": "a"}}),
        outcome(c.get_item, TableName=name + "-missing", Key={"pk": {"S": "a"}}),
        outcome(
            c.get_item,
            TableName=name,
            Key={"pk": {"S": "a"}, "sk": {"N": "1"}},
            ProjectionExpression="#unused",
        ),
    ]


def batches(c: Any, streams: Any, name: str) -> list[Any]:
    puts = [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}, "v": {"N": str(i)}}}} for i in range(5)]
    wanted = [{"pk": {"S": f"k{i}"}} for i in range(0, 7, 2)]
    return [
        outcome(c.create_table, TableName=name, **keys()),
        outcome(c.batch_write_item, RequestItems={name: puts}),
        outcome(c.batch_get_item, RequestItems={name: {"Keys": wanted}}),
        outcome(c.batch_write_item, RequestItems={name: puts + puts[:1]}),
        outcome(c.batch_get_item, RequestItems={name: {"Keys": []}}),
        outcome(
            c.batch_write_item,
            RequestItems={name: [{"DeleteRequest": {"Key": {"pk": {"S": "k1"}}}}]},
        ),
    ]


def updates(c: Any, streams: Any, name: str) -> list[Any]:
    key = {"pk": {"S": "a"}}
    return [
        outcome(c.create_table, TableName=name, **keys()),
        outcome(
            c.update_item,
            TableName=name,
            Key=key,
            UpdateExpression="SET n = :one, l = :list ADD s :set",
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":list": {"L": [{"S": "x"}]},
                ":set": {"SS": ["b", "a"]},
            },
            ReturnValues="ALL_NEW",
        ),
        outcome(
            c.update_item,
            TableName=name,
            Key=key,
            UpdateExpression="SET n = n + :one REMOVE l[0] DELETE s :gone",
            ExpressionAttributeValues={":one": {"N": "1"}, ":gone": {"SS": ["a"]}},
            ConditionExpression="n = :one",
            ReturnValues="UPDATED_NEW",
        ),
        outcome(
            c.update_item,
            TableName=name,
            Key=key,
            UpdateExpression="SET n = :v",
            ConditionExpression="n = :v",
            ExpressionAttributeValues={":v": {"N": "9"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        ),
        outcome(c.update_item, TableName=name, Key=key, UpdateExpression="SET n = n +"),
        outcome(
            c.update_item,
            TableName=name,
            Key=key,
            UpdateExpression="SET #a = :v",
            ExpressionAttributeValues={":v": {"N": "1"}},
        ),
        outcome(
            c.update_item,
            TableName=name,
            Key=key,
            UpdateExpression="SET n = :v, n = :v",
            ExpressionAttributeValues={":v": {"N": "1"}},
        ),
        outcome(
            c.update_item,
            TableName=name,
            Key=key,
            UpdateExpression="SET pk = :v",
            ExpressionAttributeValues={":v": {"S": "b"}},
        ),
    ]


def reads(c: Any, streams: Any, name: str) -> list[Any]:
    out = [outcome(c.create_table, TableName=name, **keys("S", "N"))]
    for i in range(12):
        c.put_item(
            TableName=name,
            Item={"pk": {"S": f"p{i % 3}"}, "sk": {"N": str(i)}, "odd": {"BOOL": i % 2 == 1}},
        )
    p1 = {":p": {"S": "p1"}}
    return [
        *out,
        outcome(
            c.query, TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues=p1
        ),
        outcome(
            c.query,
            TableName=name,
            KeyConditionExpression="pk = :p AND sk > :s",
            FilterExpression="odd = :t",
            ScanIndexForward=False,
            Limit=2,
            ExpressionAttributeValues={**p1, ":s": {"N": "1"}, ":t": {"BOOL": True}},
        ),
        outcome(
            c.query,
            TableName=name,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues=p1,
            Select="COUNT",
            ReturnConsumedCapacity="TOTAL",
        ),
        outcome(
            c.query,
            TableName=name,
            KeyConditionExpression="sk = :s",
            ExpressionAttributeValues={":s": {"N": "1"}},
        ),
        outcome(
            c.query,
            TableName=name,
            KeyConditionExpression="pk = :p OR pk = :p",
            ExpressionAttributeValues=p1,
        ),
        outcome(c.scan, TableName=name, Limit=5),
        outcome(
            c.scan,
            TableName=name,
            Segment=1,
            TotalSegments=3,
            FilterExpression="attribute_exists(odd) AND sk < :s",
            ExpressionAttributeValues={":s": {"N": "6"}},
        ),
        outcome(c.scan, TableName=name, Segment=3, TotalSegments=3),
    ]


def transactions(c: Any, streams: Any, name: str) -> list[Any]:
    a, b = {"pk": {"S": "a"}}, {"pk": {"S": "b"}}
    return [
        outcome(c.create_table, TableName=name, **keys()),
        outcome(
            c.transact_write_items,
            TransactItems=[
                {"Put": {"TableName": name, "Item": {**a, "n": {"N": "1"}}}},
                {"Put": {"TableName": name, "Item": b}},
            ],
        ),
        outcome(
            c.transact_write_items,
            TransactItems=[
                {
                    "Update": {
                        "TableName": name,
                        "Key": a,
                        "UpdateExpression": "SET n = n + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": name,
                        "Key": b,
                        "ConditionExpression": "attribute_exists(n)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ],
        ),
        outcome(
            c.transact_write_items,
            TransactItems=[
                {"Delete": {"TableName": name, "Key": a}},
                {"Delete": {"TableName": name, "Key": a}},
            ],
        ),
        outcome(
            c.transact_get_items,
            TransactItems=[
                {"Get": {"TableName": name, "Key": a}},
                {"Get": {"TableName": name, "Key": b}},
            ],
        ),
    ]


def ttl_tags_and_streams(c: Any, streams: Any, name: str) -> list[Any]:
    out = [
        outcome(
            c.create_table,
            TableName=name,
            **keys(),
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        ),
        outcome(
            c.update_time_to_live,
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"},
        ),
        outcome(c.describe_time_to_live, TableName=name),
        outcome(
            c.update_time_to_live,
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"},
        ),
    ]
    arn = c.describe_table(TableName=name)["Table"]["TableArn"]
    out += [
        outcome(c.tag_resource, ResourceArn=arn, Tags=[{"Key": "team", "Value": "db"}]),
        outcome(c.list_tags_of_resource, ResourceArn=arn),
        outcome(c.put_item, TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}}),
        outcome(c.put_item, TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "2"}}),
        outcome(c.delete_item, TableName=name, Key={"pk": {"S": "a"}}),
    ]
    stream_arn = c.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    described = streams.describe_stream(StreamArn=stream_arn)
    shard = described["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return [
        *out,
        normalize(described["StreamDescription"]),
        outcome(streams.get_records, ShardIterator=iterator),
        outcome(
            streams.get_shard_iterator,
            StreamArn=stream_arn,
            ShardId=shard,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
        ),
        outcome(streams.get_records, ShardIterator="not-an-iterator"),
    ]


SCENARIOS: list[Scenario] = [
    table_lifecycle,
    table_validation,
    items,
    item_validation,
    batches,
    updates,
    reads,
    transactions,
    ttl_tags_and_streams,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_in_process_and_server_answer_alike(
    scenario: Scenario, ddblite_server: DdbliteServer, aws_home: Any
) -> None:
    name = f"parity-{scenario.__name__}-{next(_names)}"
    with ddblite.mock():
        in_process = scenario(
            boto3.client("dynamodb", config=NO_RETRIES),
            boto3.client("dynamodbstreams", config=NO_RETRIES),
            name,
        )
    over_http = scenario(
        ddblite_server.client(config=NO_RETRIES),
        ddblite_server.client("dynamodbstreams", config=NO_RETRIES),
        name,
    )
    assert len(in_process) == len(over_http)
    for step, (mine, theirs) in enumerate(zip(in_process, over_http, strict=True)):
        assert mine == theirs, f"step {step} of {scenario.__name__}"


# --- below boto3: the bytes themselves ---------------------------------------------------------

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=00"
)
# DescribeTable of a table no test creates: whatever gets past the checks fails alike too.
DESCRIBE = "DynamoDB_20120810.DescribeTable"
MISSING = b'{"TableName": "raw-missing"}'
RAW_CASES = {
    "well formed": (DESCRIBE, AUTH, MISSING),
    "malformed json": (DESCRIBE, AUTH, b"{not json"),
    "unknown operation": ("DynamoDB_20120810.Frobnicate", AUTH, MISSING),
    "unknown service": ("Nope_20120810.DescribeTable", AUTH, MISSING),
    "no target": (None, AUTH, MISSING),
    "no authorization": (DESCRIBE, None, MISSING),
    "not sigv4": (DESCRIBE, "Basic Zm9vOmJhcg==", MISSING),
    "empty body": (DESCRIBE, AUTH, b""),
    "json array": (DESCRIBE, AUTH, b"[]"),
    "wrong type": (DESCRIBE, AUTH, b'{"TableName": 5}'),
    "unknown member": (DESCRIBE, AUTH, b'{"TableName": "raw-missing", "Nope": 1}'),
    "missing member": (DESCRIBE, AUTH, b"{}"),
    "streams": ("DynamoDBStreams_20120810.DescribeStream", AUTH, b'{"StreamArn": "x"}'),
}


@pytest.mark.parametrize("case", sorted(RAW_CASES))
def test_raw_requests_get_the_same_status_and_bytes(
    case: str, ddblite_server: DdbliteServer
) -> None:
    target, authorization, body = RAW_CASES[case]
    with Engine() as engine:
        mine = engine.handle(target, authorization, body)
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    if target is not None:
        headers["X-Amz-Target"] = target
    if authorization is not None:
        headers["Authorization"] = authorization
    connection = http.client.HTTPConnection(ddblite_server.host, ddblite_server.port, timeout=10)
    try:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        theirs = (response.status, response.read())
    finally:
        connection.close()
    assert mine == theirs
