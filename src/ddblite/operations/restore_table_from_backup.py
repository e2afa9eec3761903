"""RestoreTableFromBackup: a new table with the backup's keys, indexes and items.

The restored table is described by a CreateTable request built from the backup's source
table and the overrides (BillingModeOverride, ProvisionedThroughputOverride,
GlobalSecondaryIndexOverride, LocalSecondaryIndexOverride; an empty index override drops
that kind of index), checked by CreateTable's own rules. Vector indexes are kept as they
were (their entries come back with the items). Streams, TTL and tags are not
restored (DynamoDB restores none of them).
"""

from __future__ import annotations

from typing import Any

from ddblite.engine import backups
from ddblite.engine.catalog import NewTable
from ddblite.engine.database import Caller, Database
from ddblite.operations._shared.table_rules import check_create_table

_BASE_INDEX_FIELDS = ("IndexName", "KeySchema", "Projection")
_VECTOR_INDEX_FIELDS = (
    "IndexName",
    "VectorAttribute",
    "SearchSchema",
    "Projection",
    "Dimensions",
    "DistanceFunction",
)


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    target = request["TargetTableName"]
    backup = backups.check_restorable(db, caller, request["BackupArn"], target)
    create = _create_request(backup.source, request)
    billing = check_create_table(create)
    new = NewTable.from_request(create, billing)
    return {"TableDescription": backups.restore(db, caller, backup, new)}


def _create_request(source: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    summary = source.get("BillingModeSummary")
    billing = request.get("BillingModeOverride") or (
        summary["BillingMode"] if summary else "PROVISIONED"
    )
    throughput = request.get("ProvisionedThroughputOverride") or _capacity(
        source.get("ProvisionedThroughput")
    )
    lsis = request.get("LocalSecondaryIndexOverride")
    if lsis is None:
        lsis = [_base(ix) for ix in source.get("LocalSecondaryIndexes", ())]
    gsis = request.get("GlobalSecondaryIndexOverride")
    if gsis is None:
        gsis = [
            {**_base(ix), "ProvisionedThroughput": _capacity(ix.get("ProvisionedThroughput"))}
            for ix in source.get("GlobalSecondaryIndexes", ())
        ]
    gsis = [_gsi_for(ix, billing, throughput) for ix in gsis]
    out: dict[str, Any] = {
        "TableName": request["TargetTableName"],
        "KeySchema": source["KeySchema"],
        "BillingMode": billing,
    }
    if billing == "PROVISIONED":
        out["ProvisionedThroughput"] = throughput
    if lsis:
        out["LocalSecondaryIndexes"] = lsis
    if gsis:
        out["GlobalSecondaryIndexes"] = gsis
    vector_indexes = [
        {k: ix[k] for k in _VECTOR_INDEX_FIELDS if k in ix}
        for ix in source.get("VectorIndexes", ())
    ]
    if vector_indexes:
        out["VectorIndexes"] = vector_indexes
    used = {k["AttributeName"] for k in source["KeySchema"]}
    for ix in (*lsis, *gsis):
        used.update(k["AttributeName"] for k in ix["KeySchema"])
    for ix in vector_indexes:
        used.update(e["AttributeName"] for e in ix.get("SearchSchema", ()))
    out["AttributeDefinitions"] = [
        d for d in source["AttributeDefinitions"] if d["AttributeName"] in used
    ]
    return out


def _base(index: dict[str, Any]) -> dict[str, Any]:
    return {k: index[k] for k in _BASE_INDEX_FIELDS}


def _capacity(spec: dict[str, Any] | None) -> dict[str, Any]:
    spec = spec or {}
    return {
        "ReadCapacityUnits": spec.get("ReadCapacityUnits", 0),
        "WriteCapacityUnits": spec.get("WriteCapacityUnits", 0),
    }


def _gsi_for(index: dict[str, Any], billing: str, table: dict[str, Any]) -> dict[str, Any]:
    """A GSI of an on-demand table has no throughput; one of a provisioned table needs it (a
    backup of an on-demand table has zeros: the table's throughput stands in)."""
    out = _base(index)
    if billing == "PROVISIONED":
        spec = index.get("ProvisionedThroughput") or {}
        out["ProvisionedThroughput"] = (
            spec if spec.get("ReadCapacityUnits") and spec.get("WriteCapacityUnits") else table
        )
    return out
