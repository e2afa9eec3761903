"""ExecuteStatement: run one PartiQL statement."""

from __future__ import annotations

from typing import Any

from ddblite.engine.database import Caller, Database
from ddblite.errors import (
    ConditionalCheckFailedException,
    DuplicateItemException,
    ValidationException,
)
from ddblite.operations import delete_item, put_item, query, scan, update_item
from ddblite.partiql import executor as ex
from ddblite.partiql import parser

WRITERS = {
    "PutItem": put_item.handle,
    "UpdateItem": update_item.handle,
    "DeleteItem": delete_item.handle,
}


def statement_of(request: dict[str, Any]) -> parser.Statement:
    text = request.get("Statement")
    if not isinstance(text, str):
        raise ValidationException(
            "1 validation error detected: Value null at 'statement' failed to satisfy "
            "constraint: Member must not be null"
        )
    if not text:
        raise ValidationException(
            "1 validation error detected: Value '' at 'statement' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1"
        )
    return parser.parse(text, request.get("Parameters"))


def run_write(db: Database, caller: Caller, stmt: parser.Statement, extra: dict[str, Any]) -> None:
    """Run an INSERT/UPDATE/DELETE through the matching item operation."""
    operation, req = ex.write_request(db, caller, stmt)
    req.update(extra)
    try:
        WRITERS[operation](db, caller, req)
    except ConditionalCheckFailedException as exc:
        if isinstance(stmt, parser.Insert):
            raise DuplicateItemException(ex.DUPLICATE) from exc
        raise


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    stmt = statement_of(request)
    if not isinstance(stmt, parser.Select):
        extra: dict[str, Any] = {}
        rv = request.get("ReturnValuesOnConditionCheckFailure")
        if rv is not None and not isinstance(stmt, parser.Insert):
            extra["ReturnValuesOnConditionCheckFailure"] = rv
        run_write(db, caller, stmt, extra)
        return {"Items": []}
    operation, req = ex.read_request(db, caller, stmt)
    limit = request.get("Limit")
    if limit is not None:
        req["Limit"] = limit
    if request.get("ConsistentRead") is not None:
        req["ConsistentRead"] = request["ConsistentRead"]
    token = request.get("NextToken")
    if token is not None:
        req["ExclusiveStartKey"] = ex.decode_token(token)
    if request.get("ReturnConsumedCapacity") is not None:
        req["ReturnConsumedCapacity"] = request["ReturnConsumedCapacity"]
    # raw=False: the items are read here (projected, paged), so they must come back decoded.
    result = (query.handle if operation == "Query" else scan.handle)(db, caller, req, raw=False)
    out: dict[str, Any] = {
        "Items": [ex.project(item, stmt.projection) for item in result.get("Items", [])]
    }
    if "LastEvaluatedKey" in result:
        out["NextToken"] = ex.encode_token(result["LastEvaluatedKey"])
    if "ConsumedCapacity" in result:
        out["ConsumedCapacity"] = result["ConsumedCapacity"]
    return out
