"""TransactWriteItems and TransactGetItems through boto3 against a real server.

Messages and cancellation reasons are DynamoDB's (recorded by the conformance suite and by
captures against the service); each test says which behaviour it pins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.conftest import TableFactory, error_of, make_client
from tests.servers import RunningServer

CANCELLED = "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]"
CCF = {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
NONE = {"Code": "None"}
DUPLICATE = "Transaction request cannot include multiple operations on one item"
KEY_MISMATCH = "The provided key element does not match the schema"
INVALID = "One or more parameter values were invalid: "
EMPTY_KEY = (
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
    "contain an empty string value. Key: pk"
)
TOO_LARGE_TRANSACTION = (
    "Collection size of items exceeded, which can also be caused by the aggregate size of the "
    "items in the transaction exceeding the 4MB limit"
)


@pytest.fixture(scope="session")
def unchecked(server: RunningServer) -> Any:
    """A client that sends what it is given (botocore would refuse an empty list itself)."""
    return make_client(server.endpoint, parameter_validation=False)


def cancellation(call: Callable[..., Any], **kwargs: Any) -> tuple[str, list[dict[str, Any]]]:
    """(message, CancellationReasons) of a call that must be cancelled."""
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response = info.value.response
    assert response["Error"]["Code"] == "TransactionCanceledException"
    return response["Error"]["Message"], response["CancellationReasons"]


def put(table: str, item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": item, **extra}}


def key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def get(ddb: Any, table: str, k: dict[str, Any]) -> dict[str, Any] | None:
    item: dict[str, Any] | None = ddb.get_item(TableName=table, Key=k, ConsistentRead=True).get(
        "Item"
    )
    return item


# --- TransactWriteItems: the happy paths ------------------------------------------------------


def test_put_update_delete_apply_together(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    ddb.put_item(TableName=table, Item={"pk": {"S": "upd"}, "n": {"N": "1"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "del"}})
    out = ddb.transact_write_items(
        TransactItems=[
            put(table, {"pk": {"S": "new"}, "d": {"S": "x"}}),
            {
                "Update": {
                    "TableName": table,
                    "Key": key("upd"),
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {"Delete": {"TableName": table, "Key": key("del")}},
        ]
    )
    assert "ConsumedCapacity" not in out and "ItemCollectionMetrics" not in out
    assert get(ddb, table, key("new")) == {"pk": {"S": "new"}, "d": {"S": "x"}}
    assert get(ddb, table, key("upd")) == {"pk": {"S": "upd"}, "n": {"N": "2"}}
    assert get(ddb, table, key("del")) is None


def test_condition_check_that_holds_lets_the_writes_through(
    ddb: Any, create_table: TableFactory
) -> None:
    table = create_table()
    other = create_table(range_key=("sk", "N"))
    ddb.put_item(TableName=table, Item={"pk": {"S": "c"}, "status": {"S": "on"}})
    ddb.transact_write_items(
        TransactItems=[
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": key("c"),
                    "ConditionExpression": "#s = :v",
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {":v": {"S": "on"}},
                }
            },
            put(other, {"pk": {"S": "x"}, "sk": {"N": "1"}}),
        ]
    )
    assert get(ddb, other, {"pk": {"S": "x"}, "sk": {"N": "1"}}) is not None


def test_update_upserts_an_absent_item(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    ddb.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": table,
                    "Key": key("u"),
                    "UpdateExpression": "SET s = :v",
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ExpressionAttributeValues": {":v": {"S": "made"}},
                }
            },
        ]
    )
    assert get(ddb, table, key("u")) == {"pk": {"S": "u"}, "s": {"S": "made"}}


def test_one_hundred_actions_is_the_limit(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    actions = [put(table, {"pk": {"S": f"i{i}"}}) for i in range(100)]
    ddb.transact_write_items(TransactItems=actions)
    assert ddb.scan(TableName=table, Select="COUNT")["Count"] == 100
    code, message = error_of(
        ddb.transact_write_items, TransactItems=[*actions, put(table, {"pk": {"S": "x"}})]
    )
    assert code == "ValidationException"
    assert re.fullmatch(
        r"1 validation error detected: Value '\[.+\]' at 'transactItems' failed to satisfy "
        r"constraint: Member must have length less than or equal to 100",
        message,
        re.S,
    )


def test_empty_transaction(unchecked: Any) -> None:
    assert error_of(unchecked.transact_write_items, TransactItems=[]) == (
        "ValidationException",
        "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1",
    )


# --- cancellation: one reason per action, in request order -------------------------------------


def test_failed_condition_cancels_everything(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    ddb.put_item(TableName=table, Item={"pk": {"S": "old"}, "v": {"S": "1"}})
    message, reasons = cancellation(
        ddb.transact_write_items,
        TransactItems=[
            put(table, {"pk": {"S": "fresh"}}, ConditionExpression="attribute_not_exists(pk)"),
            put(
                table,
                {"pk": {"S": "old"}, "v": {"S": "2"}},
                ConditionExpression="attribute_not_exists(pk)",
            ),
        ],
    )
    assert message == CANCELLED.format("None, ConditionalCheckFailed")
    assert reasons == [NONE, CCF]
    assert get(ddb, table, key("fresh")) is None
    assert get(ddb, table, key("old")) == {"pk": {"S": "old"}, "v": {"S": "1"}}


def test_every_failing_action_has_its_reason(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    for pk in ("a", "b"):
        ddb.put_item(TableName=table, Item={"pk": {"S": pk}})
    message, reasons = cancellation(
        ddb.transact_write_items,
        TransactItems=[
            {
                "Delete": {
                    "TableName": table,
                    "Key": key("a"),
                    "ConditionExpression": "attribute_exists(nope)",
                }
            },
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": key("b"),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": table,
                    "Key": key("c"),
                    "UpdateExpression": "ADD n :one",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ],
    )
    assert message == CANCELLED.format(
        "ConditionalCheckFailed, ConditionalCheckFailed, ConditionalCheckFailed"
    )
    assert reasons == [CCF, CCF, CCF]
    assert get(ddb, table, key("a")) is not None
    assert get(ddb, table, key("c")) is None  # no item conjured by the refused update


def test_all_old_puts_the_item_in_the_reason(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    ddb.put_item(TableName=table, Item={"pk": {"S": "x"}, "d": {"S": "orig"}})
    _, reasons = cancellation(
        ddb.transact_write_items,
        TransactItems=[
            put(
                table,
                {"pk": {"S": "x"}},
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            ),
            # ALL_OLD on an absent item: there is nothing to return.
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": key("absent"),
                    "ConditionExpression": "attribute_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        ],
    )
    assert reasons == [{**CCF, "Item": {"pk": {"S": "x"}, "d": {"S": "orig"}}}, CCF]


INVALID_ACTIONS = [
    (
        {"Put": {"Item": {"pk": {"N": "1"}}}},
        INVALID + "Type mismatch for key pk expected: S actual: N",
    ),
    (
        {"Put": {"Item": {"pk": {"S": "set"}, "s": {"SS": []}}}},
        INVALID + "An string set  may not be empty",
    ),
    ({"Delete": {"Key": {"pk": {"N": "5"}}}}, KEY_MISMATCH),
    ({"ConditionCheck": {"Key": {}, "ConditionExpression": "a = b"}}, KEY_MISMATCH),
    (
        {
            "Update": {
                "Key": {"pk": {"S": "u"}},
                "UpdateExpression": "SET pk = :v",
                "ExpressionAttributeValues": {":v": {"S": "v"}},
            }
        },
        INVALID + "Cannot update attribute pk. This attribute is part of the key",
    ),
    (
        {
            "Update": {
                "Key": {"pk": {"S": "w"}},
                "UpdateExpression": "SET n = n + :v",
                "ExpressionAttributeValues": {":v": {"N": "1"}},
            }
        },
        "The provided expression refers to an attribute that does not exist in the item",
    ),
]


def _on(table: str, action: dict[str, Any]) -> dict[str, Any]:
    ((kind, spec),) = action.items()
    return {kind: {"TableName": table, **spec}}


@pytest.mark.parametrize(("action", "message"), INVALID_ACTIONS)
def test_item_problems_are_validation_reasons(
    ddb: Any, create_table: TableFactory, action: dict[str, Any], message: str
) -> None:
    table = create_table()
    ddb.put_item(TableName=table, Item={"pk": {"S": "u"}})
    _, reasons = cancellation(
        ddb.transact_write_items,
        TransactItems=[put(table, {"pk": {"S": "fine"}}), _on(table, action)],
    )
    assert reasons == [NONE, {"Code": "ValidationError", "Message": message}]
    assert get(ddb, table, key("fine")) is None


# Several invalid actions: only the first is reported, every action after it gets None.
def test_only_the_first_invalid_action_is_reported(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    ddb.put_item(TableName=table, Item={"pk": {"S": "u"}})
    message, reasons = cancellation(
        ddb.transact_write_items,
        TransactItems=[
            put(table, {"pk": {"S": "fine"}}),
            *(_on(table, action) for action, _ in INVALID_ACTIONS),
        ],
    )
    assert message == CANCELLED.format("None, ValidationError" + ", None" * 5)
    assert reasons == [
        NONE,
        {"Code": "ValidationError", "Message": INVALID_ACTIONS[0][1]},
        *[NONE] * 5,
    ]


def test_update_that_outgrows_400_kb_is_a_reason(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    ddb.put_item(TableName=table, Item={"pk": {"S": "big"}, "a": {"S": "x" * 300_000}})
    _, reasons = cancellation(
        ddb.transact_write_items,
        TransactItems=[
            {
                "Update": {
                    "TableName": table,
                    "Key": key("big"),
                    "UpdateExpression": "SET b = :v",
                    "ExpressionAttributeValues": {":v": {"S": "y" * 200_000}},
                }
            },
        ],
    )
    assert reasons == [
        {
            "Code": "ValidationError",
            "Message": "Item size to update has exceeded the maximum allowed size",
        }
    ]


def test_index_key_of_the_wrong_type_is_a_reason(ddb: Any, create_table: TableFactory) -> None:
    table = create_table(
        extra_definitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    _, reasons = cancellation(
        ddb.transact_write_items,
        TransactItems=[
            put(table, {"pk": {"S": "a"}, "g": {"N": "1"}}),
        ],
    )
    assert reasons == [
        {
            "Code": "ValidationError",
            "Message": "One or more parameter values were invalid: Type mismatch for Index Key g "
            "Expected: S Actual: N IndexName: byg",
        }
    ]
    # An empty index key value is answered for the whole request instead.
    assert error_of(
        ddb.transact_write_items, TransactItems=[put(table, {"pk": {"S": "a"}, "g": {"S": ""}})]
    ) == (
        "ValidationException",
        "One or more parameter values are not valid. A value specified for a secondary index "
        "key is not supported. The AttributeValue for a key attribute cannot contain an empty "
        "string value. IndexName: byg, IndexKey: g",
    )


# --- request-wide errors, found before anything is written -------------------------------------


def test_empty_key_value_is_a_plain_validation_error(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    ddb.put_item(TableName=table, Item={"pk": {"S": "x"}})
    for action in (
        put(table, {"pk": {"S": ""}}),
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": {"S": ""}},
                "UpdateExpression": "SET a = :v",
                "ExpressionAttributeValues": {":v": {"S": "v"}},
            }
        },
        {"Delete": {"TableName": table, "Key": {"pk": {"S": ""}}}},
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": {"pk": {"S": ""}},
                "ConditionExpression": "attribute_exists(pk)",
            }
        },
    ):
        # Even beside another action whose condition fails.
        assert error_of(
            ddb.transact_write_items,
            TransactItems=[
                put(table, {"pk": {"S": "x"}}, ConditionExpression="attribute_not_exists(pk)"),
                action,
            ],
        ) == ("ValidationException", EMPTY_KEY)


def test_two_actions_on_one_item(ddb: Any, create_table: TableFactory) -> None:
    table = create_table(hash_key=("pk", "N"))
    assert error_of(
        ddb.transact_write_items,
        TransactItems=[
            put(table, {"pk": {"N": "1"}}),
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": {"pk": {"N": "1.0"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ],
    ) == ("ValidationException", DUPLICATE)
    assert get(ddb, table, {"pk": {"N": "1"}}) is None


def test_action_count_per_transact_item(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    both = {**put(table, {"pk": {"S": "a"}}), "Delete": {"TableName": table, "Key": key("a")}}
    assert error_of(ddb.transact_write_items, TransactItems=[both]) == (
        "ValidationException",
        "TransactItems can only contain one of Check, Put, Update or Delete",
    )
    assert error_of(ddb.transact_write_items, TransactItems=[{}]) == (
        "ValidationException",
        "Invalid Request: TransactWriteRequest should contain Delete or Put or Update request",
    )


def test_missing_table(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    assert error_of(
        ddb.transact_write_items,
        TransactItems=[
            put(table, {"pk": {"S": "a"}}),
            put("no_such_table_tx", {"pk": {"S": "a"}}),
        ],
    ) == ("ResourceNotFoundException", "Requested resource not found")
    assert get(ddb, table, key("a")) is None


def test_expression_errors_are_request_errors(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    assert error_of(
        ddb.transact_write_items,
        TransactItems=[
            put(table, {"pk": {"S": "a"}}, ConditionExpression="attribute_not_exists(pk"),
        ],
    ) == (
        "ValidationException",
        'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "pk"',
    )
    assert error_of(
        ddb.transact_write_items,
        TransactItems=[
            put(table, {"pk": {"S": "a"}}, ExpressionAttributeValues={":v": {"S": "x"}}),
        ],
    ) == (
        "ValidationException",
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}",
    )
    # Expressions are checked before tables: the missing table is not reported.
    assert error_of(
        ddb.transact_write_items,
        TransactItems=[
            put("no_such_table_tx", {"pk": {"S": "a"}}),
            {
                "Update": {
                    "TableName": table,
                    "Key": key("a"),
                    "UpdateExpression": "SET #s = :v",
                    "ExpressionAttributeValues": {":v": {"S": "x"}},
                }
            },
        ],
    ) == (
        "ValidationException",
        "Invalid UpdateExpression: An expression attribute name used in "
        "the document path is not defined; attribute name: #s",
    )


def test_put_item_over_400_kb(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    # pk (2 + 1 bytes) and d (1 + value): exactly 400 KB is allowed.
    fits = {"pk": {"S": "a"}, "d": {"S": "x" * (400 * 1024 - 4)}}
    ddb.transact_write_items(TransactItems=[put(table, fits)])
    over = {"pk": {"S": "b"}, "d": {"S": "x" * (400 * 1024 - 3)}}
    assert error_of(ddb.transact_write_items, TransactItems=[put(table, over)]) == (
        "ValidationException",
        "Item size has exceeded the maximum allowed size",
    )


def test_transaction_over_4_mb(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()

    def item(i: int, size: int) -> dict[str, Any]:
        pk = f"{i:02}"  # 2 + 2 bytes, then d: 1 byte + the value
        return put(table, {"pk": {"S": pk}, "d": {"S": "x" * (size - 5)}})

    exactly = [item(i, 400 * 1024) for i in range(10)] + [item(10, 4 * 1024 * 1024 - 4096000)]
    ddb.transact_write_items(TransactItems=exactly)
    over = [item(i, 400 * 1024) for i in range(10)] + [item(10, 4 * 1024 * 1024 - 4096000 + 1)]
    assert error_of(ddb.transact_write_items, TransactItems=over) == (
        "ValidationException",
        TOO_LARGE_TRANSACTION,
    )


# --- ClientRequestToken --------------------------------------------------------------------------


def test_token_makes_a_retry_a_no_op(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    request = {
        "ClientRequestToken": f"{table}-once",
        "TransactItems": [
            {
                "Update": {
                    "TableName": table,
                    "Key": key("c"),
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        ],
    }
    first = ddb.transact_write_items(**request, ReturnConsumedCapacity="TOTAL")
    assert first["ConsumedCapacity"] == [
        {"TableName": table, "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}
    ]
    # The repeat changes nothing and is billed as reading the item.
    again = ddb.transact_write_items(**request, ReturnConsumedCapacity="TOTAL")
    assert again["ConsumedCapacity"] == [
        {"TableName": table, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}
    ]
    assert "ConsumedCapacity" not in ddb.transact_write_items(**request)
    assert get(ddb, table, key("c")) == {"pk": {"S": "c"}, "n": {"N": "1"}}


def test_token_with_another_request(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    token = f"{table}-mismatch"
    ddb.transact_write_items(
        ClientRequestToken=token, TransactItems=[put(table, {"pk": {"S": "a"}, "v": {"S": "1"}})]
    )
    assert error_of(
        ddb.transact_write_items,
        ClientRequestToken=token,
        TransactItems=[put(table, {"pk": {"S": "a"}, "v": {"S": "2"}})],
    ) == (
        "IdempotentParameterMismatchException",
        "DynamoDB rejected the request because you retried a request with a different payload "
        "but with an idempotent token that was already used.",
    )
    assert get(ddb, table, key("a")) == {"pk": {"S": "a"}, "v": {"S": "1"}}


def test_cancelled_transaction_does_not_use_up_its_token(
    ddb: Any, create_table: TableFactory
) -> None:
    table = create_table()
    request = {
        "ClientRequestToken": f"{table}-retry",
        "TransactItems": [
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": key("gate"),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
            put(table, {"pk": {"S": "after"}}),
        ],
    }
    cancellation(ddb.transact_write_items, **request)
    ddb.put_item(TableName=table, Item={"pk": {"S": "gate"}})
    ddb.transact_write_items(**request)
    assert get(ddb, table, key("after")) is not None


def test_token_length(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    token = "t" * 37
    assert error_of(
        ddb.transact_write_items,
        ClientRequestToken=token,
        TransactItems=[put(table, {"pk": {"S": "a"}})],
    ) == (
        "ValidationException",
        f"1 validation error detected: Value '{token}' at 'clientRequestToken' failed to "
        "satisfy constraint: Member must have length less than or equal to 36",
    )


# --- capacity and item collection metrics ------------------------------------------------------


def test_write_capacity_is_doubled_for_the_table_only(ddb: Any, create_table: TableFactory) -> None:
    table = create_table(
        extra_definitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    other = create_table()
    ddb.put_item(TableName=other, Item={"pk": {"S": "chk"}, "d": {"S": "x" * 1500}})
    out = ddb.transact_write_items(
        ReturnConsumedCapacity="INDEXES",
        TransactItems=[
            put(table, {"pk": {"S": "a"}, "g": {"S": "k"}}),
            put(table, {"pk": {"S": "b"}, "d": {"S": "x" * 1500}}),  # 2 KB, not in the index
            # A check is billed as a write of the item it reads.
            {
                "ConditionCheck": {
                    "TableName": other,
                    "Key": key("chk"),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ],
    )
    expected: list[dict[str, Any]] = [
        {
            "TableName": table,
            "CapacityUnits": 7.0,
            "WriteCapacityUnits": 7.0,
            "Table": {"CapacityUnits": 6.0, "WriteCapacityUnits": 6.0},
            "GlobalSecondaryIndexes": {"byg": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0}},
        },
        {
            "TableName": other,
            "CapacityUnits": 4.0,
            "WriteCapacityUnits": 4.0,
            "Table": {"CapacityUnits": 4.0, "WriteCapacityUnits": 4.0},
        },
    ]
    assert out["ConsumedCapacity"] == sorted(expected, key=lambda c: c["TableName"])


def test_item_collection_metrics(ddb: Any, create_table: TableFactory) -> None:
    table = create_table(
        range_key=("sk", "S"),
        extra_definitions=[{"AttributeName": "l", "AttributeType": "S"}],
        LocalSecondaryIndexes=[
            {
                "IndexName": "byl",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "l", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    out = ddb.transact_write_items(
        ReturnItemCollectionMetrics="SIZE",
        TransactItems=[
            put(table, {"pk": {"S": "p"}, "sk": {"S": "1"}, "l": {"S": "x"}}),
            put(table, {"pk": {"S": "p"}, "sk": {"S": "2"}}),
            {"Delete": {"TableName": table, "Key": {"pk": {"S": "q"}, "sk": {"S": "1"}}}},
        ],
    )
    assert out["ItemCollectionMetrics"] == {
        table: [
            {"ItemCollectionKey": {"pk": {"S": "p"}}, "SizeEstimateRangeGB": [0.0, 1.0]},
            {"ItemCollectionKey": {"pk": {"S": "q"}}, "SizeEstimateRangeGB": [0.0, 1.0]},
        ]
    }


# --- TransactGetItems --------------------------------------------------------------------------


def test_get_items_in_request_order(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    other = create_table(range_key=("sk", "S"))
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "1"}, "m": {"S": "x"}})
    ddb.put_item(TableName=other, Item={"pk": {"S": "a"}, "sk": {"S": "b"}})
    ddb.put_item(TableName=other, Item={"pk": {"S": "a"}, "sk": {"S": "c"}})
    out = ddb.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": other, "Key": {"pk": {"S": "a"}, "sk": {"S": "b"}}}},
            {"Get": {"TableName": table, "Key": key("missing")}},
            {
                "Get": {
                    "TableName": table,
                    "Key": key("a"),
                    "ProjectionExpression": "#n",
                    "ExpressionAttributeNames": {"#n": "n"},
                }
            },
            # A projection that selects nothing returns no Item.
            {
                "Get": {
                    "TableName": other,
                    "Key": {"pk": {"S": "a"}, "sk": {"S": "c"}},
                    "ProjectionExpression": "nothing",
                }
            },
        ]
    )
    assert out["Responses"] == [
        {"Item": {"pk": {"S": "a"}, "sk": {"S": "b"}}},
        {},
        {"Item": {"n": {"N": "1"}}},
        {},
    ]
    assert "ConsumedCapacity" not in out


def test_get_capacity(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    ddb.put_item(TableName=table, Item={"pk": {"S": "big"}, "d": {"S": "x" * 5000}})
    out = ddb.transact_get_items(
        ReturnConsumedCapacity="INDEXES",
        TransactItems=[
            {"Get": {"TableName": table, "Key": key("big")}},  # 2 strongly consistent units
            {"Get": {"TableName": table, "Key": key("missing")}},  # a missing item costs 1
        ],
    )
    assert out["ConsumedCapacity"] == [
        {
            "TableName": table,
            "CapacityUnits": 6.0,
            "ReadCapacityUnits": 6.0,
            "Table": {"CapacityUnits": 6.0, "ReadCapacityUnits": 6.0},
        }
    ]


def test_get_bad_keys_cancel(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    message, reasons = cancellation(
        ddb.transact_get_items,
        TransactItems=[
            {"Get": {"TableName": table, "Key": key("fine")}},
            {"Get": {"TableName": table, "Key": {}}},
            {"Get": {"TableName": table, "Key": {"pk": {"S": ""}}}},
        ],
    )
    assert message == CANCELLED.format("None, ValidationError, ValidationError")
    assert reasons == [
        NONE,
        {"Code": "ValidationError", "Message": KEY_MISMATCH},
        {"Code": "ValidationError", "Message": EMPTY_KEY},
    ]


def test_get_request_errors(ddb: Any, unchecked: Any, create_table: TableFactory) -> None:
    table = create_table()
    assert error_of(
        ddb.transact_get_items,
        TransactItems=[
            {"Get": {"TableName": table, "Key": key("a")}},
            {"Get": {"TableName": table, "Key": key("a")}},
        ],
    ) == ("ValidationException", DUPLICATE)
    assert error_of(
        ddb.transact_get_items,
        TransactItems=[
            {"Get": {"TableName": "no_such_table_tx", "Key": key("a")}},
        ],
    ) == ("ResourceNotFoundException", "Requested resource not found")
    assert error_of(
        ddb.transact_get_items,
        TransactItems=[
            {"Get": {"TableName": table, "Key": key("a"), "ProjectionExpression": "!!!"}},
        ],
    ) == (
        "ValidationException",
        'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"',
    )
    assert error_of(
        ddb.transact_get_items,
        TransactItems=[
            {"Get": {"TableName": table, "Key": key("a"), "ExpressionAttributeNames": {"#a": "x"}}},
        ],
    ) == (
        "ValidationException",
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}",
    )
    assert error_of(unchecked.transact_get_items, TransactItems=[]) == (
        "ValidationException",
        "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1",
    )


def test_get_one_hundred_items(ddb: Any, create_table: TableFactory) -> None:
    table = create_table()
    gets = [{"Get": {"TableName": table, "Key": key(f"k{i}")}} for i in range(100)]
    assert ddb.transact_get_items(TransactItems=gets)["Responses"] == [{}] * 100
    extra = {"Get": {"TableName": table, "Key": key("x")}}
    code, message = error_of(ddb.transact_get_items, TransactItems=[*gets, extra])
    assert code == "ValidationException"
    assert message.endswith(
        "at 'transactItems' failed to satisfy constraint: Member must have length less than or "
        "equal to 100"
    )
