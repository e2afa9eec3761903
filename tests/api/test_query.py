"""Query: key conditions, paging (Limit, 1 MB pages, ExclusiveStartKey), filters, projection,
Select, capacity and DynamoDB's exact errors."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import TableFactory, error_of

Item = dict[str, Any]


def query_all(ddb: Any, **kwargs: Any) -> tuple[list[Item], list[dict[str, Any]]]:
    """Every item of a Query, following LastEvaluatedKey; also each page's response."""
    items: list[Item] = []
    pages: list[dict[str, Any]] = []
    while True:
        page = ddb.query(**kwargs)
        pages.append(page)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items, pages
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        assert len(pages) < 200, "paging does not terminate"


def size_of(item: Item) -> int:
    """DynamoDB's size of an item whose names and values are ASCII strings and integers."""
    total = 0
    for name, value in item.items():
        kind, inner = next(iter(value.items()))
        total += len(name) + (len(inner) if kind == "S" else (len(inner.lstrip("-")) + 1) // 2 + 1)
    return total


# --- paging: every item exactly once -------------------------------------------------------

# Sort-key conditions of the paging test: (KeyConditionExpression tail, values, predicate).
SORT_CONDITIONS: list[tuple[str, dict[str, Any], Callable[[int], bool]]] = [
    ("", {}, lambda n: True),
    (
        " AND sk BETWEEN :lo AND :hi",
        {":lo": {"N": "5"}, ":hi": {"N": "23"}},
        lambda n: 5 <= n <= 23,
    ),
    (" AND sk > :lo", {":lo": {"N": "-3"}}, lambda n: n > -3),
    (" AND sk <= :hi", {":hi": {"N": "10"}}, lambda n: n <= 10),
]
FILTERS: list[tuple[str | None, dict[str, Any], Callable[[Item], bool]]] = [
    (None, {}, lambda item: True),
    ("parity = :even", {":even": {"S": "even"}}, lambda item: item["parity"]["S"] == "even"),
    ("attribute_exists(rare)", {}, lambda item: "rare" in item),
]


# Limit counts items evaluated, not returned; a page also ends once it has read 1 MB (before
# the filter). Whatever ends each page, following LastEvaluatedKey returns every matching item
# exactly once, in key order (or reverse order), for every combination.
def test_paging_returns_every_item_exactly_once(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(range_key=("sk", "N"))
    stored: list[Item] = []
    for n in range(-8, 32):
        item = {
            "pk": {"S": "p"},
            "sk": {"N": str(n)},
            "parity": {"S": "even" if n % 2 == 0 else "odd"},
            # Every third item is ~100 KB, so pages are cut at 1 MB as well as by Limit.
            "payload": {"S": "x" * (100_000 if n % 3 == 0 else 10)},
        }
        if n % 7 == 0:
            item["rare"] = {"S": "yes"}
        stored.append(item)
        ddb.put_item(TableName=name, Item=item)
    ddb.put_item(TableName=name, Item={"pk": {"S": "other"}, "sk": {"N": "1"}})
    combos = itertools.product(SORT_CONDITIONS, FILTERS, (None, 1, 3, 7, 100), (True, False))
    for (tail, sort_values, in_range), (filt, filt_values, keep), limit, forward in combos:
        kwargs: dict[str, Any] = {
            "TableName": name,
            "KeyConditionExpression": "pk = :p" + tail,
            "ExpressionAttributeValues": {":p": {"S": "p"}, **sort_values, **filt_values},
            "ScanIndexForward": forward,
        }
        if filt is not None:
            kwargs["FilterExpression"] = filt
        if limit is not None:
            kwargs["Limit"] = limit
        items, pages = query_all(ddb, **kwargs)
        candidates = [i for i in stored if in_range(int(i["sk"]["N"]))]
        if not forward:
            candidates.reverse()
        label = f"{tail!r} {filt!r} limit={limit} forward={forward}"
        assert items == [i for i in candidates if keep(i)], label
        assert sum(p["ScannedCount"] for p in pages) == len(candidates), label
        for page in pages:
            assert page["Count"] == len(page["Items"]), label
            if limit is not None:
                assert page["ScannedCount"] <= limit, label
        if limit is None and tail == "" and filt is None:
            assert len(pages) > 1, "40 items of which 14 are 100 KB must need several pages"


# A page stops at the item that takes the data read past 1 MB (1_048_576 bytes), that item
# included, counted before the filter ("A single Query only returns a result set that fits
# within the 1 MB size limit", Developer Guide, "Paginating table query results"; the limit
# applies before FilterExpression, API reference, Query). Each item here is
# "pk" + "big" + "sk" + "NNN" + "payload" + 100_000 bytes = 100_017 bytes: 10 items read
# 1_000_170 bytes, the 11th passes 1 MB and ends the page.
def test_page_stops_at_one_megabyte_before_the_filter(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(range_key=("sk", "S"))
    for n in range(25):
        ddb.put_item(
            TableName=name,
            Item={
                "pk": {"S": "big"},
                "sk": {"S": f"{n:03}"},
                "payload": {"S": "y" * 100_000},
            },
        )
    page = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        FilterExpression="attribute_not_exists(payload)",
        ExpressionAttributeValues={":p": {"S": "big"}},
    )
    assert page["Count"] == 0
    assert (page["Count"], page["ScannedCount"]) == (0, 11)
    assert page["LastEvaluatedKey"] == {"pk": {"S": "big"}, "sk": {"S": "010"}}
    items, pages = query_all(
        ddb,
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "big"}},
    )
    assert [i["sk"]["S"] for i in items] == [f"{n:03}" for n in range(25)]
    assert [p["Count"] for p in pages] == [11, 11, 3]


@pytest.mark.parametrize(
    ("blob_chars", "first_page"),
    [
        # "pk" + "p" + "sk" + "NN" + "b" + 262_136 = 262_144 bytes (256 KB): 4 items read
        # exactly 1 MB (1_048_576 bytes) and the page is full.
        (262_136, 4),
        # One byte less an item: 4 items stay 4 bytes short of 1 MB, the 5th ends the page.
        (262_135, 5),
    ],
)
def test_query_page_cut_at_exactly_one_megabyte(
    ddb: Any, create_table: TableFactory, blob_chars: int, first_page: int
) -> None:
    name = create_table(range_key=("sk", "S"))
    for n in range(6):
        item = {"pk": {"S": "p"}, "sk": {"S": f"{n:02}"}, "b": {"S": "x" * blob_chars}}
        ddb.put_item(TableName=name, Item=item)
    _, pages = query_all(
        ddb,
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        Select="COUNT",
    )
    assert [p["ScannedCount"] for p in pages] == [first_page, 6 - first_page]
    assert pages[0]["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"S": f"{first_page - 1:02}"}}


# A page that ends because Limit was reached carries LastEvaluatedKey even when nothing
# follows; the next page is then empty.
def test_limit_reached_on_last_item_still_has_last_evaluated_key(
    ddb: Any, create_table: TableFactory
) -> None:
    name = create_table(range_key=("sk", "S"))
    for sk in "abc":
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": sk}})
    page = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        Limit=3,
        ExpressionAttributeValues={":p": {"S": "p"}},
    )
    assert page["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"S": "c"}}
    after = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        Limit=3,
        ExclusiveStartKey=page["LastEvaluatedKey"],
        ExpressionAttributeValues={":p": {"S": "p"}},
    )
    assert (after["Items"], after["Count"], after["ScannedCount"]) == ([], 0, 0)
    assert "LastEvaluatedKey" not in after


# --- key conditions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ("sk = :a", {":a": {"S": "b"}}, ["b"]),
        ("sk < :a", {":a": {"S": "b"}}, ["a"]),
        ("sk <= :a", {":a": {"S": "b"}}, ["a", "b"]),
        ("sk > :a", {":a": {"S": "b"}}, ["ba", "bb", "c", "é"]),
        ("sk >= :a", {":a": {"S": "bb"}}, ["bb", "c", "é"]),
        (":a < sk", {":a": {"S": "c"}}, ["é"]),
        ("sk BETWEEN :a AND :b", {":a": {"S": "b"}, ":b": {"S": "c"}}, ["b", "ba", "bb", "c"]),
        ("begins_with(sk, :a)", {":a": {"S": "b"}}, ["b", "ba", "bb"]),
        ("(begins_with(sk, :a))", {":a": {"S": "é"}}, ["é"]),
    ],
)
def test_sort_key_conditions(
    ddb: Any,
    create_table: TableFactory,
    condition: str,
    values: dict[str, Any],
    expected: list[str],
) -> None:
    name = create_table(range_key=("sk", "S"))
    # "é" is two UTF-8 bytes starting 0xC3: it sorts after every ASCII string.
    for sk in ["c", "a", "bb", "b", "é", "ba"]:
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": sk}})
    got = ddb.query(
        TableName=name,
        KeyConditionExpression=f"pk = :p AND {condition}",
        ExpressionAttributeValues={":p": {"S": "p"}, **values},
    )
    assert [i["sk"]["S"] for i in got["Items"]] == expected


# Number sort keys sort by value (negative, zero, fractions), binary keys by unsigned bytes.
def test_number_and_binary_sort_orders(ddb: Any, create_table: TableFactory) -> None:
    numbers = create_table(range_key=("sk", "N"))
    for n in ["10", "-1.5", "0", "2", "-10", "0.25", "1E+2"]:
        ddb.put_item(TableName=numbers, Item={"pk": {"S": "p"}, "sk": {"N": n}})
    got = ddb.query(
        TableName=numbers,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        ScanIndexForward=False,
    )
    assert [i["sk"]["N"] for i in got["Items"]] == ["100", "10", "2", "0.25", "0", "-1.5", "-10"]
    binary = create_table(range_key=("sk", "B"))
    for b in [b"\xff", b"\x00\x01", b"\x7f", b"\x00"]:
        ddb.put_item(TableName=binary, Item={"pk": {"S": "p"}, "sk": {"B": b}})
    got = ddb.query(
        TableName=binary,
        KeyConditionExpression="pk = :p AND begins_with(sk, :z)",
        ExpressionAttributeValues={":p": {"S": "p"}, ":z": {"B": b"\x00"}},
    )
    assert [i["sk"]["B"] for i in got["Items"]] == [b"\x00", b"\x00\x01"]


def test_hash_only_table_query_and_restart(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "b"}})
    page = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        Limit=1,
        ExpressionAttributeValues={":p": {"S": "a"}},
    )
    assert page["Items"] == [{"pk": {"S": "a"}, "v": {"N": "1"}}]
    assert page["LastEvaluatedKey"] == {"pk": {"S": "a"}}
    after = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExclusiveStartKey=page["LastEvaluatedKey"],
        ExpressionAttributeValues={":p": {"S": "a"}},
    )
    assert after["Items"] == []


def test_legacy_key_conditions_and_query_filter(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(range_key=("sk", "N"))
    for n in range(6):
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "p"}, "sk": {"N": str(n)}, "tag": {"S": "t" if n % 2 else "u"}},
        )
    got = ddb.query(
        TableName=name,
        KeyConditions={
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
            "sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "4"}]},
        },
        QueryFilter={"tag": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "t"}]}},
        AttributesToGet=["sk"],
        ScanIndexForward=False,
    )
    assert got["Items"] == [{"sk": {"N": "3"}}, {"sk": {"N": "1"}}]
    assert (got["Count"], got["ScannedCount"]) == (2, 4)


# --- projection, Select, capacity -----------------------------------------------------------


def test_projection_and_select(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(range_key=("sk", "S"))
    for sk in "ab":
        ddb.put_item(
            TableName=name,
            Item={
                "pk": {"S": "p"},
                "sk": {"S": sk},
                "m": {"M": {"x": {"N": "1"}, "y": {"N": "2"}}},
                "l": {"L": [{"S": "0"}, {"S": "1"}]},
                "other": {"S": "o"},
            },
        )
    base = {
        "TableName": name,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "p"}},
    }
    got = ddb.query(
        **base,
        ProjectionExpression="m.y, l[1], #o",
        ExpressionAttributeNames={"#o": "other"},
        Select="SPECIFIC_ATTRIBUTES",
    )
    assert (
        got["Items"]
        == [{"m": {"M": {"y": {"N": "2"}}}, "l": {"L": [{"S": "1"}]}, "other": {"S": "o"}}] * 2
    )
    counted = ddb.query(**base, Select="COUNT")
    assert "Items" not in counted
    assert (counted["Count"], counted["ScannedCount"]) == (2, 2)
    everything = ddb.query(**base, Select="ALL_ATTRIBUTES")
    assert len(everything["Items"][0]) == 5


# Query and Scan add up the bytes read and round up once to 4 KB units (half for eventually
# consistent reads), counting items the filter drops.
def test_consumed_capacity_sums_bytes_then_rounds(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(range_key=("sk", "S"))
    items = [{"pk": {"S": "p"}, "sk": {"S": str(n)}, "v": {"S": "z" * 3000}} for n in range(5)]
    for item in items:
        ddb.put_item(TableName=name, Item=item)
    total = sum(size_of(i) for i in items)
    units = -(-total // 4096)
    base = {
        "TableName": name,
        "KeyConditionExpression": "pk = :p",
        "FilterExpression": "v = :none",
        "ExpressionAttributeValues": {":p": {"S": "p"}, ":none": {"S": "none"}},
    }
    eventual = ddb.query(**base, ReturnConsumedCapacity="TOTAL")
    assert eventual["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": units / 2}
    strong = ddb.query(**base, ConsistentRead=True, ReturnConsumedCapacity="INDEXES")
    assert strong["ConsumedCapacity"] == {
        "TableName": name,
        "CapacityUnits": float(units),
        "Table": {"CapacityUnits": float(units)},
    }
    assert "ConsumedCapacity" not in ddb.query(**base, ReturnConsumedCapacity="NONE")


# --- errors, in DynamoDB's order -------------------------------------------------------------

ERRORS: list[tuple[str, dict[str, Any], str]] = [
    (
        "no key condition",
        {},
        "Either the KeyConditions or KeyConditionExpression parameter must "
        "be specified in the request.",
    ),
    (
        "empty",
        {"KeyConditionExpression": ""},
        "Invalid KeyConditionExpression: The expression can not be empty;",
    ),
    (
        "missing hash",
        {"KeyConditionExpression": "sk = :s"},
        "Query condition missed key schema element: pk",
    ),
    (
        "non-key",
        {"KeyConditionExpression": "attr1 = :s"},
        "Query condition missed key schema element: pk",
    ),
    (
        "OR",
        {"KeyConditionExpression": "pk = :p OR sk = :s"},
        "Invalid operator used in KeyConditionExpression: OR",
    ),
    ("hash range op", {"KeyConditionExpression": "pk > :p"}, "Query key condition not supported"),
    (
        "type",
        {"KeyConditionExpression": "pk = :n"},
        "One or more parameter values were invalid: Condition parameter type does not match schema "
        "type",
    ),
    (
        "same key twice",
        {"KeyConditionExpression": "pk = :p AND pk = :p"},
        "KeyConditionExpressions must only contain one condition per key",
    ),
    (
        "filter on hash",
        {"KeyConditionExpression": "pk = :p", "FilterExpression": "pk = :p"},
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: pk",
    ),
    (
        "filter on range",
        {"KeyConditionExpression": "pk = :p", "FilterExpression": "sk = :s"},
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk",
    ),
    (
        "unknown index",
        {"KeyConditionExpression": "pk = :p", "IndexName": "nope"},
        "The table does not have the specified index: nope",
    ),
    (
        "projected without index",
        {"KeyConditionExpression": "pk = :p", "Select": "ALL_PROJECTED_ATTRIBUTES"},
        "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
    ),
    (
        "count with projection",
        {"KeyConditionExpression": "pk = :p", "Select": "COUNT", "ProjectionExpression": "v"},
        "Cannot specify the ProjectionExpression when choosing to get only the Count",
    ),
    (
        "all with projection",
        {
            "KeyConditionExpression": "pk = :p",
            "Select": "ALL_ATTRIBUTES",
            "ProjectionExpression": "v",
        },
        "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES",
    ),
    (
        "specific without projection",
        {"KeyConditionExpression": "pk = :p", "Select": "SPECIFIC_ATTRIBUTES"},
        "1 validation error detected: Must specify the AttributesToGet or ProjectionExpression "
        "when choosing to get SPECIFIC_ATTRIBUTES",
    ),
    (
        "nested key path",
        {"KeyConditionExpression": "pk = :p", "ProjectionExpression": "pk.x"},
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
        "allowed: Key: pk",
    ),
    (
        "start key short",
        {"KeyConditionExpression": "pk = :p", "ExclusiveStartKey": {"pk": {"S": "p"}}},
        "The provided starting key is invalid",
    ),
    (
        "start key type",
        {
            "KeyConditionExpression": "pk = :p",
            "ExclusiveStartKey": {"pk": {"S": "p"}, "sk": {"N": "1"}},
        },
        "The provided key element does not match the schema",
    ),
    (
        "start key other partition",
        {
            "KeyConditionExpression": "pk = :p",
            "ExclusiveStartKey": {"pk": {"S": "q"}, "sk": {"S": "a"}},
        },
        "The provided starting key is outside query boundaries based on provided conditions",
    ),
    (
        "start key outside range",
        {
            "KeyConditionExpression": "pk = :p AND sk > :s",
            "ExclusiveStartKey": {"pk": {"S": "p"}, "sk": {"S": "a"}},
        },
        "The provided starting key does not match the range key predicate",
    ),
    (
        "start key in range, other partition",
        {
            "KeyConditionExpression": "pk = :p AND sk < :s",
            "ExclusiveStartKey": {"pk": {"S": "q"}, "sk": {"S": "a"}},
        },
        "The query can return at most one row and cannot be restarted",
    ),
]


@pytest.mark.parametrize(
    ("request_part", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_errors(
    ddb: Any, create_table: TableFactory, request_part: dict[str, Any], message: str
) -> None:
    name = create_table(range_key=("sk", "S"))
    text = " ".join(str(v) for v in request_part.values())
    values = {
        k: v for k, v in ((":p", {"S": "p"}), (":s", {"S": "s"}), (":n", {"N": "1"})) if k in text
    }
    kwargs: dict[str, Any] = {"TableName": name, **request_part}
    if values:
        kwargs["ExpressionAttributeValues"] = values
    assert error_of(ddb.query, **kwargs) == ("ValidationException", message)


def test_missing_table_and_unused_values(ddb: Any, create_table: TableFactory) -> None:
    assert error_of(
        ddb.query,
        TableName="no_such_table_q",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
    ) == ("ResourceNotFoundException", "Requested resource not found")
    name = create_table()
    assert error_of(
        ddb.query,
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}, ":x": {"S": "x"}},
    ) == (
        "ValidationException",
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}",
    )


# --- secondary indexes ----------------------------------------------------------------------


@pytest.fixture
def indexed(ddb: Any, create_table: TableFactory) -> str:
    """Table (pk, sk) with GSI by_g (g, n; INCLUDE v), GSI keys_g (g; KEYS_ONLY) and
    LSI by_n (pk, n; KEYS_ONLY); 12 items, 4 of them without n (sparse indexes)."""
    name = create_table(
        range_key=("sk", "S"),
        extra_definitions=[
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "n", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [
                    {"AttributeName": "g", "KeyType": "HASH"},
                    {"AttributeName": "n", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]},
            },
            {
                "IndexName": "keys_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_n",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "n", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
    )
    for i in range(12):
        item = {
            "pk": {"S": f"p{i % 2}"},
            "sk": {"S": f"s{i:02}"},
            "g": {"S": "G"},
            "v": {"S": f"v{i}"},
            "w": {"S": "not projected"},
        }
        if i % 3:
            item["n"] = {"N": str(i % 4)}  # repeated index sort keys: ties broken by table key
        ddb.put_item(TableName=name, Item=item)
    return name


def expected_index_order(ddb: Any, name: str, forward: bool) -> list[tuple[int, str, str]]:
    items = ddb.scan(TableName=name, ConsistentRead=True)["Items"]
    rows = sorted((int(i["n"]["N"]), i["pk"]["S"], i["sk"]["S"]) for i in items if "n" in i)
    return rows if forward else rows[::-1]


# A GSI Query walks the index key order; items sharing an index key come in table-key order,
# and paging with a LastEvaluatedKey that carries the index key and the table key returns
# each one exactly once.
@pytest.mark.parametrize("forward", [True, False])
def test_gsi_query_pages_through_ties(ddb: Any, indexed: str, forward: bool) -> None:
    base = {
        "TableName": indexed,
        "IndexName": "by_g",
        "KeyConditionExpression": "g = :g",
        "ExpressionAttributeValues": {":g": {"S": "G"}},
        "ScanIndexForward": forward,
    }
    whole = ddb.query(**base)["Items"]
    assert [(int(i["n"]["N"]), i["pk"]["S"], i["sk"]["S"]) for i in whole] == expected_index_order(
        ddb, indexed, forward
    )
    # INCLUDE: table keys, index keys and v; never w.
    assert all(set(i) == {"pk", "sk", "g", "n", "v"} for i in whole)
    for limit in (1, 2, 3):
        items, pages = query_all(ddb, **base, Limit=limit)
        assert items == whole
        last = pages[0]["LastEvaluatedKey"]
        assert set(last) == {"pk", "sk", "g", "n"}


def test_hash_only_gsi_pages_through_equal_keys(ddb: Any, indexed: str) -> None:
    base = {
        "TableName": indexed,
        "IndexName": "keys_g",
        "KeyConditionExpression": "g = :g",
        "ExpressionAttributeValues": {":g": {"S": "G"}},
    }
    whole = ddb.query(**base)["Items"]
    assert len(whole) == 12
    assert all(set(i) == {"pk", "sk", "g"} for i in whole)
    items, pages = query_all(ddb, **base, Limit=5)
    assert items == whole
    assert set(pages[0]["LastEvaluatedKey"]) == {"pk", "sk", "g"}


# An LSI holds only items with its sort key. Select=ALL_ATTRIBUTES (or an attribute the LSI
# does not project) reads the item from the table and bills both; a GSI cannot do that.
def test_lsi_reads_unprojected_attributes_from_the_table(ddb: Any, indexed: str) -> None:
    base = {
        "TableName": indexed,
        "IndexName": "by_n",
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "p1"}},
    }
    projected = ddb.query(**base, ReturnConsumedCapacity="INDEXES")
    assert all(set(i) == {"pk", "sk", "n"} for i in projected["Items"])
    assert [i["n"]["N"] for i in projected["Items"]] == ["1", "1", "3", "3"]
    assert projected["ConsumedCapacity"]["Table"] == {"CapacityUnits": 0.0}
    assert projected["ConsumedCapacity"]["LocalSecondaryIndexes"] == {
        "by_n": {"CapacityUnits": 0.5}
    }
    full = ddb.query(
        **base, Select="ALL_ATTRIBUTES", ConsistentRead=True, ReturnConsumedCapacity="INDEXES"
    )
    assert all(set(i) == {"pk", "sk", "g", "n", "v", "w"} for i in full["Items"])
    assert full["ConsumedCapacity"] == {
        "TableName": indexed,
        "CapacityUnits": 2.0,
        "Table": {"CapacityUnits": 1.0},
        "LocalSecondaryIndexes": {"by_n": {"CapacityUnits": 1.0}},
    }
    some = ddb.query(**base, ProjectionExpression="w, n")
    assert all(set(i) == {"w", "n"} for i in some["Items"])
    filtered = ddb.query(
        **{
            **base,
            "FilterExpression": "v = :v",
            "ExpressionAttributeValues": {":p": {"S": "p1"}, ":v": {"S": "v5"}},
        }
    )
    assert filtered["Items"] == [{"pk": {"S": "p1"}, "sk": {"S": "s05"}, "n": {"N": "1"}}]
    assert (filtered["Count"], filtered["ScannedCount"]) == (1, 4)


def test_index_errors(ddb: Any, indexed: str) -> None:
    base = {
        "TableName": indexed,
        "KeyConditionExpression": "g = :g",
        "ExpressionAttributeValues": {":g": {"S": "G"}},
    }
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"IndexName": "by_g", "ConsistentRead": True},
            "Consistent reads are not supported on global secondary indexes",
        ),
        (
            {"IndexName": "by_g", "Select": "ALL_ATTRIBUTES"},
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
            "supported for global secondary index by_g because its projection type is not ALL",
        ),
        (
            {"IndexName": "by_g", "FilterExpression": "n = :g"},
            "Filter Expression can only contain non-primary key attributes: Primary key "
            "attribute: n",
        ),
        ({"IndexName": "by_n"}, "Query condition missed key schema element: pk"),
        (
            {"IndexName": "by_g", "ExclusiveStartKey": {"g": {"S": "G"}, "n": {"N": "1"}}},
            "The provided starting key is invalid",
        ),
        (
            {
                "IndexName": "by_g",
                "ExclusiveStartKey": {
                    "g": {"S": "G"},
                    "n": {"S": "1"},
                    "pk": {"S": "p"},
                    "sk": {"S": "s"},
                },
            },
            "The provided key element does not match the schema",
        ),
        (
            {
                "IndexName": "by_g",
                "ExclusiveStartKey": {
                    "g": {"S": "G"},
                    "n": {"N": "1"},
                    "pk": {"N": "1"},
                    "sk": {"S": "s"},
                },
            },
            "The provided starting key is invalid: The provided key element does not match the "
            "schema",
        ),
        (
            {
                "IndexName": "by_g",
                "ExclusiveStartKey": {
                    "g": {"S": "H"},
                    "n": {"N": "1"},
                    "pk": {"S": "p"},
                    "sk": {"S": "s"},
                },
            },
            "The provided starting key is outside query boundaries based on provided conditions",
        ),
        (
            {"ProjectionExpression": "g.x", "IndexName": "by_g"},
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
            "allowed: IndexKey: g",
        ),
    ]
    for extra, message in cases:
        assert error_of(ddb.query, **base, **extra) == ("ValidationException", message), extra
