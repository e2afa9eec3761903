"""ExecuteTransaction: PartiQL statements applied all-or-nothing (all reads or all writes)."""

from __future__ import annotations

from typing import Any

from ddblite.engine.database import Caller, Database
from ddblite.errors import TransactionCanceledException, ValidationException
from ddblite.limits import MAX_TRANSACTION_STATEMENTS
from ddblite.operations import transact_get_items, transact_write_items
from ddblite.partiql import executor as ex
from ddblite.partiql import parser


def _statements(request: dict[str, Any]) -> list[dict[str, Any]]:
    entries = request.get("TransactStatements")
    if entries is None:
        raise ValidationException(
            "1 validation error detected: Value null at 'transactStatements' failed to "
            "satisfy constraint: Member must not be null"
        )
    if not isinstance(entries, list) or not entries:
        raise ValidationException(
            "1 validation error detected: Value '[]' at 'transactStatements' failed to "
            "satisfy constraint: Member must have length greater than or equal to 1"
        )
    if len(entries) > MAX_TRANSACTION_STATEMENTS:
        raise ValidationException(
            "1 validation error detected: Value at 'transactStatements' failed to satisfy "
            "constraint: Member must have length less than or equal to 100"
        )
    return entries


def _reads(db: Database, caller: Caller, stmts: list[parser.Select]) -> dict[str, Any]:
    gets: list[dict[str, Any]] = []
    for index, stmt in enumerate(stmts):
        if stmt.index is not None:
            raise ValidationException(
                f"Validation failed in TransactStatements[{index}]: Reads on indices are not "
                "supported within transactions."
            )
        key, rest = ex.split_key(ex.table_keys(db, caller, stmt.table), stmt.where)
        if key is None or rest:
            raise ValidationException(ex.KEY_MISSING)
        gets.append({"Get": {"TableName": stmt.table, "Key": key}})
    result = transact_get_items.handle(db, caller, {"TransactItems": gets})
    responses = [
        {"Item": ex.project(r["Item"], s.projection)} if "Item" in r else {}
        for r, s in zip(result.get("Responses", []), stmts, strict=False)
    ]
    return {"Responses": responses}


def _writes(
    db: Database, caller: Caller, stmts: list[parser.Statement], request: dict[str, Any]
) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for stmt in stmts:
        operation, req = ex.write_request(db, caller, stmt)
        kind = {"PutItem": "Put", "UpdateItem": "Update", "DeleteItem": "Delete"}[operation]
        items.append({kind: req})
    tx: dict[str, Any] = {"TransactItems": items}
    if request.get("ClientRequestToken") is not None:
        tx["ClientRequestToken"] = request["ClientRequestToken"]
    try:
        transact_write_items.handle(db, caller, tx)
    except TransactionCanceledException as exc:
        reasons = []
        for reason, stmt in zip(exc.reasons, stmts, strict=False):
            if isinstance(stmt, parser.Insert) and reason.get("Code") == "ConditionalCheckFailed":
                reason = {"Code": "DuplicateItem", "Message": ex.DUPLICATE}
            reasons.append(reason)
        raise TransactionCanceledException(reasons) from exc
    return {}


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    entries = _statements(request)
    stmts = [parser.parse(e.get("Statement", ""), e.get("Parameters")) for e in entries]
    selects = [s for s in stmts if isinstance(s, parser.Select)]
    if selects and len(selects) != len(stmts):
        raise ValidationException(
            "ExecuteTransaction API does not support both read and write operations in the "
            "same request."
        )
    if selects:
        return _reads(db, caller, selects)
    return _writes(db, caller, stmts, request)
