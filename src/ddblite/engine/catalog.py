"""Table lifecycle: create, describe, list, update, delete.

A table is ACTIVE as soon as CreateTable returns (its response still says CREATING, as
DynamoDB's does, so clients that wait for ACTIVE keep working); DeleteTable removes it at once
and answers DELETING.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import orjson

from ddblite.engine import backfill
from ddblite.engine.database import Caller, Database, schema_of
from ddblite.errors import (
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)
from ddblite.model.schema import TableSchema
from ddblite.storage.base import Writer


def table_not_found(name: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")


def _throughput(spec: dict[str, Any] | None) -> dict[str, Any]:
    spec = spec or {}
    return {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": spec.get("ReadCapacityUnits", 0),
        "WriteCapacityUnits": spec.get("WriteCapacityUnits", 0),
    }


def _index_wire(index: dict[str, Any], arn: str, is_global: bool, billing: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "IndexName": index["IndexName"],
        "KeySchema": index["KeySchema"],
        "Projection": index["Projection"],
        "IndexArn": f"{arn}/index/{index['IndexName']}",
    }
    if is_global:
        out["IndexStatus"] = "ACTIVE"
        spec = index.get("ProvisionedThroughput") if billing == "PROVISIONED" else None
        out["ProvisionedThroughput"] = _throughput(spec)
    return out


def index_wire(index: dict[str, Any], arn: str, is_global: bool, billing: str) -> dict[str, Any]:
    """The stored description of one index (UpdateTable adds GSIs with it)."""
    return _index_wire(index, arn, is_global, billing)


def create_table(
    db: Database, caller: Caller, request: dict[str, Any], billing: str
) -> dict[str, Any]:
    name = request["TableName"]
    arn = f"arn:aws:dynamodb:{caller.region}:{caller.account}:table/{name}"
    now = db.clock()
    wire: dict[str, Any] = {
        "AttributeDefinitions": request["AttributeDefinitions"],
        "TableName": name,
        "KeySchema": request["KeySchema"],
        "TableStatus": "ACTIVE",
        "CreationDateTime": now,
        "ProvisionedThroughput": _throughput(
            request.get("ProvisionedThroughput") if billing == "PROVISIONED" else None
        ),
        "TableArn": arn,
        "TableId": str(uuid.uuid4()),
        "DeletionProtectionEnabled": bool(request.get("DeletionProtectionEnabled", False)),
    }
    if billing == "PAY_PER_REQUEST":
        wire["BillingModeSummary"] = {
            "BillingMode": "PAY_PER_REQUEST",
            "LastUpdateToPayPerRequestDateTime": now,
        }
    if "TableClass" in request:
        wire["TableClassSummary"] = {"TableClass": request["TableClass"]}
    for group, is_global in (("LocalSecondaryIndexes", False), ("GlobalSecondaryIndexes", True)):
        if request.get(group):
            wire[group] = [_index_wire(ix, arn, is_global, billing) for ix in request[group]]
    stored: dict[str, Any] = {"wire": wire, "indexes": {}, "tags": request.get("Tags", [])}
    if request.get("StreamSpecification"):
        stored["stream_request"] = request["StreamSpecification"]
    with db.backend.write() as w:
        if w.get_table(caller.account, caller.region, name) is not None:
            raise ResourceInUseException(f"Table already exists: {name}")
        table_id = w.create_table(
            caller.account, caller.region, name, orjson.dumps(stored), "ACTIVE", now
        )
        for group in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
            for ix in wire.get(group, ()):
                stored["indexes"][ix["IndexName"]] = w.new_index_id(table_id, ix["IndexName"])
        w.update_table(table_id, orjson.dumps(stored), "ACTIVE")
    db.forget(caller, name)
    response = describe(db, db.table(caller, name))
    response["TableStatus"] = "CREATING"
    for gsi in response.get("GlobalSecondaryIndexes", ()):
        gsi["IndexStatus"] = "CREATING"
    return response


def describe(db: Database, table: TableSchema) -> dict[str, Any]:
    """The TableDescription with live counts. While a GSI is being created the table reports
    UPDATING (and the index CREATING with Backfilling); describing such a table also restarts
    a backfill that a server restart interrupted."""
    backfill.ensure_running(db, table)
    wire = orjson.loads(orjson.dumps(table.wire))  # a private copy to fill in
    if any(index.status != "ACTIVE" for index in table.indexes):
        wire["TableStatus"] = "UPDATING"
    with db.backend.read() as r:
        count, size = r.table_stats(table.table_id)
        wire["ItemCount"] = count
        wire["TableSizeBytes"] = size
        for group in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
            for ix in wire.get(group, ()):
                index = table.index(ix["IndexName"])
                assert index is not None
                ix_count, ix_size = r.index_stats(index.index_id)
                ix["ItemCount"] = ix_count
                ix["IndexSizeBytes"] = ix_size
    return wire  # type: ignore[no-any-return]


def require(db: Database, caller: Caller, name: str) -> TableSchema:
    table = db.find_table(caller, name)
    if table is None:
        raise table_not_found(name)
    return table


def list_tables(db: Database, caller: Caller, start: str | None, limit: int) -> dict[str, Any]:
    with db.backend.read() as r:
        names = r.list_tables(caller.account, caller.region, start, limit + 1)
    out: dict[str, Any] = {"TableNames": names[:limit]}
    if len(names) > limit:
        out["LastEvaluatedTableName"] = names[limit - 1]
    return out


def delete_table(db: Database, caller: Caller, name: str) -> dict[str, Any]:
    table = require(db, caller, name)
    if table.wire.get("DeletionProtectionEnabled"):
        raise_deletion_protected(name)
    response = describe(db, table)
    response["TableStatus"] = "DELETING"
    with db.backend.write() as w:
        w.delete_table(table.table_id)
    db.forget(caller, name)
    return response


def raise_deletion_protected(name: str) -> None:
    raise ValidationException(
        "Resource cannot be deleted as it is currently protected against deletion. "
        "Disable deletion protection first."
    )


def save(
    db: Database,
    table: TableSchema,
    stored: dict[str, Any],
    status: str = "ACTIVE",
    prepare: Callable[[Writer, dict[str, Any]], None] | None = None,
) -> None:
    """Write a changed description back and drop cached copies; ``prepare`` runs first in
    the same write block (UpdateTable allocates a new index's id there)."""
    with db.backend.write() as w:
        row = w.get_table(table.account, table.region, table.name)
        if row is None or row.table_id != table.table_id:
            raise table_not_found(table.name)
        if prepare is not None:
            prepare(w, stored)
        w.update_table(table.table_id, orjson.dumps(stored), status)
    db.forget(Caller(table.account, table.region), table.name)


def reload(db: Database, caller: Caller, name: str) -> TableSchema:
    db.forget(caller, name)
    with db.backend.read() as r:
        row = r.get_table(caller.account, caller.region, name)
    if row is None:
        raise table_not_found(name)
    return schema_of(row)
