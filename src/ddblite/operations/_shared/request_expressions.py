"""A request's expression parameters, modern or legacy, compiled through one context.

DynamoDB accepts either the expression parameters (ConditionExpression, ProjectionExpression,
...) or the legacy ones (Expected, AttributesToGet, ...), never both; ExpressionAttributeNames and
ExpressionAttributeValues only make sense with expressions.
"""

from __future__ import annotations

from typing import Any

from ddblite import expressions


def check_parameters(request: dict[str, Any], operation: str) -> None:
    """DynamoDB's rules for mixing expression and legacy parameters."""
    expressions.check_parameters(request, operation)


def condition(request: dict[str, Any], context: expressions.ExpressionContext) -> Any:
    """The compiled write condition (ConditionExpression or Expected), or None."""
    text = request.get("ConditionExpression")
    if text is not None:
        return context.condition(text, "ConditionExpression")
    if "Expected" in request:
        return expressions.legacy_expected(request["Expected"], request.get("ConditionalOperator"))
    return None


def projection(request: dict[str, Any], context: expressions.ExpressionContext) -> Any:
    text = request.get("ProjectionExpression")
    if text is not None:
        return context.projection(text)
    if "AttributesToGet" in request:
        return expressions.legacy_attributes_to_get(request["AttributesToGet"])
    return None
