"""Checks that depend on the expression text alone (the first of the two checking passes).

In the order DynamoDB applies them: the expression must not be empty, must fit in 4 KB, must
parse (syntax, redundant parentheses, at most 300 operators); then one walk in the order the
text is written reports reserved words used as names, list indexes out of range, unknown
functions, functions used where they are not allowed, and (in conditions) functions given the
wrong number of operands. An update is walked a section at a time, in the order the sections
first appear, and a section keyword used twice is reported when its section has been walked.

Everything here is cached by (kind, text): a request that repeats an expression pays for none
of it. The checks that need ExpressionAttributeNames/Values live in ``resolve.py``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from ddblite.expressions import ast
from ddblite.expressions.parser import ExpressionError, ParseResult, parse
from ddblite.limits import MAX_EXPRESSION_BYTES

MAX_LIST_INDEX = 2**31 - 1

CONDITION_FUNCTIONS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
}
OPERAND_FUNCTIONS = {"size": 1}
UPDATE_FUNCTIONS = {"if_not_exists": 2, "list_append": 2}
ALL_FUNCTIONS = {**CONDITION_FUNCTIONS, **OPERAND_FUNCTIONS, **UPDATE_FUNCTIONS}

EMPTY = "The expression can not be empty;"
TOO_BIG = "Expression size has exceeded the maximum allowed size; expression size: {}"
RESERVED = "Attribute name is a reserved keyword; reserved keyword: {}"
INDEX_RANGE = "List index is not within the allowable range; index: [{}]"
UNKNOWN_FUNCTION = "Invalid function name; function: {}"
NOT_IN_UPDATE = "The function is not allowed in an update expression; function: {}"
NOT_IN_CONDITION = "The function is not allowed in a condition expression; function: {}"
MISUSED = "The function is not allowed to be used this way in an expression; function: {}"
OPERAND_COUNT = (
    "Incorrect number of operands for operator or function; "
    "operator or function: {}, number of operands: {}"
)
SECTION_TWICE = 'The "{}" section can only be used once in an update expression;'


def _load_reserved() -> frozenset[str]:
    text = resources.files("ddblite.expressions").joinpath("reserved_words.txt").read_text()
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


RESERVED_WORDS = _load_reserved()


def is_reserved(word: str) -> bool:
    return word.upper() in RESERVED_WORDS


@lru_cache(maxsize=4096)
def _checked(kind: str, text: str) -> ParseResult | ExpressionError:
    try:
        if not text.strip(" \t\n\r"):
            raise ExpressionError(EMPTY)
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > MAX_EXPRESSION_BYTES:
            raise ExpressionError(TOO_BIG.format(size))
        tree = parse(kind, text)
        if isinstance(tree, ast.UpdateExpr):
            _check_update(tree)
        elif isinstance(tree, ast.ProjectionExpr):
            for path in tree.paths:
                _check_path(path)
        else:
            _Walker(update=False).node(tree, condition=True)
    except ExpressionError as error:
        return error
    return tree


def checked(kind: str, text: str) -> ParseResult:
    """The tree of ``text`` (kind "condition", "update" or "projection") once every text-only
    check has passed. Raises ExpressionError (message without the ``Invalid X: `` prefix)."""
    result = _checked(kind, text)
    if isinstance(result, ExpressionError):
        raise ExpressionError(result.message)
    return result


def _check_path(path: ast.Path) -> None:
    for element in path.elements:
        if isinstance(element, int):
            if element > MAX_LIST_INDEX:
                raise ExpressionError(INDEX_RANGE.format(element))
        elif element[0] != "#" and is_reserved(element):
            raise ExpressionError(RESERVED.format(element))


class _Walker:
    def __init__(self, update: bool) -> None:
        self.update = update

    def node(self, node: ast.Node, condition: bool) -> None:
        if isinstance(node, ast.Path):
            _check_path(node)
        elif isinstance(node, ast.Call):
            self.call(node, condition)
        elif isinstance(node, (ast.And, ast.Or)):
            self.node(node.left, True)
            self.node(node.right, True)
        elif isinstance(node, ast.Not):
            self.node(node.operand, True)
        elif isinstance(node, (ast.Compare, ast.Arith)):
            self.node(node.left, False)
            self.node(node.right, False)
        elif isinstance(node, ast.Between):
            for child in (node.subject, node.low, node.high):
                self.node(child, False)
        elif isinstance(node, ast.In):
            self.node(node.subject, False)
            for child in node.options:
                self.node(child, False)

    def call(self, call: ast.Call, condition: bool) -> None:
        name = call.name
        if name not in ALL_FUNCTIONS:
            raise ExpressionError(UNKNOWN_FUNCTION.format(name))
        if self.update:
            if name not in UPDATE_FUNCTIONS:
                raise ExpressionError(NOT_IN_UPDATE.format(name))
            # DynamoDB refuses list_append directly inside list_append (Alternator's recording),
            # while list_append(if_not_exists(a, :v), :w) is fine.
            if name == "list_append" and any(
                isinstance(arg, ast.Call) and arg.name == name for arg in call.args
            ):
                raise ExpressionError(MISUSED.format(name))
        else:
            if name in UPDATE_FUNCTIONS:
                raise ExpressionError(NOT_IN_CONDITION.format(name))
            if condition != (name in CONDITION_FUNCTIONS):
                raise ExpressionError(MISUSED.format(name))
            # An update's functions are counted later, together with its placeholders.
            if len(call.args) != ALL_FUNCTIONS[name]:
                raise ExpressionError(OPERAND_COUNT.format(name, len(call.args)))
        for arg in call.args:
            self.node(arg, False)


def sections(tree: ast.UpdateExpr) -> list[tuple[str, list[ast.Clause]]]:
    """The update's clauses grouped by keyword, in the order each keyword first appears."""
    grouped: dict[str, list[ast.Clause]] = {}
    for clause in tree.clauses:
        grouped.setdefault(clause.keyword, []).append(clause)
    return list(grouped.items())


def _check_update(tree: ast.UpdateExpr) -> None:
    walker = _Walker(update=True)
    for keyword, clauses in sections(tree):
        for clause in clauses:
            for action in clause.actions:
                _check_path(action.path)
                if action.value is not None:
                    walker.node(action.value, False)
        if len(clauses) > 1:
            raise ExpressionError(SECTION_TWICE.format(keyword))
