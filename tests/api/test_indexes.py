"""Secondary indexes through boto3 against a real server: DescribeTable's index members,
index-key validation on writes, per-index capacity, item collections, and GSIs added and
removed online with UpdateTable (the server backfills in the background)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.api.conftest import TableFactory, error_of

Item = dict[str, Any]


def keys(hash_name: str, range_name: str | None = None) -> list[dict[str, str]]:
    out = [{"AttributeName": hash_name, "KeyType": "HASH"}]
    if range_name is not None:
        out.append({"AttributeName": range_name, "KeyType": "RANGE"})
    return out


def defs(**types: str) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": kind} for name, kind in types.items()]


def index(
    name: str,
    hash_name: str,
    range_name: str | None = None,
    projection: str = "ALL",
    include: list[str] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"ProjectionType": projection}
    if include is not None:
        spec["NonKeyAttributes"] = include
    return {"IndexName": name, "KeySchema": keys(hash_name, range_name), "Projection": spec}


def wait_until_active(ddb: Any, table: str, timeout: float = 30.0) -> dict[str, Any]:
    """DescribeTable until the table and every GSI are ACTIVE (what SDK waiters and the
    conformance suite do after UpdateTable)."""
    deadline = time.monotonic() + timeout
    while True:
        description: dict[str, Any] = ddb.describe_table(TableName=table)["Table"]
        if description["TableStatus"] == "ACTIVE" and all(
            g["IndexStatus"] == "ACTIVE" for g in description.get("GlobalSecondaryIndexes", ())
        ):
            return description
        assert time.monotonic() < deadline, description
        time.sleep(0.05)


@pytest.fixture
def orders(create_table: TableFactory) -> str:
    """(CustomerId S, OrderId S); GSI StatusIndex (Status, Timestamp; INCLUDE Total);
    LSI TimestampIndex (CustomerId, Timestamp; KEYS_ONLY)."""
    return create_table(
        ("CustomerId", "S"),
        ("OrderId", "S"),
        extra_definitions=defs(Status="S", Timestamp="N"),
        GlobalSecondaryIndexes=[index("StatusIndex", "Status", "Timestamp", "INCLUDE", ["Total"])],
        LocalSecondaryIndexes=[index("TimestampIndex", "CustomerId", "Timestamp", "KEYS_ONLY")],
    )


ORDER = {
    "CustomerId": {"S": "c1"},
    "OrderId": {"S": "o1"},
    "Status": {"S": "PENDING"},
    "Timestamp": {"N": "100"},
    "Total": {"N": "25"},
    "Notes": {"S": "leave at door"},
}


# DescribeTable reports each index's schema, projection, status, ARN and live counts.
def test_describe_table_index_members(ddb: Any, orders: str) -> None:
    ddb.put_item(TableName=orders, Item=ORDER)
    ddb.put_item(TableName=orders, Item={"CustomerId": {"S": "c1"}, "OrderId": {"S": "o2"}})
    table = ddb.describe_table(TableName=orders)["Table"]
    arn = table["TableArn"]
    [gsi] = table["GlobalSecondaryIndexes"]
    assert gsi == {
        "IndexName": "StatusIndex",
        "KeySchema": keys("Status", "Timestamp"),
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["Total"]},
        "IndexStatus": "ACTIVE",
        "ProvisionedThroughput": {
            "NumberOfDecreasesToday": 0,
            "ReadCapacityUnits": 0,
            "WriteCapacityUnits": 0,
        },
        "IndexSizeBytes": 52,  # the one order with both index keys, projected
        "ItemCount": 1,
        "IndexArn": f"{arn}/index/StatusIndex",
    }
    [lsi] = table["LocalSecondaryIndexes"]
    assert lsi == {
        "IndexName": "TimestampIndex",
        "KeySchema": keys("CustomerId", "Timestamp"),
        "Projection": {"ProjectionType": "KEYS_ONLY"},
        "IndexSizeBytes": 32,
        "ItemCount": 1,
        "IndexArn": f"{arn}/index/TimestampIndex",
    }


# A write whose index key attribute has the wrong type or an empty value is refused whole.
def test_index_key_validation_on_writes(ddb: Any, orders: str) -> None:
    bad_type = {**ORDER, "Status": {"N": "1"}}
    assert error_of(ddb.put_item, TableName=orders, Item=bad_type) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key Status "
        "Expected: S Actual: N IndexName: StatusIndex",
    )
    empty = {**ORDER, "Status": {"S": ""}}
    assert error_of(ddb.put_item, TableName=orders, Item=empty) == (
        "ValidationException",
        "One or more parameter values are not valid. A value specified for a secondary index "
        "key is not supported. The AttributeValue for a key attribute cannot contain an empty "
        "string value. IndexName: StatusIndex, IndexKey: Status",
    )
    lsi_type = {**ORDER, "Timestamp": {"S": "yesterday"}}
    code, message = error_of(ddb.put_item, TableName=orders, Item=lsi_type)
    assert (code, message) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key Timestamp "
        "Expected: N Actual: S IndexName: StatusIndex",
    )
    assert ddb.scan(TableName=orders)["Count"] == 0


# ReturnConsumedCapacity=INDEXES: each index is charged for the change to its own entry.
def test_consumed_capacity_per_index(ddb: Any, orders: str) -> None:
    got = ddb.put_item(TableName=orders, Item=ORDER, ReturnConsumedCapacity="INDEXES")
    assert got["ConsumedCapacity"] == {
        "TableName": orders,
        "CapacityUnits": 3.0,
        "Table": {"CapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {"StatusIndex": {"CapacityUnits": 1.0}},
        "LocalSecondaryIndexes": {"TimestampIndex": {"CapacityUnits": 1.0}},
    }
    # Notes is in no index: only the table is charged.
    changed = {**ORDER, "Notes": {"S": "ring twice"}}
    got = ddb.put_item(TableName=orders, Item=changed, ReturnConsumedCapacity="INDEXES")
    assert got["ConsumedCapacity"] == {
        "TableName": orders,
        "CapacityUnits": 1.0,
        "Table": {"CapacityUnits": 1.0},
    }
    # A new Status moves the GSI entry: a delete and a put.
    shipped = {**changed, "Status": {"S": "SHIPPED"}}
    got = ddb.put_item(TableName=orders, Item=shipped, ReturnConsumedCapacity="INDEXES")
    assert got["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {
        "StatusIndex": {"CapacityUnits": 2.0}
    }
    assert "LocalSecondaryIndexes" not in got["ConsumedCapacity"]


# ReturnItemCollectionMetrics=SIZE on a table with an LSI names the collection.
def test_item_collection_metrics(ddb: Any, orders: str) -> None:
    got = ddb.put_item(TableName=orders, Item=ORDER, ReturnItemCollectionMetrics="SIZE")
    assert got["ItemCollectionMetrics"] == {
        "ItemCollectionKey": {"CustomerId": {"S": "c1"}},
        "SizeEstimateRangeGB": [0.0, 1.0],
    }


# A GSI added with UpdateTable backfills the existing items, then becomes ACTIVE.
def test_add_gsi_online_then_query_it(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(("pk", "S"), ("sk", "S"))
    for i in range(300):
        item: Item = {"pk": {"S": f"item{i}"}, "sk": {"S": "a"}, "data": {"S": str(i)}}
        if i % 2 == 0:
            item["gsiPk"] = {"S": f"group{i % 3}"}
        ddb.put_item(TableName=name, Item=item)
    answer = ddb.update_table(
        TableName=name,
        AttributeDefinitions=defs(gsiPk="S"),
        GlobalSecondaryIndexUpdates=[{"Create": index("gsiQuery", "gsiPk")}],
    )["TableDescription"]
    assert answer["TableStatus"] == "UPDATING"
    [created] = answer["GlobalSecondaryIndexes"]
    assert (created["IndexStatus"], created["Backfilling"]) == ("CREATING", True)
    assert answer["AttributeDefinitions"] == defs(pk="S", sk="S", gsiPk="S")
    described = wait_until_active(ddb, name)
    [gsi] = described["GlobalSecondaryIndexes"]
    assert "Backfilling" not in gsi
    assert gsi["ItemCount"] == 150
    got = ddb.query(
        TableName=name,
        IndexName="gsiQuery",
        KeyConditionExpression="gsiPk = :g",
        ExpressionAttributeValues={":g": {"S": "group1"}},
    )
    assert sorted(int(item["data"]["S"]) for item in got["Items"]) == [
        i for i in range(300) if i % 2 == 0 and i % 3 == 1
    ]


# The backfill skips an item whose value cannot key the new index (over 2048 bytes for a
# partition key, 1024 for a sort key): it stays in the table, not in the index.
def test_backfill_skips_oversized_index_keys(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "fits"}, "gsiPk": {"S": "x" * 2048}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "too_big"}, "gsiPk": {"S": "x" * 2049}})
    ddb.update_table(
        TableName=name,
        AttributeDefinitions=defs(gsiPk="S"),
        GlobalSecondaryIndexUpdates=[{"Create": index("gsiBig", "gsiPk")}],
    )
    wait_until_active(ddb, name)
    scanned = ddb.scan(TableName=name, IndexName="gsiBig")["Items"]
    assert [item["pk"]["S"] for item in scanned] == ["fits"]
    assert ddb.scan(TableName=name)["Count"] == 2


# A new GSI may not retype an attribute an existing key already types (recorded against
# DynamoDB by Alternator's test_gsi_key_type_conflict_on_update).
def test_new_gsi_cannot_redefine_a_key_type(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(
        extra_definitions=defs(gsiPk="S"), GlobalSecondaryIndexes=[index("firstGsi", "gsiPk")]
    )
    assert error_of(
        ddb.update_table,
        TableName=name,
        AttributeDefinitions=defs(gsiPk="N"),
        GlobalSecondaryIndexUpdates=[{"Create": index("secondGsi", "gsiPk")}],
    ) == (
        "ValidationException",
        "One or more parameter values were invalid: Attributes cannot be redefined. Please "
        "check that your attribute has the same type as previously defined. Existing schema: "
        "Schema:[SchemaElement: key{gsiPk:S:HASH}] New schema: "
        "Schema:[SchemaElement: key{gsiPk:N:HASH}]",
    )


# Deleting a GSI: the response shows it DELETING; afterwards it is gone and the base table
# works as before.
def test_delete_gsi_online(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(
        extra_definitions=defs(gsiPk="S"), GlobalSecondaryIndexes=[index("existingGsi", "gsiPk")]
    )
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "gsiPk": {"S": "g"}})
    answer = ddb.update_table(
        TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "existingGsi"}}]
    )["TableDescription"]
    assert [(g["IndexName"], g["IndexStatus"]) for g in answer["GlobalSecondaryIndexes"]] == [
        ("existingGsi", "DELETING")
    ]
    described = wait_until_active(ddb, name)
    assert "GlobalSecondaryIndexes" not in described
    assert described["AttributeDefinitions"] == defs(pk="S")
    assert error_of(
        ddb.query,
        TableName=name,
        IndexName="existingGsi",
        KeyConditionExpression="gsiPk = :g",
        ExpressionAttributeValues={":g": {"S": "g"}},
    ) == ("ValidationException", "The table does not have the specified index: existingGsi")
    ddb.put_item(TableName=name, Item={"pk": {"S": "b"}, "gsiPk": {"N": "1"}})
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "b"}})["Item"]["gsiPk"] == {"N": "1"}


# UpdateTable's index rules, with DynamoDB's errors.
def test_update_table_index_errors(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(
        extra_definitions=defs(gsiPk="S"), GlobalSecondaryIndexes=[index("existingGsi", "gsiPk")]
    )
    assert error_of(
        ddb.update_table,
        TableName=name,
        AttributeDefinitions=defs(gsiPk="S"),
        GlobalSecondaryIndexUpdates=[{"Create": index("existingGsi", "gsiPk")}],
    ) == ("ValidationException", "Attempting to create an index which already exists")
    assert error_of(
        ddb.update_table,
        TableName=name,
        GlobalSecondaryIndexUpdates=[{"Create": index("gsiBadAttr", "unknownAttr")}],
    ) == (
        "ValidationException",
        "One or more parameter values were invalid: AttributeDefinitions is not specified "
        "for index: gsiBadAttr",
    )
    assert error_of(
        ddb.update_table,
        TableName=name,
        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "doesNotExist"}}],
    ) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Index doesNotExist for table {name}",
    )
    assert error_of(
        ddb.update_table,
        TableName=name,
        AttributeDefinitions=defs(a="S", b="S"),
        GlobalSecondaryIndexUpdates=[{"Create": index("ia1", "a")}, {"Create": index("ib1", "b")}],
    ) == (
        "LimitExceededException",
        "Subscriber limit exceeded: Only 1 online index can be created or deleted "
        "simultaneously per table",
    )
    assert error_of(ddb.update_table, TableName=name, GlobalSecondaryIndexUpdates=[{}]) == (
        "ValidationException",
        "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, "
        "GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null",
    )


# Two GSIs added one after the other both end up ACTIVE.
def test_add_gsis_sequentially(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(("pk", "S"), ("sk", "S"))
    ddb.update_table(
        TableName=name,
        AttributeDefinitions=defs(g1="S"),
        GlobalSecondaryIndexUpdates=[{"Create": index("gsi1", "g1")}],
    )
    wait_until_active(ddb, name)
    ddb.update_table(
        TableName=name,
        AttributeDefinitions=defs(g2="N"),
        GlobalSecondaryIndexUpdates=[{"Create": index("gsi2", "g2", projection="KEYS_ONLY")}],
    )
    described = wait_until_active(ddb, name)
    assert sorted(g["IndexName"] for g in described["GlobalSecondaryIndexes"]) == ["gsi1", "gsi2"]
    assert described["AttributeDefinitions"] == defs(pk="S", sk="S", g1="S", g2="N")
