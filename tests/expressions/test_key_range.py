"""expressions/key_range.py: a bound key condition's sort-key test over encoded keys, the form
the read plan carries to storage."""

from __future__ import annotations

from typing import Any

import pytest

from ddblite.expressions import ExpressionContext, legacy_key_conditions
from ddblite.model.sort_key import SortKeyCondition, SortOp


def sort_key(text: str, values: dict[str, Any], range_type: str = "S") -> Any:
    context = ExpressionContext(None, {":p": {"S": "p"}, **values})
    return context.key_condition_shape(text).bind("pk", "sk", "S", range_type).sort_key()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pk = :p AND sk = :a", SortKeyCondition(SortOp.EQ, b"a")),
        ("pk = :p AND sk < :a", SortKeyCondition(SortOp.LT, b"a")),
        ("pk = :p AND sk <= :a", SortKeyCondition(SortOp.LE, b"a")),
        ("pk = :p AND sk > :a", SortKeyCondition(SortOp.GT, b"a")),
        ("pk = :p AND sk >= :a", SortKeyCondition(SortOp.GE, b"a")),
        (":a > sk AND pk = :p", SortKeyCondition(SortOp.LT, b"a")),  # turned around
        ("pk = :p AND sk BETWEEN :a AND :b", SortKeyCondition(SortOp.BETWEEN, b"a", b"b")),
        ("pk = :p AND begins_with(sk, :a)", SortKeyCondition(SortOp.BEGINS_WITH, b"a")),
    ],
)
def test_each_operator(text: str, expected: SortKeyCondition) -> None:
    values = {name: {"S": name[1:]} for name in (":a", ":b") if name in text}
    assert sort_key(text, values) == expected


def test_values_are_encoded_for_their_type() -> None:
    got = sort_key(
        "pk = :p AND sk BETWEEN :a AND :b", {":a": {"N": "-1.5"}, ":b": {"N": "12"}}, "N"
    )
    assert got == SortKeyCondition(SortOp.BETWEEN, b"\x40\x7d84\xff", b"\xc0\x8312")
    binary = sort_key("pk = :p AND begins_with(sk, :a)", {":a": {"B": "AP8="}}, "B")
    assert binary == SortKeyCondition(SortOp.BEGINS_WITH, b"\x00\xff")


def test_no_sort_key_test() -> None:
    assert sort_key("pk = :p", {}) is None


def test_legacy_key_conditions() -> None:
    shape = legacy_key_conditions(
        {
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
            "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "x"}]},
        }
    )
    key = shape.bind("pk", "sk", "S", "S")
    assert key.sort_key() == SortKeyCondition(SortOp.BEGINS_WITH, b"x")
