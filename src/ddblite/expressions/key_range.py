"""A Query's key condition: KeyConditionExpression (or legacy KeyConditions) -> KeyCondition.

Two steps, because DynamoDB checks them at two different times:

1. ``key_shape`` (before the table is looked up): the condition may only AND together at most
   two simple conditions, each naming one top-level attribute compared with values:
   ``a = :v``, ``a < :v`` (or ``:v > a``), ``a BETWEEN :x AND :y``, ``begins_with(a, :p)``.
   Every other shape has its own message ("Invalid operator used in KeyConditionExpression:
   OR", "KeyConditionExpressions must only contain one condition per key", ...).
2. ``KeyShape.bind`` (once the table or index is known): the conditions must be exactly an
   equality on the partition key plus, optionally, one condition on the sort key, with values of
   the key's type ("Query condition missed key schema element: pk", "Query key condition not
   supported", ...).

The resulting ``KeyCondition`` keeps the tests as written (values, for the checks that compare
values); ``KeyCondition.sort_key`` is its sort-key test over encoded keys, the form the read plan
carries to storage for a range read.
"""

from __future__ import annotations

from dataclasses import dataclass

from ddblite.errors import ValidationException
from ddblite.expressions import ast
from ddblite.expressions.attrs import Item, Value, begins_with, order, same_value, type_of
from ddblite.expressions.resolve import Resolver
from ddblite.model.keycodec import encode
from ddblite.model.sort_key import SortKeyCondition, SortOp

INVALID_OPERATOR = "Invalid operator used in KeyConditionExpression: {}"
FIRST_OPERAND = (
    "Invalid condition in KeyConditionExpression: {} operator must have the key attribute as "
    "its first operand"
)
NESTED_OPERATION = "KeyConditionExpressions cannot contain nested operations"
MULTIPLE_NAMES = (
    "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"
)
NESTED_ATTRIBUTE = "KeyConditionExpressions cannot have conditions on nested attributes"
NO_KEY = "Invalid condition in KeyConditionExpression: No key attribute specified"
ONE_PER_KEY = "KeyConditionExpressions must only contain one condition per key"
LENGTH = "Conditions can be of length 1 or 2 only"
MISSED = "Query condition missed key schema element: {}"
NOT_SUPPORTED = "Query key condition not supported"
NOT_INDEXABLE = "Attempted conditional constraint is not an indexable operation"
TYPE_MISMATCH = (
    "One or more parameter values were invalid: Condition parameter type does not match schema type"
)
EMPTY_KEY = (
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
    "contain an empty string value. Key: {}"
)

# A comparison written value-first is turned around: ":v < a" is "a > :v".
_FLIPPED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
# The operators a sort-key test may use, by their spelling: looked up once per Query, and a
# dict is several times cheaper than calling the enum.
SORT_OPERATORS = {op.value: op for op in SortOp}


@dataclass(frozen=True, slots=True)
class KeyTest:
    """One condition on one key attribute."""

    name: str
    op: str  # = < <= > >= BETWEEN begins_with
    values: tuple[Value, ...]

    def matches(self, value: Value | None) -> bool:
        if value is None:
            return False
        if self.op == "=":
            return same_value(value, self.values[0])
        if self.op == "begins_with":
            return begins_with(value, self.values[0])
        if self.op == "BETWEEN":
            low, high = order(self.values[0], value), order(value, self.values[1])
            return low is not None and high is not None and low <= 0 and high <= 0
        c = order(value, self.values[0])
        if c is None:
            return False
        return {"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[self.op]


@dataclass(frozen=True, slots=True)
class KeyCondition:
    """Partition key value plus an optional sort-key test: one Query's key range."""

    hash_name: str
    hash_value: Value
    sort: KeyTest | None = None

    def matches(self, item: Item) -> bool:
        if not same_value_or_none(item.get(self.hash_name), self.hash_value):
            return False
        return self.sort is None or self.sort.matches(item.get(self.sort.name))

    @property
    def names(self) -> frozenset[str]:
        if self.sort is None:
            return frozenset((self.hash_name,))
        return frozenset((self.hash_name, self.sort.name))

    def sort_key(self) -> SortKeyCondition | None:
        """The sort-key test over encoded keys, as storage reads the range. Only for a condition
        bound with the key types: ``bind`` has then checked that the values are of the key's
        type (S, N or B) and the operator one of ``SortOp``."""
        test = self.sort
        if test is None:
            return None
        upper = encode(test.values[1]) if test.op == SortOp.BETWEEN else None
        return SortKeyCondition(SORT_OPERATORS[test.op], encode(test.values[0]), upper)


def same_value_or_none(value: Value | None, wanted: Value) -> bool:
    return value is not None and same_value(value, wanted)


@dataclass(frozen=True, slots=True)
class KeyShape:
    """The one or two key tests of a key condition, not yet matched to a key schema."""

    tests: tuple[KeyTest, ...]

    def bind(
        self,
        hash_key: str,
        range_key: str | None,
        hash_type: str | None = None,
        range_type: str | None = None,
    ) -> KeyCondition:
        """Match the tests to the table's (or index's) key schema, with DynamoDB's errors."""
        by_name = {test.name: test for test in self.tests}
        if range_key is None and len(by_name) > 1:
            raise ValidationException(NOT_SUPPORTED)
        found: list[KeyTest | None] = []
        for name, kind, is_hash in ((hash_key, hash_type, True), (range_key, range_type, False)):
            if name is None:
                continue
            test = by_name.get(name)
            found.append(test)
            if test is None:
                if is_hash or len(by_name) > 1:
                    raise ValidationException(MISSED.format(name))
                continue
            if test.op not in SORT_OPERATORS:
                raise ValidationException(NOT_INDEXABLE)
            _check_values(test, kind)
            if is_hash and test.op != "=":
                raise ValidationException(NOT_SUPPORTED)
        pk = found[0]
        assert pk is not None
        sort = found[1] if len(found) > 1 else None
        return KeyCondition(hash_key, pk.values[0], sort)


def _check_values(test: KeyTest, wanted: str | None) -> None:
    for value in test.values:
        kind = type_of(value)
        if wanted is not None and kind != wanted:
            raise ValidationException(TYPE_MISMATCH)
    for value in test.values:
        if value.get("S") == "":
            raise ValidationException(EMPTY_KEY.format(test.name))


def key_shape(tree: ast.Cond, resolver: Resolver) -> KeyShape:
    """The key tests of a checked KeyConditionExpression tree, or DynamoDB's error."""
    tests: list[KeyTest] = []
    _collect(tree, resolver, tests)
    if len(tests) > 2:
        raise ValidationException(LENGTH)
    return KeyShape(tuple(tests))


def _collect(node: ast.Cond, resolver: Resolver, tests: list[KeyTest]) -> None:
    if isinstance(node, ast.And):
        _collect(node.left, resolver, tests)
        _collect(node.right, resolver, tests)
        return
    if isinstance(node, ast.Or):
        raise ValidationException(INVALID_OPERATOR.format("OR"))
    if isinstance(node, ast.Not):
        raise ValidationException(INVALID_OPERATOR.format("NOT"))
    if isinstance(node, ast.In):
        raise ValidationException(INVALID_OPERATOR.format("IN"))
    if isinstance(node, ast.Compare):
        if node.op == "<>":
            raise ValidationException(INVALID_OPERATOR.format("<>"))
        operands: tuple[ast.Operand, ...] = (node.left, node.right)
        op = node.op
    elif isinstance(node, ast.Between):
        if not isinstance(node.subject, ast.Path):
            raise ValidationException(FIRST_OPERAND.format("BETWEEN"))
        operands = (node.subject, node.low, node.high)
        op = "BETWEEN"
    else:
        assert isinstance(node, ast.Call)
        if node.name != "begins_with":
            raise ValidationException(INVALID_OPERATOR.format(node.name))
        if not isinstance(node.args[0], ast.Path):
            raise ValidationException(FIRST_OPERAND.format("begins_with"))
        operands = node.args
        op = "begins_with"
    tests.append(_leaf(op, operands, resolver, tests))


def _leaf(
    op: str, operands: tuple[ast.Operand, ...], resolver: Resolver, tests: list[KeyTest]
) -> KeyTest:
    name: str | None = None
    position = 0
    values: list[Value] = []
    for i, operand in enumerate(operands):
        if isinstance(operand, ast.Path):
            if name is not None:
                raise ValidationException(MULTIPLE_NAMES)
            path = resolver.path(operand)
            if len(path) > 1:
                raise ValidationException(NESTED_ATTRIBUTE)
            name, position = str(path[0]), i
        elif isinstance(operand, ast.ValueRef):
            values.append(resolver.values[operand.name])
        else:
            raise ValidationException(NESTED_OPERATION)
    if name is None:
        raise ValidationException(NO_KEY)
    if any(test.name == name for test in tests):
        raise ValidationException(ONE_PER_KEY)
    if position != 0:
        op = _FLIPPED[op]
    return KeyTest(name, op, tuple(values))
