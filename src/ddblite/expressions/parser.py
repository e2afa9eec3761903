"""The one recursive-descent parser for all five expression kinds.

Grammar (keywords case-insensitive; ``|`` ordered, one token of lookahead)::

    condition   := or
    or          := and ("OR" and)*                 \\  the logical levels come from _LOGICAL:
    and         := not ("AND" not)*                /   OR binds loosest, then AND, then NOT
    not         := "NOT" not | primary
    primary     := "(" condition ")" [comparison-tail]   (a parenthesised operand may be
                 | operand [comparison-tail]              compared: "(size(a)) > :n")
    comparison-tail := COMPARATOR operand | "BETWEEN" operand "AND" operand
                 | "IN" "(" operand ("," operand)* ")"
    operand     := ":value" | "(" operand ")" | NAME "(" operand ("," operand)* ")" | path
    path        := (NAME | "#name") ("." (NAME | "#name") | "[" INT "]")*

    update      := clause+            clause := "SET" set ("," set)* | "REMOVE" path ("," path)*
                                               | ("ADD" | "DELETE") path ":value" ("," ...)*
    set         := path "=" value     value  := "(" value ")" | operand [("+" | "-") operand]
    projection  := path ("," path)*

Comparisons bind tighter than NOT. A bare operand is only a condition if it is a function call
(``attribute_exists(a)``); which function may stand where is checked after parsing, as
DynamoDB does. Two pairs of parentheses straight around the same thing are refused as soon as
the outer one closes ("The expression has redundant parentheses;").

Parsing depends on the text alone, so ``parse`` is cached by (kind, text); the cache also
remembers syntax errors.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NoReturn

from ddblite.expressions import ast
from ddblite.expressions.tokens import EOF, INT, NAME, PLACEHOLDER, VALUE, Token, syntax_message
from ddblite.expressions.tokens import tokenize as _tokenize
from ddblite.limits import MAX_OPERATORS

COMPARATORS = frozenset(("=", "<>", "<", "<=", ">", ">="))
ARITHMETIC = frozenset(("+", "-"))
CLAUSES = frozenset(("SET", "REMOVE", "ADD", "DELETE"))
# The logical levels, loosest first: (keyword, node class).
_LOGICAL: tuple[tuple[str, type[ast.And] | type[ast.Or]], ...] = (("OR", ast.Or), ("AND", ast.And))
_BARE = (ast.Path, ast.ValueRef)
# Nesting (parentheses, NOT, function calls) deeper than this is reported as a syntax error at
# the token where it happens. 4 KB of text allows ~2000 levels of "(", which would overflow
# Python's stack; no real expression nests this deep (a known deviation, docs/compatibility.md).
_MAX_DEPTH = 120


class ExpressionError(Exception):
    """An error found in an expression, without the ``Invalid <Kind>: `` prefix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


REDUNDANT_PARENS = "The expression has redundant parentheses;"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.depth = 0
        self.parened: set[int] = set()  # id() of nodes read straight inside parentheses

    # --- token helpers ---------------------------------------------------------------------

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def fail(self, index: int | None = None) -> NoReturn:
        raise ExpressionError(
            syntax_message(self.text, self.tokens, self.pos if index is None else index)
        )

    def expect(self, kind: str) -> Token:
        if self.tokens[self.pos].kind != kind:
            self.fail()
        return self.take()

    def end(self) -> None:
        if self.tokens[self.pos].kind != EOF:
            self.fail()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            self.fail()

    def wrap(self, node: ast.Cond) -> None:
        """Note that ``node`` was read inside a pair of parentheses."""
        if id(node) in self.parened:
            raise ExpressionError(REDUNDANT_PARENS)
        self.parened.add(id(node))

    # --- conditions ------------------------------------------------------------------------

    def condition(self, level: int = 0, bare: bool = False) -> ast.Cond:
        """One logical level; ``bare`` lets a lone operand through (inside parentheses, where
        it may turn out to be the left side of a comparison)."""
        if level == len(_LOGICAL):
            return self.negation(bare)
        keyword, node_class = _LOGICAL[level]
        left = self.condition(level + 1, bare)
        while self.peek().kind == keyword:
            if isinstance(left, _BARE):
                self.fail()
            self.take()
            right = self.condition(level + 1)
            left = node_class(left, right)
        return left

    def negation(self, bare: bool) -> ast.Cond:
        if self.peek().kind == "NOT":
            self.take()
            self.enter()
            operand = self.negation(False)
            self.depth -= 1
            return ast.Not(operand)
        return self.primary(bare)

    def primary(self, bare: bool) -> ast.Cond:
        if self.peek().kind != "(":
            return self.comparison(self.operand(), bare)
        self.take()
        self.enter()
        inner = self.condition(bare=True)
        self.expect(")")
        self.depth -= 1
        self.wrap(inner)
        if self.peek().kind in COMPARATORS or self.peek().kind in ("BETWEEN", "IN"):
            if not isinstance(inner, (ast.Path, ast.ValueRef, ast.Call)):
                self.fail()
            return self.comparison(inner, bare)
        if isinstance(inner, _BARE) and not bare:
            self.fail()
        return inner

    def comparison(self, left: ast.Operand, bare: bool) -> ast.Cond:
        kind = self.peek().kind
        if kind in COMPARATORS:
            self.take()
            return ast.Compare(kind, left, self.operand())
        if kind == "BETWEEN":
            self.take()
            low = self.operand()
            self.expect("AND")
            return ast.Between(left, low, self.operand())
        if kind == "IN":
            self.take()
            self.expect("(")
            options = self.operands()
            self.expect(")")
            return ast.In(left, options)
        if bare or isinstance(left, ast.Call):
            return left
        self.fail()

    # --- operands --------------------------------------------------------------------------

    def operand(self) -> ast.Operand:
        token = self.peek()
        if token.kind == VALUE:
            self.take()
            return ast.ValueRef(token.text)
        if token.kind == "(":
            self.take()
            self.enter()
            inner = self.operand()
            self.expect(")")
            self.depth -= 1
            self.wrap(inner)
            return inner
        if token.kind == NAME and self.tokens[self.pos + 1].kind == "(":
            self.take()
            self.take()
            self.enter()
            args = self.operands()
            self.expect(")")
            self.depth -= 1
            return ast.Call(token.text, args)
        return self.path()

    def operands(self) -> tuple[ast.Operand, ...]:
        items = [self.operand()]
        while self.peek().kind == ",":
            self.take()
            items.append(self.operand())
        return tuple(items)

    def path(self) -> ast.Path:
        token = self.peek()
        if token.kind != NAME and token.kind != PLACEHOLDER:
            self.fail()
        self.take()
        elements: list[ast.PathElement] = [token.text]
        while True:
            kind = self.peek().kind
            if kind == ".":
                self.take()
                token = self.peek()
                if token.kind != NAME and token.kind != PLACEHOLDER:
                    self.fail()
                self.take()
                elements.append(token.text)
            elif kind == "[":
                self.take()
                index = self.expect(INT)
                self.expect("]")
                elements.append(int(index.text))
            else:
                return ast.Path(tuple(elements))

    # --- updates ---------------------------------------------------------------------------

    def update(self) -> ast.UpdateExpr:
        clauses: list[ast.Clause] = []
        while True:
            keyword = self.peek().kind
            if keyword not in CLAUSES:
                self.fail()
            self.take()
            actions = [self.action(keyword)]
            while self.peek().kind == ",":
                self.take()
                actions.append(self.action(keyword))
            clauses.append(ast.Clause(keyword, tuple(actions)))
            if self.peek().kind == EOF:
                return ast.UpdateExpr(tuple(clauses))

    def action(self, keyword: str) -> ast.Action:
        path = self.path()
        if keyword == "REMOVE":
            return ast.Action(path)
        if keyword == "SET":
            self.expect("=")
            return ast.Action(path, self.set_value())
        token = self.expect(VALUE)
        return ast.Action(path, ast.ValueRef(token.text))

    def set_value(self) -> ast.Operand:
        if self.peek().kind == "(":
            self.take()
            self.enter()
            inner = self.set_value()
            self.expect(")")
            self.depth -= 1
            self.wrap(inner)
            if isinstance(inner, ast.Arith):
                return inner  # a grouped sum is the whole value: "(a + b) + c" is refused
            left: ast.Operand = inner
        else:
            left = self.operand()
        if self.peek().kind in ARITHMETIC:
            op = self.take().kind
            return ast.Arith(op, left, self.operand())
        return left

    # --- projections -----------------------------------------------------------------------

    def projection(self) -> ast.ProjectionExpr:
        paths = [self.path()]
        while self.peek().kind == ",":
            self.take()
            paths.append(self.path())
        return ast.ProjectionExpr(tuple(paths))


def _count_operators(node: ast.Node) -> int:
    if isinstance(node, (ast.Path, ast.ValueRef)):
        return 0
    if isinstance(node, ast.Call):
        return 1 + sum(_count_operators(a) for a in node.args)
    if isinstance(node, (ast.Compare, ast.Arith)):
        return 1 + _count_operators(node.left) + _count_operators(node.right)
    if isinstance(node, ast.Between):
        return 1 + sum(map(_count_operators, (node.subject, node.low, node.high)))
    if isinstance(node, ast.In):
        return 1 + _count_operators(node.subject) + sum(map(_count_operators, node.options))
    if isinstance(node, (ast.And, ast.Or)):
        return 1 + _count_operators(node.left) + _count_operators(node.right)
    if isinstance(node, ast.Not):
        return 1 + _count_operators(node.operand)
    if isinstance(node, ast.UpdateExpr):
        return sum(
            _count_operators(a.value)
            for clause in node.clauses
            for a in clause.actions
            if a.value is not None
        )
    return 0


ParseResult = ast.Cond | ast.UpdateExpr | ast.ProjectionExpr


@lru_cache(maxsize=4096)
def _parse_cached(kind: str, text: str) -> ParseResult | ExpressionError:
    parser = _Parser(text)
    tree: ParseResult
    try:
        if kind == "update":
            tree = parser.update()
        elif kind == "projection":
            tree = parser.projection()
        else:
            tree = parser.condition()
        parser.end()
    except ExpressionError as error:
        return error
    count = _count_operators(tree)
    if count > MAX_OPERATORS:
        return ExpressionError(
            f"The expression contains too many operators; operator count: {count}"
        )
    return tree


def parse(kind: str, text: str) -> ParseResult:
    """Parse ``text`` as ``kind`` ("condition", "update" or "projection").

    Raises ExpressionError (message without the ``Invalid <Kind>: `` prefix)."""
    result = _parse_cached(kind, text)
    if isinstance(result, ExpressionError):
        raise ExpressionError(result.message)
    return result
