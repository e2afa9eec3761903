"""Evaluating conditions against items: DynamoDB's comparison semantics."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ddblite.expressions import ExpressionContext, evaluate

ITEM: dict[str, Any] = {
    "s": {"S": "abc"},
    "u": {"S": "é"},  # 2 UTF-8 bytes, sorts after "z"
    "emoji": {"S": "a😀"},  # 3 UTF-16 code units
    "n": {"N": "10"},
    "dd": {"N": "1.50"},
    "b": {"B": "YWJj"},  # b"abc"
    "t": {"BOOL": True},
    "nul": {"NULL": True},
    "ss": {"SS": ["x", "y"]},
    "ns": {"NS": ["1", "2.0"]},
    "bs": {"BS": ["YQ==", "Yg=="]},
    "l": {"L": [{"S": "x"}, {"N": "1"}, {"M": {"k": {"S": "v"}}}]},
    "m": {"M": {"k": {"S": "v"}, "n": {"N": "1"}, "l": {"L": [{"N": "7"}]}}},
    "blank": {"S": ""},
}

VALUES: dict[str, Any] = {
    ":abc": {"S": "abc"},
    ":ab": {"S": "ab"},
    ":bc": {"S": "bc"},
    ":z": {"S": "z"},
    ":empty": {"S": ""},
    ":ten": {"N": "10"},
    ":ten2": {"N": "10.000"},
    ":nine": {"N": "9"},
    ":one5": {"N": "1.5"},
    ":three": {"N": "3"},
    ":two": {"N": "2"},
    ":one": {"N": "1"},
    ":binabc": {"B": "YWJj"},
    ":binab": {"B": "YWI="},
    ":binb": {"B": "Yg=="},
    ":true": {"BOOL": True},
    ":false": {"BOOL": False},
    ":null": {"NULL": True},
    ":ss": {"SS": ["y", "x"]},
    ":ns": {"NS": ["2", "1.00"]},
    ":bs": {"BS": ["Yg==", "YQ=="]},
    ":x": {"S": "x"},
    ":l": {"L": [{"S": "x"}, {"N": "1.0"}, {"M": {"k": {"S": "v"}}}]},
    ":lrev": {"L": [{"N": "1"}, {"S": "x"}, {"M": {"k": {"S": "v"}}}]},
    ":m": {"M": {"l": {"L": [{"N": "7.0"}]}, "n": {"N": "1"}, "k": {"S": "v"}}},
    ":mk": {"M": {"k": {"S": "v"}}},
    ":tS": {"S": "S"},
    ":tN": {"S": "N"},
    ":tB": {"S": "B"},
    ":tBOOL": {"S": "BOOL"},
    ":tNULL": {"S": "NULL"},
    ":tSS": {"S": "SS"},
    ":tNS": {"S": "NS"},
    ":tBS": {"S": "BS"},
    ":tL": {"S": "L"},
    ":tM": {"S": "M"},
    ":a": {"S": "a"},
    ":seven": {"N": "7"},
}


def holds(text: str, item: dict[str, Any] | None = ITEM) -> bool:
    used = set(re.findall(r":[A-Za-z0-9_]+", text))
    ctx = ExpressionContext(None, {k: v for k, v in VALUES.items() if k in used} or None)
    return evaluate(ctx.condition(text), item)


CASES = [
    # Equality by value, across every type.
    ("s = :abc", True),
    ("s = :ab", False),
    ("n = :ten", True),
    ("n = :ten2", True),  # 10 and 10.000 are one number
    ("dd = :one5", True),
    ("b = :binabc", True),
    ("t = :true", True),
    ("t = :false", False),
    ("nul = :null", True),
    ("ss = :ss", True),  # sets are unordered
    ("ns = :ns", True),  # and compare numbers numerically
    ("bs = :bs", True),
    ("l = :l", True),  # 1 = 1.0 inside a list too
    ("l = :lrev", False),  # lists are ordered
    ("m = :m", True),
    ("m = :mk", False),
    ("blank = :empty", True),
    # Different types are never equal, and never an error.
    ("s = :ten", False),
    ("n = :abc", False),
    ("s <> :ten", True),
    ("ss = :l", False),
    # A gone attribute: = and orderings are false, <> is true.
    ("gone = :abc", False),
    ("gone <> :abc", True),
    ("gone < :abc", False),
    ("gone >= :abc", False),
    ("m.nope = :abc", False),
    ("l[9] = :abc", False),
    ("s.k = :abc", False),  # a path through a non-map
    ("s[0] = :abc", False),
    # Ordering: S by UTF-8 bytes, N numerically, B by bytes; nothing else orders.
    ("s < :z", True),
    ("u > :z", True),
    ("n > :nine", True),
    ("n < :nine", False),
    ("n >= :ten2", True),
    ("dd < :two", True),
    ("b > :binab", True),
    ("b < :binb", True),
    ("s < :ten", False),
    ("s > :ten", False),
    ("n <= :ten", True),
    # BETWEEN is inclusive and needs one type.
    ("n BETWEEN :nine AND :ten", True),
    ("n BETWEEN :ten AND :ten", True),
    ("n BETWEEN :one AND :nine", False),
    ("s BETWEEN :ab AND :bc", True),
    ("s BETWEEN :ab AND :abc", True),
    ("gone BETWEEN :ab AND :bc", False),
    ("s BETWEEN :one AND :ten", False),
    # IN
    ("s IN (:x, :abc)", True),
    ("s IN (:x, :z)", False),
    ("n IN (:abc, :ten2)", True),
    ("gone IN (:x)", False),
    ("m IN (:mk, :m)", True),
    # Document paths into maps and lists.
    ("m.k = :x", False),
    ("m.n = :one", True),
    ("m.l[0] = :seven", True),
    ("l[0] = :x", True),
    ("l[2].k = :x", False),
    # Functions.
    ("attribute_exists(s)", True),
    ("attribute_exists(gone)", False),
    ("attribute_exists(m.k)", True),
    ("attribute_exists(m.nope)", False),
    ("attribute_exists(l[2])", True),
    ("attribute_exists(l[3])", False),
    ("attribute_not_exists(gone)", True),
    ("attribute_not_exists(s)", False),
    ("attribute_exists(nul)", True),
    ("attribute_type(s, :tS)", True),
    ("attribute_type(s, :tN)", False),
    ("attribute_type(n, :tN)", True),
    ("attribute_type(b, :tB)", True),
    ("attribute_type(t, :tBOOL)", True),
    ("attribute_type(nul, :tNULL)", True),
    ("attribute_type(ss, :tSS)", True),
    ("attribute_type(ns, :tNS)", True),
    ("attribute_type(bs, :tBS)", True),
    ("attribute_type(l, :tL)", True),
    ("attribute_type(m, :tM)", True),
    ("attribute_type(gone, :tS)", False),
    ("begins_with(s, :ab)", True),
    ("begins_with(s, :bc)", False),
    ("begins_with(s, :empty)", True),
    ("begins_with(b, :binab)", True),
    ("begins_with(b, :binb)", False),
    ("begins_with(n, :abc)", False),
    ("begins_with(gone, :ab)", False),
    ("contains(s, :bc)", True),
    ("contains(s, :z)", False),
    ("contains(ss, :x)", True),
    ("contains(ss, :z)", False),
    ("contains(ns, :two)", True),  # 2 matches the member 2.0
    ("contains(ns, :three)", False),
    ("contains(ns, :abc)", False),
    ("contains(bs, :binb)", True),
    ("contains(l, :one)", True),  # list elements compare by value
    ("contains(l, :mk)", True),
    ("contains(l, :z)", False),
    ("contains(b, :binb)", True),
    ("contains(n, :one)", False),
    ("contains(gone, :x)", False),
    # size: S in UTF-16 code units, B in bytes, collections by count; N/BOOL/NULL have none.
    ("size(s) = :three", True),
    ("size(u) = :one", True),
    ("size(emoji) = :three", True),
    ("size(b) = :three", True),
    ("size(ss) = :two", True),
    ("size(ns) = :two", True),
    ("size(l) = :three", True),
    ("size(m) = :three", True),
    ("size(blank) < :one", True),
    ("size(n) >= :one", False),
    ("size(n) <> :one", True),
    ("size(t) = :one", False),
    ("size(gone) > :one", False),
    ("size(s) BETWEEN :one AND :three", True),
    # Logic.
    ("s = :abc AND n = :ten", True),
    ("s = :abc AND n = :nine", False),
    ("s = :z OR n = :ten", True),
    ("NOT s = :z", True),
    ("NOT (s = :abc AND n = :nine)", True),
    ("s = :z OR n = :ten AND t = :false", False),
    ("(s = :z OR n = :ten) AND t = :true", True),
    ("NOT attribute_exists(gone) AND NOT NOT s = :abc", True),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_condition(text: str, expected: bool) -> None:
    assert holds(text) is expected


def test_absent_item_is_empty() -> None:
    assert holds("attribute_not_exists(s)", None) is True
    assert holds("attribute_exists(s)", None) is False
    assert holds("s <> :abc", None) is True


def test_names_resolve_per_request() -> None:
    ctx = ExpressionContext({"#k": "status"}, {":v": {"S": "on"}})
    cond = ctx.condition("#k = :v")
    assert evaluate(cond, {"status": {"S": "on"}})
    assert not evaluate(cond, {"#k": {"S": "on"}})
    # A placeholder's name is one attribute name, dots and all.
    ctx = ExpressionContext({"#d": "a.b"}, {":v": {"S": "x"}})
    cond = ctx.condition("#d = :v")
    assert evaluate(cond, {"a.b": {"S": "x"}})
    assert not evaluate(cond, {"a": {"M": {"b": {"S": "x"}}}})


def test_numbers_compare_at_full_precision() -> None:
    ctx = ExpressionContext(None, {":v": {"N": "10000000000000000000000000000000000001"}})
    cond = ctx.condition("n < :v")
    assert evaluate(cond, {"n": {"N": "10000000000000000000000000000000000000"}})
    assert not evaluate(cond, {"n": {"N": "10000000000000000000000000000000000001"}})


def test_condition_records_paths() -> None:
    ctx = ExpressionContext({"#m": "m"}, {":v": {"S": "x"}})
    cond = ctx.condition("#m.a[1] = :v OR attribute_exists(b)")
    assert cond.paths == (("m", "a", 1), ("b",))
