"""Checks that need the request's ExpressionAttributeNames/Values (the second checking pass).

``Resolver`` looks placeholders up, remembers which were used (for the "unused" errors) and
turns raw paths into resolved ones: tuples of attribute names and list indexes.

Order, as DynamoDB reports it:

- condition (Condition/Filter/KeyCondition): one walk in text order; each node's operands are
  checked before the node itself. Paths: undefined ``#name``, then more than 32 levels.
  Values: undefined ``:value``. Then per node: the first operand may not be repeated
  (``a = a``), ordering comparators and BETWEEN take only S/N/B values, BETWEEN's bounds must
  share a type and be in order, IN takes at most 100 operands, and functions check their
  operands (a document path where one is required, begins_with on S/B, size not on N/BOOL/NULL,
  attribute_type's type name).
- update: the ``#names`` of the target paths in text order; then overlapping/conflicting target
  paths; then, from the last action back to the first, every ``#name``; then, again from the
  last action back, values, operand counts and operand types.
- projection: paths in text order, then overlapping paths.
"""

from __future__ import annotations

from ddblite.expressions import ast
from ddblite.expressions.attrs import Value, binary, order, type_of
from ddblite.expressions.parser import ExpressionError
from ddblite.expressions.validate import ALL_FUNCTIONS, OPERAND_COUNT
from ddblite.limits import MAX_IN_OPERANDS, MAX_PATH_DEPTH

ResolvedPath = tuple[str | int, ...]

TYPE_NAMES = frozenset(("S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"))

UNDEFINED_NAME = (
    "An expression attribute name used in the document path is not defined; attribute name: {}"
)
UNDEFINED_VALUE = (
    "An expression attribute value used in expression is not defined; attribute value: {}"
)
TOO_DEEP = "The document path has too many nesting levels; nesting levels: {}"
OPERAND_TYPE = (
    "Incorrect operand type for operator or function; operator or function: {}, operand type: {}"
)
UPDATE_OPERAND_TYPE = (
    "Incorrect operand type for operator or function; operator: {}, operand type: {}"
)
NOT_DISTINCT = (
    "The first operand must be distinct from the remaining operands for this operator or "
    "function; operator: {}, first operand: {}"
)
NEEDS_PATH = "Operator or function requires a document path; operator or function: {}"
TOO_MANY_IN = "The IN operator is provided with too many operands; number of operands: {}"
BETWEEN_TYPES = (
    "The BETWEEN operator requires same data type for lower and upper bounds; "
    "lower bound operand: {}, upper bound operand: {}"
)
BETWEEN_ORDER = (
    "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
    "lower bound operand: {}, upper bound operand: {}"
)
BAD_TYPE_NAME = (
    "Invalid attribute type name found; type: {}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}"
)
ANY_TYPE = "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"
OVERLAP = (
    "Two document paths overlap with each other; must remove or rewrite one of these paths; "
    "path one: {}, path two: {}"
)
CONFLICT = (
    "Two document paths conflict with each other; must remove or rewrite one of these paths; "
    "path one: {}, path two: {}"
)
# ADD/DELETE name the value's type in words.
LONG_TYPE = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "BOOL": "BOOLEAN",
    "NULL": "NULL",
    "L": "LIST",
    "M": "MAP",
}
# attribute_type is not among them: DynamoDB accepts a value as its first operand
# (attribute_type(:v, :t) tests the value's own type).
_PATH_FUNCTIONS = frozenset(("attribute_exists", "attribute_not_exists"))


def format_path(path: ResolvedPath) -> str:
    return "[" + ", ".join(f"[{e}]" if isinstance(e, int) else e for e in path) + "]"


def _bound_text(value: Value) -> str:
    kind, inner = next(iter(value.items()))
    if kind == "B":
        size = len(binary(inner))
        return f"AttributeValue: {{B:java.nio.HeapByteBuffer[pos=0 lim={size} cap={size}]}}"
    return f"AttributeValue: {{{kind}:{inner}}}"


class Resolver:
    """Placeholder lookup for one request, recording which placeholders were used."""

    def __init__(self, names: dict[str, str], values: dict[str, Value]) -> None:
        self.names = names
        self.values = values
        self.used_names: set[str] = set()
        self.used_values: set[str] = set()

    def check_names(self, path: ast.Path) -> None:
        for element in path.elements:
            if isinstance(element, str) and element[0] == "#" and element not in self.names:
                raise ExpressionError(UNDEFINED_NAME.format(element))

    def path(self, path: ast.Path) -> ResolvedPath:
        out: list[str | int] = []
        names = self.names
        for element in path.elements:
            if isinstance(element, str) and element[0] == "#":
                resolved = names.get(element)
                if resolved is None:
                    raise ExpressionError(UNDEFINED_NAME.format(element))
                self.used_names.add(element)
                out.append(resolved)
            else:
                out.append(element)
        if len(out) > MAX_PATH_DEPTH:
            raise ExpressionError(TOO_DEEP.format(len(out)))
        return tuple(out)

    def value(self, ref: ast.ValueRef) -> Value:
        value = self.values.get(ref.name)
        if value is None:
            raise ExpressionError(UNDEFINED_VALUE.format(ref.name))
        self.used_values.add(ref.name)
        return value

    def static_type(self, node: ast.Operand) -> str | None:
        """The type an operand is known to have before any item is read."""
        if isinstance(node, ast.ValueRef):
            value = self.values.get(node.name)
            return type_of(value) if value is not None else None
        if isinstance(node, ast.Call) and node.name == "size":
            return "N"
        return None


# --- conditions -----------------------------------------------------------------------------


class ConditionChecker:
    def __init__(self, resolver: Resolver, update: bool = False) -> None:
        self.r = resolver
        self.update = update

    def node(self, node: ast.Node) -> None:
        if isinstance(node, ast.Path):
            self.r.path(node)
        elif isinstance(node, ast.ValueRef):
            self.r.value(node)
        elif isinstance(node, (ast.And, ast.Or)):
            self.node(node.left)
            self.node(node.right)
        elif isinstance(node, ast.Not):
            self.node(node.operand)
        elif isinstance(node, ast.Compare):
            self.compare(node)
        elif isinstance(node, ast.Between):
            self.between(node)
        elif isinstance(node, ast.In):
            self.member(node)
        elif isinstance(node, ast.Call):
            self.call(node)
        elif isinstance(node, ast.Arith):
            self.arith(node)

    def member(self, node: ast.In) -> None:
        self.node(node.subject)
        for option in node.options:
            self.node(option)
        if len(node.options) > MAX_IN_OPERANDS:
            raise ExpressionError(TOO_MANY_IN.format(len(node.options)))
        self.distinct("IN", node.subject, node.options)

    def arith(self, node: ast.Arith) -> None:
        self.node(node.left)
        self.node(node.right)
        for operand in (node.left, node.right):
            self.require(node.op, operand, ("N",))

    def require(self, op: str, operand: ast.Operand, allowed: tuple[str, ...]) -> None:
        kind = self.r.static_type(operand)
        if kind is not None and kind not in allowed:
            raise ExpressionError(OPERAND_TYPE.format(op, kind))

    def distinct(self, op: str, first: ast.Operand, rest: tuple[ast.Operand, ...]) -> None:
        if not isinstance(first, ast.Path):
            return
        mine = self.r.path(first)
        for other in rest:
            if isinstance(other, ast.Path) and self.r.path(other) == mine:
                raise ExpressionError(NOT_DISTINCT.format(op, format_path(mine)))

    def compare(self, node: ast.Compare) -> None:
        self.node(node.left)
        self.node(node.right)
        self.distinct(node.op, node.left, (node.right,))
        if node.op != "=" and node.op != "<>":
            self.require(node.op, node.left, ("S", "N", "B"))
            self.require(node.op, node.right, ("S", "N", "B"))

    def between(self, node: ast.Between) -> None:
        for child in (node.subject, node.low, node.high):
            self.node(child)
        self.distinct("BETWEEN", node.subject, (node.low, node.high))
        for child in (node.subject, node.low, node.high):
            self.require("BETWEEN", child, ("S", "N", "B"))
        if isinstance(node.low, ast.ValueRef) and isinstance(node.high, ast.ValueRef):
            low, high = self.r.value(node.low), self.r.value(node.high)
            if type_of(low) != type_of(high):
                raise ExpressionError(BETWEEN_TYPES.format(_bound_text(low), _bound_text(high)))
            if (order(low, high) or 0) > 0:
                raise ExpressionError(BETWEEN_ORDER.format(_bound_text(low), _bound_text(high)))

    def call(self, node: ast.Call) -> None:
        name, args = node.name, node.args
        for arg in args:
            self.node(arg)
        # An update counts a function's operands after looking its placeholders up
        # ("SET a = if_not_exists(:undefined)" reports the undefined value).
        if self.update and len(args) != ALL_FUNCTIONS[name]:
            raise ExpressionError(OPERAND_COUNT.format(name, len(args)))
        first = args[0]
        if (name in _PATH_FUNCTIONS or name == "if_not_exists") and not isinstance(first, ast.Path):
            raise ExpressionError(NEEDS_PATH.format(name))
        if name != "size" and name != "list_append":
            self.distinct(name, first, args[1:])
        if name == "size":
            self.require("size", first, ("S", "B", "SS", "NS", "BS", "L", "M"))
        elif name == "begins_with":
            for arg in args:
                self.require("begins_with", arg, ("S", "B"))
        elif name == "attribute_type":
            self.attribute_type(args[1])
        elif name == "list_append":
            for arg in args:
                self.require("list_append", arg, ("L",))

    def attribute_type(self, operand: ast.Operand) -> None:
        if not isinstance(operand, ast.ValueRef):
            shown = "N" if isinstance(operand, ast.Call) and operand.name == "size" else ANY_TYPE
            raise ExpressionError(OPERAND_TYPE.format("attribute_type", shown))
        value = self.r.value(operand)
        kind, inner = next(iter(value.items()))
        if kind != "S":
            raise ExpressionError(OPERAND_TYPE.format("attribute_type", kind))
        if inner not in TYPE_NAMES:
            raise ExpressionError(BAD_TYPE_NAME.format(inner))


def check_condition(tree: ast.Cond, resolver: Resolver) -> None:
    ConditionChecker(resolver).node(tree)


# --- paths that may not clash ---------------------------------------------------------------


def check_clashes(paths: list[ResolvedPath]) -> None:
    """Two target paths may not be equal or one inside the other (overlap), nor use one
    attribute both as a map and as a list (conflict). Overlaps are reported first; each
    clash names the earlier path first."""
    conflict: tuple[ResolvedPath, ResolvedPath] | None = None
    for j, later in enumerate(paths):
        for earlier in paths[:j]:
            clash = _clash(earlier, later)
            if clash == "overlap":
                raise ExpressionError(OVERLAP.format(format_path(earlier), format_path(later)))
            if clash == "conflict" and conflict is None:
                conflict = (earlier, later)
    if conflict is not None:
        raise ExpressionError(CONFLICT.format(format_path(conflict[0]), format_path(conflict[1])))


def _clash(a: ResolvedPath, b: ResolvedPath) -> str | None:
    for x, y in zip(a, b, strict=False):
        if isinstance(x, int) != isinstance(y, int):
            return "conflict"
        if x != y:
            return None
    return "overlap"


# --- updates and projections ----------------------------------------------------------------


def check_update(tree: ast.UpdateExpr, resolver: Resolver) -> list[ResolvedPath]:
    """Run the update's placeholder checks; returns the resolved target path of each action
    (in text order)."""
    actions = [(clause.keyword, action) for clause in tree.clauses for action in clause.actions]
    for _, action in actions:
        resolver.check_names(action.path)
    targets = [resolver.path(action.path) for _, action in actions]
    check_clashes(targets)
    backwards = actions[::-1]
    for _, action in backwards:
        resolver.check_names(action.path)
        if action.value is not None:
            _check_value_names(action.value, resolver)
    checker = ConditionChecker(resolver, update=True)
    for keyword, action in backwards:
        if action.value is not None:
            checker.node(action.value)
        if keyword == "ADD" or keyword == "DELETE":
            assert isinstance(action.value, ast.ValueRef)
            kind = type_of(resolver.value(action.value))
            allowed = ("N", "SS", "NS", "BS") if keyword == "ADD" else ("SS", "NS", "BS")
            if kind not in allowed:
                raise ExpressionError(UPDATE_OPERAND_TYPE.format(keyword, LONG_TYPE[kind]))
    return targets


def _check_value_names(node: ast.Operand, resolver: Resolver) -> None:
    if isinstance(node, ast.Path):
        resolver.check_names(node)
    elif isinstance(node, ast.Call):
        for arg in node.args:
            _check_value_names(arg, resolver)
    elif isinstance(node, ast.Arith):
        _check_value_names(node.left, resolver)
        _check_value_names(node.right, resolver)


def check_projection(tree: ast.ProjectionExpr, resolver: Resolver) -> list[ResolvedPath]:
    paths = [resolver.path(path) for path in tree.paths]
    check_clashes(paths)
    return paths
