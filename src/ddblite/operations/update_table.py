"""UpdateTable: billing mode and provisioned throughput (index changes: engine.indexes)."""

from __future__ import annotations

import copy
from typing import Any

from ddblite.engine import catalog
from ddblite.engine.database import Caller, Database
from ddblite.errors import ValidationException
from ddblite.operations.table_rules import check_throughput, fail

_NOTHING = (
    "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
    "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required"
)


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    table = catalog.require(db, caller, request["TableName"])
    stored = copy.deepcopy(table.stored)
    wire = stored["wire"]
    changed = False
    current = wire.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    mode = request.get("BillingMode", current)
    throughput = request.get("ProvisionedThroughput")
    if mode == "PAY_PER_REQUEST" and throughput is not None:
        raise fail(
            "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
            "BillingMode is PAY_PER_REQUEST"
        )
    if mode == "PROVISIONED" and current == "PAY_PER_REQUEST" and throughput is None:
        raise fail(
            "ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
        )
    if "BillingMode" in request and mode != current:
        changed = True
        now = db.clock()
        if mode == "PAY_PER_REQUEST":
            wire["BillingModeSummary"] = {
                "BillingMode": "PAY_PER_REQUEST",
                "LastUpdateToPayPerRequestDateTime": now,
            }
            wire["ProvisionedThroughput"].update(ReadCapacityUnits=0, WriteCapacityUnits=0)
        else:
            wire["BillingModeSummary"] = {"BillingMode": "PROVISIONED"}
    if throughput is not None:
        check_throughput(throughput)
        old = wire["ProvisionedThroughput"]
        if (
            old["ReadCapacityUnits"] == throughput["ReadCapacityUnits"]
            and old["WriteCapacityUnits"] == throughput["WriteCapacityUnits"]
            and not changed
        ):
            raise ValidationException(
                "The provisioned throughput for the table will not change. The requested value "
                "equals the current value. Current ReadCapacityUnits provisioned for the table: "
                f"{old['ReadCapacityUnits']}. Requested ReadCapacityUnits: "
                f"{throughput['ReadCapacityUnits']}. Current WriteCapacityUnits provisioned for "
                f"the table: {old['WriteCapacityUnits']}. Requested WriteCapacityUnits: "
                f"{throughput['WriteCapacityUnits']}. Refer to the Amazon DynamoDB Developer "
                "Guide for current limits and how to request higher limits."
            )
        old.update(
            ReadCapacityUnits=throughput["ReadCapacityUnits"],
            WriteCapacityUnits=throughput["WriteCapacityUnits"],
        )
        if old["ReadCapacityUnits"] < table.wire["ProvisionedThroughput"]["ReadCapacityUnits"]:
            old["LastDecreaseDateTime"] = db.clock()
            old["NumberOfDecreasesToday"] = old.get("NumberOfDecreasesToday", 0) + 1
        else:
            old["LastIncreaseDateTime"] = db.clock()
        changed = True
    if "DeletionProtectionEnabled" in request:
        wire["DeletionProtectionEnabled"] = bool(request["DeletionProtectionEnabled"])
        changed = True
    if "TableClass" in request:
        wire["TableClassSummary"] = {"TableClass": request["TableClass"]}
        changed = True
    if not changed:
        raise ValidationException(_NOTHING)
    catalog.save(db, table, stored)
    return {"TableDescription": catalog.describe(db, catalog.require(db, caller, table.name))}
