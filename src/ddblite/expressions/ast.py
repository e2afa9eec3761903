"""The syntax tree every expression kind parses into, and its two printers.

Nodes are frozen and hashable, so a parsed tree can be cached by its text and shared between
requests. A path keeps its elements as written: a bare name, a ``#placeholder`` (names can't
start with ``#``, so the two never collide) or an ``int`` list index. Resolution against a
request's ExpressionAttributeNames/Values happens later (``resolve.py``) and never mutates this
tree.

``dump`` renders the canonical form used by the golden fixtures (an S-expression:
``(AND (= a :v) (attribute_exists #n.b[3]))``); ``unparse`` renders expression text that parses
back to the same tree (the round-trip property the tests check).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PathElement = str | int


@dataclass(frozen=True, slots=True)
class Path:
    elements: tuple[PathElement, ...]


@dataclass(frozen=True, slots=True)
class ValueRef:
    name: str  # ":v"


@dataclass(frozen=True, slots=True)
class Call:
    """A function: a condition (attribute_exists ...), an operand (size) or an update
    function (if_not_exists, list_append); where each may appear is checked after parsing."""

    name: str
    args: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class Arith:
    op: str  # "+" or "-"
    left: Operand
    right: Operand


Operand = Path | ValueRef | Call | Arith


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # = <> < <= > >=
    left: Operand
    right: Operand


@dataclass(frozen=True, slots=True)
class Between:
    subject: Operand
    low: Operand
    high: Operand


@dataclass(frozen=True, slots=True)
class In:
    subject: Operand
    options: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class And:
    left: Cond
    right: Cond


@dataclass(frozen=True, slots=True)
class Or:
    left: Cond
    right: Cond


@dataclass(frozen=True, slots=True)
class Not:
    operand: Cond


Cond = Compare | Between | In | Call | And | Or | Not | Path | ValueRef | Arith
"""A condition node. Path/ValueRef/Arith never survive parsing as a condition; they are in the
union only because the parser builds conditions and operands with shared code."""


@dataclass(frozen=True, slots=True)
class Action:
    """One action of an update clause: ``path = value`` (SET), ``path`` (REMOVE) or
    ``path :value`` (ADD, DELETE)."""

    path: Path
    value: Operand | None = None


@dataclass(frozen=True, slots=True)
class Clause:
    keyword: str  # SET REMOVE ADD DELETE
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class UpdateExpr:
    clauses: tuple[Clause, ...]


@dataclass(frozen=True, slots=True)
class ProjectionExpr:
    paths: tuple[Path, ...]


Node = Cond | UpdateExpr | ProjectionExpr | Clause | Action


# --- printers -----------------------------------------------------------------------------


def path_text(path: Path) -> str:
    out: list[str] = []
    for element in path.elements:
        if isinstance(element, int):
            out.append(f"[{element}]")
        else:
            if out:
                out.append(".")
            out.append(element)
    return "".join(out)


def dump(node: Node) -> str:
    """The canonical S-expression text of a tree (golden fixtures compare against it)."""
    return _DUMP[type(node)](node)


def _dump_logical(node: Any) -> str:
    word = "AND" if isinstance(node, And) else "OR"
    return f"({word} {dump(node.left)} {dump(node.right)})"


def _dump_action(node: Action) -> str:
    if node.value is None:
        return dump(node.path)
    return f"({dump(node.path)} {dump(node.value)})"


_DUMP: dict[type, Callable[[Any], str]] = {
    Path: path_text,
    ValueRef: lambda n: n.name,
    Call: lambda n: "(" + " ".join([n.name, *map(dump, n.args)]) + ")",
    Compare: lambda n: f"({n.op} {dump(n.left)} {dump(n.right)})",
    Arith: lambda n: f"({n.op} {dump(n.left)} {dump(n.right)})",
    Between: lambda n: f"(BETWEEN {dump(n.subject)} {dump(n.low)} {dump(n.high)})",
    In: lambda n: "(IN " + " ".join([dump(n.subject), *map(dump, n.options)]) + ")",
    And: _dump_logical,
    Or: _dump_logical,
    Not: lambda n: f"(NOT {dump(n.operand)})",
    UpdateExpr: lambda n: "(UPDATE " + " ".join(dump(c) for c in n.clauses) + ")",
    Clause: lambda n: f"({n.keyword} " + " ".join(dump(a) for a in n.actions) + ")",
    Action: _dump_action,
    ProjectionExpr: lambda n: "(PROJECTION " + " ".join(dump(p) for p in n.paths) + ")",
}

# Binding strength of the logical operators; a child binding less tightly than its parent
# needs parentheses when printed.
_STRENGTH: dict[type, int] = {Or: 1, And: 2, Not: 3}


def unparse(node: Node) -> str:
    """Expression text for a tree; ``parse(unparse(t)) == t`` for every parsed tree."""
    return _UNPARSE[type(node)](node)


def _unparse_logical(node: Any) -> str:
    word = " AND " if isinstance(node, And) else " OR "
    # Both operators are left-associative: a right child of equal strength needs parens.
    return _child(node, node.left, False) + word + _child(node, node.right, True)


def _child(parent: Node, child: Node, right: bool) -> str:
    text = unparse(child)
    mine = _STRENGTH[type(parent)]
    theirs = _STRENGTH.get(type(child), 4)
    if theirs < mine or (right and theirs == mine):
        return f"({text})"
    return text


def _action(keyword: str, action: Action) -> str:
    if action.value is None:
        return path_text(action.path)
    if keyword == "SET":
        return f"{path_text(action.path)} = {unparse(action.value)}"
    return f"{path_text(action.path)} {unparse(action.value)}"


_UNPARSE: dict[type, Callable[[Any], str]] = {
    Path: path_text,
    ValueRef: lambda n: n.name,
    Call: lambda n: f"{n.name}(" + ", ".join(unparse(a) for a in n.args) + ")",
    Arith: lambda n: f"{unparse(n.left)} {n.op} {unparse(n.right)}",
    Compare: lambda n: f"{unparse(n.left)} {n.op} {unparse(n.right)}",
    Between: lambda n: f"{unparse(n.subject)} BETWEEN {unparse(n.low)} AND {unparse(n.high)}",
    In: lambda n: f"{unparse(n.subject)} IN (" + ", ".join(map(unparse, n.options)) + ")",
    And: _unparse_logical,
    Or: _unparse_logical,
    Not: lambda n: "NOT " + _child(n, n.operand, False),
    UpdateExpr: lambda n: " ".join(unparse(c) for c in n.clauses),
    Clause: lambda n: n.keyword + " " + ", ".join(_action(n.keyword, a) for a in n.actions),
    Action: lambda n: _action("SET" if n.value is not None else "REMOVE", n),
    ProjectionExpr: lambda n: ", ".join(map(path_text, n.paths)),
}
