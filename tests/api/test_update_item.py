"""UpdateItem edges checked against DynamoDB's answers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import TableFactory


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
