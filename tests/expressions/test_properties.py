"""Hypothesis properties of the parser and the evaluator.

- printing a tree and parsing the text gives the same tree back (conditions, updates,
  projections);
- any sequence of tokens, and any text at all, either compiles or raises ValidationException:
  never another exception;
- compiled conditions and updates never fail on arbitrary items except with DynamoDB's
  item-dependent ValidationExceptions.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ddblite.errors import ValidationException
from ddblite.expressions import ExpressionContext, apply_update, ast, evaluate, project
from ddblite.expressions.parser import parse
from ddblite.expressions.tokens import KEYWORDS

# --- trees ---------------------------------------------------------------------------------

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda n: n.upper() not in KEYWORDS
)
PLACEHOLDERS = st.from_regex(r"#[a-z0-9_]{1,4}", fullmatch=True)
VALUE_REFS = st.builds(ast.ValueRef, st.from_regex(r":[a-z0-9_]{1,4}", fullmatch=True))


@st.composite
def paths(draw: st.DrawFn) -> ast.Path:
    first = draw(st.one_of(NAMES, PLACEHOLDERS))
    rest = draw(st.lists(st.one_of(NAMES, PLACEHOLDERS, st.integers(0, 2**31 - 1)), max_size=4))
    return ast.Path((first, *rest))


def operands(depth: int = 2) -> st.SearchStrategy[ast.Operand]:
    leaf: st.SearchStrategy[ast.Operand] = st.one_of(paths(), VALUE_REFS)
    if depth == 0:
        return leaf
    calls = st.builds(
        ast.Call, NAMES, st.lists(operands(depth - 1), min_size=1, max_size=3).map(tuple)
    )
    return st.one_of(leaf, calls)


COMPARATORS = st.sampled_from(["=", "<>", "<", "<=", ">", ">="])


def leaves() -> st.SearchStrategy[ast.Cond]:
    return st.one_of(
        st.builds(ast.Compare, COMPARATORS, operands(), operands()),
        st.builds(ast.Between, operands(), operands(), operands()),
        st.builds(ast.In, operands(), st.lists(operands(), min_size=1, max_size=4).map(tuple)),
        st.builds(ast.Call, NAMES, st.lists(operands(), min_size=1, max_size=3).map(tuple)),
    )


conditions: st.SearchStrategy[ast.Cond] = st.recursive(
    leaves(),
    lambda inner: st.one_of(
        st.builds(ast.And, inner, inner),
        st.builds(ast.Or, inner, inner),
        st.builds(ast.Not, inner),
    ),
    max_leaves=8,
)


@st.composite
def set_values(draw: st.DrawFn) -> ast.Operand:
    left = draw(operands())
    if draw(st.booleans()):
        return ast.Arith(draw(st.sampled_from(["+", "-"])), left, draw(operands()))
    return left


@st.composite
def clauses(draw: st.DrawFn) -> ast.Clause:
    keyword = draw(st.sampled_from(["SET", "REMOVE", "ADD", "DELETE"]))
    count = draw(st.integers(1, 3))
    actions = []
    for _ in range(count):
        path = draw(paths())
        if keyword == "SET":
            actions.append(ast.Action(path, draw(set_values())))
        elif keyword == "REMOVE":
            actions.append(ast.Action(path))
        else:
            actions.append(ast.Action(path, draw(VALUE_REFS)))
    return ast.Clause(keyword, tuple(actions))


updates = st.lists(clauses(), min_size=1, max_size=4).map(lambda c: ast.UpdateExpr(tuple(c)))
projections = st.lists(paths(), min_size=1, max_size=5).map(lambda p: ast.ProjectionExpr(tuple(p)))


@given(conditions)
def test_conditions_print_back(tree: ast.Cond) -> None:
    assert parse("condition", ast.unparse(tree)) == tree


@given(updates)
def test_updates_print_back(tree: ast.UpdateExpr) -> None:
    assert parse("update", ast.unparse(tree)) == tree


@given(projections)
def test_projections_print_back(tree: ast.ProjectionExpr) -> None:
    assert parse("projection", ast.unparse(tree)) == tree


# --- no crashes ------------------------------------------------------------------------------

VOCABULARY = [
    "a", "b", "status", "size", "#n", "#x", ":v", ":w", ":x", "0", "1", "01", "2147483648",
    "=", "<>", "<", "<=", ">", ">=", "+", "-", "(", ")", "[", "]", ",", ".", "AND", "OR",
    "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE", "attribute_exists",
    "attribute_not_exists", "attribute_type", "begins_with", "contains", "if_not_exists",
    "list_append", "f", "!", "#", ":", "é", '"',
]  # fmt: skip
NAMES_MAP = {"#n": "name", "#x": "a"}
VALUES_MAP: dict[str, Any] = {":v": {"S": "S"}, ":w": {"N": "1"}, ":x": {"L": []}}


def compile_all(text: str) -> None:
    for kind in ("condition", "update", "projection", "key"):
        ctx = ExpressionContext(dict(NAMES_MAP), {k: dict(v) for k, v in VALUES_MAP.items()})
        try:
            if kind == "condition":
                ctx.condition(text)
            elif kind == "update":
                ctx.update(text)
            elif kind == "projection":
                ctx.projection(text)
            else:
                ctx.key_condition_shape(text).bind("a", "b")
            ctx.check_unused()
        except ValidationException as error:
            assert error.message


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(VOCABULARY), max_size=14))
def test_token_soup_never_crashes(tokens: list[str]) -> None:
    compile_all(" ".join(tokens))
    compile_all("".join(tokens))


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_any_text_never_crashes(text: str) -> None:
    compile_all(text)


# --- evaluation never fails ----------------------------------------------------------------

scalars = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=5)),
    st.builds(lambda n: {"N": str(n)}, st.integers(-5, 5)),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.just({"B": "YWI="}),
    st.builds(lambda s: {"SS": sorted(s)}, st.sets(st.sampled_from("abc"), min_size=1)),
    st.builds(lambda s: {"NS": sorted(s)}, st.sets(st.sampled_from("123"), min_size=1)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.builds(lambda items: {"L": items}, st.lists(inner, max_size=3)),
        st.builds(
            lambda items: {"M": items}, st.dictionaries(st.sampled_from("abxy"), inner, max_size=3)
        ),
    ),
    max_leaves=6,
)
items = st.dictionaries(st.sampled_from(["a", "b", "l", "m", "n"]), values, max_size=5)

CONDITIONS = [
    "a = :v OR a <> :w AND NOT b < :w",
    "a BETWEEN :w AND :z OR b IN (:v, :w, a)",
    "size(a) > :w AND attribute_type(b, :t)",
    "begins_with(a, :v) OR contains(a, :v) OR contains(l, :w)",
    "attribute_exists(m.a[0].b) AND attribute_not_exists(l[1])",
    "m.a = l[0] OR size(m.b) <= size(l)",
]
UPDATES = [
    "SET a = if_not_exists(a, :w) + :w, l = list_append(if_not_exists(l, :l), :l)",
    "SET m.a = :v, l[3] = :w REMOVE b",
    "ADD n :w, b :ss DELETE m.x :ss",
    "SET n = a - b REMOVE l[0], l[1]",
    "SET a = m.a, b = l[0]",
]
CTX_VALUES: dict[str, Any] = {
    ":v": {"S": "a"},
    ":w": {"N": "1"},
    ":z": {"N": "3"},
    ":t": {"S": "SS"},
    ":l": {"L": [{"S": "x"}]},
    ":ss": {"SS": ["a"]},
}


def context_for(text: str) -> ExpressionContext:
    used = {k: v for k, v in CTX_VALUES.items() if k in text}
    return ExpressionContext(None, used or None)


@settings(max_examples=200)
@given(items)
def test_conditions_never_fail(item: dict[str, Any]) -> None:
    for text in CONDITIONS:
        assert evaluate(context_for(text).condition(text), item) in (True, False)


@settings(max_examples=200)
@given(items)
def test_updates_fail_only_with_item_errors(item: dict[str, Any]) -> None:
    allowed = {
        "An operand in the update expression has an incorrect data type",
        "The provided expression refers to an attribute that does not exist in the item",
        "The document path provided in the update expression is invalid for update",
    }
    for text in UPDATES:
        upd = context_for(text).update(text)
        try:
            new, _ = apply_update(upd, item)
        except ValidationException as error:
            assert error.message in allowed
        else:
            assert isinstance(new, dict)


@settings(max_examples=200)
@given(items)
def test_projection_returns_a_sub_item(item: dict[str, Any]) -> None:
    proj = ExpressionContext(None, None).projection("a, m.a, m.b[0], l[2], l[0].x")
    out = project(proj, item)
    assert set(out) <= set(item)
