"""The wire protocol: targets, content types, the error envelope, auth, size cap."""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
import zlib
from typing import Any

import pytest

from tests.servers import RunningServer

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=abc"
)


def post(
    server: RunningServer,
    body: bytes,
    target: str | None = "DynamoDB_20120810.ListTables",
    auth: str | None = AUTH,
    content_type: str = "application/x-amz-json-1.0",
    extra: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": content_type, "X-Amz-Date": "20260101T000000Z", **(extra or {})}
    if target is not None:
        headers["X-Amz-Target"] = target
    if auth is not None:
        headers["Authorization"] = auth
    request = urllib.request.Request(server.endpoint, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, _lower(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lower(error.headers.items()), error.read()


# DynamoDB's error envelope: __type with the namespace prefix, and the message key.
def test_error_envelope_shape(server: RunningServer) -> None:
    status, headers, body = post(
        server, b'{"TableName": "nope_nope"}', target="DynamoDB_20120810.DescribeTable"
    )
    assert status == 400
    assert headers["content-type"] == "application/x-amz-json-1.0"
    assert json.loads(body) == {
        "__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
        "message": "Requested resource not found: Table: nope_nope not found",
    }


# Every response carries a request id and a CRC32 of the body that botocore verifies.
def test_request_id_and_crc32(server: RunningServer) -> None:
    status, headers, body = post(server, b"{}")
    assert status == 200
    assert headers["x-amz-crc32"] == str(zlib.crc32(body))
    assert len(headers["x-amzn-requestid"]) == 52


def test_unknown_operation(server: RunningServer) -> None:
    status, _, body = post(server, b"{}", target="DynamoDB_20120810.Nope")
    assert (status, json.loads(body)) == (
        400,
        {"__type": "com.amazon.coral.service#UnknownOperationException"},
    )
    status, _, body = post(server, b"{}", target=None)
    assert json.loads(body) == {"__type": "com.amazon.coral.service#UnknownOperationException"}


def test_malformed_json_is_a_serialization_error(server: RunningServer) -> None:
    status, _, body = post(server, b"{not json")
    assert (status, json.loads(body)) == (
        400,
        {"__type": "com.amazon.coral.service#SerializationException"},
    )


def test_missing_authentication(server: RunningServer) -> None:
    status, _, body = post(server, b"{}", auth=None)
    assert (status, json.loads(body)) == (
        400,
        {
            "__type": "com.amazon.coral.service#MissingAuthenticationTokenException",
            "message": "Request is missing Authentication Token",
        },
    )


def test_body_over_16_mib_is_413(server: RunningServer) -> None:
    status, _, _ = post(server, b"x" * (16 * 1024 * 1024 + 1))
    assert status == 413
    # The server keeps serving.
    assert post(server, b"{}")[0] == 200


def test_health_check(server: RunningServer) -> None:
    with urllib.request.urlopen(server.endpoint, timeout=5) as response:
        assert response.status == 200
        assert response.read().startswith(b"healthy")


# Tables live per (account, region): a 12-digit access key is the account id.
def test_tables_are_per_account_and_region(server: RunningServer) -> None:
    from tests.api.conftest import make_client

    name = "scoped_table_probe"
    a = make_client(server.endpoint, aws_access_key_id="111111111111")
    b = make_client(server.endpoint, aws_access_key_id="222222222222")
    c = make_client(server.endpoint, aws_access_key_id="111111111111", region_name="eu-west-1")
    a.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        described: dict[str, Any] = a.describe_table(TableName=name)["Table"]
        assert described["TableArn"] == f"arn:aws:dynamodb:us-east-1:111111111111:table/{name}"
        assert name not in b.list_tables()["TableNames"]
        assert name not in c.list_tables()["TableNames"]
    finally:
        a.delete_table(TableName=name)


def _lower(items: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in items}


# Each API answers only its own operations under its own target prefix.
@pytest.mark.parametrize(
    "target", ["DynamoDBStreams_20120810.PutItem", "DynamoDB_20120810.ListStreams"]
)
def test_an_operation_under_the_other_apis_prefix_is_unknown(
    server: RunningServer, target: str
) -> None:
    status, _, body = post(server, b"{}", target=target)
    assert (status, json.loads(body)) == (
        400,
        {"__type": "com.amazon.coral.service#UnknownOperationException"},
    )


# TagResource and UntagResource answer 200 with an empty body.
def test_tag_operations_answer_an_empty_body(server: RunningServer, table_name: str) -> None:
    created = {
        "TableName": table_name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    status, _, body = post(
        server, json.dumps(created).encode(), target="DynamoDB_20120810.CreateTable"
    )
    assert status == 200
    arn = json.loads(body)["TableDescription"]["TableArn"]
    tag = {"ResourceArn": arn, "Tags": [{"Key": "k", "Value": "v"}]}
    untag = {"ResourceArn": arn, "TagKeys": ["k"]}
    for target, request in (("TagResource", tag), ("UntagResource", untag)):
        status, headers, body = post(
            server, json.dumps(request).encode(), target=f"DynamoDB_20120810.{target}"
        )
        assert (status, headers["content-length"], body) == (200, "0", b"")
    post(
        server,
        json.dumps({"TableName": table_name}).encode(),
        target="DynamoDB_20120810.DeleteTable",
    )


# Content-Encoding gzip or deflate: the body is decoded before it is read.
@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_a_compressed_request_body_is_decoded(server: RunningServer, coding: str) -> None:
    raw = json.dumps({"Limit": 1}).encode()
    body = gzip.compress(raw) if coding == "gzip" else zlib.compress(raw)
    status, _, answer = post(server, body, extra={"Content-Encoding": coding})
    assert status == 200
    assert "TableNames" in json.loads(answer)


def test_a_broken_compressed_body_is_a_serialization_error(server: RunningServer) -> None:
    status, _, answer = post(server, b"not gzip at all", extra={"Content-Encoding": "gzip"})
    assert (status, json.loads(answer)["__type"]) == (
        400,
        "com.amazon.coral.service#SerializationException",
    )


# A bomb: 17 MB of zeros compress to about 17 KB; decoded, they are over the 16 MB limit.
def test_the_size_limit_applies_to_the_decoded_body(server: RunningServer) -> None:
    bomb = gzip.compress(b"0" * (17 * 1024 * 1024))
    status, _, _ = post(server, bomb, extra={"Content-Encoding": "gzip"})
    assert status == 413


# Accept-Encoding gzip: a large answer comes compressed, its x-amz-crc32 over the bytes sent.
def test_a_large_answer_is_gzipped_on_request(server: RunningServer, table_name: str) -> None:
    created = {
        "TableName": table_name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    target = "DynamoDB_20120810."
    post(server, json.dumps(created).encode(), target=target + "CreateTable")
    item = {"pk": {"S": "a"}, "v": {"S": "x" * 4000}}
    put = {"TableName": table_name, "Item": item}
    post(server, json.dumps(put).encode(), target=target + "PutItem")
    get = json.dumps({"TableName": table_name, "Key": {"pk": {"S": "a"}}}).encode()
    status, headers, body = post(
        server, get, target=target + "GetItem", extra={"Accept-Encoding": "gzip"}
    )
    assert (status, headers["content-encoding"]) == (200, "gzip")
    assert headers["x-amz-crc32"] == str(zlib.crc32(body))
    assert json.loads(gzip.decompress(body)) == {"Item": item}
    status, headers, body = post(server, get, target=target + "GetItem")
    assert "content-encoding" not in headers and json.loads(body) == {"Item": item}
    post(server, json.dumps({"TableName": table_name}).encode(), target=target + "DeleteTable")
