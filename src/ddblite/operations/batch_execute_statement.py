"""BatchExecuteStatement: up to 25 independent PartiQL reads or writes, each with its own
result or error."""

from __future__ import annotations

from typing import Any

from ddblite.engine.database import Caller, Database
from ddblite.errors import DynamoDBError, ValidationException
from ddblite.limits import MAX_BATCH_STATEMENTS
from ddblite.operations import get_item
from ddblite.operations.execute_statement import run_write
from ddblite.partiql import executor as ex
from ddblite.partiql import parser

UNKEYED = (
    "Select statements within BatchExecuteStatement must specify the primary key in the "
    "where clause."
)


def _check(request: dict[str, Any]) -> list[dict[str, Any]]:
    statements = request.get("Statements")
    if statements is None:
        raise ValidationException(
            "1 validation error detected: Value null at 'statements' failed to satisfy "
            "constraint: Member must not be null"
        )
    if not isinstance(statements, list):
        raise ValidationException("Statements must be a list")
    if not statements:
        raise ValidationException(
            "1 validation error detected: Value '[]' at 'statements' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1"
        )
    if len(statements) > MAX_BATCH_STATEMENTS:
        raise ValidationException(
            f"1 validation error detected: Value '{statements}' at 'statements' failed to "
            "satisfy constraint: Member must have length less than or equal to "
            f"{MAX_BATCH_STATEMENTS}"
        )
    return statements


def _run(db: Database, caller: Caller, entry: dict[str, Any]) -> dict[str, Any]:
    stmt = parser.parse(entry.get("Statement", ""), entry.get("Parameters"))
    if isinstance(stmt, parser.Select):
        keys = ex.table_keys(db, caller, stmt.table)
        key, rest = ex.split_key(keys, stmt.where)
        if key is None or rest or stmt.index is not None:
            return {"Error": {"Code": "ValidationError", "Message": UNKEYED}}
        req: dict[str, Any] = {"TableName": stmt.table, "Key": key}
        if entry.get("ConsistentRead") is not None:
            req["ConsistentRead"] = entry["ConsistentRead"]
        found = get_item.handle(db, caller, req).get("Item")
        out: dict[str, Any] = {"TableName": stmt.table}
        if found is not None:
            out["Item"] = ex.project(found, stmt.projection)
        return out
    extra: dict[str, Any] = {}
    rv = entry.get("ReturnValuesOnConditionCheckFailure")
    if rv is not None and not isinstance(stmt, parser.Insert):
        extra["ReturnValuesOnConditionCheckFailure"] = rv
    try:
        run_write(db, caller, stmt, extra)
    except DynamoDBError as exc:
        error = {"Code": ex.short_code(exc.code), "Message": exc.message or ""}
        result: dict[str, Any] = {"Error": error, "TableName": stmt.table}
        item = getattr(exc, "item", None)
        if item is not None:
            result["Item"] = item
        return result
    return {"TableName": stmt.table}


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    statements = _check(request)
    responses: list[dict[str, Any]] = []
    for entry in statements:
        try:
            responses.append(_run(db, caller, entry))
        except DynamoDBError as exc:
            code = ex.short_code(exc.code)
            if code == "Validation":
                code = "ValidationError"
            responses.append({"Error": {"Code": code, "Message": exc.message or ""}})
    return {"Responses": responses}
