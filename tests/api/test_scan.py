"""Scan: paging, parallel segments, filters, projection, Select, capacity and exact errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import TableFactory, error_of

Item = dict[str, Any]


def scan_all(ddb: Any, **kwargs: Any) -> tuple[list[Item], list[dict[str, Any]]]:
    """Every item of a Scan, following LastEvaluatedKey; also each page's response."""
    items: list[Item] = []
    pages: list[dict[str, Any]] = []
    while True:
        page = ddb.scan(**kwargs)
        pages.append(page)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items, pages
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        assert len(pages) < 500, "paging does not terminate"


def key(item: Item) -> tuple[str, int]:
    return item["pk"]["S"], int(item["sk"]["N"])


@pytest.fixture
def filled(ddb: Any, create_table: TableFactory) -> tuple[str, list[Item]]:
    """A table of 30 partitions holding 1 to 4 items each."""
    name = create_table(range_key=("sk", "N"))
    items = []
    for p in range(30):
        for s in range(1 + p % 4):
            item = {"pk": {"S": f"part{p}"}, "sk": {"N": str(s)}, "odd": {"BOOL": (p + s) % 2 == 1}}
            items.append(item)
    for start in range(0, len(items), 25):
        ddb.batch_write_item(
            RequestItems={name: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
        )
    return name, items


# Scan walks the table in partition-hash order: the items of one partition come together, in
# sort-key order, and paging (with or without a filter, for any Limit) returns every item
# exactly once in the same order as one unbounded Scan.
def test_paging_returns_every_item_exactly_once(ddb: Any, filled: tuple[str, list[Item]]) -> None:
    name, items = filled
    whole, _ = scan_all(ddb, TableName=name)
    assert sorted(map(key, whole)) == sorted(map(key, items))
    partitions = [k[0] for k in map(key, whole)]
    runs = [p for i, p in enumerate(partitions) if i == 0 or partitions[i - 1] != p]
    assert len(runs) == len(set(partitions)) == 30, "a partition's items are contiguous"
    in_partition_order = sorted(map(key, whole), key=lambda k: (runs.index(k[0]), k[1]))
    assert [key(i) for i in whole] == in_partition_order
    for limit in (1, 2, 7, 64):
        got, pages = scan_all(ddb, TableName=name, Limit=limit)
        assert got == whole, f"limit={limit}"
        assert all(p["ScannedCount"] <= limit for p in pages)
        filtered, pages = scan_all(
            ddb,
            TableName=name,
            Limit=limit,
            FilterExpression="odd = :t",
            ExpressionAttributeValues={":t": {"BOOL": True}},
        )
        assert filtered == [i for i in whole if i["odd"]["BOOL"]], f"limit={limit}"
        assert sum(p["ScannedCount"] for p in pages) == len(whole)


# Segment i of TotalSegments n is one slice of the hash space: together the segments hold every
# item exactly once, whatever n (segments may be empty), with or without Limit.
@pytest.mark.parametrize("total", [1, 2, 3, 7, 40])
def test_parallel_segments_partition_the_table(
    ddb: Any, filled: tuple[str, list[Item]], total: int
) -> None:
    name, items = filled
    seen: list[tuple[str, int]] = []
    for segment in range(total):
        got, _ = scan_all(ddb, TableName=name, Segment=segment, TotalSegments=total, Limit=3)
        partitions = {key(i)[0] for i in got}
        seen.extend(map(key, got))
        for other in range(segment):
            # No partition is split across segments.
            assert partitions.isdisjoint(
                {
                    key(i)[0]
                    for i in scan_all(ddb, TableName=name, Segment=other, TotalSegments=total)[0]
                }
            )
    assert sorted(seen) == sorted(map(key, items))


# DynamoDB reads up to 1 MB per page, counted before the filter, and the item whose size
# takes the data read past 1 MB still belongs to the page ("If the total size of scanned items
# exceeds the maximum dataset size limit of 1 MB, the scan completes and results are returned",
# API reference, Scan; pages are "1 MB in size (or less)", Developer Guide, "Paginating table
# scan results"). An item's size is the UTF-8 length of its attribute names and values.
ONE_MB = 1_048_576  # 1024 * 1024 bytes (Developer Guide, "Paginating table scan results")


def put_blobs(ddb: Any, name: str, count: int, blob_chars: int) -> None:
    """``count`` items ``{"pk": "kNN", "b": "x" * blob_chars}``: every item
    2 + 3 + 1 + blob_chars bytes, so the page cut does not depend on the scan order."""
    for n in range(count):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{n:02}"}, "b": {"S": "x" * blob_chars}})


def test_pages_stop_at_the_item_that_passes_one_megabyte(
    ddb: Any, create_table: TableFactory
) -> None:
    name = create_table()
    put_blobs(ddb, name, 25, 100_000)
    # 100_006 bytes an item: 10 items read 1_000_060 bytes (under 1 MB), the 11th passes it and
    # ends the page; 25 items are pages of 11, 11 and 3.
    items, pages = scan_all(ddb, TableName=name, Select="COUNT")
    assert items == []
    assert [(p["Count"], p["ScannedCount"]) for p in pages] == [(11, 11), (11, 11), (3, 3)]
    assert ["LastEvaluatedKey" in p for p in pages] == [True, True, False]
    filtered, pages = scan_all(
        ddb,
        TableName=name,
        FilterExpression="attribute_not_exists(b)",
    )
    assert filtered == []
    assert [(p["Count"], p["ScannedCount"]) for p in pages] == [(0, 11), (0, 11), (0, 3)]


@pytest.mark.parametrize(
    ("blob_chars", "first_page"),
    [
        # 262_144 bytes an item (256 KB): 4 items read exactly 1 MB, and the page is full.
        (ONE_MB // 4 - 6, 4),
        # One byte less an item: 4 items stay 4 bytes short of 1 MB, the 5th ends the page.
        (ONE_MB // 4 - 7, 5),
    ],
)
def test_page_cut_at_exactly_one_megabyte(
    ddb: Any, create_table: TableFactory, blob_chars: int, first_page: int
) -> None:
    name = create_table()
    put_blobs(ddb, name, 6, blob_chars)
    _, pages = scan_all(ddb, TableName=name, Select="COUNT")
    assert [p["ScannedCount"] for p in pages] == [first_page, 6 - first_page]


def test_projection_legacy_filter_and_select(ddb: Any, filled: tuple[str, list[Item]]) -> None:
    name, items = filled
    legacy = ddb.scan(
        TableName=name,
        AttributesToGet=["sk"],
        ScanFilter={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "part3"}]}},
    )
    assert sorted(int(i["sk"]["N"]) for i in legacy["Items"]) == [0, 1, 2, 3]
    assert all(list(i) == ["sk"] for i in legacy["Items"])
    assert legacy["ScannedCount"] == len(items)
    counted = ddb.scan(
        TableName=name,
        Select="COUNT",
        FilterExpression="sk > :z",
        ExpressionAttributeValues={":z": {"N": "2"}},
    )
    assert "Items" not in counted
    assert counted["Count"] == sum(1 for i in items if int(i["sk"]["N"]) > 2)
    projected = ddb.scan(
        TableName=name, ProjectionExpression="#p", Limit=5, ExpressionAttributeNames={"#p": "pk"}
    )
    assert all(list(i) == ["pk"] for i in projected["Items"])


def test_consumed_capacity(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    for n in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{n}"}, "v": {"S": "v" * 5000}})
    # 3 items of 5006 bytes: 15018 bytes, 4 units consistent, 2 eventually consistent.
    got = ddb.scan(TableName=name, ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
    assert got["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 4.0}
    got = ddb.scan(TableName=name, ReturnConsumedCapacity="TOTAL")
    assert got["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 2.0}


ERRORS: list[tuple[str, dict[str, Any], str]] = [
    (
        "segment alone",
        {"Segment": 0},
        "The TotalSegments parameter is required but was not present in the request when Segment "
        "parameter is present",
    ),
    (
        "total alone",
        {"TotalSegments": 4},
        "The Segment parameter is required but was not present in the request when parameter "
        "TotalSegments is present",
    ),
    (
        "segment too big",
        {"Segment": 5, "TotalSegments": 5},
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
        "Segment: 5 is not less than TotalSegments: 5",
    ),
    (
        "specific without projection",
        {"Select": "SPECIFIC_ATTRIBUTES"},
        "Must specify the AttributesToGet or ProjectionExpression when choosing to get "
        "SPECIFIC_ATTRIBUTES",
    ),
    (
        "count with attributes",
        {"Select": "COUNT", "AttributesToGet": ["a"]},
        "Cannot specify the AttributesToGet when choosing to get only the Count",
    ),
    (
        "all projected without index",
        {"Select": "ALL_PROJECTED_ATTRIBUTES"},
        "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
    ),
    ("unknown index", {"IndexName": "nope"}, "The table does not have the specified index: nope"),
    (
        "start key short",
        {"ExclusiveStartKey": {"pk": {"S": "a"}}},
        "The provided starting key is invalid: The provided key element does not match the schema",
    ),
    (
        "start key type",
        {"ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"S": "1"}}},
        "The provided starting key is invalid: The provided key element does not match the schema",
    ),
    (
        "start key empty set",
        {"ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"SS": []}}},
        "The provided starting key is invalid: One or more parameter values were invalid: An "
        "string set  may not be empty",
    ),
    (
        "nested key in filter",
        {"FilterExpression": "sk[0] = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}},
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
        "allowed: Key: sk",
    ),
    (
        "mixed parameters",
        {
            "FilterExpression": "a = :v",
            "ScanFilter": {},
            "ExpressionAttributeValues": {":v": {"N": "1"}},
        },
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {ScanFilter} Expression parameters: {FilterExpression}",
    ),
]


@pytest.mark.parametrize(
    ("request_part", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_errors(
    ddb: Any, create_table: TableFactory, request_part: dict[str, Any], message: str
) -> None:
    name = create_table(range_key=("sk", "N"))
    assert error_of(ddb.scan, TableName=name, **request_part) == ("ValidationException", message)


# A parallel Scan's ExclusiveStartKey must belong to its segment.
def test_start_key_from_another_segment(ddb: Any, filled: tuple[str, list[Item]]) -> None:
    name, _ = filled
    first = ddb.scan(TableName=name, Segment=0, TotalSegments=2, Limit=1)
    start = first["LastEvaluatedKey"]
    assert error_of(
        ddb.scan, TableName=name, Segment=1, TotalSegments=2, ExclusiveStartKey=start
    ) == (
        "ValidationException",
        "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use "
        "ExclusiveStartKey with correct Segment. TotalSegments: 2 Segment: 1",
    )
    assert error_of(ddb.scan, TableName="no_such_table_s") == (
        "ResourceNotFoundException",
        "Requested resource not found",
    )


# A Scan of an index returns each of its entries once (sparse: only items with the index
# keys), across pages and parallel segments, with LastEvaluatedKeys carrying index and table
# keys.
def test_index_scan_pages_and_segments(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(
        range_key=("sk", "N"),
        extra_definitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_g_local",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "g", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]},
            }
        ],
    )
    wanted = []
    for n in range(40):
        item = {"pk": {"S": f"p{n % 5}"}, "sk": {"N": str(n)}, "v": {"N": str(n)}, "w": {"S": "w"}}
        if n % 4:
            item["g"] = {"S": f"g{n % 3}"}
            wanted.append((item["pk"]["S"], n))
        ddb.put_item(TableName=name, Item=item)
    shapes = (("by_g", {"pk", "sk", "g"}), ("by_g_local", {"pk", "sk", "g", "v"}))
    for index, attributes in shapes:
        items, pages = scan_all(ddb, TableName=name, IndexName=index, Limit=4)
        assert sorted(map(key, items)) == sorted(wanted), index
        assert all(set(i) == attributes for i in items), index
        assert set(pages[0]["LastEvaluatedKey"]) == {"pk", "sk", "g"}
        seen: list[tuple[str, int]] = []
        for segment in range(3):
            got, _ = scan_all(
                ddb, TableName=name, IndexName=index, Segment=segment, TotalSegments=3, Limit=5
            )
            seen.extend(map(key, got))
        assert sorted(seen) == sorted(wanted), index
    full = ddb.scan(TableName=name, IndexName="by_g_local", Select="ALL_ATTRIBUTES")
    assert all("w" in i for i in full["Items"])
    assert error_of(ddb.scan, TableName=name, IndexName="by_g", Select="ALL_ATTRIBUTES") == (
        "ValidationException",
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
        "supported for global secondary index by_g because its projection type is not ALL",
    )
    assert error_of(ddb.scan, TableName=name, IndexName="by_g", ConsistentRead=True) == (
        "ValidationException",
        "Consistent reads are not supported on global secondary indexes",
    )
    assert error_of(
        ddb.scan,
        TableName=name,
        IndexName="by_g",
        ExclusiveStartKey={"pk": {"S": "p1"}, "sk": {"N": "1"}},
    ) == ("ValidationException", "The provided starting key is invalid")
