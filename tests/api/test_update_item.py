"""UpdateItem edges checked against DynamoDB's answers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import TableFactory, error_of


# An update that only takes attributes away does not create a missing item: nothing is
# returned for ALL_NEW and a later GetItem finds nothing; `REMOVE a.b` is a no-op there.
@pytest.mark.parametrize(
    "update",
    [
        {"UpdateExpression": "REMOVE a"},
        {"UpdateExpression": "REMOVE a.b, c[0]"},
        {
            "UpdateExpression": "DELETE s :s REMOVE a",
            "ExpressionAttributeValues": {":s": {"SS": ["x"]}},
        },
        {"AttributeUpdates": {"a": {"Action": "DELETE"}}},
        {"AttributeUpdates": {"s": {"Action": "DELETE", "Value": {"NS": ["1"]}}}},
    ],
)
def test_remove_only_update_of_a_missing_item_creates_nothing(
    ddb: Any, create_table: TableFactory, update: dict[str, Any]
) -> None:
    name = create_table()
    key = {"pk": {"S": "missing"}}
    out = ddb.update_item(TableName=name, Key=key, ReturnValues="ALL_NEW", **update)
    assert "Attributes" not in out
    assert "Item" not in ddb.get_item(TableName=name, Key=key)


def test_set_with_remove_still_creates_the_item(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    out = ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "k"}},
        UpdateExpression="SET v = :v REMOVE a",
        ExpressionAttributeValues={":v": {"N": "1"}},
        ReturnValues="ALL_NEW",
    )
    assert out["Attributes"] == {"pk": {"S": "k"}, "v": {"N": "1"}}


# Recorded against AWS by Alternator: list_append nested in list_append is refused after parsing.
def test_list_append_inside_list_append_is_refused(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    assert error_of(
        ddb.update_item,
        TableName=name,
        Key={"pk": {"S": "k"}},
        UpdateExpression="SET a = list_append(list_append(:v, :v), :v)",
        ExpressionAttributeValues={":v": {"L": [{"S": "x"}]}},
    ) == (
        "ValidationException",
        "Invalid UpdateExpression: The function is not allowed to be used this way in an "
        "expression; function: list_append",
    )


# aws-sdk-js issue 1691 (recorded): a name may not begin with "_" (use a #placeholder).
@pytest.mark.parametrize("attribute", ["_abc", "_123"])
def test_a_name_beginning_with_underscore_is_a_syntax_error(
    ddb: Any, create_table: TableFactory, attribute: str
) -> None:
    name = create_table()
    assert error_of(
        ddb.update_item,
        TableName=name,
        Key={"pk": {"S": "k"}},
        UpdateExpression=f"SET {attribute} = :v",
        ExpressionAttributeValues={":v": {"S": "x"}},
    ) == (
        "ValidationException",
        f'Invalid UpdateExpression: Syntax error; token: "_", near: "SET {attribute}"',
    )
