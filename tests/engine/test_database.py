"""engine/database.py: the facade methods operations read and batch through instead of reaching
for the storage backend (table names, LSI collection sizes, BatchWriteItem's block)."""

from __future__ import annotations

import contextlib

from ddblite.engine.database import Caller, Database
from tests.engine.support import ok

CALLER = Caller("000000000000", "us-east-1")


def create(db: Database, name: str, lsi: bool = False) -> None:
    extra: dict[str, object] = {}
    if lsi:
        extra["LocalSecondaryIndexes"] = [
            {
                "IndexName": "by_v",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "v", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ]
    ok(
        db,
        "CreateTable",
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "v", "AttributeType": "S"},
        ]
        if lsi
        else [{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            *([{"AttributeName": "sk", "KeyType": "RANGE"}] if lsi else []),
        ],
        **extra,
    )


def test_table_names_are_the_callers_in_name_order(db: Database) -> None:
    for name in ("bbb", "aaa", "ccc"):
        create(db, name)
    assert db.table_names(CALLER) == ["aaa", "bbb", "ccc"]
    assert db.table_names(Caller("000000000000", "eu-west-1")) == []


def test_collection_sizes_count_the_items_and_their_lsi_rows(db: Database) -> None:
    create(db, "lsi", lsi=True)
    for sk in ("1", "2"):
        item = {"pk": {"S": "p"}, "sk": {"S": sk}, "v": {"S": "vv"}}
        ok(db, "PutItem", TableName="lsi", Item=item)
    ok(db, "PutItem", TableName="lsi", Item={"pk": {"S": "q"}, "sk": {"S": "1"}})
    table = db.table(CALLER, "lsi")
    keys = [{"pk": {"S": "p"}}, {"pk": {"S": "q"}}, {"pk": {"S": "none"}}]
    # p: two items of 2+1 + 2+1 + 1+2 = 9 bytes, and their two index rows (the same three
    # attributes, KEYS_ONLY holding every key) of 9 bytes each; q: one item of 2+1 + 2+1 = 6
    # bytes without v, so no index row.
    assert db.collection_sizes(table, keys) == [36, 6, 0]


def test_a_batch_block_holds_the_writes_inside_it(db: Database) -> None:
    create(db, "items")
    table = db.table(CALLER, "items")
    with db.batch_block():
        for pk in ("a", "b"):
            db.write_item(table, {"pk": {"S": pk}}, lambda old, pk=pk: {"pk": {"S": pk}})
    assert [db.find_item(table, {"pk": {"S": pk}}) for pk in ("a", "b")] == [
        {"pk": {"S": "a"}},
        {"pk": {"S": "b"}},
    ]
    # A backend several servers share keeps one transaction per item (no shared block).
    shared = getattr(db.backend, "shared", False)
    assert isinstance(db.batch_block(), contextlib.nullcontext) == shared
