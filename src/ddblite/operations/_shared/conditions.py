"""Compile the expressions of a write request (ConditionExpression or legacy Expected) and
turn a failed check into ConditionalCheckFailedException, shared by PutItem, UpdateItem and
DeleteItem (and the transaction and batch paths built on them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ddblite import expressions
from ddblite.errors import ConditionalCheckFailedException
from ddblite.model.request_enums import ReturnValuesOnConditionCheckFailure
from ddblite.model.values import Item
from ddblite.operations._shared import request_expressions as rx

Check = Callable[[Item | None], None]


def _always(item: Item | None) -> None:
    return None


def compile_condition(request: dict[str, Any], context: expressions.ExpressionContext) -> Check:
    """A function that raises ConditionalCheckFailedException when the request's condition
    does not hold for the current item."""
    condition = rx.condition(request, context)
    if condition is None:
        return _always
    return_old = (
        ReturnValuesOnConditionCheckFailure.of(request)
        is ReturnValuesOnConditionCheckFailure.ALL_OLD
    )

    def check(item: Item | None) -> None:
        if not expressions.evaluate(condition, item):
            raise ConditionalCheckFailedException(
                item=item if return_old and item is not None else None
            )

    return check


def condition_only(request: dict[str, Any]) -> Check:
    """The whole expression step of a write whose only expression is its condition (PutItem,
    DeleteItem): compile it with the request's placeholders, then refuse unused ones."""
    context = expressions.ExpressionContext(
        request.get("ExpressionAttributeNames"), request.get("ExpressionAttributeValues")
    )
    check = compile_condition(request, context)
    context.check_unused()
    return check
