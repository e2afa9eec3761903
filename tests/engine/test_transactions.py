"""engine.transactions on every backend: all or nothing, token windows, serializability.

- A cancelled transaction leaves every item (and every index row) as it was, whether an
  action refused before anything was stored or index upkeep refused while storing.
- A ClientRequestToken replays for exactly 10 minutes (on a ManualClock); its record lives in
  the storage's ``tokens`` table, and expired records are purged.
- Transfers between counters from many threads, in both directions at once, beside plain
  single-item writes, never lose or create a unit (keys are locked in sorted order on
  PostgreSQL, so opposite transfers do not deadlock either).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from ddblite.clock import ManualClock
from ddblite.engine import transactions
from ddblite.engine.database import Database
from ddblite.limits import Limits
from ddblite.protocol import dispatch
from ddblite.storage.base import StorageBackend
from tests.engine.support import AUTH, NOW, call, ok, open_backend
from tests.pg_server import pg_server

__all__ = ["pg_server"]

START = NOW


@pytest.fixture(params=["sqlite_memory", "sqlite_file", "postgres", "postgres_serializable"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StorageBackend]:
    yield from open_backend(request, tmp_path)


def make_table(db: Database, name: str, **extra: Any) -> None:
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if "LocalSecondaryIndexes" in extra:
        definitions += [
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "l", "AttributeType": "S"},
        ]
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
    ok(
        db,
        "CreateTable",
        TableName=name,
        KeySchema=keys,
        AttributeDefinitions=definitions,
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )


def scan(db: Database, table: str, index: str | None = None) -> list[dict[str, Any]]:
    extra = {"IndexName": index} if index else {}
    items: list[dict[str, Any]] = ok(db, "Scan", TableName=table, **extra)["Items"]
    return sorted(items, key=lambda item: orjson.dumps(item, option=orjson.OPT_SORT_KEYS))


LSI = [
    {
        "IndexName": "byl",
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "l", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }
]


# --- all or nothing ----------------------------------------------------------------------------


def test_refused_action_leaves_every_item_unchanged(db: Database) -> None:
    make_table(db, "first")
    make_table(db, "second")
    ok(db, "PutItem", TableName="first", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    ok(db, "PutItem", TableName="second", Item={"pk": {"S": "b"}, "n": {"N": "1"}})
    before = (scan(db, "first"), scan(db, "second"))
    status, body = call(
        db,
        "TransactWriteItems",
        TransactItems=[
            {"Put": {"TableName": "first", "Item": {"pk": {"S": "new"}}}},
            {
                "Update": {
                    "TableName": "first",
                    "Key": {"pk": {"S": "a"}},
                    "UpdateExpression": "SET n = :v",
                    "ExpressionAttributeValues": {":v": {"N": "9"}},
                }
            },
            {"Delete": {"TableName": "second", "Key": {"pk": {"S": "b"}}}},
            {
                "ConditionCheck": {
                    "TableName": "second",
                    "Key": {"pk": {"S": "gate"}},
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ],
    )
    assert status == 400
    assert [r["Code"] for r in body["CancellationReasons"]] == [
        "None",
        "None",
        "None",
        "ConditionalCheckFailed",
    ]
    assert (scan(db, "first"), scan(db, "second")) == before


def test_refusal_while_storing_rolls_back_earlier_stores(db: Database) -> None:
    """Index upkeep refuses only once an item is being stored (the LSI collection limit):
    the actions stored before it are rolled back, index rows included."""
    make_table(db, "coll", LocalSecondaryIndexes=LSI)
    ok(db, "PutItem", TableName="coll", Item={"pk": {"S": "p"}, "sk": {"S": "0"}, "l": {"S": "x"}})
    before = (scan(db, "coll"), scan(db, "coll", "byl"))
    db.limits = Limits(lsi_collection_bytes=200)
    status, body = call(
        db,
        "TransactWriteItems",
        TransactItems=[
            {
                "Put": {
                    "TableName": "coll",
                    "Item": {"pk": {"S": "q"}, "sk": {"S": "1"}, "l": {"S": "y"}},
                }
            },
            {
                "Update": {
                    "TableName": "coll",
                    "Key": {"pk": {"S": "p"}, "sk": {"S": "0"}},
                    "UpdateExpression": "SET l = :v",
                    "ExpressionAttributeValues": {":v": {"S": "z"}},
                }
            },
            {
                "Put": {
                    "TableName": "coll",
                    "Item": {"pk": {"S": "p"}, "sk": {"S": "2"}, "l": {"S": "w" * 300}},
                }
            },
        ],
    )
    assert status == 400, body
    assert body["Message"] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, None, ItemCollectionSizeLimitExceeded]"
    )
    assert body["CancellationReasons"][2] == {
        "Code": "ItemCollectionSizeLimitExceeded",
        "Message": "Collection size exceeded.",
    }
    assert (scan(db, "coll"), scan(db, "coll", "byl")) == before


# --- ClientRequestToken window -------------------------------------------------------------------


def counter_request(token: str, step: str = "1") -> dict[str, Any]:
    return {
        "ClientRequestToken": token,
        "TransactItems": [
            {
                "Update": {
                    "TableName": "counters",
                    "Key": {"pk": {"S": "c"}},
                    "UpdateExpression": "ADD n :d",
                    "ExpressionAttributeValues": {":d": {"N": step}},
                }
            }
        ],
    }


def count(db: Database) -> str:
    item = ok(db, "GetItem", TableName="counters", Key={"pk": {"S": "c"}})["Item"]
    return str(item["n"]["N"])


# "A client request token is valid for 10 minutes after the first request that uses it is
# completed. After 10 minutes, any request with the same client token is treated as a new
# request" (API reference, TransactWriteItems, ClientRequestToken): 600 seconds. A retry at
# 599 s replays, one at 601 s is new; the documentation does not say which side 600 s is on.
def test_token_replays_for_ten_minutes(db: Database, clock: ManualClock) -> None:
    make_table(db, "counters")
    ok(db, "TransactWriteItems", **counter_request("tok"))
    clock.advance(599)
    ok(db, "TransactWriteItems", **counter_request("tok"))
    assert count(db) == "1"
    status, body = call(db, "TransactWriteItems", **counter_request("tok", "5"))
    assert (status, body["__type"].split("#")[1]) == (400, "IdempotentParameterMismatchException")
    # Just over ten minutes after the first request completed, the token is new again.
    clock.advance(2)
    ok(db, "TransactWriteItems", **counter_request("tok", "5"))
    assert count(db) == "6"
    ok(db, "TransactWriteItems", **counter_request("tok", "5"))
    assert count(db) == "6"


def test_tokens_are_scoped_per_account(db: Database) -> None:
    make_table(db, "counters")
    ok(db, "TransactWriteItems", **counter_request("shared"))
    other = AUTH.replace("AKIAFAKE", "123456789012")
    request = {
        **counter_request("shared"),
        "TransactItems": [
            {
                "ConditionCheck": {
                    "TableName": "counters",
                    "Key": {"pk": {"S": "c"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ],
    }
    status, body = dispatch.handle(
        db, "DynamoDB_20120810.TransactWriteItems", other, orjson.dumps(request)
    )
    # Another account's token namespace: no mismatch, its own (missing) table is reported.
    assert status == 400
    assert orjson.loads(body)["__type"].endswith("#ResourceNotFoundException")


def test_expired_tokens_are_purged(
    db: Database, backend: StorageBackend, clock: ManualClock
) -> None:
    make_table(db, "counters")
    ok(db, "TransactWriteItems", **counter_request("old"))
    clock.advance(600 + transactions.PURGE_EVERY)  # the 10-minute window, then a purge
    ok(db, "TransactWriteItems", **counter_request("new"))
    with backend.write() as w:
        recorded = {
            name: w.get_token(
                transactions.Token.of(
                    "TransactWriteItems", "000000000000", "us-east-1", name, None
                ).key
            )
            for name in ("old", "new")
        }
    assert recorded["old"] is None
    assert recorded["new"] is not None and recorded["new"][1] == clock.now()


# --- serializability ------------------------------------------------------------------------------


def test_transfers_beside_single_writes_keep_the_total(db: Database) -> None:
    make_table(db, "accounts")
    names = ["a", "b", "c"]
    for name in names:
        ok(db, "PutItem", TableName="accounts", Item={"pk": {"S": name}, "n": {"N": "20"}})
    errors: list[str] = []
    moved = [0]
    lock = threading.Lock()

    def transfer(source: str, target: str, rounds: int) -> None:
        for _ in range(rounds):
            status, body = call(
                db,
                "TransactWriteItems",
                TransactItems=[
                    {
                        "Update": {
                            "TableName": "accounts",
                            "Key": {"pk": {"S": source}},
                            "UpdateExpression": "SET n = n - :one",
                            "ConditionExpression": "n >= :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                    {
                        "Update": {
                            "TableName": "accounts",
                            "Key": {"pk": {"S": target}},
                            "UpdateExpression": "SET n = n + :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                ],
            )
            if status != 200 and body["__type"].split("#")[1] != "TransactionCanceledException":
                errors.append(str(body))

    def touch(rounds: int) -> None:
        # A single-item write beside the transfers: adds to a field the transfers ignore.
        for _ in range(rounds):
            status, body = call(
                db,
                "UpdateItem",
                TableName="accounts",
                Key={"pk": {"S": "b"}},
                UpdateExpression="ADD touched :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
            if status != 200:
                errors.append(str(body))
            else:
                with lock:
                    moved[0] += 1

    threads = [
        threading.Thread(target=transfer, args=(s, t, 15))
        for s, t in [("a", "b"), ("b", "a"), ("b", "c"), ("c", "a"), ("a", "c"), ("c", "b")]
    ] + [threading.Thread(target=touch, args=(20,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    items = {item["pk"]["S"]: item for item in scan(db, "accounts")}
    assert sum(int(item["n"]["N"]) for item in items.values()) == 60
    assert all(int(item["n"]["N"]) >= 0 for item in items.values())
    assert items["b"]["touched"] == {"N": str(moved[0])}
