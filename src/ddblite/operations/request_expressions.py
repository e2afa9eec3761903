"""A request's expression parameters, modern or legacy, compiled through one context.

DynamoDB accepts either the expression parameters (ConditionExpression, ProjectionExpression,
...) or the legacy ones (Expected, AttributesToGet, ...), never both; ExpressionAttributeNames and
ExpressionAttributeValues only make sense with expressions.
"""

from __future__ import annotations

from typing import Any

from ddblite import expressions
from ddblite.errors import ValidationException

# Which parameters of each operation are expressions and which are their legacy twins.
_EXPRESSION_PARAMS = {
    "GetItem": ("ProjectionExpression",),
    "PutItem": ("ConditionExpression",),
    "DeleteItem": ("ConditionExpression",),
    "UpdateItem": ("UpdateExpression", "ConditionExpression"),
    "Query": ("KeyConditionExpression", "FilterExpression", "ProjectionExpression"),
    "Scan": ("FilterExpression", "ProjectionExpression"),
}
_LEGACY_PARAMS = {
    "GetItem": ("AttributesToGet",),
    "PutItem": ("Expected", "ConditionalOperator"),
    "DeleteItem": ("Expected", "ConditionalOperator"),
    "UpdateItem": ("AttributeUpdates", "Expected", "ConditionalOperator"),
    "Query": ("KeyConditions", "QueryFilter", "AttributesToGet", "ConditionalOperator"),
    "Scan": ("ScanFilter", "AttributesToGet", "ConditionalOperator"),
}


def check_parameters(request: dict[str, Any], operation: str) -> None:
    """DynamoDB's rules for mixing expression and legacy parameters."""
    modern = [p for p in _EXPRESSION_PARAMS[operation] if p in request]
    legacy = [p for p in _LEGACY_PARAMS[operation] if p in request]
    if modern and legacy:
        raise ValidationException(
            "Can not use both expression and non-expression parameters in the same request: "
            f"Non-expression parameters: {{{', '.join(legacy)}}} "
            f"Expression parameters: {{{', '.join(modern)}}}"
        )
    if not modern:
        if "ExpressionAttributeNames" in request:
            raise ValidationException(
                "ExpressionAttributeNames can only be specified when using expressions"
            )
        if "ExpressionAttributeValues" in request:
            raise ValidationException(
                "ExpressionAttributeValues can only be specified when using expressions"
            )


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
