"""A table named by its ARN: DynamoDB accepts the table's ARN wherever it takes a TableName
("You can also provide the Amazon Resource Name (ARN) of the table in this parameter")."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import TableFactory, error_of


def _arn(ddb: Any, name: str) -> str:
    arn: str = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    return arn


def test_describe_and_single_item_operations_take_the_arn(
    ddb: Any, create_table: TableFactory
) -> None:
    name = create_table()
    arn = _arn(ddb, name)
    assert ddb.describe_table(TableName=arn)["Table"]["TableName"] == name
    ddb.put_item(TableName=arn, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.update_item(
        TableName=arn,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET v = v + :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    got = ddb.get_item(TableName=arn, Key={"pk": {"S": "a"}})["Item"]
    assert got == {"pk": {"S": "a"}, "v": {"N": "2"}}
    query = ddb.query(
        TableName=arn,
        KeyConditionExpression="pk = :a",
        ExpressionAttributeValues={":a": {"S": "a"}},
    )
    assert query["Items"] == [got]
    assert ddb.scan(TableName=arn)["Items"] == [got]
    ddb.delete_item(TableName=arn, Key={"pk": {"S": "a"}})
    assert ddb.scan(TableName=name)["Count"] == 0


def test_batches_and_transactions_take_the_arn(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    arn = _arn(ddb, name)
    written = ddb.batch_write_item(
        RequestItems={arn: [{"PutRequest": {"Item": {"pk": {"S": "a"}}}}]},
        ReturnConsumedCapacity="TOTAL",
    )
    assert written["UnprocessedItems"] == {}
    ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": arn, "Item": {"pk": {"S": "b"}}}}]
    )
    got = ddb.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": arn, "Key": {"pk": {"S": "a"}}}},
            {"Get": {"TableName": arn, "Key": {"pk": {"S": "b"}}}},
        ]
    )
    assert [r["Item"] for r in got["Responses"]] == [{"pk": {"S": "a"}}, {"pk": {"S": "b"}}]
    batch = ddb.batch_get_item(RequestItems={arn: {"Keys": [{"pk": {"S": "a"}}]}})
    assert batch["Responses"] == {arn: [{"pk": {"S": "a"}}]}


def test_delete_table_by_arn(ddb: Any, table_name: str) -> None:
    ddb.create_table(
        TableName=table_name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    deleted = ddb.delete_table(TableName=_arn(ddb, table_name))["TableDescription"]
    assert (deleted["TableName"], deleted["TableStatus"]) == (table_name, "DELETING")
    assert error_of(ddb.describe_table, TableName=table_name)[0] == "ResourceNotFoundException"
