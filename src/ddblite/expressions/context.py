"""``ExpressionContext``: one request's ExpressionAttributeNames/Values and its expressions.

The operation builds one context per request, compiles each of the request's expressions
through it in DynamoDB's order (UpdateItem: update, then condition; Query: filter, projection,
then key condition; Scan: filter, projection), then calls ``check_unused``. Every error in
the expressions is raised here, before any storage access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ddblite.errors import ValidationException
from ddblite.expressions import ast
from ddblite.expressions.attrs import Item, Value
from ddblite.expressions.evaluate import Predicate, compile_condition
from ddblite.expressions.key_range import KeyShape, key_shape
from ddblite.expressions.parser import ExpressionError
from ddblite.expressions.projection import Projection, make_projection
from ddblite.expressions.resolve import (
    ResolvedPath,
    Resolver,
    check_condition,
    check_projection,
    check_update,
)
from ddblite.expressions.update import Update, compile_update
from ddblite.expressions.validate import checked
from ddblite.limits import MAX_PLACEHOLDER_BYTES
from ddblite.model import values as model_values

_NAME_KEY = re.compile(r"#[0-9A-Za-z_]+\Z")
_VALUE_KEY = re.compile(r":[0-9A-Za-z_]+\Z")

NAMES_EMPTY = "ExpressionAttributeNames must not be empty"
VALUES_EMPTY = "ExpressionAttributeValues must not be empty"
NAME_KEY_SYNTAX = 'ExpressionAttributeNames contains invalid key: Syntax error; key: "{}"'
VALUE_KEY_SYNTAX = 'ExpressionAttributeValues contains invalid key: Syntax error; key: "{}"'
NAME_KEY_LONG = (
    "ExpressionAttributeNames contains invalid key: The expression attribute map contains a "
    "key that is too long; size of key: {}"
)
VALUE_KEY_LONG = (
    "ExpressionAttributeValues contains invalid key: The expression attribute map contains a "
    "key that is too long;"
)
NAME_EMPTY_VALUE = (
    "ExpressionAttributeNames contains invalid value: Empty attribute name for key {}"
)
INVALID_VALUE = "ExpressionAttributeValues contains invalid value: {} for key {}"
UNUSED_NAMES = "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}"
UNUSED_VALUES = "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}"


@dataclass(frozen=True, slots=True)
class Condition:
    """A checked Condition/Filter expression (or legacy Expected/QueryFilter/ScanFilter) bound
    to one request's placeholders. ``test`` is the compiled predicate."""

    kind: str
    text: str
    tree: ast.Cond | None
    test: Predicate
    paths: tuple[ResolvedPath, ...]  # every document path it reads, in text order


def java_set_order(keys: list[str], total: int) -> list[str]:
    """``keys`` in the order a Java HashSet built from ``total`` keys iterates them.

    DynamoDB lists unused placeholders by iterating a HashSet, so that is the order users see
    (a table of ``max(total/0.75 + 1, 16)`` buckets rounded up to a power of two; a key's
    bucket is its String.hashCode spread by ``h ^ (h >>> 16)``; ties keep insertion order)."""
    capacity = 1
    wanted = max(int(total / 0.75) + 1, 16)
    while capacity < wanted:
        capacity *= 2
    mask = capacity - 1

    def bucket(key: str) -> int:
        h = _java_hash_units(key)
        return (h ^ (h >> 16)) & mask

    return [key for _, _, key in sorted((bucket(k), i, k) for i, k in enumerate(keys))]


def _java_hash_units(text: str) -> int:
    h = 0
    data = text.encode("utf-16-be", "surrogatepass")
    for i in range(0, len(data), 2):
        h = (31 * h + (data[i] << 8 | data[i + 1])) & 0xFFFFFFFF
    return h


def _check_names(names: dict[str, str] | None) -> dict[str, str]:
    if names is None:
        return {}
    if not names:
        raise ValidationException(NAMES_EMPTY)
    for key, name in names.items():
        size = len(key.encode("utf-8", "surrogatepass"))
        if size > MAX_PLACEHOLDER_BYTES:
            raise ValidationException(NAME_KEY_LONG.format(size))
        if _NAME_KEY.match(key) is None:
            raise ValidationException(NAME_KEY_SYNTAX.format(key))
        if name == "":
            raise ValidationException(NAME_EMPTY_VALUE.format(key))
    return names


def _check_values(values: dict[str, Value] | None) -> dict[str, Value]:
    if values is None:
        return {}
    if not values:
        raise ValidationException(VALUES_EMPTY)
    for key in values:
        if len(key.encode("utf-8", "surrogatepass")) > MAX_PLACEHOLDER_BYTES:
            raise ValidationException(VALUE_KEY_LONG)
        if _VALUE_KEY.match(key) is None:
            raise ValidationException(VALUE_KEY_SYNTAX.format(key))
    for key, value in values.items():
        try:
            model_values.check_value(value, 0)
        except ValidationException as error:
            if error.message == model_values.NESTING:
                raise  # DynamoDB reports an over-deep value without naming the key
            raise ValidationException(INVALID_VALUE.format(error.message, key)) from None
    return values


class ExpressionContext:
    """One request's placeholders; tracks which were used by the expressions compiled so far.

    Construction validates ExpressionAttributeNames and ExpressionAttributeValues (empty maps,
    malformed keys, invalid values); numbers in the values are rewritten to their canonical
    spelling in place."""

    def __init__(self, names: dict[str, str] | None, values: dict[str, Value] | None) -> None:
        self.resolver = Resolver(_check_names(names), _check_values(values))

    # --- compiling -------------------------------------------------------------------------

    def _fail(self, kind: str, error: ExpressionError) -> ValidationException:
        return ValidationException(f"Invalid {kind}: {error.message}")

    def condition(self, text: str, kind: str = "ConditionExpression") -> Condition:
        """Compile a ConditionExpression or FilterExpression (``kind`` names it in errors)."""
        try:
            tree = checked("condition", text)
            assert not isinstance(tree, (ast.UpdateExpr, ast.ProjectionExpr))
            check_condition(tree, self.resolver)
        except ExpressionError as error:
            raise self._fail(kind, error) from None
        test = compile_condition(tree, self.resolver)
        return Condition(kind, text, tree, test, tuple(self._paths(tree)))

    def update(self, text: str) -> Update:
        try:
            tree = checked("update", text)
            assert isinstance(tree, ast.UpdateExpr)
            targets = check_update(tree, self.resolver)
        except ExpressionError as error:
            raise self._fail("UpdateExpression", error) from None
        return compile_update(text, tree, targets, self.resolver)

    def projection(self, text: str) -> Projection:
        try:
            tree = checked("projection", text)
            assert isinstance(tree, ast.ProjectionExpr)
            paths = check_projection(tree, self.resolver)
        except ExpressionError as error:
            raise self._fail("ProjectionExpression", error) from None
        return make_projection(text, tree, tuple(paths))

    def key_condition_expression(self, text: str) -> KeyConditionExpression:
        """Compile a KeyConditionExpression as an expression (syntax, placeholders, operand
        types), marking its placeholders used. Its shape as a key condition is checked by
        ``.shape()``, which DynamoDB does only after the unused-placeholder check.

        A Query in DynamoDB's order::

            pending = ctx.key_condition_expression(kce)
            filter_ = ctx.condition(fe, "FilterExpression")
            projection = ctx.projection(pe)
            ctx.check_unused()
            shape = pending.shape()
            ... look the table up ...
            key = shape.bind(hash_key, range_key, hash_type, range_type)
        """
        try:
            tree = checked("condition", text)
            assert not isinstance(tree, (ast.UpdateExpr, ast.ProjectionExpr))
            check_condition(tree, self.resolver)
        except ExpressionError as error:
            raise self._fail("KeyConditionExpression", error) from None
        return KeyConditionExpression(text, tree, self.resolver)

    def key_condition_shape(self, text: str) -> KeyShape:
        """``key_condition_expression``, then ``check_unused``, then ``shape()``: for a
        request whose other expressions were compiled already."""
        pending = self.key_condition_expression(text)
        self.check_unused()
        return pending.shape()

    # --- unused placeholders ---------------------------------------------------------------

    def check_unused(self) -> None:
        """Raise DynamoDB's error for placeholders no compiled expression used (names first)."""
        r = self.resolver
        if len(r.used_names) < len(r.names):
            unused = [k for k in r.names if k not in r.used_names]
            keys = java_set_order(unused, len(r.names))
            raise ValidationException(UNUSED_NAMES.format(", ".join(keys)))
        if len(r.used_values) < len(r.values):
            unused = [k for k in r.values if k not in r.used_values]
            keys = java_set_order(unused, len(r.values))
            raise ValidationException(UNUSED_VALUES.format(", ".join(keys)))

    # --- helpers -------------------------------------------------------------------------------

    def _paths(self, node: ast.Node) -> list[ResolvedPath]:
        out: list[ResolvedPath] = []
        _walk_paths(node, lambda p: out.append(self.resolver.path(p)))
        return out


@dataclass(frozen=True, slots=True)
class KeyConditionExpression:
    """A compiled KeyConditionExpression whose key-condition shape is not checked yet."""

    text: str
    tree: ast.Cond
    resolver: Resolver

    def shape(self) -> KeyShape:
        return key_shape(self.tree, self.resolver)


def _walk_paths(node: Any, visit: Any) -> None:
    if isinstance(node, ast.Path):
        visit(node)
    elif isinstance(node, ast.Call):
        for arg in node.args:
            _walk_paths(arg, visit)
    elif isinstance(node, (ast.Compare, ast.Arith, ast.And, ast.Or)):
        _walk_paths(node.left, visit)
        _walk_paths(node.right, visit)
    elif isinstance(node, ast.Not):
        _walk_paths(node.operand, visit)
    elif isinstance(node, ast.Between):
        for child in (node.subject, node.low, node.high):
            _walk_paths(child, visit)
    elif isinstance(node, ast.In):
        _walk_paths(node.subject, visit)
        for child in node.options:
            _walk_paths(child, visit)


def evaluate(cond: Condition, item: Item | None) -> bool:
    """Whether ``cond`` holds for ``item`` (None: no item exists)."""
    return cond.test(item if item is not None else {})
