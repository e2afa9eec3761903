"""Inputs that once got HTTP 500 (each found by fuzzing), answered as DynamoDB answers them.

Through ``protocol.dispatch.handle`` on an in-memory database, like every request the server
gets. Where DynamoDB's own text for a case is not on record, the nearest recorded answer is
used and docs/compatibility.md says so.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from ddblite.engine.database import Database
from ddblite.protocol.dispatch import handle
from ddblite.storage.sqlite.backend import SqliteBackend

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
EMPTY = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
NESTING = (
    "Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)
UNKNOWN_TYPES = [{"X": 5}, {"": True}, {"X": "1"}, {"X": []}, {"s": {"S": "a"}}]


def call(db: Database, operation: str, body: Any) -> tuple[int, dict[str, Any]]:
    status, answer = handle(db, f"DynamoDB_20120810.{operation}", AUTH, json.dumps(body).encode())
    return status, json.loads(answer)


def refusal(db: Database, operation: str, body: Any) -> tuple[str, str]:
    """(error type, message) of a 400."""
    status, answer = call(db, operation, body)
    assert status == 400, answer
    return answer["__type"].split("#")[1], answer.get("message") or answer.get("Message", "")


@pytest.fixture
def db() -> Iterator[Database]:
    database = Database(SqliteBackend())
    status, answer = call(
        database,
        "CreateTable",
        {
            "TableName": "hostile",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    assert status == 200, answer
    yield database
    database.close()


def placed(value: Any) -> list[tuple[str, dict[str, Any], str]]:
    """(operation, body, DynamoDB's message) with ``value`` wherever values are read."""
    key = {"pk": {"S": "a"}}
    return [
        ("PutItem", {"TableName": "hostile", "Item": {"pk": {"S": "a"}, "v": value}}, EMPTY),
        ("PutItem", {"TableName": "hostile", "Item": {"pk": value}}, EMPTY),
        ("PutItem", {"TableName": "hostile", "Item": {**key, "l": {"L": [value]}}}, EMPTY),
        ("PutItem", {"TableName": "hostile", "Item": {**key, "m": {"M": {"a": value}}}}, EMPTY),
        (
            "PutItem",
            {"TableName": "hostile", "Item": key, "Expected": {"x": {"Value": value}}},
            EMPTY,
        ),
        ("GetItem", {"TableName": "hostile", "Key": {"pk": value}}, EMPTY),
        ("DeleteItem", {"TableName": "hostile", "Key": {"pk": value}}, EMPTY),
        (
            "UpdateItem",
            {"TableName": "hostile", "Key": key, "AttributeUpdates": {"x": {"Value": value}}},
            EMPTY,
        ),
        (
            "Query",
            {
                "TableName": "hostile",
                "KeyConditionExpression": "pk = :v",
                "ExpressionAttributeValues": {":v": value},
            },
            f"ExpressionAttributeValues contains invalid value: {EMPTY} for key :v",
        ),
        (
            "Scan",
            {"TableName": "hostile", "ExclusiveStartKey": {"pk": value}},
            f"The provided starting key is invalid: {EMPTY}",
        ),
        (
            "Scan",
            {
                "TableName": "hostile",
                "ScanFilter": {"x": {"ComparisonOperator": "EQ", "AttributeValueList": [value]}},
            },
            EMPTY,
        ),
        ("BatchGetItem", {"RequestItems": {"hostile": {"Keys": [{"pk": value}]}}}, EMPTY),
        (
            "BatchWriteItem",
            {"RequestItems": {"hostile": [{"PutRequest": {"Item": {"pk": value}}}]}},
            EMPTY,
        ),
        (
            "ExecuteStatement",
            {"Statement": "SELECT * FROM hostile WHERE pk = ?", "Parameters": [value]},
            f"ExpressionAttributeValues contains invalid value: {EMPTY} for key :v0",
        ),
    ]


@pytest.mark.parametrize(
    ("operation", "body", "message"),
    [case for value in UNKNOWN_TYPES for case in placed(value)],
)
def test_an_attribute_value_of_no_known_type_is_empty(
    db: Database, operation: str, body: dict[str, Any], message: str
) -> None:
    assert refusal(db, operation, body) == ("ValidationException", message)


def test_in_a_transaction_it_is_a_cancellation_reason(db: Database) -> None:
    status, answer = call(
        db,
        "TransactWriteItems",
        {"TransactItems": [{"Put": {"TableName": "hostile", "Item": {"pk": {"X": 5}}}}]},
    )
    assert status == 400
    assert answer["CancellationReasons"] == [{"Code": "ValidationError", "Message": EMPTY}]


def test_members_of_no_known_type_beside_a_known_one_are_skipped(db: Database) -> None:
    item = {"pk": {"S": "a", "X": 5}, "v": {"N": "01", "Y": [], "": None}}
    assert call(db, "PutItem", {"TableName": "hostile", "Item": item}) == (200, {})
    assert call(db, "GetItem", {"TableName": "hostile", "Key": {"pk": {"S": "a"}}}) == (
        200,
        {"Item": {"pk": {"S": "a"}, "v": {"N": "1"}}},
    )


def deep(levels: int, kind: str) -> str:
    """A value ``levels`` deep, as JSON text (no JSON library writes nesting this deep)."""
    opening, closing = ('{"L":[', "]}") if kind == "L" else ('{"M":{"a":', "}}")
    return opening * levels + '{"S":"x"}' + closing * levels


def raw_put(db: Database, value: str) -> tuple[int, dict[str, Any]]:
    body = '{"TableName":"hostile","Item":{"pk":{"S":"a"},"v":' + value + "}}"
    status, answer = handle(db, "DynamoDB_20120810.PutItem", AUTH, body.encode())
    return status, json.loads(answer)


@pytest.mark.parametrize("kind", ["L", "M"])
@pytest.mark.parametrize("levels", [32, 100, 491, 492, 500, 510])
def test_values_nested_past_32_levels(db: Database, kind: str, levels: int) -> None:
    assert raw_put(db, deep(levels, kind)) == (
        400,
        {"__type": "com.amazon.coral.validate#ValidationException", "message": NESTING},
    )


@pytest.mark.parametrize("kind", ["L", "M"])
def test_nesting_that_exhausts_python_recursion_is_the_nesting_error(
    db: Database, kind: str
) -> None:
    # The server's stack is deeper than a test's: where its recursion limit hit, in the shape
    # check at 492..511 levels, a lower limit here makes the same thing happen at 300.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        answer = raw_put(db, deep(300, kind))
    finally:
        sys.setrecursionlimit(limit)
    assert answer == (
        400,
        {"__type": "com.amazon.coral.validate#ValidationException", "message": NESTING},
    )


def test_a_null_table_entry_in_batch_write_item_reads_as_an_empty_list(db: Database) -> None:
    empty_list = (
        "ValidationException",
        "1 validation error detected: Value '{hostile=[]}' at 'requestItems' failed to satisfy "
        "constraint: Map value must satisfy constraint: [Member must have length less than or "
        "equal to 25, Member must have length greater than or equal to 1]",
    )
    assert refusal(db, "BatchWriteItem", {"RequestItems": {"hostile": None}}) == empty_list
    assert refusal(db, "BatchWriteItem", {"RequestItems": {"hostile": []}}) == empty_list


@pytest.mark.parametrize(
    ("operation", "body", "message"),
    [
        (
            "BatchWriteItem",
            {"RequestItems": {"hostile": [None]}},
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one "
            "of the supported datatypes",
        ),
        (
            "BatchGetItem",
            {"RequestItems": {"hostile": None}},
            "1 validation error detected: Value null at 'requestItems.hostile.member.keys' failed "
            "to satisfy constraint: Member must not be null",
        ),
        (
            "TransactWriteItems",
            {"TransactItems": [None]},
            "Invalid Request: TransactWriteRequest should contain Delete or Put or Update request",
        ),
        (
            "TransactGetItems",
            {"TransactItems": [None]},
            "1 validation error detected: Value null at 'transactItems.1.member.get' failed to "
            "satisfy constraint: Member must not be null",
        ),
        (
            "BatchExecuteStatement",
            {"Statements": [None]},
            "1 validation error detected: Value null at 'statements.1.member.statement' failed "
            "to satisfy constraint: Member must not be null",
        ),
        (
            "ExecuteTransaction",
            {"TransactStatements": [None]},
            "1 validation error detected: Value null at 'transactStatements.1.member.statement' "
            "failed to satisfy constraint: Member must not be null",
        ),
        (
            "UpdateTable",
            {"TableName": "hostile", "GlobalSecondaryIndexUpdates": [None]},
            "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, "
            "GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null",
        ),
    ],
)
def test_a_null_structure_in_a_list_or_map_reads_as_an_empty_one(
    db: Database, operation: str, body: dict[str, Any], message: str
) -> None:
    assert refusal(db, operation, body) == ("ValidationException", message)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"TableName": "hostile2", "BillingMode": "PAY_PER_REQUEST"},
            "2 validation errors detected: Value null at 'attributeDefinitions' failed to "
            "satisfy constraint: Member must not be null; Value null at 'keySchema' failed to "
            "satisfy constraint: Member must not be null",
        ),
        (
            {
                "TableName": "hostile2",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
            "1 validation error detected: Value null at 'attributeDefinitions' failed to "
            "satisfy constraint: Member must not be null",
        ),
        (
            {
                "TableName": "hostile2",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
            "1 validation error detected: Value null at 'keySchema' failed to satisfy "
            "constraint: Member must not be null",
        ),
    ],
)
def test_create_table_without_key_schema_or_attribute_definitions(
    db: Database, body: dict[str, Any], message: str
) -> None:
    assert refusal(db, "CreateTable", body) == ("ValidationException", message)


@pytest.mark.parametrize("number", ["1e9223372036854775808", "1e-9223372036854775809"])
def test_a_number_whose_exponent_java_cannot_hold(db: Database, number: str) -> None:
    body = {"TableName": "hostile", "Item": {"pk": {"S": "a"}, "n": {"N": number}}}
    assert refusal(db, "PutItem", body) == (
        "ValidationException",
        f"The parameter cannot be converted to a numeric value: {number}",
    )
