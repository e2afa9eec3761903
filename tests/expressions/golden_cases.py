"""Reading and running the golden fixtures in ``golden/*.txt``.

Each fixture line is ``<expression> -> <expected>``, split at the first `` -> ``. The expected
side is the canonical tree (``ast.dump``; for key conditions, the bound key condition) or, after
``! ``, the exact ValidationException message. ``##`` starts a comment line; a line
``@kind FilterExpression`` or ``@schema pk S sk N`` sets the expression kind or the key schema
for the lines below it. Leading and trailing spaces of the expression are kept when it is
quoted with backticks: ```  a = :s  ``` .

Every case runs in a context holding the placeholders below that its text mentions, so a case
can use an undefined ``#x`` / ``:x`` simply by naming one that is not listed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ddblite.errors import ValidationException
from ddblite.expressions import ExpressionContext, KeyCondition, ast
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


@dataclass(frozen=True)
class Case:
    file: str
    line: int
    kind: str
    schema: tuple[str, ...]
    text: str
    expected: str

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"


def load(file: str) -> list[Case]:
    kind = KIND_OF_FILE[file]
    schema: tuple[str, ...] = ()
    cases = []
    for number, raw in enumerate((GOLDEN / file).read_text().splitlines(), 1):
        line = raw.rstrip("\n")
        if not line.strip() or line.startswith("##"):
            continue
        if line.startswith("@kind "):
            kind = line.split()[1]
            continue
        if line.startswith("@schema "):
            schema = tuple(line.split()[1:])
            continue
        text, sep, expected = line.partition(" -> ")
        assert sep, f"{file}:{number}: no ' -> ' in {line!r}"
        text = text.strip()
        if text.startswith("`") and text.endswith("`"):
            text = text[1:-1]
        cases.append(Case(file, number, kind, schema, text, expected.strip()))
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
            return ast.dump(ctx.update(case.text).tree)
        if case.kind == "ProjectionExpression":
            tree = ctx.projection(case.text).tree
            assert tree is not None
            return ast.dump(tree)
        if case.kind == "KeyConditionExpression":
            hash_key, hash_type = case.schema[0], case.schema[1]
            range_key = case.schema[2] if len(case.schema) > 2 else None
            range_type = case.schema[3] if len(case.schema) > 3 else None
            shape = ctx.key_condition_shape(case.text)
            key = shape.bind(hash_key, range_key, hash_type, range_type)
            return show_key(key)
        cond = ctx.condition(case.text, case.kind)
        assert cond.tree is not None
        return ast.dump(cond.tree)
    except ValidationException as error:
        return f"! {error.message}"


def tree_of(case: Case) -> ast.Node:
    kind = {"UpdateExpression": "update", "ProjectionExpression": "projection"}.get(
        case.kind, "condition"
    )
    return parse(kind, case.text)
