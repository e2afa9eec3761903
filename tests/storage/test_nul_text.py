"""A NUL character where a name, ARN or token is read, on every backend.

PostgreSQL text cannot hold NUL; these once got a 500 there (psycopg's DataError). No stored
name or ARN can hold one, so a lookup is "not found" before it reaches the database; a
ClientRequestToken (any text to DynamoDB) is stored escaped. SQLite answers the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from ddblite.engine.database import Database
from ddblite.protocol.dispatch import handle
from tests.storage.conftest import Opener

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
BACKUP_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/nul/backup/01700000000000-0000\x000"


def call(db: Database, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, answer = handle(db, f"DynamoDB_20120810.{operation}", AUTH, json.dumps(body).encode())
    return status, json.loads(answer)


@pytest.fixture
def db(open_backend: Opener) -> Iterator[Database]:
    database = Database(open_backend())
    status, answer = call(
        database,
        "CreateTable",
        {
            "TableName": "nul",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    assert status == 200, answer
    yield database
    database.close()


@pytest.mark.parametrize(
    "statement", ['SELECT * FROM "n\x00ul"', "INSERT INTO \"n\x00ul\" VALUE {'pk': 'a'}"]
)
def test_a_partiql_table_name_with_nul_is_not_found(db: Database, statement: str) -> None:
    assert call(db, "ExecuteStatement", {"Statement": statement}) == (
        400,
        {
            "__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
            "message": "Requested resource not found",
        },
    )


def test_a_table_arn_with_nul_is_not_found(db: Database) -> None:
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/n\x00ul"
    status, answer = call(db, "DescribeTable", {"TableName": arn})
    assert (status, answer["__type"]) == (
        400,
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
    )


@pytest.mark.parametrize(
    ("operation", "extra"),
    [
        ("DescribeBackup", {}),
        ("DeleteBackup", {}),
        ("RestoreTableFromBackup", {"TargetTableName": "restored"}),
    ],
)
def test_a_backup_arn_with_nul_is_not_found(
    db: Database, operation: str, extra: dict[str, str]
) -> None:
    assert call(db, operation, {"BackupArn": BACKUP_ARN, **extra}) == (
        400,
        {
            "__type": "com.amazonaws.dynamodb.v20120810#BackupNotFoundException",
            "message": f"Backup not found: {BACKUP_ARN}",
        },
    )


def test_listing_backups_after_an_arn_with_nul(db: Database) -> None:
    assert call(db, "ListBackups", {"ExclusiveStartBackupArn": BACKUP_ARN}) == (
        200,
        {"BackupSummaries": []},
    )


def put(db: Database, token: str, key: str) -> tuple[int, dict[str, Any]]:
    item = {"Put": {"TableName": "nul", "Item": {"pk": {"S": key}}}}
    return call(db, "TransactWriteItems", {"ClientRequestToken": token, "TransactItems": [item]})


def test_a_client_request_token_with_nul_is_a_token_like_any_other(db: Database) -> None:
    assert put(db, "a\x00b", "first") == (200, {})
    assert put(db, "a\x00b", "first") == (200, {})  # the same request again: idempotent
    mismatch = put(db, "a\x00b", "other")
    assert mismatch[1]["__type"].endswith("#IdempotentParameterMismatchException")
    # Spelled like the escape, but another token.
    assert put(db, "a\\0b", "second") == (200, {})
    assert put(db, "a\\\\0b", "third") == (200, {})
