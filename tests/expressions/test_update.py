"""Applying UpdateExpressions: exact resulting items, UPDATED_OLD/NEW views, item errors."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from ddblite.errors import ValidationException
from ddblite.expressions import (
    ExpressionContext,
    Update,
    apply_update,
    top_level_names,
    updated_attributes,
)

Item = dict[str, Any]
KEY = {"pk": {"S": "k"}}


def update(
    text: str, values: dict[str, Any] | None = None, names: dict[str, str] | None = None
) -> Update:
    used = set(re.findall(r":[A-Za-z0-9_]+", text))
    vals = {k: v for k, v in (values or {}).items() if k in used} or None
    return ExpressionContext(names, vals).update(text)


def run(text: str, item: Item | None, values: dict[str, Any] | None = None, **kw: Any) -> Item:
    before = copy.deepcopy(item)
    new, _ = apply_update(update(text, values, kw.get("names")), item, key=KEY)
    assert item == before, "the input item must not change"
    return new


def fails(text: str, item: Item | None, values: dict[str, Any] | None = None) -> str:
    before = copy.deepcopy(item)
    with pytest.raises(ValidationException) as info:
        apply_update(update(text, values), item, key=KEY)
    assert item == before
    assert info.value.message is not None
    return info.value.message


def N(text: str) -> dict[str, Any]:
    return {"N": text}


def S(text: str) -> dict[str, Any]:
    return {"S": text}


# --- SET ---------------------------------------------------------------------------------------


def test_set_creates_attributes_on_absent_item() -> None:
    assert run("SET a = :v", None, {":v": S("x")}) == {"pk": S("k"), "a": S("x")}


def test_set_replaces_and_keeps_others() -> None:
    item = {"pk": S("k"), "a": S("old"), "b": N("1")}
    assert run("SET a = :v", item, {":v": N("2")}) == {"pk": S("k"), "a": N("2"), "b": N("1")}


def test_set_reads_the_item_as_it_was() -> None:
    item = {"pk": S("k"), "a": S("old")}
    new = run("SET a = :v, b = a", item, {":v": S("new")})
    assert new == {"pk": S("k"), "a": S("new"), "b": S("old")}


def test_set_swap() -> None:
    item = {"a": N("1"), "b": N("2")}
    assert run("SET a = b, b = a", item) == {"a": N("2"), "b": N("1")}


def test_arithmetic() -> None:
    item = {"n": N("10"), "m": N("0.5")}
    assert run("SET n = n + :d", item, {":d": N("5")})["n"] == N("15")
    assert run("SET n = n - :d", item, {":d": N("15")})["n"] == N("-5")
    assert run("SET x = n + m", item)["x"] == N("10.5")
    assert run("SET x = m - m", item)["x"] == N("0")
    assert run("SET x = :a + :b", item, {":a": N("0.1"), ":b": N("0.2")})["x"] == N("0.3")
    big = "9" * 38
    assert run("SET x = :a - :b", item, {":a": N(big), ":b": N(big)})["x"] == N("0")


def test_arithmetic_keeps_38_digits() -> None:
    a = "1" + "0" * 37  # 38 digits
    new = run("SET x = :a + :b", {}, {":a": N(a), ":b": N("1")})
    assert new["x"] == N("1" + "0" * 36 + "1")


def test_arithmetic_overflow_and_precision() -> None:
    big = "9.9999999999999999999999999999999999999E+125"
    message = fails("SET x = :a + :a", {}, {":a": N(big)})
    assert message == (
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )
    message = fails("SET x = :a + :b", {}, {":a": N("1" + "0" * 37), ":b": N("0.1")})
    assert message == "Attempting to store more than 38 significant digits in a Number"


def test_if_not_exists() -> None:
    values = {":z": N("0"), ":one": N("1")}
    assert run("SET c = if_not_exists(c, :z)", {}, values)["c"] == N("0")
    assert run("SET c = if_not_exists(c, :z)", {"c": N("7")}, values)["c"] == N("7")
    assert run("SET c = if_not_exists(c, :z) + :one", {}, values)["c"] == N("1")
    assert run("SET c = if_not_exists(c, :z) + :one", {"c": N("7")}, values)["c"] == N("8")
    assert run("SET c = if_not_exists(m.x, :z)", {"m": {"M": {"x": S("y")}}}, values)["c"] == S("y")


def test_list_append() -> None:
    item = {"l": {"L": [S("a")]}}
    values = {":v": {"L": [S("b"), S("c")]}}
    assert run("SET l = list_append(l, :v)", item, values)["l"] == {"L": [S("a"), S("b"), S("c")]}
    assert run("SET l = list_append(:v, l)", item, values)["l"] == {"L": [S("b"), S("c"), S("a")]}
    values[":e"] = {"L": []}
    assert run("SET l = list_append(if_not_exists(l, :e), :v)", {}, values)["l"] == {
        "L": [S("b"), S("c")]
    }


def test_set_nested_map_member() -> None:
    item = {"m": {"M": {"a": N("1")}}}
    new = run("SET m.b = :v, m.a = :w", item, {":v": S("x"), ":w": N("2")})
    assert new == {"m": {"M": {"a": N("2"), "b": S("x")}}}


def test_set_list_elements_and_append_past_the_end() -> None:
    item = {"l": {"L": [S("a"), S("b"), S("c")]}}
    assert run("SET l[1] = :v", item, {":v": S("x")})["l"] == {"L": [S("a"), S("x"), S("c")]}
    # Past the end appends, in index order, whatever the indexes.
    new = run("SET l[10] = :v, l[5] = :w", item, {":v": S("ten"), ":w": S("five")})
    assert new["l"] == {"L": [S("a"), S("b"), S("c"), S("five"), S("ten")]}
    assert run("SET l[0] = :v", {"l": {"L": []}}, {":v": S("x")})["l"] == {"L": [S("x")]}


def test_dynamodb_recorded_nested_update() -> None:
    # Recorded against DynamoDB: every value comes from the old item, list writes past the
    # end append in index order, and UPDATED_NEW projects the written paths.
    item = {
        "pk": S("k"),
        "b": {"M": {"a": N("1"), "b": N("2"), "c": N("3")}},
        "c": {"L": [N("1"), N("3")]},
    }
    upd = update(
        "set b.c=((c[1])+(b.a)),b.a = pk,c[1] = pk, c[4] = b.a - b.b, c[2] = b.c "
        "add c[8] :b, c[6] :a",
        {":a": N("2"), ":b": {"SS": ["a"]}},
    )
    new, info = apply_update(upd, item)
    assert new == {
        "pk": S("k"),
        "b": {"M": {"a": S("k"), "b": N("2"), "c": N("4")}},
        "c": {"L": [N("1"), S("k"), N("3"), N("-1"), N("2"), {"SS": ["a"]}]},
    }
    assert updated_attributes(new, info) == {
        "b": {"M": {"a": S("k"), "c": N("4")}},
        "c": {"L": [S("k"), N("3"), N("2")]},
    }
    assert updated_attributes(item, info) == {
        "b": {"M": {"a": N("1"), "c": N("3")}},
        "c": {"L": [N("3")]},
    }


def test_result_does_not_alias_values() -> None:
    values = {":v": {"M": {"x": S("1")}}}
    upd = update("SET a = :v, b = :v", values)
    new, _ = apply_update(upd, {})
    new["a"]["M"]["x"] = S("changed")
    assert new["b"] == {"M": {"x": S("1")}}
    assert values[":v"] == {"M": {"x": S("1")}}


def test_nested_write_copies_containers() -> None:
    item: Item = {"m": {"M": {"deep": {"M": {"x": N("1")}}}}, "other": {"L": [N("1")]}}
    new = run("SET m.deep.y = :v", item, {":v": N("2")})
    assert new["m"]["M"]["deep"]["M"] == {"x": N("1"), "y": N("2")}
    assert item["m"]["M"]["deep"]["M"] == {"x": N("1")}


# --- REMOVE ----------------------------------------------------------------------------------


def test_remove() -> None:
    item = {"a": S("1"), "b": S("2"), "m": {"M": {"x": S("1"), "y": S("2")}}}
    assert run("REMOVE a, m.x", item) == {"b": S("2"), "m": {"M": {"y": S("2")}}}


def test_remove_missing_is_a_no_op() -> None:
    item = {"a": S("1"), "m": {"M": {}}, "l": {"L": [S("x")]}}
    assert run("REMOVE zz, m.x, l[5]", item) == item


def test_remove_list_elements_uses_original_positions() -> None:
    item = {"l": {"L": [N("0"), N("1"), N("2"), N("3"), N("4")]}}
    assert run("REMOVE l[1], l[3]", item)["l"] == {"L": [N("0"), N("2"), N("4")]}
    assert run("REMOVE l[3], l[1]", item)["l"] == {"L": [N("0"), N("2"), N("4")]}


def test_remove_and_set_in_one_list() -> None:
    item = {"l": {"L": [N("0"), N("1"), N("2")]}}
    new = run("SET l[2] = :v, l[7] = :w REMOVE l[0]", item, {":v": S("two"), ":w": S("end")})
    assert new["l"] == {"L": [N("1"), S("two"), S("end")]}


# --- ADD / DELETE ----------------------------------------------------------------------------


def test_add_numbers() -> None:
    assert run("ADD n :v", {"n": N("1.5")}, {":v": N("2")})["n"] == N("3.5")
    assert run("ADD n :v", {}, {":v": N("-2")})["n"] == N("-2")
    assert run("ADD m.n :v", {"m": {"M": {}}}, {":v": N("1")})["m"] == {"M": {"n": N("1")}}


def test_add_to_sets() -> None:
    assert run("ADD s :v", {"s": {"SS": ["a", "b"]}}, {":v": {"SS": ["b", "c"]}})["s"] == {
        "SS": ["a", "b", "c"]
    }
    assert run("ADD s :v", {"s": {"NS": ["1", "2"]}}, {":v": {"NS": ["2.0", "3"]}})["s"] == {
        "NS": ["1", "2", "3"]
    }
    assert run("ADD s :v", {"s": {"BS": ["YQ=="]}}, {":v": {"BS": ["YQ==", "Yg=="]}})["s"] == {
        "BS": ["YQ==", "Yg=="]
    }
    assert run("ADD s :v", {}, {":v": {"SS": ["a"]}})["s"] == {"SS": ["a"]}


def test_delete_from_sets() -> None:
    item = {"s": {"SS": ["a", "b", "c"]}, "n": {"NS": ["1", "2"]}}
    assert run("DELETE s :v", item, {":v": {"SS": ["b", "x"]}})["s"] == {"SS": ["a", "c"]}
    assert run("DELETE n :v", item, {":v": {"NS": ["1.0"]}})["n"] == {"NS": ["2"]}
    # A set that becomes empty is removed.
    assert "s" not in run("DELETE s :v", item, {":v": {"SS": ["a", "b", "c"]}})
    assert run("DELETE zz :v", item, {":v": {"SS": ["a"]}}) == item


def test_add_and_delete_type_mismatch() -> None:
    message = "An operand in the update expression has an incorrect data type"
    item = {"s": S("text"), "ss": {"SS": ["a"]}, "n": N("1"), "ns": {"NS": ["1"]}}
    assert fails("ADD s :v", item, {":v": N("1")}) == message
    assert fails("ADD ss :v", item, {":v": {"NS": ["1"]}}) == message
    assert fails("ADD n :v", item, {":v": {"NS": ["1"]}}) == message
    assert fails("ADD ns :v", item, {":v": N("1")}) == message
    assert fails("DELETE ss :v", item, {":v": {"NS": ["1"]}}) == message
    assert fails("DELETE n :v", item, {":v": {"NS": ["1"]}}) == message


def test_add_overflow() -> None:
    big = "9.9999999999999999999999999999999999999E+125"
    message = fails("ADD n :v", {"n": N(big)}, {":v": N(big)})
    assert message.startswith("Number overflow")


# --- errors that depend on the item ------------------------------------------------------------


MISSING = "The provided expression refers to an attribute that does not exist in the item"
BAD_PATH = "The document path provided in the update expression is invalid for update"
WRONG = "An operand in the update expression has an incorrect data type"


@pytest.mark.parametrize(
    ("text", "item", "message"),
    [
        ("SET c = b", {}, MISSING),
        ("SET c = b + :n", {"c": N("1")}, MISSING),
        ("SET c = list_append(b, :l)", {}, MISSING),
        ("SET c = b.x", {"b": {"M": {}}}, MISSING),
        ("SET c = l[3]", {"l": {"L": []}}, MISSING),
        ("SET b.a = :n", {}, BAD_PATH),
        ("SET b[1] = :n", {}, BAD_PATH),
        ("SET b.a = :n", {"b": S("x")}, BAD_PATH),
        ("SET b[1] = :n", {"b": {"M": {}}}, BAD_PATH),
        ("SET b.a = :n", {"b": {"L": []}}, BAD_PATH),
        ("SET b.x.y = :n", {"b": {"M": {}}}, BAD_PATH),
        ("REMOVE b.a", {"b": S("x")}, BAD_PATH),
        ("REMOVE y.a", {}, BAD_PATH),
        ("REMOVE c[1]", {"c": {"M": {"1": S("a")}}}, BAD_PATH),
        ("ADD b.a :n", {}, BAD_PATH),
        ("ADD y[1] :n", {}, BAD_PATH),
        ("DELETE y.a :ss", {}, BAD_PATH),
        ("SET c = b + :n", {"b": S("x")}, WRONG),
        ("SET c = :n - b", {"b": {"L": []}}, WRONG),
        ("SET c = list_append(b, :l)", {"b": S("x")}, WRONG),
        ("SET c = list_append(:l, b)", {"b": {"SS": ["x"]}}, WRONG),
        # A wrong type is reported before an attribute that is missing...
        ("SET c = zz, d = b + :n", {"b": S("x")}, WRONG),
        # ...and a bad path before a missing attribute of the same clause.
        ("SET c = zz, d.e = :n", {}, BAD_PATH),
        # Clauses are looked at from the last one back.
        ("SET c = zz REMOVE y.a", {}, BAD_PATH),
        ("REMOVE y.a SET c = zz", {}, MISSING),
    ],
)
def test_item_errors(text: str, item: Item, message: str) -> None:
    values = {":n": N("1"), ":l": {"L": []}, ":ss": {"SS": ["a"]}}
    assert fails(text, item, values) == message


# --- UPDATED_OLD / UPDATED_NEW ----------------------------------------------------------------


def test_updated_attributes() -> None:
    item = {"pk": S("k"), "a": N("1"), "m": {"M": {"x": N("1"), "y": N("2")}}, "r": S("gone")}
    upd = update("SET a = a + :one, m.x = :one, n = :one REMOVE r", {":one": N("1")})
    new, info = apply_update(upd, item)
    assert updated_attributes(item, info) == {
        "a": N("1"),
        "m": {"M": {"x": N("1")}},
        "r": S("gone"),
    }
    assert updated_attributes(new, info) == {
        "a": N("2"),
        "m": {"M": {"x": N("1")}},
        "n": N("1"),
    }
    # A REMOVE-only update has nothing new to show.
    only_remove = update("REMOVE r")
    new, info = apply_update(only_remove, item)
    assert updated_attributes(new, info) == {}
    assert updated_attributes(item, info) == {"r": S("gone")}


def test_top_level_names_of_an_update() -> None:
    upd = update(
        "SET a.b = :v, #c = d REMOVE e[1] ADD f :n", {":v": S("x"), ":n": N("1")}, {"#c": "c"}
    )
    assert top_level_names(upd) == {"a", "c", "e", "f"}
