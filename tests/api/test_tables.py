"""CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import TableFactory, error_of

KEYS = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEFS = [{"AttributeName": "pk", "AttributeType": "S"}]
INVALID = "One or more parameter values were invalid: "


def test_create_describe_delete(ddb: Any, table_name: str) -> None:
    created = ddb.create_table(
        TableName=table_name,
        KeySchema=KEYS,
        AttributeDefinitions=DEFS,
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
        Tags=[{"Key": "team", "Value": "core"}],
    )["TableDescription"]
    # CreateTable answers CREATING (clients then wait for ACTIVE), as DynamoDB does.
    assert created["TableStatus"] == "CREATING"
    assert created["TableArn"] == f"arn:aws:dynamodb:us-east-1:000000000000:table/{table_name}"
    assert created["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 5,
        "WriteCapacityUnits": 7,
    }
    ddb.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.1})
    table = ddb.describe_table(TableName=table_name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert (table["ItemCount"], table["TableSizeBytes"]) == (0, 0)
    assert table["TableId"] == created["TableId"]
    assert table["KeySchema"] == KEYS
    assert "BillingModeSummary" not in table
    ddb.put_item(TableName=table_name, Item={"pk": {"S": "abc"}, "n": {"N": "1"}})
    table = ddb.describe_table(TableName=table_name)["Table"]
    assert (table["ItemCount"], table["TableSizeBytes"]) == (1, 2 + 3 + 1 + 2)
    deleted = ddb.delete_table(TableName=table_name)["TableDescription"]
    assert deleted["TableStatus"] == "DELETING"
    # DynamoDB's answer leaves the creation time and the key definitions out.
    assert not {"CreationDateTime", "KeySchema", "AttributeDefinitions"} & set(deleted)
    assert (deleted["TableName"], deleted["ItemCount"]) == (table_name, 1)
    assert error_of(ddb.describe_table, TableName=table_name) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Table: {table_name} not found",
    )
    # The name is free at once (the old rows are deleted in the background): a new table of
    # that name starts empty.
    ddb.create_table(
        TableName=table_name,
        KeySchema=KEYS,
        AttributeDefinitions=DEFS,
        BillingMode="PAY_PER_REQUEST",
    )
    assert ddb.describe_table(TableName=table_name)["Table"]["ItemCount"] == 0
    assert "Item" not in ddb.get_item(TableName=table_name, Key={"pk": {"S": "abc"}})
    ddb.delete_table(TableName=table_name)


def test_pay_per_request(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 0


def test_table_already_exists(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    assert error_of(
        ddb.create_table,
        TableName=name,
        KeySchema=KEYS,
        AttributeDefinitions=DEFS,
        BillingMode="PAY_PER_REQUEST",
    ) == ("ResourceInUseException", f"Table already exists: {name}")


def test_key_schema_rules(ddb: Any, table_name: str) -> None:
    def create(**kwargs: Any) -> tuple[str, str]:
        args = {"TableName": table_name, "BillingMode": "PAY_PER_REQUEST", **kwargs}
        return error_of(ddb.create_table, **args)

    assert create(
        KeySchema=KEYS, AttributeDefinitions=[{"AttributeName": "other", "AttributeType": "S"}]
    ) == (
        "ValidationException",
        INVALID + "Some index key attributes are not defined in AttributeDefinitions. "
        "Keys: [pk], AttributeDefinitions: [other]",
    )
    assert create(
        KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"}], AttributeDefinitions=DEFS
    ) == (
        "ValidationException",
        "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
    )
    assert create(
        KeySchema=KEYS,
        AttributeDefinitions=[*DEFS, {"AttributeName": "extra", "AttributeType": "S"}],
    ) == (
        "ValidationException",
        INVALID + "Number of attributes in KeySchema does not exactly match number of "
        "attributes defined in AttributeDefinitions",
    )
    # Recorded against DynamoDB (scylladb issue 13870).
    assert create(
        KeySchema=KEYS,
        AttributeDefinitions=[*DEFS, {"AttributeName": "pk", "AttributeType": "N"}],
    ) == ("ValidationException", "Attribute Name is duplicated: pk")


def test_billing_rules(ddb: Any, table_name: str) -> None:
    assert error_of(
        ddb.create_table, TableName=table_name, KeySchema=KEYS, AttributeDefinitions=DEFS
    ) == (
        "ValidationException",
        INVALID + "ReadCapacityUnits and WriteCapacityUnits must both be specified when "
        "BillingMode is PROVISIONED",
    )
    assert error_of(
        ddb.create_table,
        TableName=table_name,
        KeySchema=KEYS,
        AttributeDefinitions=DEFS,
        BillingMode="PAY_PER_REQUEST",
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    ) == (
        "ValidationException",
        INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
        "BillingMode is PAY_PER_REQUEST",
    )


def test_list_tables_pages(ddb: Any, create_table: TableFactory) -> None:
    names = sorted(create_table() for _ in range(3))
    seen: list[str] = []
    start: dict[str, str] = {}
    while True:
        page = ddb.list_tables(Limit=1, **start)
        seen.extend(page["TableNames"])
        if "LastEvaluatedTableName" not in page:
            break
        start = {"ExclusiveStartTableName": page["LastEvaluatedTableName"]}
    assert [n for n in seen if n in names] == names
    assert seen == sorted(seen)


def test_update_table_throughput_and_billing(ddb: Any, table_name: str) -> None:
    ddb.create_table(
        TableName=table_name,
        KeySchema=KEYS,
        AttributeDefinitions=DEFS,
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    try:
        updated = ddb.update_table(
            TableName=table_name,
            ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 20},
        )["TableDescription"]
        assert updated["ProvisionedThroughput"]["ReadCapacityUnits"] == 10
        assert updated["ProvisionedThroughput"]["WriteCapacityUnits"] == 20
        switched = ddb.update_table(TableName=table_name, BillingMode="PAY_PER_REQUEST")
        assert switched["TableDescription"]["BillingModeSummary"]["BillingMode"] == (
            "PAY_PER_REQUEST"
        )
    finally:
        ddb.delete_table(TableName=table_name)


def test_describe_limits_and_endpoints(ddb: Any) -> None:
    limits = ddb.describe_limits()
    assert limits["TableMaxReadCapacityUnits"] == 40000
    assert ddb.describe_endpoints()["Endpoints"][0]["CachePeriodInMinutes"] == 1440
