"""Reading and running the golden fixtures in ``golden/*.txt``.

Each fixture line is ``<expression> -> <expected>``, split at the first `` -> ``. The expected
side is DynamoDB's behaviour, or, after ``! ``, the exact ValidationException message:

- a condition that DynamoDB accepts: ``true on x, y; false on z``, the items (``@item`` lines)
  it holds on and fails on;
- a key condition: the bound key condition (``pk = S:x; sk BETWEEN N:1 N:5``);
- a projection DynamoDB accepts: ``on x: {...}``, what it projects from item ``x``;
- an update DynamoDB accepts: ``on x: {...}``, the item it leaves when applied to item ``x``,
  or ``on x: ! message``, the error applying it raises.

``##`` starts a comment line. Directives set what follows them: ``@source <where the expected
answers come from>`` (every case has one: a Developer Guide or API reference page, or DynamoDB's
wording as recorded against AWS by a named suite), ``@item <name> <item JSON>``, ``@kind
FilterExpression``, ``@schema pk S sk N``. Leading and trailing spaces of the expression are
kept when it is quoted with backticks: ```  a = :s  ``` .

Every case runs in a context holding the placeholders below that its text mentions, so a case
can use an undefined ``#x`` / ``:x`` simply by naming one that is not listed here.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ddblite.errors import ValidationException
from ddblite.expressions import (
    ExpressionContext,
    KeyCondition,
    apply_update,
    ast,
    evaluate,
    project,
)
from ddblite.expressions.parser import parse

GOLDEN = Path(__file__).parent / "golden"

NAMES = {
    "#a": "a",
    "#b": "b",
    "#c": "c",
    "#d": "[3]",
    "#n": "name",
    "#s": "status",
    "#dot": "a.b",
    "#pk": "pk",
    "#sk": "sk",
    "#1": "1",
}
VALUES: dict[str, dict[str, Any]] = {
    ":s": {"S": "x"},
    ":t": {"S": "y"},
    ":e": {"S": ""},
    ":n": {"N": "1"},
    ":m": {"N": "5"},
    ":b": {"B": "YQ=="},
    ":c": {"B": "Yg=="},
    ":bool": {"BOOL": True},
    ":null": {"NULL": True},
    ":ss": {"SS": ["a"]},
    ":ns": {"NS": ["1"]},
    ":bs": {"BS": ["YQ=="]},
    ":l": {"L": []},
    ":map": {"M": {}},
    ":typeS": {"S": "S"},
    ":typeX": {"S": "X"},
}
_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")
KIND_OF_FILE = {
    "condition.txt": "ConditionExpression",
    "update.txt": "UpdateExpression",
    "projection.txt": "ProjectionExpression",
    "key_condition.txt": "KeyConditionExpression",
}


Item = dict[str, Any]


@dataclass(frozen=True)
class Case:
    file: str
    line: int
    kind: str
    schema: tuple[str, ...]
    text: str
    expected: str
    source: str
    items: dict[str, Item]

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"


def load(file: str) -> list[Case]:
    kind = KIND_OF_FILE[file]
    schema: tuple[str, ...] = ()
    source = ""
    items: dict[str, Item] = {}
    cases = []
    for number, raw in enumerate((GOLDEN / file).read_text().splitlines(), 1):
        line = raw.rstrip("\n")
        if not line.strip() or line.startswith("##"):
            continue
        directive, _, rest = line.partition(" ")
        if directive == "@kind":
            kind = rest.strip()
        elif directive == "@schema":
            schema = tuple(rest.split())
        elif directive == "@source":
            source = rest.strip()
        elif directive == "@item":
            name, _, body = rest.partition(" ")
            items[name] = json.loads(body)
        else:
            text, sep, expected = line.partition(" -> ")
            assert sep, f"{file}:{number}: no ' -> ' in {line!r}"
            text = text.strip()
            if text.startswith("`") and text.endswith("`"):
                text = text[1:-1]
            cases.append(Case(file, number, kind, schema, text, expected.strip(), source, items))
    return cases


def context_for(text: str) -> ExpressionContext:
    used = set(_PLACEHOLDER.findall(text))
    names = {k: v for k, v in NAMES.items() if k in used} or None
    values = {k: _copy(v) for k, v in VALUES.items() if k in used} or None
    return ExpressionContext(names, values)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def show_item(item: Item) -> str:
    """An item as the fixtures write it: compact JSON, keys sorted."""
    return json.dumps(item, separators=(",", ":"), sort_keys=True)


def show_value(value: dict[str, Any]) -> str:
    kind, inner = next(iter(value.items()))
    return f"{kind}:{inner}"


def show_key(key: KeyCondition) -> str:
    out = f"{key.hash_name} = {show_value(key.hash_value)}"
    if key.sort is not None:
        shown = " ".join(show_value(v) for v in key.sort.values)
        out += f"; {key.sort.name} {key.sort.op} {shown}"
    return out


def run(case: Case) -> str:
    """What the implementation answers for a case, in the fixture's notation."""
    try:
        ctx = context_for(case.text)
        if case.kind == "UpdateExpression":
            update = ctx.update(case.text)
            name = case.expected.removeprefix("on ").partition(":")[0]
            try:
                updated, _ = apply_update(update, copy.deepcopy(case.items[name]))
            except ValidationException as error:
                return f"on {name}: ! {error.message}"
            return f"on {name}: {show_item(updated)}"
        if case.kind == "ProjectionExpression":
            name = case.expected.removeprefix("on ").partition(":")[0]
            projected = project(ctx.projection(case.text), case.items[name])
            return f"on {name}: {show_item(projected)}"
        if case.kind == "KeyConditionExpression":
            hash_key, hash_type = case.schema[0], case.schema[1]
            range_key = case.schema[2] if len(case.schema) > 2 else None
            range_type = case.schema[3] if len(case.schema) > 3 else None
            shape = ctx.key_condition_shape(case.text)
            key = shape.bind(hash_key, range_key, hash_type, range_type)
            return show_key(key)
        cond = ctx.condition(case.text, case.kind)
        names = item_names(case.expected)
        trues = [name for name in names if evaluate(cond, case.items[name])]
        falses = [name for name in names if name not in trues]
        return "; ".join(
            f"{verdict} on {', '.join(group)}"
            for verdict, group in (("true", trues), ("false", falses))
            if group
        )
    except ValidationException as error:
        return f"! {error.message}"


def item_names(expected: str) -> list[str]:
    """The items a condition case names (``true on x, y; false on z``), in that order."""
    names: list[str] = []
    for part in expected.split("; "):
        verdict, on, listed = part.partition(" on ")
        if on and verdict in ("true", "false"):
            names.extend(listed.split(", "))
    return names


def tree_of(case: Case) -> ast.Node:
    kind = {"UpdateExpression": "update", "ProjectionExpression": "projection"}.get(
        case.kind, "condition"
    )
    return parse(kind, case.text)
