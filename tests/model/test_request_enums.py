"""model.request_enums: each enum holds exactly the service's strings, and ``of`` reads the
request member of the same name (absent or null: NONE)."""

from __future__ import annotations

from ddblite.model.request_enums import (
    ReturnConsumedCapacity,
    ReturnItemCollectionMetrics,
    ReturnValues,
    ReturnValuesOnConditionCheckFailure,
    Select,
)


def test_the_values_are_the_services_strings() -> None:
    assert [v.value for v in ReturnValues] == [
        "NONE",
        "ALL_OLD",
        "UPDATED_OLD",
        "ALL_NEW",
        "UPDATED_NEW",
    ]
    assert [v.value for v in ReturnValuesOnConditionCheckFailure] == ["NONE", "ALL_OLD"]
    assert [v.value for v in ReturnConsumedCapacity] == ["NONE", "TOTAL", "INDEXES"]
    assert [v.value for v in ReturnItemCollectionMetrics] == ["NONE", "SIZE"]
    assert [v.value for v in Select] == [
        "ALL_ATTRIBUTES",
        "ALL_PROJECTED_ATTRIBUTES",
        "SPECIFIC_ATTRIBUTES",
        "COUNT",
    ]


def test_of_reads_the_member_named_like_the_enum() -> None:
    request = {
        "ReturnValues": "UPDATED_NEW",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        "ReturnConsumedCapacity": "INDEXES",
        "ReturnItemCollectionMetrics": "SIZE",
    }
    assert ReturnValues.of(request) is ReturnValues.UPDATED_NEW
    assert (
        ReturnValuesOnConditionCheckFailure.of(request)
        is ReturnValuesOnConditionCheckFailure.ALL_OLD
    )
    assert ReturnConsumedCapacity.of(request) is ReturnConsumedCapacity.INDEXES
    assert ReturnItemCollectionMetrics.of(request) is ReturnItemCollectionMetrics.SIZE


def test_of_an_absent_or_null_member_is_none() -> None:
    assert ReturnValues.of({}) is ReturnValues.NONE
    assert ReturnConsumedCapacity.of({"ReturnConsumedCapacity": None}) is (
        ReturnConsumedCapacity.NONE
    )
    assert ReturnItemCollectionMetrics.of({}) is ReturnItemCollectionMetrics.NONE
    assert ReturnValuesOnConditionCheckFailure.of({}) is ReturnValuesOnConditionCheckFailure.NONE
