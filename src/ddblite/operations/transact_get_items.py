"""TransactGetItems: up to 100 items by key over several tables, read as of one moment.

Checks in DynamoDB's order: every Get's ProjectionExpression and ExpressionAttributeNames;
every table exists (ResourceNotFoundException); every key fits its table's schema, where a
bad key cancels the transaction with one CancellationReason per Get (ValidationError or None);
no two Gets name one item. Responses come back in request order, ``{}`` for an item that does
not exist (or whose projection selects nothing).
"""

from __future__ import annotations

from typing import Any

from ddblite import expressions
from ddblite.engine import transactions
from ddblite.engine.database import Caller, Database
from ddblite.errors import DUPLICATE_TARGETS, DynamoDBError, ValidationException
from ddblite.model.request_enums import ReturnConsumedCapacity
from ddblite.model.schema import TableSchema, check_key, encode_key
from ddblite.model.values import check_item
from ddblite.operations._shared import request_expressions as rx


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    gets: list[dict[str, Any]] = [entry["Get"] for entry in request["TransactItems"]]
    projections = [_projection(get) for get in gets]
    tables = [db.table(caller, get["TableName"]) for get in gets]
    _check_keys(tables, gets)
    found = db.get_items(tables, [get["Key"] for get in gets])
    responses: list[dict[str, Any]] = []
    for (item, _), projection in zip(found, projections, strict=True):
        if item is not None and projection is not None:
            item = expressions.project(projection, item)
        responses.append({"Item": item} if item else {})
    out: dict[str, Any] = {"Responses": responses}
    consumed = transactions.read_capacity(
        ReturnConsumedCapacity.of(request),
        [(table.name, size) for table, (_, size) in zip(tables, found, strict=True)],
    )
    if consumed is not None:
        out["ConsumedCapacity"] = consumed
    return out


def _projection(get: dict[str, Any]) -> expressions.Projection | None:
    context = expressions.ExpressionContext(get.get("ExpressionAttributeNames"), None)
    projection: expressions.Projection | None = rx.projection(get, context)
    context.check_unused()
    return projection


def _check_keys(tables: list[TableSchema], gets: list[dict[str, Any]]) -> None:
    """Every key against its table (a bad one cancels the transaction), then duplicates."""
    errors: list[DynamoDBError | None] = []
    for table, get in zip(tables, gets, strict=True):
        try:
            check_item(get["Key"])  # numbers become canonical, so 1 and 1.0 are one key
            check_key(table.keys, get["Key"])
            errors.append(None)
        except ValidationException as error:
            errors.append(error)
    if any(errors):
        raise transactions.cancelled(errors)
    seen: set[tuple[int, bytes, bytes]] = set()
    for table, get in zip(tables, gets, strict=True):
        ek = encode_key(table.keys, get["Key"])
        if (table.table_id, ek.pk, ek.sk) in seen:
            raise ValidationException(DUPLICATE_TARGETS)
        seen.add((table.table_id, ek.pk, ek.sk))
