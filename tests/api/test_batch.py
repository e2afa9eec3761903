"""BatchWriteItem and BatchGetItem: several tables, limits, duplicates, UnprocessedKeys,
capacity and DynamoDB's exact errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import TableFactory, error_of

Item = dict[str, Any]


def put(item: Item) -> dict[str, Any]:
    return {"PutRequest": {"Item": item}}


def delete(key: Item) -> dict[str, Any]:
    return {"DeleteRequest": {"Key": key}}


# --- BatchWriteItem ---------------------------------------------------------------------------


def test_write_puts_and_deletes_over_two_tables(ddb: Any, create_table: TableFactory) -> None:
    one = create_table()
    two = create_table(hash_key=("id", "N"), range_key=("at", "S"))
    ddb.put_item(TableName=one, Item={"pk": {"S": "old"}})
    got = ddb.batch_write_item(
        RequestItems={
            one: [
                put({"pk": {"S": "a"}, "v": {"N": "1"}}),
                delete({"pk": {"S": "old"}}),
                delete({"pk": {"S": "never"}}),
            ],
            two: [put({"id": {"N": "1.0"}, "at": {"S": "x"}, "blob": {"B": b"\x00" * 2000}})],
        },
        ReturnConsumedCapacity="TOTAL",
    )
    assert got["UnprocessedItems"] == {}
    assert got["ConsumedCapacity"] == [
        {"TableName": one, "CapacityUnits": 3.0},
        {"TableName": two, "CapacityUnits": 2.0},
    ]
    assert ddb.scan(TableName=one)["Items"] == [{"pk": {"S": "a"}, "v": {"N": "1"}}]
    stored = ddb.get_item(TableName=two, Key={"id": {"N": "1"}, "at": {"S": "x"}})["Item"]
    assert stored["id"] == {"N": "1"}


def test_write_exactly_25_requests(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    got = ddb.batch_write_item(RequestItems={name: [put({"pk": {"S": str(n)}}) for n in range(25)]})
    assert got == {"UnprocessedItems": {}, "ResponseMetadata": got["ResponseMetadata"]}
    assert ddb.scan(TableName=name, Select="COUNT")["Count"] == 25


def test_write_errors(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(range_key=("sk", "S"))
    other = create_table()
    cases: list[tuple[dict[str, Any], tuple[str, str]]] = [
        # The same item twice in one batch, whether put or delete, and 1 and 1.0 alike.
        (
            {
                name: [
                    put({"pk": {"S": "a"}, "sk": {"S": "b"}}),
                    delete({"pk": {"S": "a"}, "sk": {"S": "b"}}),
                ]
            },
            ("ValidationException", "Provided list of item keys contains duplicates"),
        ),
        # More than 25 requests over several tables.
        (
            {
                name: [put({"pk": {"S": str(n)}, "sk": {"S": "s"}}) for n in range(13)],
                other: [put({"pk": {"S": str(n)}}) for n in range(13)],
            },
            ("ValidationException", "Too many items requested for the BatchWriteItem call"),
        ),
        # A batch put names a missing or mistyped key with the generic message.
        (
            {name: [put({"pk": {"S": "a"}})]},
            ("ValidationException", "The provided key element does not match the schema"),
        ),
        (
            {name: [put({"pk": {"S": "a"}, "sk": {"N": "1"}})]},
            ("ValidationException", "The provided key element does not match the schema"),
        ),
        (
            {name: [delete({"pk": {"S": "a"}})]},
            ("ValidationException", "The provided key element does not match the schema"),
        ),
        (
            {name: [put({"pk": {"S": "a"}, "sk": {"S": ""}})]},
            (
                "ValidationException",
                "One or more parameter values are not valid. The AttributeValue "
                "for a key attribute cannot contain an empty string value. Key: sk",
            ),
        ),
        (
            {name: [put({"pk": {"S": "a"}, "sk": {"S": "b"}, "s": {"SS": ["x", "x"]}})]},
            (
                "ValidationException",
                "One or more parameter values were invalid: Input collection [x, x] contains "
                "duplicates.",
            ),
        ),
        (
            {name: [put({"pk": {"S": "a"}, "sk": {"S": "b"}, "big": {"S": "x" * 410_000}})]},
            ("ValidationException", "Item size has exceeded the maximum allowed size"),
        ),
        # The table is looked up before its keys are checked for duplicates.
        (
            {"no_such_table_b": [put({"pk": {"S": "a"}}), delete({"pk": {"S": "a"}})]},
            ("ResourceNotFoundException", "Requested resource not found"),
        ),
    ]
    for request_items, expected in cases:
        assert error_of(ddb.batch_write_item, RequestItems=request_items) == expected
    # Nothing of a refused batch was written.
    assert ddb.scan(TableName=name)["Count"] == 0
    assert ddb.scan(TableName=other)["Count"] == 0


def test_write_error_in_second_table_writes_nothing(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    assert (
        error_of(
            ddb.batch_write_item,
            RequestItems={
                name: [put({"pk": {"S": "a"}})],
                "no_such_table_c": [put({"pk": {"S": "a"}})],
            },
        )[0]
        == "ResourceNotFoundException"
    )
    assert ddb.scan(TableName=name)["Count"] == 0


def test_write_empty_request_items(ddb: Any) -> None:
    assert error_of(ddb.batch_write_item, RequestItems={}) == (
        "ValidationException",
        "The requestItems parameter is required for BatchWriteItem",
    )


# ItemCollectionMetrics come back only for tables with a local secondary index.
def test_write_item_collection_metrics(ddb: Any, create_table: TableFactory) -> None:
    plain = create_table()
    got = ddb.batch_write_item(
        RequestItems={plain: [put({"pk": {"S": "a"}})]}, ReturnItemCollectionMetrics="SIZE"
    )
    assert "ItemCollectionMetrics" not in got
    with_lsi = create_table(
        range_key=("sk", "S"),
        extra_definitions=[{"AttributeName": "alt", "AttributeType": "S"}],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_alt",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "alt", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    got = ddb.batch_write_item(
        RequestItems={
            with_lsi: [
                put({"pk": {"S": "a"}, "sk": {"S": "1"}}),
                put({"pk": {"S": "a"}, "sk": {"S": "2"}}),
                put({"pk": {"S": "b"}, "sk": {"S": "1"}}),
            ]
        },
        ReturnItemCollectionMetrics="SIZE",
    )
    assert got["ItemCollectionMetrics"] == {
        with_lsi: [
            {"ItemCollectionKey": {"pk": {"S": "a"}}, "SizeEstimateRangeGB": [0.0, 1.0]},
            {"ItemCollectionKey": {"pk": {"S": "b"}}, "SizeEstimateRangeGB": [0.0, 1.0]},
        ]
    }


# --- BatchGetItem -----------------------------------------------------------------------------


def test_get_over_two_tables_with_projection(ddb: Any, create_table: TableFactory) -> None:
    one = create_table()
    two = create_table(hash_key=("id", "N"))
    for n in range(3):
        ddb.put_item(
            TableName=one,
            Item={
                "pk": {"S": str(n)},
                "v": {"N": str(n)},
                "m": {"M": {"a": {"S": "x"}, "b": {"S": "y"}}},
            },
        )
        ddb.put_item(TableName=two, Item={"id": {"N": str(n)}, "w": {"S": "w"}})
    got = ddb.batch_get_item(
        RequestItems={
            one: {
                "Keys": [{"pk": {"S": "0"}}, {"pk": {"S": "2"}}, {"pk": {"S": "9"}}],
                "ProjectionExpression": "#v, m.b",
                "ExpressionAttributeNames": {"#v": "v"},
                "ConsistentRead": True,
            },
            two: {"Keys": [{"id": {"N": "1.0"}}], "AttributesToGet": ["id"]},
        },
        ReturnConsumedCapacity="TOTAL",
    )
    assert sorted(got["Responses"][one], key=lambda i: i["v"]["N"]) == [
        {"v": {"N": "0"}, "m": {"M": {"b": {"S": "y"}}}},
        {"v": {"N": "2"}, "m": {"M": {"b": {"S": "y"}}}},
    ]
    assert got["Responses"][two] == [{"id": {"N": "1"}}]
    assert got["UnprocessedKeys"] == {}
    # One read unit per key (found or not) for a consistent read, half for an eventual one.
    assert got["ConsumedCapacity"] == [
        {"TableName": one, "CapacityUnits": 3.0},
        {"TableName": two, "CapacityUnits": 0.5},
    ]


# A response holds at most 16 MB (16_777_216 bytes, "A single operation can retrieve up to
# 16 MB of data", API reference, BatchGetItem): an item that would take it past 16 MB is left
# out, and it and the keys after it come back in UnprocessedKeys with the table's read
# parameters; resending them returns the rest. Sizes count whole items, before the projection.
# (The API reference's example, 100 items of 300 KB giving 52, is not byte-exact; ddblite fills
# the response up to the limit.) Here each item is "pk" + "NN" + "payload" + 399_000 = 399_011
# bytes: 42 items make 16_758_462 bytes, a 43rd would make 17_157_473.
def test_get_sixteen_megabytes_leaves_unprocessed_keys(
    ddb: Any, create_table: TableFactory
) -> None:
    name = create_table()
    keys = [{"pk": {"S": f"{n:02}"}} for n in range(45)]
    for k in keys:
        ddb.put_item(TableName=name, Item={**k, "payload": {"S": "z" * 399_000}})
    request = {name: {"Keys": keys, "ConsistentRead": True, "ProjectionExpression": "pk, payload"}}
    got = ddb.batch_get_item(RequestItems=request)
    first = got["Responses"][name]
    assert len(first) == 42
    rest = got["UnprocessedKeys"][name]
    assert rest["ConsistentRead"] is True
    assert rest["ProjectionExpression"] == "pk, payload"
    assert len(rest["Keys"]) == 3
    again = ddb.batch_get_item(RequestItems={name: rest})
    assert again["UnprocessedKeys"] == {}
    got_keys = sorted(i["pk"]["S"] for i in first + again["Responses"][name])
    assert got_keys == [k["pk"]["S"] for k in keys]


@pytest.mark.parametrize(
    ("payload_chars", "returned"),
    [
        # "pk" + "NN" + "b" + 262_139 = 262_144 bytes: 64 items are exactly 16 MB, all returned.
        (262_139, 64),
        # One byte more an item: the 64th would pass 16 MB by 64 bytes and is left out.
        (262_140, 63),
    ],
)
def test_get_cut_at_exactly_sixteen_megabytes(
    ddb: Any, create_table: TableFactory, payload_chars: int, returned: int
) -> None:
    name = create_table()
    keys = [{"pk": {"S": f"{n:02}"}} for n in range(65)]
    for k in keys:
        ddb.put_item(TableName=name, Item={**k, "b": {"S": "y" * payload_chars}})
    got = ddb.batch_get_item(RequestItems={name: {"Keys": keys, "ProjectionExpression": "pk"}})
    assert len(got["Responses"][name]) == returned
    assert len(got["UnprocessedKeys"][name]["Keys"]) == 65 - returned


@pytest.mark.parametrize(
    ("request_items", "message"),
    [
        (
            {"T": {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "a"}}]}},
            "Provided list of item keys contains duplicates",
        ),
        (
            {
                "T": {"Keys": [{"pk": {"S": str(n)}} for n in range(60)]},
                "U": {"Keys": [{"pk": {"S": str(n)}} for n in range(41)]},
            },
            "Too many items requested for the BatchGetItem call",
        ),
        (
            {
                "T": {
                    "Keys": [{"pk": {"S": "a"}}],
                    "ProjectionExpression": "a",
                    "AttributesToGet": ["a"],
                }
            },
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributesToGet} Expression parameters: "
            "{ProjectionExpression}",
        ),
        (
            {"T": {"Keys": [{"pk": {"S": "a"}}], "ExpressionAttributeNames": {"#a": "a"}}},
            "ExpressionAttributeNames can only be specified when using expressions",
        ),
        (
            {
                "T": {
                    "Keys": [{"pk": {"S": "a"}}],
                    "ProjectionExpression": "#a",
                    "ExpressionAttributeNames": {"#a": "a", "#b": "b"},
                }
            },
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}",
        ),
        (
            {"T": {"Keys": [{"pk": {"S": "a"}}], "AttributesToGet": ["a", "a"]}},
            "One or more parameter values were invalid: Duplicate value in attribute name: a",
        ),
        (
            {"T": {"Keys": [{"pk": {"N": "1"}}]}},
            "The provided key element does not match the schema",
        ),
        (
            {"T": {"Keys": [{"pk": {"S": "a"}, "x": {"S": "b"}}]}},
            "The provided key element does not match the schema",
        ),
    ],
    ids=[
        "duplicates",
        "too many",
        "mixed",
        "names alone",
        "unused name",
        "duplicate attribute",
        "key type",
        "extra key attribute",
    ],
)
def test_get_errors(
    ddb: Any, create_table: TableFactory, request_items: dict[str, Any], message: str
) -> None:
    names = {"T": create_table(), "U": create_table()}
    request_items = {names[k]: v for k, v in request_items.items()}
    assert error_of(ddb.batch_get_item, RequestItems=request_items) == (
        "ValidationException",
        message,
    )


def test_get_missing_table_and_empty_request(ddb: Any) -> None:
    assert error_of(
        ddb.batch_get_item, RequestItems={"no_such_table_g": {"Keys": [{"pk": {"S": "a"}}]}}
    ) == ("ResourceNotFoundException", "Requested resource not found")
    assert error_of(ddb.batch_get_item, RequestItems={}) == (
        "ValidationException",
        "The requestItems parameter is required for BatchGetItem",
    )
