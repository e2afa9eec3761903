"""Micro-benchmark: expression compile time per expression, cold (first sight of the text)
and cached (the text seen before), plus evaluation and update application.

    python benchmarks/expression_parse.py [repeat]

Prints microseconds per operation. Not part of the test run.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from ddblite.expressions import ExpressionContext, apply_update, evaluate
from ddblite.expressions.parser import _parse_cached
from ddblite.expressions.validate import _checked

NAMES = {"#s": "status", "#n": "name"}
VALUES: dict[str, Any] = {
    ":v": {"S": "active"},
    ":n": {"N": "10"},
    ":m": {"N": "20"},
    ":p": {"S": "ab"},
    ":l": {"L": [{"S": "x"}]},
    ":ss": {"SS": ["a", "b"]},
}

CASES: list[tuple[str, str]] = [
    ("condition", "#s = :v"),
    ("condition", "attribute_not_exists(pk)"),
    (
        "condition",
        "#s = :v AND (price BETWEEN :n AND :m OR begins_with(#n, :p)) AND size(tags) > :n",
    ),
    (
        "update",
        "SET #s = :v, cnt = if_not_exists(cnt, :n) + :m, l = list_append(l, :l) "
        "REMOVE prev ADD s :ss",
    ),
    ("projection", "pk, #s, a.b[2].c, #n"),
]


def context(text: str) -> ExpressionContext:
    names = {k: v for k, v in NAMES.items() if k in text} or None
    values = {k: dict(v) for k, v in VALUES.items() if k in text} or None
    return ExpressionContext(names, values)


def compile_one(kind: str, text: str) -> Any:
    ctx = context(text)
    if kind == "condition":
        return ctx.condition(text)
    if kind == "update":
        return ctx.update(text)
    return ctx.projection(text)


def per_call(fn: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1e6


def cold(kind: str, text: str, repeat: int) -> float:
    def once() -> None:
        _parse_cached.cache_clear()
        _checked.cache_clear()
        compile_one(kind, text)

    return per_call(once, repeat)


def _compiler(kind: str, text: str) -> Callable[[], object]:
    return lambda: compile_one(kind, text)


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"{'kind':<11} {'cold µs':>9} {'cached µs':>10}  expression")
    for kind, text in CASES:
        c = cold(kind, text, repeat)
        w = per_call(_compiler(kind, text), repeat)
        print(f"{kind:<11} {c:9.1f} {w:10.1f}  {text[:60]}")
    item: dict[str, Any] = {"status": {"S": "active"}, "price": {"N": "15"}, "name": {"S": "abc"}}
    item["tags"] = {"SS": ["a", "b", "c"]}
    cond = compile_one("condition", CASES[2][1])
    print(f"evaluate    {per_call(lambda: evaluate(cond, item), repeat * 10):9.2f} µs")
    upd = compile_one("update", CASES[3][1])
    target: dict[str, Any] = {
        "pk": {"S": "k"},
        "cnt": {"N": "1"},
        "l": {"L": []},
        "prev": {"S": "x"},
    }
    print(f"apply       {per_call(lambda: apply_update(upd, target), repeat * 10):9.2f} µs")


if __name__ == "__main__":
    main()
