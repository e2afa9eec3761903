"""ExpressionContext: placeholder maps, unused placeholders, limits, projections, key ranges."""

from __future__ import annotations

from typing import Any

import pytest

from ddblite.errors import ValidationException
from ddblite.expressions import (
    ExpressionContext,
    KeyCondition,
    KeyTest,
    nested_paths,
    project,
    top_level_names,
)
from ddblite.expressions.context import java_set_order
from ddblite.expressions.parser import parse


def message(call: Any) -> str:
    with pytest.raises(ValidationException) as info:
        call()
    assert info.value.message is not None
    return info.value.message


# --- ExpressionAttributeNames / ExpressionAttributeValues -----------------------------------


@pytest.mark.parametrize(
    ("names", "values", "expected"),
    [
        ({}, None, "ExpressionAttributeNames must not be empty"),
        (None, {}, "ExpressionAttributeValues must not be empty"),
        ({}, {}, "ExpressionAttributeNames must not be empty"),
        ({"a": "a"}, None, 'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"'),
        ({"#": "a"}, None, 'ExpressionAttributeNames contains invalid key: Syntax error; key: "#"'),
        (
            {"#a-b": "a"},
            None,
            'ExpressionAttributeNames contains invalid key: Syntax error; key: "#a-b"',
        ),
        (
            {"#a": ""},
            None,
            "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a",
        ),
        (
            {"#" + "a" * 255: "a"},
            None,
            "ExpressionAttributeNames contains invalid key: The expression attribute map "
            "contains a key that is too long; size of key: 256",
        ),
        (
            None,
            {"b": {"S": "a"}},
            'ExpressionAttributeValues contains invalid key: Syntax error; key: "b"',
        ),
        (
            None,
            {":" + "a" * 255: {"S": "a"}},
            "ExpressionAttributeValues contains invalid key: The expression attribute map "
            "contains a key that is too long;",
        ),
        (
            None,
            {":b": {"SS": []}},
            "ExpressionAttributeValues contains invalid value: One or more parameter values "
            "were invalid: An string set  may not be empty for key :b",
        ),
        (
            None,
            {":b": {"NS": []}},
            "ExpressionAttributeValues contains invalid value: One or more parameter values "
            "were invalid: An number set  may not be empty for key :b",
        ),
        (
            None,
            {":b": {"BS": []}},
            "ExpressionAttributeValues contains invalid value: One or more parameter values "
            "were invalid: Binary sets should not be empty for key :b",
        ),
        (
            None,
            {":b": {"NULL": False}},
            "ExpressionAttributeValues contains invalid value: One or more parameter values "
            "were invalid: Null attribute value types must have the value of true for key :b",
        ),
        (
            None,
            {":b": {"N": "abc"}},
            "ExpressionAttributeValues contains invalid value: The parameter cannot be "
            "converted to a numeric value: abc for key :b",
        ),
        (
            None,
            {":b": {}},
            "ExpressionAttributeValues contains invalid value: Supplied AttributeValue is "
            "empty, must contain exactly one of the supported datatypes for key :b",
        ),
        (
            None,
            {":b": {"S": "a", "N": "1"}},
            "ExpressionAttributeValues contains invalid value: Supplied AttributeValue has "
            "more than one datatypes set, must contain exactly one of the supported datatypes "
            "for key :b",
        ),
        (
            None,
            {":b": {"SS": ["a", "a"]}},
            "ExpressionAttributeValues contains invalid value: One or more parameter values "
            "were invalid: Input collection [a, a] contains duplicates. for key :b",
        ),
        (
            None,
            {":ok": {"S": "a"}, "bad": {"SS": []}},
            'ExpressionAttributeValues contains invalid key: Syntax error; key: "bad"',
        ),
    ],
)
def test_placeholder_maps(
    names: dict[str, str] | None, values: dict[str, Any] | None, expected: str
) -> None:
    assert message(lambda: ExpressionContext(names, values)) == expected


def test_too_deep_value_is_reported_bare() -> None:
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(32):
        value = {"L": [value]}
    assert message(lambda: ExpressionContext(None, {":v": value})) == (
        "Nesting Levels have exceeded supported limits: "
        "Attributes in the item have nested levels beyond supported limit"
    )
    ExpressionContext(None, {":v": value["L"][0]})


def test_empty_string_values_are_fine_and_numbers_become_canonical() -> None:
    values: dict[str, Any] = {":e": {"S": ""}, ":n": {"N": "001.50"}, ":ns": {"NS": ["1.0", "2"]}}
    ExpressionContext(None, values)
    assert values[":n"] == {"N": "1.5"}
    assert values[":ns"] == {"NS": ["1", "2"]}


# --- unused placeholders ---------------------------------------------------------------------


def test_unused_names_then_values() -> None:
    ctx = ExpressionContext({"#a": "a", "#b": "b"}, {":a": {"S": "x"}, ":b": {"S": "y"}})
    ctx.condition("#a = :a")
    assert message(ctx.check_unused) == (
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"
    )
    ctx.condition("#b = :a")
    assert message(ctx.check_unused) == (
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b}"
    )
    ctx.condition("a = :b")
    ctx.check_unused()


def test_placeholders_count_across_all_expressions_of_a_request() -> None:
    # dynalite's recording: names unused by both the update and the condition.
    ctx = ExpressionContext({"#a": "a", "#b": "b"}, {":a": {"S": "a"}, ":b": {"S": "a"}})
    ctx.update("remove a set b = list_append(b, if_not_exists(a, :a))")
    ctx.condition("a = :b")
    assert message(ctx.check_unused) == (
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"
    )


def test_unused_keys_are_listed_in_java_hash_set_order() -> None:
    ctx = ExpressionContext(None, {":c": {"S": "a"}, ":b": {"S": "a"}, ":a": {"S": "a"}})
    ctx.condition("x = :b")
    assert message(ctx.check_unused) == (
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:a, :c}"
    )
    # "#a" hashes to bucket 14 of 16, "#b" to 15; ":zeta" sorts before ":b2" the same way.
    assert java_set_order(["#b", "#a"], 2) == ["#a", "#b"]
    assert java_set_order([":zeta", ":alpha", ":b2", ":a1"], 4) == [
        ":alpha",
        ":zeta",
        ":b2",
        ":a1",
    ]


# A placeholder used by two expressions is used once; one in an expression that fails to parse
# is not used at all.
def test_failed_expression_still_counts_nothing_twice() -> None:
    ctx = ExpressionContext({"#a": "a", "#b": "b"}, None)
    assert ctx.projection("#a").flat == ("a",)
    assert ctx.projection("#a, b").flat == ("a", "b")
    with pytest.raises(ValidationException) as failed:
        ctx.projection("#b ,")
    assert failed.value.message == (
        'Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: ","'
    )
    with pytest.raises(ValidationException) as unused:
        ctx.check_unused()
    assert unused.value.message == (
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"
    )


# --- limits ----------------------------------------------------------------------------------


def test_expression_size_limit_is_4096_utf8_bytes() -> None:
    ctx = ExpressionContext(None, None)
    ok = "a" * 4096
    ctx.projection(ok)
    assert message(lambda: ctx.projection(ok + "b")) == (
        "Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size; "
        "expression size: 4097"
    )
    # Measured in UTF-8 bytes, before anything else.
    text = "é" * 2049
    assert message(lambda: ctx.condition(text)).endswith("expression size: 4098")
    assert message(lambda: ctx.update("SET a = :v" + " " * 4090)).startswith(
        "Invalid UpdateExpression: Expression size has exceeded"
    )


def values_for(count: int) -> dict[str, Any]:
    return {f":v{i}": {"N": str(i)} for i in range(count)}


def test_in_takes_at_most_100_operands() -> None:
    def condition(count: int) -> str:
        return "a IN (" + ", ".join(f":v{i}" for i in range(count)) + ")"

    ExpressionContext(None, values_for(100)).condition(condition(100))
    assert message(lambda: ExpressionContext(None, values_for(101)).condition(condition(101))) == (
        "Invalid ConditionExpression: The IN operator is provided with too many operands; "
        "number of operands: 101"
    )


def test_at_most_300_operators() -> None:
    def filter_text(count: int) -> str:
        # count comparisons joined by count - 1 ANDs: 2 * count - 1 operators.
        return " AND ".join(f"a{i} = :v" for i in range(count))

    values = {":v": {"N": "1"}}
    ExpressionContext(None, values).condition(filter_text(150), "FilterExpression")
    assert message(
        lambda: ExpressionContext(None, values).condition(filter_text(151), "FilterExpression")
    ) == (
        "Invalid FilterExpression: The expression contains too many operators; operator count: 301"
    )
    sums = "SET " + ",".join(f"x{i}=y+:v" for i in range(301))
    assert message(lambda: ExpressionContext(None, values).update(sums)) == (
        "Invalid UpdateExpression: The expression contains too many operators; operator count: 301"
    )


def test_deep_nesting_does_not_overflow_the_stack() -> None:
    ctx = ExpressionContext(None, {":v": {"N": "1"}})
    text = "(" * 2000 + "a = :v" + ")" * 2000
    assert message(lambda: ctx.condition(text)).startswith(
        "Invalid ConditionExpression: Syntax error;"
    )
    assert message(lambda: ctx.condition("NOT " * 1000 + "a = :v")).startswith(
        "Invalid ConditionExpression: Syntax error;"
    )
    ctx.condition("NOT " * 100 + "a = :v")


def test_parsing_is_cached_by_text() -> None:
    assert parse("condition", "a = :v") is parse("condition", "a = :v")
    with pytest.raises(Exception) as first:
        parse("condition", "a =")
    with pytest.raises(Exception) as second:
        parse("condition", "a =")
    assert str(first.value) == str(second.value)


# --- projections -----------------------------------------------------------------------------

ITEM: dict[str, Any] = {
    "pk": {"S": "k"},
    "a": {"S": "x"},
    "m": {"M": {"x": {"N": "1"}, "y": {"N": "2"}, "z": {"M": {"q": {"S": "q"}}}}},
    "l": {"L": [{"S": "l0"}, {"M": {"a": {"S": "A"}, "b": {"S": "B"}}}, {"S": "l2"}]},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", {"a": {"S": "x"}}),
        ("a, pk", {"a": {"S": "x"}, "pk": {"S": "k"}}),
        ("gone", {}),
        ("m.x", {"m": {"M": {"x": {"N": "1"}}}}),
        ("m.x, m.z.q", {"m": {"M": {"x": {"N": "1"}, "z": {"M": {"q": {"S": "q"}}}}}}),
        ("m.gone", {}),
        ("m.x.y", {}),
        ("l[2], l[0]", {"l": {"L": [{"S": "l0"}, {"S": "l2"}]}}),
        ("l[1].b", {"l": {"L": [{"M": {"b": {"S": "B"}}}]}}),
        ("l[1].a, l[1].b", {"l": {"L": [{"M": {"a": {"S": "A"}, "b": {"S": "B"}}}]}}),
        ("l[7]", {}),
        ("l[0].x", {}),
        ("a[0]", {}),
        ("m[0]", {}),
        ("l.x", {}),
    ],
)
def test_projection(text: str, expected: dict[str, Any]) -> None:
    proj = ExpressionContext(None, None).projection(text)
    assert project(proj, ITEM) == expected


def test_projection_names() -> None:
    proj = ExpressionContext({"#m": "m", "#d": "a.b"}, None).projection("#m.x, #d")
    assert project(proj, {**ITEM, "a.b": {"S": "dotted"}}) == {
        "m": {"M": {"x": {"N": "1"}}},
        "a.b": {"S": "dotted"},
    }
    assert top_level_names(proj) == {"m", "a.b"}
    assert nested_paths(proj) == {"m"}


# --- key conditions --------------------------------------------------------------------------


def test_key_condition_matches() -> None:
    values = {":p": {"S": "p"}, ":lo": {"N": "2"}, ":hi": {"N": "4"}}
    ctx = ExpressionContext(None, values)
    shape = ctx.key_condition_shape("pk = :p AND sk BETWEEN :lo AND :hi")
    key = shape.bind("pk", "sk", "S", "N")
    assert key == KeyCondition("pk", {"S": "p"}, KeyTest("sk", "BETWEEN", ({"N": "2"}, {"N": "4"})))
    assert key.names == frozenset(("pk", "sk"))
    assert key.matches({"pk": {"S": "p"}, "sk": {"N": "3"}})
    assert key.matches({"pk": {"S": "p"}, "sk": {"N": "4.0"}})
    assert not key.matches({"pk": {"S": "p"}, "sk": {"N": "5"}})
    assert not key.matches({"pk": {"S": "q"}, "sk": {"N": "3"}})
    assert not key.matches({"pk": {"S": "p"}})
    test = KeyTest("sk", "begins_with", ({"S": "ab"},))
    assert test.matches({"S": "abc"}) and not test.matches({"S": "b"})
    for op, inside, outside in (
        ("<", "a", "b"),
        ("<=", "b", "c"),
        (">", "c", "b"),
        (">=", "b", "a"),
    ):
        test = KeyTest("sk", op, ({"S": "b"},))
        assert test.matches({"S": inside}) and not test.matches({"S": outside})


def test_key_shape_checks_unused_before_the_shape() -> None:
    ctx = ExpressionContext(None, {":p": {"S": "p"}, ":x": {"S": "x"}})
    assert message(lambda: ctx.key_condition_shape("pk = :p OR pk = :p")) == (
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"
    )


def test_key_shape_binds_later() -> None:
    ctx = ExpressionContext(None, {":p": {"S": "p"}, ":s": {"S": "s"}})
    shape = ctx.key_condition_shape("pk = :p AND sk > :s")
    assert shape.bind("pk", "sk").sort == KeyTest("sk", ">", ({"S": "s"},))
    assert message(lambda: shape.bind("pk", None)) == "Query key condition not supported"
    assert message(lambda: shape.bind("other", "sk")) == (
        "Query condition missed key schema element: other"
    )


def test_query_order_key_expression_first_then_unused_then_shape() -> None:
    # Expression errors in the key condition come before the filter's...
    ctx = ExpressionContext(None, {":p": {"S": "p"}})
    assert message(lambda: ctx.key_condition_expression("pk = ")).startswith(
        "Invalid KeyConditionExpression: Syntax error"
    )
    # ...but its shape is judged after the unused placeholders.
    ctx = ExpressionContext(None, {":p": {"S": "p"}, ":x": {"S": "x"}})
    pending = ctx.key_condition_expression("pk = :p OR pk = :p")
    ctx.condition("a = :p", "FilterExpression")
    assert message(ctx.check_unused).endswith("keys: {:x}")
    assert message(pending.shape) == "Invalid operator used in KeyConditionExpression: OR"


def test_key_attribute_helpers() -> None:
    from ddblite.expressions import check_filter_keys, check_key_paths

    ctx = ExpressionContext({"#k": "pk"}, {":v": {"S": "v"}})
    filter_ = ctx.condition("a = :v AND #k = :v", "FilterExpression")
    assert message(lambda: check_filter_keys(filter_, ("pk", "sk"))) == (
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: pk"
    )
    check_filter_keys(filter_, ("x",))
    proj = ExpressionContext(None, None).projection("a, sk[0]")
    assert message(lambda: check_key_paths(proj, ("pk", "sk"))) == (
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
        "allowed: Key: sk"
    )
    check_key_paths(ExpressionContext(None, None).projection("pk, sk"), ("pk", "sk"))
