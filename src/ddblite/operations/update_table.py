"""UpdateTable: billing mode, provisioned throughput, and online GSI changes.

GlobalSecondaryIndexUpdates carries at most one Create or Delete per call (DynamoDB builds or
drops one index at a time per table) plus any number of Updates (a GSI's throughput). A new GSI
enters the catalog at once as CREATING with Backfilling, so writes maintain it from then on; a
background job copies the existing items and flips it to ACTIVE (engine.backfill). A deleted
GSI leaves the catalog at once; its rows are dropped in the background.

The order of checks is DynamoDB's: rules on the request alone, then the table, then the
rules that need the table.
"""

from __future__ import annotations

import copy
from typing import Any

from ddblite.engine import backfill, catalog, streams
from ddblite.engine.database import Caller, Database
from ddblite.errors import LimitExceededException, ResourceNotFoundException, ValidationException
from ddblite.limits import MAX_GSIS
from ddblite.model.schema import TableSchema
from ddblite.operations._shared.table_rules import (
    check_gsi,
    check_projected_count,
    check_throughput,
    fail,
)

_NOTHING = (
    "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
    "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required"
)
_CHANGES = (
    "ProvisionedThroughput",
    "BillingMode",
    "StreamSpecification",
    "SSESpecification",
    "ReplicaUpdates",
    "DeletionProtectionEnabled",
    "TableClass",
    "OnDemandThroughput",
    "WarmThroughput",
)
_ONLINE_LIMIT = (
    "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously "
    "per table"
)
_MAX_UNITS = 1_000_000_000_000
_ACTIONS = ("Update", "Create", "Delete")


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    updates: list[dict[str, Any]] = request.get("GlobalSecondaryIndexUpdates") or []
    if not updates and not any(member in request for member in _CHANGES):
        raise ValidationException(_NOTHING)
    _check_index_updates_shape(updates)
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
        raise fail("ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
    gsi_changes = _IndexChanges(db, table, request, stored, mode)
    gsi_changes.check(updates)
    if "BillingMode" in request and mode != current:
        _switch_billing(db, wire, mode)
        changed = True
    if throughput is not None:
        check_throughput(throughput)
        old = wire["ProvisionedThroughput"]
        if (
            old["ReadCapacityUnits"] == throughput["ReadCapacityUnits"]
            and old["WriteCapacityUnits"] == throughput["WriteCapacityUnits"]
            and not changed
        ):
            raise ValidationException(_unchanged("table", old, throughput))
        _set_throughput(db, old, throughput)
        changed = True
    if "DeletionProtectionEnabled" in request:
        wire["DeletionProtectionEnabled"] = bool(request["DeletionProtectionEnabled"])
        changed = True
    if "TableClass" in request:
        wire["TableClassSummary"] = {"TableClass": request["TableClass"]}
        changed = True
    if "StreamSpecification" in request:
        changed = streams.update(db, table, stored, request["StreamSpecification"]) or changed
    if updates:
        gsi_changes.apply(updates)
        changed = True
    if not changed and "BillingMode" not in request:
        # Asking for the billing mode a table already has is an accepted no-op.
        raise ValidationException(_NOTHING)
    catalog.save(db, table, stored, prepare=gsi_changes.allocate)
    fresh = catalog.require(db, caller, table.name)
    response = catalog.describe(db, fresh)
    gsi_changes.finish(fresh, response)
    return {"TableDescription": response}


def _switch_billing(db: Database, wire: dict[str, Any], mode: str) -> None:
    if mode == "PAY_PER_REQUEST":
        wire["BillingModeSummary"] = {
            "BillingMode": "PAY_PER_REQUEST",
            "LastUpdateToPayPerRequestDateTime": db.clock(),
        }
        wire["ProvisionedThroughput"].update(ReadCapacityUnits=0, WriteCapacityUnits=0)
        for gsi in wire.get("GlobalSecondaryIndexes", ()):
            gsi["ProvisionedThroughput"].update(ReadCapacityUnits=0, WriteCapacityUnits=0)
    else:
        wire["BillingModeSummary"] = {"BillingMode": "PROVISIONED"}


def _unchanged(what: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    return (
        f"The provisioned throughput for the {what} will not change. The requested value "
        f"equals the current value. Current ReadCapacityUnits provisioned for the {what}: "
        f"{old['ReadCapacityUnits']}. Requested ReadCapacityUnits: "
        f"{new['ReadCapacityUnits']}. Current WriteCapacityUnits provisioned for the {what}: "
        f"{old['WriteCapacityUnits']}. Requested WriteCapacityUnits: "
        f"{new['WriteCapacityUnits']}. Refer to the Amazon DynamoDB Developer Guide for "
        "current limits and how to request higher limits."
    )


def _set_throughput(db: Database, old: dict[str, Any], new: dict[str, Any]) -> None:
    decrease = (
        new["ReadCapacityUnits"] < old["ReadCapacityUnits"]
        or new["WriteCapacityUnits"] < old["WriteCapacityUnits"]
    )
    old.update(
        ReadCapacityUnits=new["ReadCapacityUnits"],
        WriteCapacityUnits=new["WriteCapacityUnits"],
    )
    if decrease:
        old["LastDecreaseDateTime"] = db.clock()
        old["NumberOfDecreasesToday"] = old.get("NumberOfDecreasesToday", 0) + 1
    else:
        old["LastIncreaseDateTime"] = db.clock()


def _check_index_updates_shape(updates: list[dict[str, Any]]) -> None:
    """The rules on GlobalSecondaryIndexUpdates that need no table."""
    names: set[str] = set()
    for update in updates:
        actions = [a for a in _ACTIONS if update.get(a) is not None]
        if not actions:
            raise fail(
                "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
                "GlobalSecondaryIndexUpdate.Delete must not be null"
            )
        if len(actions) > 1:
            raise fail(
                "Only one global secondary index action is allowed per "
                "GlobalSecondaryIndexUpdate object"
            )
    for update in updates:
        name = next(update[a]["IndexName"] for a in _ACTIONS if update.get(a) is not None)
        if name in names:
            raise fail(
                "Only one global secondary index update per index is allowed "
                f"simultaneously. Index: {name}"
            )
        names.add(name)


class _IndexChanges:
    """Checks then applies one request's GlobalSecondaryIndexUpdates on a copy of the stored
    description; after the save, starts the backfill or the drop and shapes the response."""

    def __init__(
        self,
        db: Database,
        table: TableSchema,
        request: dict[str, Any],
        stored: dict[str, Any],
        mode: str,
    ) -> None:
        self.db = db
        self.table = table
        self.request = request
        self.stored = stored
        self.mode = mode
        self.created: str | None = None
        self.deleted: dict[str, Any] | None = None
        self.deleted_id: int | None = None

    @property
    def gsis(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.stored["wire"].setdefault("GlobalSecondaryIndexes", [])
        return found

    def _gsi(self, name: str) -> dict[str, Any] | None:
        return next(
            (
                g
                for g in self.stored["wire"].get("GlobalSecondaryIndexes", ())
                if g["IndexName"] == name
            ),
            None,
        )

    def _is_lsi(self, name: str) -> bool:
        return any(
            ix["IndexName"] == name for ix in self.stored["wire"].get("LocalSecondaryIndexes", ())
        )

    # --- checks -------------------------------------------------------------------------------

    def check(self, updates: list[dict[str, Any]]) -> None:
        if len(updates) > 5:
            raise LimitExceededException(_ONLINE_LIMIT)
        online = [u for u in updates if u.get("Create") is not None or u.get("Delete")]
        if len(online) > 1:
            raise LimitExceededException(_ONLINE_LIMIT)
        if online and self.request.get("ProvisionedThroughput") is not None:
            raise fail("You cannot create or delete index while updating table IOPS")
        if online and self.request.get("StreamSpecification") is not None:
            raise fail("You cannot create or delete index while changing stream status")
        for update in updates:
            if update.get("Update") is not None:
                self._check_update(update["Update"])
            elif update.get("Create") is not None:
                self._check_create(update["Create"])
            else:
                self._check_delete(update["Delete"]["IndexName"])
        self._check_billing_switch(updates)

    def _not_found(self, name: str) -> ResourceNotFoundException:
        return ResourceNotFoundException(
            f"Requested resource not found: Index {name} for table {self.table.name}"
        )

    def _check_update(self, action: dict[str, Any]) -> None:
        name = action["IndexName"]
        spec = action.get("ProvisionedThroughput")
        gsi = self._gsi(name)
        if gsi is None:
            if (
                spec is not None
                and max(spec.get("ReadCapacityUnits", 0), spec.get("WriteCapacityUnits", 0))
                > _MAX_UNITS
            ):
                raise ValidationException(
                    "This operation cannot be performed with given input values. Please "
                    "contact DynamoDB service team for more info: Action Blocked: IndexUpdate"
                )
            if self._is_lsi(name):
                raise ValidationException(
                    f"Cannot update an index that is not a GlobalSecondaryIndex: {name}"
                )
            raise self._not_found(name)
        if self.mode == "PAY_PER_REQUEST":
            if spec is not None:
                raise fail(
                    "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for "
                    f"index: {name} when BillingMode is PAY_PER_REQUEST"
                )
            raise fail(
                f"The only Updates for index: {name} when TableThroughputMode is "
                "PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput"
            )
        if spec is None or "ReadCapacityUnits" not in spec or "WriteCapacityUnits" not in spec:
            raise fail(
                f"Both ReadCapacityUnits and WriteCapacityUnits must be specified for index: {name}"
            )
        check_throughput(spec)
        old = gsi["ProvisionedThroughput"]
        switching = (
            self.table.wire.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
            != self.mode
        )
        if (
            not switching
            and old["ReadCapacityUnits"] == spec["ReadCapacityUnits"]
            and old["WriteCapacityUnits"] == spec["WriteCapacityUnits"]
        ):
            raise ValidationException(_unchanged(f"index {name}", old, spec))

    def _check_create(self, action: dict[str, Any]) -> None:
        name = action["IndexName"]
        if self._building():
            raise LimitExceededException(_ONLINE_LIMIT)
        if self._gsi(name) is not None or self._is_lsi(name):
            raise ValidationException("Attempting to create an index which already exists")
        check_gsi(action)
        definitions = self.request.get("AttributeDefinitions")
        if not definitions:
            raise fail(f"AttributeDefinitions is not specified for index: {name}")
        defined = [d["AttributeName"] for d in definitions]
        keys = [e["AttributeName"] for e in action["KeySchema"]]
        if any(k not in defined for k in keys):
            raise fail(
                "Some index key attributes are not defined in AttributeDefinitions. "
                f"Keys: [{', '.join(keys)}], AttributeDefinitions: [{', '.join(defined)}]"
            )
        if self.mode == "PAY_PER_REQUEST" and action.get("ProvisionedThroughput") is not None:
            raise fail(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: "
                f"{name} when BillingMode is PAY_PER_REQUEST"
            )
        if self.mode == "PROVISIONED":
            if action.get("ProvisionedThroughput") is None:
                raise fail(f"ProvisionedThroughput must be specified for index: {name}")
            check_throughput(action["ProvisionedThroughput"])
        if len(self.stored["wire"].get("GlobalSecondaryIndexes", ())) >= MAX_GSIS:
            raise LimitExceededException(
                "One or more parameter values were invalid: GlobalSecondaryIndex count "
                f"exceeds the per-table limit of {MAX_GSIS}"
            )
        wire = self.stored["wire"]
        check_projected_count(
            [
                *wire.get("LocalSecondaryIndexes", ()),
                *wire.get("GlobalSecondaryIndexes", ()),
                action,
            ]
        )

    def _building(self) -> bool:
        return any(
            g.get("IndexStatus") == "CREATING"
            for g in self.stored["wire"].get("GlobalSecondaryIndexes", ())
        )

    def _check_delete(self, name: str) -> None:
        gsi = self._gsi(name)
        if gsi is None:
            if self._is_lsi(name):
                raise ValidationException(
                    f"Cannot delete an index that is not a GlobalSecondaryIndex: {name}"
                )
            raise self._not_found(name)
        # An index may be deleted while it backfills; any other online index change waits.
        if gsi.get("IndexStatus") != "CREATING" and self._building():
            raise LimitExceededException(_ONLINE_LIMIT)

    def _check_billing_switch(self, updates: list[dict[str, Any]]) -> None:
        """Switching to PROVISIONED needs throughput for every GSI that stays."""
        current = self.table.wire.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
        if self.mode != "PROVISIONED" or current == "PROVISIONED":
            return
        covered = {u["Update"]["IndexName"] for u in updates if u.get("Update") is not None}
        covered |= {u["Delete"]["IndexName"] for u in updates if u.get("Delete") is not None}
        missing = [
            g["IndexName"]
            for g in self.stored["wire"].get("GlobalSecondaryIndexes", ())
            if g["IndexName"] not in covered
        ]
        if missing:
            raise fail(f"ProvisionedThroughput must be specified for index: {','.join(missing)}")

    # --- apply --------------------------------------------------------------------------------

    def apply(self, updates: list[dict[str, Any]]) -> None:
        for update in updates:
            if update.get("Update") is not None:
                action = update["Update"]
                gsi = self._gsi(action["IndexName"])
                assert gsi is not None
                _set_throughput(
                    self.db, gsi["ProvisionedThroughput"], action["ProvisionedThroughput"]
                )
            elif update.get("Create") is not None:
                self._create(update["Create"])
            else:
                self._delete(update["Delete"]["IndexName"])
        wire = self.stored["wire"]
        if not wire.get("GlobalSecondaryIndexes"):
            wire.pop("GlobalSecondaryIndexes", None)
        self._reconcile_definitions()

    def _create(self, action: dict[str, Any]) -> None:
        name = action["IndexName"]
        known = {d["AttributeName"] for d in self.stored["wire"]["AttributeDefinitions"]}
        for definition in self.request["AttributeDefinitions"]:
            if definition["AttributeName"] not in known:
                self.stored["wire"]["AttributeDefinitions"].append(dict(definition))
                known.add(definition["AttributeName"])
        spec = {k: action[k] for k in ("IndexName", "KeySchema", "Projection")}
        if "ProvisionedThroughput" in action:
            spec["ProvisionedThroughput"] = action["ProvisionedThroughput"]
        gsi = catalog.index_wire(spec, self.table.arn, True, self.mode)
        gsi["IndexStatus"] = "CREATING"
        gsi["Backfilling"] = True
        self.gsis.append(gsi)
        self.created = name

    def _delete(self, name: str) -> None:
        gsi = self._gsi(name)
        assert gsi is not None
        self.stored["wire"]["GlobalSecondaryIndexes"] = [
            g for g in self.gsis if g["IndexName"] != name
        ]
        index_id = self.stored["indexes"].pop(name)
        self.stored.setdefault("dropping", []).append(index_id)
        self.deleted = gsi
        self.deleted_id = index_id

    def _reconcile_definitions(self) -> None:
        """AttributeDefinitions name exactly the attributes some key schema uses."""
        wire = self.stored["wire"]
        used = {e["AttributeName"] for e in wire["KeySchema"]}
        for group in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
            for ix in wire.get(group, ()):
                used.update(e["AttributeName"] for e in ix["KeySchema"])
        wire["AttributeDefinitions"] = [
            d for d in wire["AttributeDefinitions"] if d["AttributeName"] in used
        ]

    def allocate(self, w: Any, stored: dict[str, Any]) -> None:
        """Inside the save's write block: the new index's storage id."""
        if self.created is not None:
            stored["indexes"][self.created] = w.new_index_id(self.table.table_id, self.created)

    # --- after the save -----------------------------------------------------------------------

    def finish(self, fresh: TableSchema, response: dict[str, Any]) -> None:
        if self.deleted is not None and self.deleted_id is not None:
            gone = copy.deepcopy(self.deleted)
            gone["IndexStatus"] = "DELETING"
            gone.pop("Backfilling", None)
            response.setdefault("GlobalSecondaryIndexes", []).append(gone)
            response["TableStatus"] = "UPDATING"
            backfill.start_drop(self.db, fresh, self.deleted_id)
        if self.created is not None:
            response["TableStatus"] = "UPDATING"
            backfill.start_backfill(self.db, fresh, self.created)
