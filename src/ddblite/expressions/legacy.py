"""The legacy (pre-expression) parameters, checked with DynamoDB's messages and turned into the
same compiled forms as expressions.

- Expected + ConditionalOperator -> Condition (PutItem, UpdateItem, DeleteItem)
- QueryFilter / ScanFilter + ConditionalOperator -> Condition
- KeyConditions -> KeyShape (then ``bind`` like a KeyConditionExpression)
- AttributesToGet -> Projection (top-level names, taken literally: "a.b" is one name)
- AttributeUpdates -> Update (PUT / ADD / DELETE on top-level attributes)

``check_parameters`` enforces the rules for mixing the two styles in one request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ddblite.errors import INVALID, ValidationException
from ddblite.expressions import ast
from ddblite.expressions.attrs import (
    Item,
    Value,
    begins_with,
    contains,
    order,
    same_value,
    type_of,
)
from ddblite.expressions.context import Condition
from ddblite.expressions.key_range import LENGTH, KeyShape, KeyTest
from ddblite.expressions.projection import Projection, make_projection
from ddblite.expressions.update import Update, UpdateAction
from ddblite.model import values as model_values

# --- mixing expression and non-expression parameters -------------------------------------

# Per operation: its expression parameters and their legacy counterparts, in DynamoDB's order.
PARAMETERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "GetItem": (("ProjectionExpression",), ("AttributesToGet",)),
    "BatchGetItem": (("ProjectionExpression",), ("AttributesToGet",)),
    "PutItem": (("ConditionExpression",), ("Expected",)),
    "DeleteItem": (("ConditionExpression",), ("Expected",)),
    "UpdateItem": (("UpdateExpression", "ConditionExpression"), ("AttributeUpdates", "Expected")),
    "Query": (
        ("ProjectionExpression", "FilterExpression", "KeyConditionExpression"),
        ("AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"),
    ),
    "Scan": (
        ("ProjectionExpression", "FilterExpression"),
        ("AttributesToGet", "ScanFilter", "ConditionalOperator"),
    ),
}


# The conditions ConditionalOperator joins, per operation; without them it is refused (wording
# as MiniStack gives it; no recording of the service's text was found).
_CONDITIONS_OF = {
    "PutItem": "Expected",
    "DeleteItem": "Expected",
    "UpdateItem": "Expected",
    "Query": "QueryFilter",
    "Scan": "ScanFilter",
}
LONE_OPERATOR = (
    "ConditionalOperator can only be used when Filter or Expected has two or more elements"
)


def check_parameters(request: dict[str, Any], operation: str) -> None:
    """DynamoDB's checks on which expression and legacy parameters may be combined."""
    expressions, legacy = PARAMETERS[operation]
    used = [name for name in expressions if request.get(name) is not None]
    if used:
        candidates = list(legacy)
        # A Query may pair KeyConditions with the expression parameters for its filter and
        # projection as long as it has no KeyConditionExpression.
        if operation == "Query" and request.get("KeyConditionExpression") is None:
            candidates.remove("KeyConditions")
        mixed = [name for name in candidates if request.get(name) is not None]
        if mixed:
            raise ValidationException(
                "Can not use both expression and non-expression parameters in the same "
                f"request: Non-expression parameters: {{{', '.join(mixed)}}} "
                f"Expression parameters: {{{', '.join(used)}}}"
            )
    if request.get("ExpressionAttributeNames") is not None and not used:
        raise ValidationException(
            "ExpressionAttributeNames can only be specified when using expressions"
        )
    with_values = [name for name in expressions if name != "ProjectionExpression"]
    if (
        with_values
        and request.get("ExpressionAttributeValues") is not None
        and all(request.get(name) is None for name in with_values)
    ):
        verb = "are" if len(with_values) > 1 else "is"
        raise ValidationException(
            "ExpressionAttributeValues can only be specified when using expressions: "
            f"{' and '.join(with_values)} {verb} null"
        )
    conditions = _CONDITIONS_OF.get(operation)
    if (
        conditions is not None
        and request.get("ConditionalOperator") is not None
        and request.get(conditions) is None
    ):
        raise ValidationException(LONE_OPERATOR)
    if operation == "Query" and all(
        request.get(name) is None for name in ("KeyConditions", "KeyConditionExpression")
    ):
        raise ValidationException(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in "
            "the request."
        )


# --- comparison operators ------------------------------------------------------------------

ARGUMENTS: dict[str, tuple[int, int]] = {
    "EQ": (1, 1),
    "NE": (1, 1),
    "LE": (1, 1),
    "LT": (1, 1),
    "GE": (1, 1),
    "GT": (1, 1),
    "CONTAINS": (1, 1),
    "NOT_CONTAINS": (1, 1),
    "BEGINS_WITH": (1, 1),
    "NULL": (0, 0),
    "NOT_NULL": (0, 0),
    "IN": (1, 1 << 30),
    "BETWEEN": (2, 2),
}
# Value types each operator refuses (as recorded against DynamoDB; EQ and NE take any type,
# "including lists and maps").
_NOT_SCALAR = frozenset(("BOOL", "NULL", "SS", "NS", "BS", "M", "L"))
REFUSED_TYPES: dict[str, frozenset[str]] = {
    "LE": _NOT_SCALAR,
    "LT": _NOT_SCALAR,
    "GE": _NOT_SCALAR,
    "GT": _NOT_SCALAR,
    "IN": _NOT_SCALAR,
    "BETWEEN": _NOT_SCALAR,
    "CONTAINS": frozenset(("SS", "NS", "BS", "M", "L")),
    "NOT_CONTAINS": frozenset(("SS", "NS", "BS", "M", "L")),
    "BEGINS_WITH": _NOT_SCALAR | {"N"},
}
ARGUMENT_COUNT = INVALID + "Invalid number of argument(s) for the {} ComparisonOperator"
SAME_TYPE = INVALID + "AttributeValues inside AttributeValueList must be of same type"
WRONG_TYPE = INVALID + "ComparisonOperator {} is not valid for {} AttributeValue type"
BETWEEN_ORDER = (
    "The BETWEEN condition was provided a range where the lower bound is greater than the "
    "upper bound"
)

Test = Callable[[Value | None], bool]


def _test(op: str, values: list[Value]) -> Test:
    """The predicate of one legacy comparison on an attribute's value (None: missing)."""
    first = values[0] if values else None
    if op == "NULL":
        return lambda v: v is None
    if op == "NOT_NULL":
        return lambda v: v is not None
    assert first is not None
    if op == "EQ":
        return lambda v: v is not None and same_value(v, first)
    if op == "NE":
        return lambda v: v is None or not same_value(v, first)
    if op in ("LT", "LE", "GT", "GE"):
        wanted = {"LT": (-1,), "LE": (-1, 0), "GT": (1,), "GE": (0, 1)}[op]
        return lambda v: v is not None and order(v, first) in wanted
    if op == "CONTAINS":
        return lambda v: v is not None and contains(v, first)
    if op == "NOT_CONTAINS":
        # Unlike NE (and unlike `NOT contains(...)`), a missing attribute fails NOT_CONTAINS.
        return lambda v: v is not None and not contains(v, first)
    if op == "BEGINS_WITH":
        return lambda v: v is not None and begins_with(v, first)
    if op == "IN":
        return lambda v: v is not None and any(same_value(v, option) for option in values)
    high = values[1]

    def between(v: Value | None) -> bool:
        if v is None:
            return False
        below, above = order(first, v), order(v, high)
        return below is not None and above is not None and below <= 0 and above <= 0

    return between


def _check_arguments(op: str, values: list[Value], types: bool) -> None:
    low, high = ARGUMENTS[op]
    if not low <= len(values) <= high:
        raise ValidationException(ARGUMENT_COUNT.format(op))
    if values:
        kind = type_of(values[0])
        if any(type_of(v) != kind for v in values):
            raise ValidationException(SAME_TYPE)
        refused = REFUSED_TYPES.get(op, frozenset())
        if types:
            for value in values:
                if type_of(value) in refused:
                    raise ValidationException(WRONG_TYPE.format(op, type_of(value)))
        if op == "BETWEEN" and (order(values[0], values[1]) or 0) > 0:
            raise ValidationException(BETWEEN_ORDER)


def _combine(tests: list[tuple[str, Test]], operator: str | None, kind: str) -> Condition:
    either = operator == "OR"

    def holds(item: Item) -> bool:
        if either:
            return any(test(item.get(name)) for name, test in tests)
        return all(test(item.get(name)) for name, test in tests)

    paths = tuple((name,) for name, _ in tests)
    return Condition(kind, "", None, holds, paths)


# --- Expected --------------------------------------------------------------------------------


def legacy_expected(expected: dict[str, dict[str, Any]], operator: str | None) -> Condition:
    """Expected (+ ConditionalOperator) as a Condition, or DynamoDB's ValidationException."""
    tests: list[tuple[str, Test]] = []
    for name, spec in expected.items():
        tests.append((name, _expected_test(name, spec)))
    return _combine(tests, operator, "Expected")


def _expected_test(name: str, spec: dict[str, Any]) -> Test:
    value = spec.get("Value")
    listed = spec.get("AttributeValueList")
    op = spec.get("ComparisonOperator")
    exists = spec.get("Exists")
    if "AttributeValueList" in spec and "Value" in spec:
        raise ValidationException(
            INVALID + f"Value and AttributeValueList cannot be used together for Attribute: {name}"
        )
    if op is not None:
        if exists is not None:
            raise ValidationException(
                INVALID
                + f"Exists and ComparisonOperator cannot be used together for Attribute: {name}"
            )
        if op not in ("NULL", "NOT_NULL") and listed is None and value is None:
            raise ValidationException(
                INVALID + f"Value or AttributeValueList must be used with ComparisonOperator: "
                f"{op} for Attribute: {name}"
            )
        values = list(listed) if listed is not None else ([value] if value is not None else [])
        for v in values:
            model_values.check_value(v, 0)
        _check_arguments(op, values, types=True)
        return _test(op, values)
    if listed is not None:
        raise ValidationException(
            INVALID
            + "AttributeValueList can only be used with a ComparisonOperator for Attribute: "
            + name
        )
    present = exists is None or exists
    if present and value is None:
        shown = "null" if exists is None else "true"
        raise ValidationException(
            INVALID + f"Value must be provided when Exists is {shown} for Attribute: {name}"
        )
    if not present and value is not None:
        raise ValidationException(
            INVALID + f"Value cannot be used when Exists is false for Attribute: {name}"
        )
    if value is None:
        return _test("NULL", [])
    model_values.check_value(value, 0)
    return _test("EQ", [value])


# --- QueryFilter / ScanFilter / KeyConditions -------------------------------------------------


Checked = list[tuple[str, str, list[Value]]]


def _checked_conditions(conditions: dict[str, dict[str, Any]]) -> Checked:
    out: Checked = []
    for name, spec in conditions.items():
        op = spec["ComparisonOperator"]
        values = list(spec.get("AttributeValueList") or [])
        for value in values:
            model_values.check_value(value, 0)
        _check_arguments(op, values, types=True)
        out.append((name, op, values))
    return out


def legacy_filter(
    conditions: dict[str, dict[str, Any]], operator: str | None, kind: str = "ScanFilter"
) -> Condition:
    """QueryFilter / ScanFilter (+ ConditionalOperator) as a Condition."""
    tests = [(name, _test(op, values)) for name, op, values in _checked_conditions(conditions)]
    return _combine(tests, operator, kind)


_KEY_OPERATORS = {
    "EQ": "=",
    "LT": "<",
    "LE": "<=",
    "GT": ">",
    "GE": ">=",
    "BETWEEN": "BETWEEN",
    "BEGINS_WITH": "begins_with",
}


def legacy_key_conditions(conditions: dict[str, dict[str, Any]]) -> KeyShape:
    """KeyConditions as a KeyShape; operators that cannot use the key (NE, IN, CONTAINS, ...)
    are refused by ``KeyShape.bind`` if they land on a key attribute."""
    checked = _checked_conditions(conditions)
    if not 1 <= len(checked) <= 2:
        raise ValidationException(LENGTH)
    tests = tuple(
        KeyTest(name, _KEY_OPERATORS.get(op, op), tuple(values)) for name, op, values in checked
    )
    return KeyShape(tests)


# --- AttributesToGet ---------------------------------------------------------------------------


def legacy_attributes_to_get(names: list[str]) -> Projection:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValidationException(INVALID + f"Duplicate value in attribute name: {name}")
        seen.add(name)
    return make_projection("", None, tuple((name,) for name in names))


# --- AttributeUpdates --------------------------------------------------------------------------


def _constant(value: Value) -> Callable[[Item], Value | None]:
    return lambda item: value


def legacy_attribute_updates(updates: dict[str, dict[str, Any]]) -> Update:
    """AttributeUpdates as an Update (applied with ``apply_update``)."""
    actions: list[UpdateAction] = []
    for name, spec in updates.items():
        value = spec.get("Value")
        action = spec.get("Action") or "PUT"
        if value is not None:
            model_values.check_value(value, 0)
        if value is None and action != "DELETE":
            raise ValidationException(
                INVALID + "Only DELETE action is allowed when no attribute value is specified"
            )
        if value is not None and action == "DELETE" and type_of(value) not in ("SS", "NS", "BS"):
            raise ValidationException(
                INVALID + f"DELETE action with value is not supported for the type {type_of(value)}"
            )
        if (
            value is not None
            and action == "ADD"
            and type_of(value)
            not in (
                "L",
                "SS",
                "NS",
                "BS",
                "N",
            )
        ):
            raise ValidationException(
                INVALID + f"ADD action is not supported for the type {type_of(value)}"
            )
        path = (name,)
        if value is None:
            actions.append(UpdateAction("REMOVE", 0, path))
        elif action == "PUT":
            actions.append(UpdateAction("SET", 0, path, _constant(value)))
        else:
            actions.append(UpdateAction(action, 0, path, operand=value))
    return Update("", ast.UpdateExpr(()), tuple(actions), legacy=True)
