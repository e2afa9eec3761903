"""Attribute value validation and DynamoDB's item size arithmetic."""

from __future__ import annotations

from typing import Any

import pytest

from ddblite.errors import ValidationException
from ddblite.model.values import check_item, check_value, item_size, number_size, value_size


def invalid(value: dict[str, Any]) -> str:
    with pytest.raises(ValidationException) as info:
        check_value(value, 0)
    assert info.value.message is not None
    return info.value.message


def test_numbers_become_canonical_in_place() -> None:
    item: dict[str, Any] = {
        "a": {"N": "01.50"},
        "b": {"NS": ["1.0", "2"]},
        "c": {"L": [{"N": "1e2"}]},
    }
    check_item(item)
    assert item == {"a": {"N": "1.5"}, "b": {"NS": ["1", "2"]}, "c": {"L": [{"N": "100"}]}}


def test_value_messages() -> None:
    assert invalid({}) == (
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    )
    assert invalid({"S": "a", "N": "1"}) == (
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
        "the supported datatypes"
    )
    # The number is checked before the extra type is noticed.
    assert invalid({"S": "a", "N": "x"}) == (
        "The parameter cannot be converted to a numeric value: x"
    )
    assert invalid({"NULL": False}) == (
        "One or more parameter values were invalid: Null attribute value types must have the "
        "value of true"
    )
    assert invalid({"SS": []}) == (
        "One or more parameter values were invalid: An string set  may not be empty"
    )
    assert invalid({"NS": []}) == (
        "One or more parameter values were invalid: An number set  may not be empty"
    )
    assert invalid({"BS": []}) == (
        "One or more parameter values were invalid: Binary sets should not be empty"
    )
    assert invalid({"SS": ["a", "b", "a"]}) == (
        "One or more parameter values were invalid: Input collection [a, b, a] contains duplicates."
    )
    assert invalid({"NS": ["1", "1.0"]}) == "Input collection contains duplicates"
    assert invalid({"BS": ["YQ==", "YQ=="]}) == (
        "One or more parameter values were invalid: Input collection [YQ==, YQ==]of type BS "
        "contains duplicates."
    )


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(depth):
        value = {"L": [value]}
    return value


# "Nested attribute depth: 32 levels" (Developer Guide, "Quotas", Attributes).
def test_nesting_limit_is_32_levels() -> None:
    deepest = nested(31)
    assert check_value(deepest, 0) is None
    assert deepest == nested(31)
    assert invalid(nested(32)) == (
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested "
        "levels beyond supported limit"
    )


def test_empty_strings_and_binaries_are_values() -> None:
    item = {"s": {"S": ""}, "b": {"B": ""}, "n": {"N": "007.50"}}
    assert check_item(item) is None
    # Left as they are, except numbers, which become canonical in place.
    assert item == {"s": {"S": ""}, "b": {"B": ""}, "n": {"N": "7.5"}}


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("0", 1),
        ("1", 2),
        ("-1", 3),
        ("42", 2),
        ("-42", 3),
        ("1000", 2),
        ("1001", 3),
        ("12345", 4),
        ("0.05", 2),
        ("100.5", 4),
        ("1.5", 3),
    ],
)
def test_number_size(text: str, size: int) -> None:
    assert number_size(text) == size


def test_item_size_counts_names_and_values() -> None:
    assert item_size({"id": {"S": "abc"}}) == 5
    assert item_size({"é": {"S": "é"}}) == 4  # UTF-8 bytes, not characters
    assert value_size({"BOOL": True}) == 1
    assert value_size({"NULL": True}) == 1
    assert value_size({"B": "YWJj"}) == 3
    assert value_size({"SS": ["a", "bc"]}) == 3
    assert value_size({"L": [{"S": "a"}, {"N": "1"}]}) == 3 + 2 + 1 + 2
    assert value_size({"M": {"k": {"S": "v"}}}) == 3 + 1 + 1 + 1
