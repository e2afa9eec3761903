"""ddblite.limits: a limit lowered in the ``Limits`` a Database is built with moves every
check of it together (each write path answers with DynamoDB's own message), and the
defaults are the service's values."""

from __future__ import annotations

from typing import Any

import pytest

from ddblite.engine.database import Database
from ddblite.limits import Limits
from ddblite.storage.sqlite.backend import SqliteBackend
from tests.engine.support import call, ok

TOO_LARGE = "Item size has exceeded the maximum allowed size"
UPDATE_TOO_LARGE = "Item size to update has exceeded the maximum allowed size"
# item_size counts names and values: "pk" + "a" + "d" + 96 bytes of "x" is exactly 100.
FITS = {"pk": {"S": "a"}, "d": {"S": "x" * 96}}
OVER = {"pk": {"S": "a"}, "d": {"S": "x" * 97}}


def error(db: Database, operation: str, **request: Any) -> tuple[str, str]:
    status, body = call(db, operation, **request)
    assert status == 400, body
    return body["__type"].split("#")[1], body["message"]


@pytest.fixture
def db() -> Database:
    db = Database(SqliteBackend(), limits=Limits(item_bytes=100))
    ok(
        db,
        "CreateTable",
        TableName="small",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    return db


def test_the_defaults_are_the_services() -> None:
    assert Limits() == Limits(item_bytes=400 * 1024, lsi_collection_bytes=10 * 1024**3)
    assert Database(SqliteBackend()).limits == Limits()


def test_put_item_follows_the_lowered_item_limit(db: Database) -> None:
    ok(db, "PutItem", TableName="small", Item=FITS)
    assert error(db, "PutItem", TableName="small", Item=OVER) == ("ValidationException", TOO_LARGE)


def test_update_item_follows_the_lowered_item_limit(db: Database) -> None:
    update = {"TableName": "small", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET d = :d"}
    ok(db, "UpdateItem", **update, ExpressionAttributeValues={":d": FITS["d"]})
    assert error(db, "UpdateItem", **update, ExpressionAttributeValues={":d": OVER["d"]}) == (
        "ValidationException",
        UPDATE_TOO_LARGE,
    )


def test_batch_write_item_follows_the_lowered_item_limit(db: Database) -> None:
    ok(db, "BatchWriteItem", RequestItems={"small": [{"PutRequest": {"Item": FITS}}]})
    over = {"small": [{"PutRequest": {"Item": OVER}}]}
    assert error(db, "BatchWriteItem", RequestItems=over) == (
        "ValidationException",
        TOO_LARGE,
    )


def test_transact_write_items_follows_the_lowered_item_limit(db: Database) -> None:
    ok(db, "TransactWriteItems", TransactItems=[{"Put": {"TableName": "small", "Item": FITS}}])
    assert error(
        db, "TransactWriteItems", TransactItems=[{"Put": {"TableName": "small", "Item": OVER}}]
    ) == ("ValidationException", TOO_LARGE)
    update = {
        "TableName": "small",
        "Key": {"pk": {"S": "a"}},
        "UpdateExpression": "SET d = :d",
        "ExpressionAttributeValues": {":d": OVER["d"]},
    }
    status, body = call(db, "TransactWriteItems", TransactItems=[{"Update": update}])
    assert (status, body["CancellationReasons"]) == (
        400,
        [{"Code": "ValidationError", "Message": UPDATE_TOO_LARGE}],
    )


def test_partiql_insert_follows_the_lowered_item_limit(db: Database) -> None:
    statement = "INSERT INTO small VALUE {'pk': ?, 'd': ?}"
    ok(db, "ExecuteStatement", Statement=statement, Parameters=[{"S": "b"}, FITS["d"]])
    parameters = [{"S": "c"}, OVER["d"]]
    assert error(db, "ExecuteStatement", Statement=statement, Parameters=parameters) == (
        "ValidationException",
        TOO_LARGE,
    )


def test_the_lsi_checks_follow_the_lowered_limits() -> None:
    db = Database(SqliteBackend(), limits=Limits(item_bytes=100, lsi_collection_bytes=100))
    ok(
        db,
        "CreateTable",
        TableName="coll",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "l", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "byl",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "l", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    # 21 bytes, 42 with its LSI entry: within both limits.
    small = {"pk": {"S": "p"}, "sk": {"S": "0"}, "l": {"S": "x" * 14}}
    ok(db, "PutItem", TableName="coll", Item=small)
    # 60 bytes alone, 120 with its LSI entry: over the lowered item limit.
    big = {"pk": {"S": "p"}, "sk": {"S": "1"}, "l": {"S": "x" * 53}}
    assert error(db, "PutItem", TableName="coll", Item=big) == ("ValidationException", TOO_LARGE)
    for i in range(2, 5):  # 16 bytes each with the entry: the collection reaches 90 bytes
        ok(db, "PutItem", TableName="coll", Item={**small, "sk": {"S": str(i)}, "l": {"S": "y"}})
    assert error(
        db, "PutItem", TableName="coll", Item={**small, "sk": {"S": "8"}, "l": {"S": "y"}}
    ) == ("ItemCollectionSizeLimitExceededException", "Collection size exceeded.")
