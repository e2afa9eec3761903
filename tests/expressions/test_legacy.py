"""Legacy parameters: Expected, QueryFilter/ScanFilter, KeyConditions, AttributesToGet,
AttributeUpdates, and the rules for mixing them with expressions."""

from __future__ import annotations

from typing import Any

import pytest

from ddblite.errors import ValidationException
from ddblite.expressions import (
    KeyTest,
    apply_update,
    check_parameters,
    evaluate,
    legacy_attribute_updates,
    legacy_attributes_to_get,
    legacy_expected,
    legacy_filter,
    legacy_key_conditions,
    project,
    top_level_names,
)

INVALID = "One or more parameter values were invalid: "


def message(call: Any) -> str:
    with pytest.raises(ValidationException) as info:
        call()
    assert info.value.message is not None
    return info.value.message


# --- mixing parameters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "request_", "expected"),
    [
        (
            "UpdateItem",
            {"UpdateExpression": "", "AttributeUpdates": {}},
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributeUpdates} Expression parameters: "
            "{UpdateExpression}",
        ),
        (
            "UpdateItem",
            {
                "AttributeUpdates": {},
                "Expected": {},
                "ConditionExpression": "",
                "UpdateExpression": "",
            },
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributeUpdates, Expected} Expression parameters: "
            "{UpdateExpression, ConditionExpression}",
        ),
        (
            "PutItem",
            {"Expected": {}, "ConditionExpression": "a = :a"},
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
        ),
        (
            "GetItem",
            {"AttributesToGet": ["a"], "ProjectionExpression": "a"},
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributesToGet} Expression parameters: "
            "{ProjectionExpression}",
        ),
        (
            "Query",
            {
                "AttributesToGet": ["a"],
                "QueryFilter": {},
                "ConditionalOperator": "AND",
                "KeyConditions": {},
                "ProjectionExpression": "",
                "FilterExpression": "",
                "KeyConditionExpression": "",
            },
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributesToGet, QueryFilter, ConditionalOperator, "
            "KeyConditions} Expression parameters: {ProjectionExpression, FilterExpression, "
            "KeyConditionExpression}",
        ),
        (
            "Query",
            {"QueryFilter": {}, "KeyConditions": {}, "FilterExpression": ""},
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {QueryFilter} Expression parameters: {FilterExpression}",
        ),
        (
            "Scan",
            {"ScanFilter": {}, "FilterExpression": "a = :a"},
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {ScanFilter} Expression parameters: {FilterExpression}",
        ),
        (
            "PutItem",
            {"ExpressionAttributeNames": {}},
            "ExpressionAttributeNames can only be specified when using expressions",
        ),
        (
            "UpdateItem",
            {"ExpressionAttributeValues": {}},
            "ExpressionAttributeValues can only be specified when using expressions: "
            "UpdateExpression and ConditionExpression are null",
        ),
        (
            "PutItem",
            {"ExpressionAttributeValues": {":a": {"S": "a"}}},
            "ExpressionAttributeValues can only be specified when using expressions: "
            "ConditionExpression is null",
        ),
        (
            "Query",
            {"KeyConditions": {}, "ExpressionAttributeValues": {}, "ProjectionExpression": "a"},
            "ExpressionAttributeValues can only be specified when using expressions: "
            "FilterExpression and KeyConditionExpression are null",
        ),
        (
            "Query",
            {},
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in "
            "the request.",
        ),
    ],
)
def test_check_parameters(operation: str, request_: dict[str, Any], expected: str) -> None:
    assert message(lambda: check_parameters(request_, operation)) == expected


# Legal mixes: a legacy key condition with an expression filter (each parameter pair is judged
# on its own), ExpressionAttributeNames beside an expression, ConditionalOperator beside Expected.
@pytest.mark.parametrize(
    ("operation", "request_"),
    [
        ("Query", {"KeyConditions": {}, "FilterExpression": "a = :v"}),
        ("GetItem", {"ProjectionExpression": "a", "ExpressionAttributeNames": {}}),
        ("PutItem", {"Expected": {}, "ConditionalOperator": "OR"}),
    ],
)
def test_check_parameters_accepts(operation: str, request_: dict[str, Any]) -> None:
    assert check_parameters(request_, operation) is None


# --- Expected --------------------------------------------------------------------------------

ITEM: dict[str, Any] = {"a": {"S": "abc"}, "n": {"N": "5"}, "ss": {"SS": ["x", "y"]}}


@pytest.mark.parametrize(
    ("expected", "operator", "item", "result"),
    [
        ({"a": {"Value": {"S": "abc"}}}, None, ITEM, True),
        ({"a": {"Value": {"S": "abd"}}}, None, ITEM, False),
        ({"a": {"Value": {"S": "abc"}, "Exists": True}}, None, ITEM, True),
        ({"zz": {"Exists": False}}, None, ITEM, True),
        ({"a": {"Exists": False}}, None, ITEM, False),
        ({"a": {"Exists": False}}, None, None, True),
        ({"a": {"ComparisonOperator": "NOT_NULL"}}, None, ITEM, True),
        ({"a": {"ComparisonOperator": "NULL"}}, None, ITEM, False),
        ({"n": {"ComparisonOperator": "GT", "Value": {"N": "4"}}}, None, ITEM, True),
        (
            {"n": {"ComparisonOperator": "LE", "AttributeValueList": [{"N": "4"}]}},
            None,
            ITEM,
            False,
        ),
        (
            {
                "n": {
                    "ComparisonOperator": "BETWEEN",
                    "AttributeValueList": [{"N": "5"}, {"N": "9"}],
                }
            },
            None,
            ITEM,
            True,
        ),
        (
            {"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1"}, {"N": "5.0"}]}},
            None,
            ITEM,
            True,
        ),
        ({"a": {"ComparisonOperator": "BEGINS_WITH", "Value": {"S": "ab"}}}, None, ITEM, True),
        ({"a": {"ComparisonOperator": "CONTAINS", "Value": {"S": "bc"}}}, None, ITEM, True),
        ({"ss": {"ComparisonOperator": "CONTAINS", "Value": {"S": "y"}}}, None, ITEM, True),
        ({"ss": {"ComparisonOperator": "NOT_CONTAINS", "Value": {"S": "y"}}}, None, ITEM, False),
        ({"zz": {"ComparisonOperator": "NOT_CONTAINS", "Value": {"S": "y"}}}, None, ITEM, False),
        ({"zz": {"ComparisonOperator": "NE", "Value": {"S": "y"}}}, None, ITEM, True),
        ({"a": {"ComparisonOperator": "NE", "Value": {"N": "1"}}}, None, ITEM, True),
        ({"a": {"ComparisonOperator": "LT", "Value": {"N": "1"}}}, None, ITEM, False),
        # AND by default, OR on request.
        ({"a": {"Value": {"S": "abc"}}, "n": {"Value": {"N": "6"}}}, None, ITEM, False),
        ({"a": {"Value": {"S": "abc"}}, "n": {"Value": {"N": "6"}}}, "OR", ITEM, True),
        ({"a": {"Value": {"S": "zzz"}}, "n": {"Value": {"N": "6"}}}, "OR", ITEM, False),
        # A name is one top-level attribute, dots and all.
        ({"a.b": {"Exists": False}}, None, {"a": {"M": {"b": {"S": "x"}}}}, True),
    ],
)
def test_expected(
    expected: dict[str, Any], operator: str | None, item: dict[str, Any] | None, result: bool
) -> None:
    assert evaluate(legacy_expected(expected, operator), item) is result


@pytest.mark.parametrize(
    ("expected", "error"),
    [
        (
            {"a": {"Value": {"S": "a"}, "AttributeValueList": []}},
            INVALID + "Value and AttributeValueList cannot be used together for Attribute: a",
        ),
        (
            {"a": {"ComparisonOperator": "EQ", "Exists": True, "Value": {"S": "a"}}},
            INVALID + "Exists and ComparisonOperator cannot be used together for Attribute: a",
        ),
        (
            {"a": {"ComparisonOperator": "EQ"}},
            INVALID + "Value or AttributeValueList must be used with ComparisonOperator: EQ "
            "for Attribute: a",
        ),
        (
            {"a": {"AttributeValueList": [{"S": "a"}]}},
            INVALID + "AttributeValueList can only be used with a ComparisonOperator for "
            "Attribute: a",
        ),
        ({"a": {}}, INVALID + "Value must be provided when Exists is null for Attribute: a"),
        (
            {"a": {"Exists": True}},
            INVALID + "Value must be provided when Exists is true for Attribute: a",
        ),
        (
            {"a": {"Exists": False, "Value": {"S": "a"}}},
            INVALID + "Value cannot be used when Exists is false for Attribute: a",
        ),
        (
            {"a": {"ComparisonOperator": "NULL", "AttributeValueList": [{"S": "a"}]}},
            INVALID + "Invalid number of argument(s) for the NULL ComparisonOperator",
        ),
        (
            {
                "a": {
                    "ComparisonOperator": "BETWEEN",
                    "AttributeValueList": [{"S": "b"}, {"S": "a"}],
                }
            },
            "The BETWEEN condition was provided a range where the lower bound is greater than "
            "the upper bound",
        ),
        (
            {"a": {"ComparisonOperator": "IN", "AttributeValueList": [{"S": "b"}, {"N": "1"}]}},
            INVALID + "AttributeValues inside AttributeValueList must be of same type",
        ),
        ({"a": {"Value": {"SS": []}}}, INVALID + "An string set  may not be empty"),
    ],
)
def test_expected_errors(expected: dict[str, Any], error: str) -> None:
    assert message(lambda: legacy_expected(expected, None)) == error


# --- QueryFilter / ScanFilter ------------------------------------------------------------------


def condition(op: str, *values: dict[str, Any]) -> dict[str, Any]:
    return {"a": {"ComparisonOperator": op, "AttributeValueList": list(values)}}


@pytest.mark.parametrize(
    ("conditions", "error"),
    [
        (condition("EQ"), INVALID + "Invalid number of argument(s) for the EQ ComparisonOperator"),
        (
            condition("EQ", {"S": "a"}, {"S": "a"}),
            INVALID + "Invalid number of argument(s) for the EQ ComparisonOperator",
        ),
        (condition("IN"), INVALID + "Invalid number of argument(s) for the IN ComparisonOperator"),
        (
            condition("BETWEEN", {"S": "a"}),
            INVALID + "Invalid number of argument(s) for the BETWEEN ComparisonOperator",
        ),
        (
            condition("NOT_NULL", {"S": "a"}),
            INVALID + "Invalid number of argument(s) for the NOT_NULL ComparisonOperator",
        ),
        (
            condition("LT", {"BOOL": True}),
            INVALID + "ComparisonOperator LT is not valid for BOOL AttributeValue type",
        ),
        (
            condition("IN", {"SS": ["a"]}),
            INVALID + "ComparisonOperator IN is not valid for SS AttributeValue type",
        ),
        (
            condition("CONTAINS", {"L": []}),
            INVALID + "ComparisonOperator CONTAINS is not valid for L AttributeValue type",
        ),
        (
            condition("BEGINS_WITH", {"N": "1"}),
            INVALID + "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type",
        ),
        (
            condition("BETWEEN", {"M": {}}, {"M": {}}),
            INVALID + "ComparisonOperator BETWEEN is not valid for M AttributeValue type",
        ),
        (
            condition("IN", {"S": "b"}, {"N": "1"}),
            INVALID + "AttributeValues inside AttributeValueList must be of same type",
        ),
        (
            condition("BETWEEN", {"S": "b"}, {"S": "a"}),
            "The BETWEEN condition was provided a range where the lower bound is greater than "
            "the upper bound",
        ),
        (condition("EQ", {"NS": []}), INVALID + "An number set  may not be empty"),
    ],
)
def test_filter_errors(conditions: dict[str, Any], error: str) -> None:
    assert message(lambda: legacy_filter(conditions, None)) == error


def test_filter_evaluates() -> None:
    scan = legacy_filter(
        {
            "a": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "a"}]},
            "n": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "5"}]},
        },
        "AND",
    )
    assert evaluate(scan, ITEM)
    assert not evaluate(scan, {**ITEM, "n": {"N": "4"}})
    assert top_level_names(scan) == {"a", "n"}


# --- KeyConditions -------------------------------------------------------------------------------


def test_key_conditions() -> None:
    shape = legacy_key_conditions(
        {
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
            "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "x"}]},
        }
    )
    key = shape.bind("pk", "sk", "S", "S")
    assert key.hash_value == {"S": "p"}
    assert key.sort == KeyTest("sk", "begins_with", ({"S": "x"},))


@pytest.mark.parametrize(
    ("conditions", "error"),
    [
        ({}, "Conditions can be of length 1 or 2 only"),
        (
            {n: {"ComparisonOperator": "NULL"} for n in ("a", "b", "c")},
            "Conditions can be of length 1 or 2 only",
        ),
        (
            {"pk": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "p"}]}},
            "Attempted conditional constraint is not an indexable operation",
        ),
        (
            {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}},
            INVALID + "Condition parameter type does not match schema type",
        ),
        (
            {"pk": {"ComparisonOperator": "GT", "AttributeValueList": [{"S": "p"}]}},
            "Query key condition not supported",
        ),
        (
            {"sk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}},
            "Query condition missed key schema element: pk",
        ),
        (
            {
                "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
                "x": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
            },
            "Query condition missed key schema element: sk",
        ),
    ],
)
def test_key_condition_errors(conditions: dict[str, Any], error: str) -> None:
    assert message(lambda: legacy_key_conditions(conditions).bind("pk", "sk", "S", "S")) == error


# --- AttributesToGet --------------------------------------------------------------------------


def test_attributes_to_get() -> None:
    proj = legacy_attributes_to_get(["a", "m.x", "zz"])
    item: dict[str, Any] = {
        "a": {"S": "1"},
        "m.x": {"S": "2"},
        "m": {"M": {"x": {"S": "3"}}},
        "b": {"S": "4"},
    }
    assert project(proj, item) == {"a": {"S": "1"}, "m.x": {"S": "2"}}
    assert message(lambda: legacy_attributes_to_get(["a", "b", "a"])) == (
        INVALID + "Duplicate value in attribute name: a"
    )


# --- AttributeUpdates ---------------------------------------------------------------------------


def test_attribute_updates() -> None:
    upd = legacy_attribute_updates(
        {
            "p": {"Value": {"S": "put"}},
            "q": {"Action": "PUT", "Value": {"N": "1"}},
            "n": {"Action": "ADD", "Value": {"N": "2"}},
            "new": {"Action": "ADD", "Value": {"N": "2"}},
            "s": {"Action": "ADD", "Value": {"SS": ["b", "c"]}},
            "l": {"Action": "ADD", "Value": {"L": [{"S": "z"}]}},
            "d": {"Action": "DELETE", "Value": {"SS": ["x"]}},
            "gone": {"Action": "DELETE"},
        }
    )
    item: dict[str, Any] = {
        "pk": {"S": "k"},
        "n": {"N": "1"},
        "s": {"SS": ["a", "b"]},
        "l": {"L": [{"S": "y"}]},
        "d": {"SS": ["x"]},
        "gone": {"S": "bye"},
    }
    new, _ = apply_update(upd, item)
    assert new == {
        "pk": {"S": "k"},
        "p": {"S": "put"},
        "q": {"N": "1"},
        "n": {"N": "3"},
        "new": {"N": "2"},
        "s": {"SS": ["a", "b", "c"]},
        "l": {"L": [{"S": "y"}, {"S": "z"}]},
    }
    assert top_level_names(upd) == {"p", "q", "n", "new", "s", "l", "d", "gone"}


@pytest.mark.parametrize(
    ("updates", "error"),
    [
        (
            {"a": {"Action": "ADD"}},
            INVALID + "Only DELETE action is allowed when no attribute value is specified",
        ),
        (
            {"a": {"Action": "DELETE", "Value": {"S": "a"}}},
            INVALID + "DELETE action with value is not supported for the type S",
        ),
        (
            {"a": {"Action": "ADD", "Value": {"S": "a"}}},
            INVALID + "ADD action is not supported for the type S",
        ),
        ({"a": {"Value": {"NS": []}}}, INVALID + "An number set  may not be empty"),
    ],
)
def test_attribute_update_errors(updates: dict[str, Any], error: str) -> None:
    assert message(lambda: legacy_attribute_updates(updates)) == error


@pytest.mark.parametrize(
    ("updates", "item"),
    [
        ({"b": {"Action": "DELETE", "Value": {"NS": ["1"]}}}, {"b": {"SS": ["1"]}}),
        ({"c": {"Action": "DELETE", "Value": {"NS": ["1"]}}}, {"c": {"N": "1"}}),
        ({"b": {"Action": "ADD", "Value": {"NS": ["1"]}}}, {"b": {"SS": ["1"]}}),
        ({"d": {"Action": "ADD", "Value": {"N": "1"}}}, {"d": {"NS": ["1"]}}),
        ({"d": {"Action": "ADD", "Value": {"L": []}}}, {"d": {"S": "x"}}),
    ],
)
def test_attribute_update_type_mismatch(updates: dict[str, Any], item: dict[str, Any]) -> None:
    upd = legacy_attribute_updates(updates)
    assert message(lambda: apply_update(upd, item)) == "Type mismatch for attribute to update"


def test_eq_and_ne_take_any_type() -> None:
    item: dict[str, Any] = {"l": {"L": [{"S": "x"}]}, "t": {"BOOL": True}}
    eq = legacy_filter(
        {
            "l": {"ComparisonOperator": "EQ", "AttributeValueList": [{"L": [{"S": "x"}]}]},
            "t": {"ComparisonOperator": "NE", "AttributeValueList": [{"BOOL": False}]},
        },
        None,
    )
    assert evaluate(eq, item)


# ConditionalOperator with nothing to join is refused.
@pytest.mark.parametrize(
    ("operation", "request_"),
    [
        ("PutItem", {"ConditionalOperator": "AND"}),
        ("UpdateItem", {"ConditionalOperator": "OR"}),
        ("DeleteItem", {"ConditionalOperator": "AND"}),
        ("Scan", {"ConditionalOperator": "AND"}),
        ("Query", {"KeyConditions": {}, "ConditionalOperator": "OR"}),
    ],
)
def test_conditional_operator_without_conditions(operation: str, request_: dict[str, Any]) -> None:
    assert message(lambda: check_parameters(request_, operation)) == (
        "ConditionalOperator can only be used when Filter or Expected has two or more elements"
    )
