"""Query: the items of one partition (of the table or an index), in sort-key order.

The key condition (KeyConditionExpression or legacy KeyConditions) is compiled first, its shape
checked after the unused placeholders (DynamoDB's order), and becomes a range over the encoded
keys, so storage reads only the matching rows: cost grows with the items read, never
with the table. Limit counts items evaluated, a page stops at 1 MB read (both before the
filter), and the filter, projection and Select shape what is returned.
"""

from __future__ import annotations

from typing import Any

from ddblite import expressions
from ddblite.engine.database import Caller, Database
from ddblite.engine.read_plan import QueryPlan
from ddblite.errors import ValidationException
from ddblite.model.keycodec import encode
from ddblite.model.schema import KeySchema
from ddblite.model.values import Item
from ddblite.operations._shared import read_rules as rules
from ddblite.operations._shared import request_expressions as rx

OUTSIDE = "The provided starting key is outside query boundaries based on provided conditions"
NOT_IN_RANGE = "The provided starting key does not match the range key predicate"
ONE_ROW = "The query can return at most one row and cannot be restarted"
KEY_IN_FILTER = "{} can only contain non-primary key attributes: Primary key attribute: {}"


def handle(
    db: Database, caller: Caller, request: dict[str, Any], raw: bool = True
) -> dict[str, Any]:
    """``raw=False`` for callers that read the returned items (PartiQL): they get dicts."""
    expressions.check_parameters(request, "Query")
    start = rules.check_start_values(request)
    context = expressions.ExpressionContext(
        request.get("ExpressionAttributeNames"), request.get("ExpressionAttributeValues")
    )
    text = request.get("KeyConditionExpression")
    pending = context.key_condition_expression(text) if text is not None else None
    condition = rules.compile_filter(request, context, "QueryFilter")
    projection = rx.projection(request, context)
    context.check_unused()
    select = rules.check_select(request, "Query")
    if pending is not None:
        shape = pending.shape()
    else:
        shape = expressions.legacy_key_conditions(request["KeyConditions"])
    table = db.table(caller, request["TableName"])
    index = rules.find_index(table, request)
    source = rules.source_of(table, index, select, rules.wanted_names(condition, projection))
    keys = source.keys
    rules.check_start_key(source, start, "Query")
    key = shape.bind(keys.hash_name, keys.range_name, keys.hash_type, keys.range_type)
    _check_start_bounds(keys, key, start)
    rules.check_key_paths(table, projection)
    _check_filter_keys(keys, condition)
    rules.check_key_paths(table, condition)
    plan = QueryPlan(
        table=table,
        secondary_index=index,
        fetch=source.fetch,
        start=start,
        limit=request.get("Limit"),
        keep=condition.test if condition is not None else None,
        project=rules.shaper(source, select, projection),
        raw=raw,
        partition=key.hash_value,
        sort=key.sort_key(),
        forward=request.get("ScanIndexForward", True),
    )
    page = db.query(plan)
    return rules.response(request, source, page, select)


def _check_start_bounds(keys: KeySchema, key: expressions.KeyCondition, start: Item | None) -> None:
    """An ExclusiveStartKey must lie inside the range the key condition selects."""
    if start is None:
        return
    same_partition = encode(start[keys.hash_name]) == encode(key.hash_value)
    if key.sort is None:
        if not same_partition:
            raise ValidationException(OUTSIDE)
        return
    if not key.sort.matches(start[key.sort.name]):
        raise ValidationException(NOT_IN_RANGE)
    if not same_partition:
        raise ValidationException(ONE_ROW)


def _check_filter_keys(keys: KeySchema, condition: expressions.Condition | None) -> None:
    """A Query's filter may not read the key attributes it walks (the key condition does)."""
    if condition is None:
        return
    names = expressions.top_level_names(condition)
    for name in keys.names:
        if name in names:
            label = "Filter Expression" if condition.kind == "FilterExpression" else condition.kind
            raise ValidationException(KEY_IN_FILTER.format(label, name))
