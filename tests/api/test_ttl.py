"""UpdateTimeToLive, DescribeTimeToLive, and expiry by the server's own sweeper."""

from __future__ import annotations

import time
from typing import Any

from tests.api.conftest import TableFactory, error_of


def spec(enabled: bool, attribute: str = "ttl") -> dict[str, Any]:
    return {"Enabled": enabled, "AttributeName": attribute}


def describe(ddb: Any, name: str) -> dict[str, Any]:
    return dict(ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"])


def once_enabled(ddb: Any, name: str, attribute: str = "ttl") -> dict[str, Any]:
    """The description once the background indexing is done (ENABLING until then)."""
    deadline = time.monotonic() + 10
    while (found := describe(ddb, name))["TimeToLiveStatus"] == "ENABLING":
        assert found == {"TimeToLiveStatus": "ENABLING", "AttributeName": attribute}
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return found


# A new table has TTL disabled; enabling answers the specification and describes ENABLING,
# then ENABLED; disabling goes back to DISABLED.
def test_enable_describe_disable(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    assert describe(ddb, name) == {"TimeToLiveStatus": "DISABLED"}
    answer = ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec(True))
    assert answer["TimeToLiveSpecification"] == spec(True)
    assert once_enabled(ddb, name) == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
    answer = ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec(False))
    assert answer["TimeToLiveSpecification"] == spec(False)
    assert describe(ddb, name) == {"TimeToLiveStatus": "DISABLED"}
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec(True, "expiresAt"))
    assert once_enabled(ddb, name, "expiresAt") == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expiresAt",
    }


# Requests that would change nothing, or change the attribute while TTL is on, are refused.
def test_refused_changes(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    assert error_of(
        ddb.update_time_to_live, TableName=name, TimeToLiveSpecification=spec(False)
    ) == ("ValidationException", "TimeToLive is already disabled")
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec(True))
    once_enabled(ddb, name)
    assert error_of(
        ddb.update_time_to_live, TableName=name, TimeToLiveSpecification=spec(True)
    ) == ("ValidationException", "TimeToLive is already enabled")
    for enabled in (True, False):
        assert error_of(
            ddb.update_time_to_live,
            TableName=name,
            TimeToLiveSpecification=spec(enabled, "other"),
        ) == (
            "ValidationException",
            "TimeToLive is active on a different AttributeName: current AttributeName is ttl",
        )
    assert describe(ddb, name) == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}


# A table that does not exist.
def test_missing_table(ddb: Any) -> None:
    message = "Requested resource not found: Table: no_such_table not found"
    assert error_of(
        ddb.update_time_to_live, TableName="no_such_table", TimeToLiveSpecification=spec(True)
    ) == ("ResourceNotFoundException", message)
    assert error_of(ddb.describe_time_to_live, TableName="no_such_table") == (
        "ResourceNotFoundException",
        message,
    )


# The attribute name is 1..255 characters (checked before the table).
def test_attribute_name_length(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    long = "a" * 256
    assert error_of(
        ddb.update_time_to_live, TableName=name, TimeToLiveSpecification=spec(True, long)
    ) == (
        "ValidationException",
        f"1 validation error detected: Value '{long}' at "
        "'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must "
        "have length less than or equal to 255",
    )
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec(True, "a" * 255))


# The server deletes expired items by itself within seconds; until then they are read as
# usual. Items in the future, or with a non-Number TTL attribute, stay.
def test_server_expires_items(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec(True))
    now = int(time.time())
    ddb.put_item(TableName=name, Item={"pk": {"S": "past"}, "ttl": {"N": str(now - 60)}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "future"}, "ttl": {"N": str(now + 3600)}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "text"}, "ttl": {"S": str(now - 60)}})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "past"}}):
            break
        time.sleep(0.1)
    items = ddb.scan(TableName=name)["Items"]
    assert sorted(item["pk"]["S"] for item in items) == ["future", "text"]
