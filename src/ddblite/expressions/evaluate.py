"""Evaluating conditions: a checked tree is compiled once per request into closures.

Every placeholder is looked up while compiling, so evaluating an item does no dictionary
lookups beyond the item's own and cannot fail: a missing attribute, or operands of different
types, just make the comparison false (``<>`` true), as in DynamoDB.
"""

from __future__ import annotations

from collections.abc import Callable

from ddblite.expressions import ast
from ddblite.expressions.attrs import (
    Item,
    Value,
    begins_with,
    contains,
    get_path,
    order,
    same_value,
    size_of,
    type_of,
)
from ddblite.expressions.resolve import Resolver

Getter = Callable[[Item], Value | None]
Predicate = Callable[[Item], bool]

_ORDERING: dict[str, Callable[[int], bool]] = {
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}


class Compiler:
    def __init__(self, resolver: Resolver) -> None:
        self.r = resolver

    # --- operands --------------------------------------------------------------------------

    def operand(self, node: ast.Operand) -> Getter:
        if isinstance(node, ast.ValueRef):
            value = self.r.values[node.name]
            return lambda item: value
        if isinstance(node, ast.Path):
            return self.path(node)
        if isinstance(node, ast.Call) and node.name == "size":
            inner = self.operand(node.args[0])

            def size(item: Item) -> Value | None:
                value = inner(item)
                if value is None:
                    return None
                count = size_of(value)
                return None if count is None else {"N": str(count)}

            return size
        raise AssertionError(f"not an operand: {node!r}")  # excluded by validation

    def path(self, node: ast.Path) -> Getter:
        resolved = self.r.path(node)
        if len(resolved) == 1:
            name = str(resolved[0])
            return lambda item: item.get(name)
        return lambda item: get_path(item, resolved)

    # --- conditions ------------------------------------------------------------------------

    def cond(self, node: ast.Cond) -> Predicate:
        if isinstance(node, ast.And):
            left, right = self.cond(node.left), self.cond(node.right)
            return lambda item: left(item) and right(item)
        if isinstance(node, ast.Or):
            left, right = self.cond(node.left), self.cond(node.right)
            return lambda item: left(item) or right(item)
        if isinstance(node, ast.Not):
            inner = self.cond(node.operand)
            return lambda item: not inner(item)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Between):
            return self.between(node)
        if isinstance(node, ast.In):
            return self.member(node)
        assert isinstance(node, ast.Call)
        return self.function(node)

    def compare(self, node: ast.Compare) -> Predicate:
        left, right = self.operand(node.left), self.operand(node.right)
        if node.op == "=":

            def equal(item: Item) -> bool:
                a = left(item)
                if a is None:
                    return False
                b = right(item)
                return b is not None and same_value(a, b)

            return equal
        if node.op == "<>":

            def unequal(item: Item) -> bool:
                a = left(item)
                if a is None:
                    return True
                b = right(item)
                return b is None or not same_value(a, b)

            return unequal
        test = _ORDERING[node.op]

        def ordered(item: Item) -> bool:
            a = left(item)
            if a is None:
                return False
            b = right(item)
            if b is None:
                return False
            c = order(a, b)
            return c is not None and test(c)

        return ordered

    def between(self, node: ast.Between) -> Predicate:
        subject = self.operand(node.subject)
        low, high = self.operand(node.low), self.operand(node.high)

        def within(item: Item) -> bool:
            a, lo, hi = subject(item), low(item), high(item)
            if a is None or lo is None or hi is None:
                return False
            below, above = order(lo, a), order(a, hi)
            return below is not None and above is not None and below <= 0 and above <= 0

        return within

    def member(self, node: ast.In) -> Predicate:
        subject = self.operand(node.subject)
        options = [self.operand(option) for option in node.options]

        def inside(item: Item) -> bool:
            a = subject(item)
            if a is None:
                return False
            for option in options:
                b = option(item)
                if b is not None and same_value(a, b):
                    return True
            return False

        return inside

    def function(self, node: ast.Call) -> Predicate:
        first = self.operand(node.args[0])
        name = node.name
        if name == "attribute_exists":
            return lambda item: first(item) is not None
        if name == "attribute_not_exists":
            return lambda item: first(item) is None
        second = self.operand(node.args[1])
        if name == "attribute_type":
            wanted = second({})
            assert wanted is not None
            type_name = wanted["S"]

            def has_type(item: Item) -> bool:
                value = first(item)
                return value is not None and type_of(value) == type_name

            return has_type
        test = begins_with if name == "begins_with" else contains

        def check(item: Item) -> bool:
            a = first(item)
            if a is None:
                return False
            b = second(item)
            return b is not None and test(a, b)

        return check


def compile_condition(tree: ast.Cond, resolver: Resolver) -> Predicate:
    return Compiler(resolver).cond(tree)
