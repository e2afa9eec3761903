"""Condition edges (expressions and the legacy Expected) checked against DynamoDB's answers."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import TableFactory, error_of

FAILED = ("ConditionalCheckFailedException", "The conditional request failed")


# attribute_type's first operand may be a value: it then tests the value's own type.
def test_attribute_type_of_a_value(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    values = {":v": {"S": "x"}, ":s": {"S": "S"}, ":n": {"S": "N"}}
    ddb.put_item(
        TableName=name,
        Item={"pk": {"S": "a"}},
        ConditionExpression="attribute_type(:v, :s)",
        ExpressionAttributeValues={":v": values[":v"], ":s": values[":s"]},
    )
    assert (
        error_of(
            ddb.put_item,
            TableName=name,
            Item={"pk": {"S": "a"}},
            ConditionExpression="attribute_type(:v, :n)",
            ExpressionAttributeValues={":v": values[":v"], ":n": values[":n"]},
        )[0]
        == FAILED[0]
    )


# Legacy NOT_CONTAINS fails on a missing attribute (unlike NE).
def test_expected_not_contains_on_a_missing_attribute_fails(
    ddb: Any, create_table: TableFactory
) -> None:
    name = create_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    expected = {"zz": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "x"}]}}
    assert error_of(ddb.put_item, TableName=name, Item={"pk": {"S": "a"}}, Expected=expected) == (
        FAILED
    )
    ddb.put_item(
        TableName=name,
        Item={"pk": {"S": "a"}},
        Expected={"zz": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "x"}]}},
    )


def test_conditional_operator_without_expected_is_refused(
    ddb: Any, create_table: TableFactory
) -> None:
    name = create_table()
    assert error_of(
        ddb.put_item, TableName=name, Item={"pk": {"S": "a"}}, ConditionalOperator="AND"
    ) == (
        "ValidationException",
        "ConditionalOperator can only be used when Filter or Expected has two or more elements",
    )
