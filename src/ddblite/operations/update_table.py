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

from dataclasses import replace
from typing import Any

from ddblite.engine import backfill, catalog, streams
from ddblite.engine.catalog import Capacity, NewIndex, StreamChange, TableUpdate
from ddblite.engine.database import Caller, Database
from ddblite.errors import (
    INVALID,
    LimitExceededException,
    ResourceNotFoundException,
    ValidationException,
)
from ddblite.limits import MAX_GSIS
from ddblite.model.schema import TableSchema
from ddblite.model.table_codec import index_description
from ddblite.model.table_record import (
    AttributeDefinition,
    BillingMode,
    IndexStatus,
    SecondaryIndex,
    StreamViewType,
    TableClass,
    Throughput,
)
from ddblite.operations._shared import vector_updates
from ddblite.operations._shared.table_rules import (
    GSI_COUNT,
    SETTING_CHANGES,
    THROUGHPUT_ON_DEMAND,
    check_gsi,
    check_projected_count,
    check_throughput,
    fail,
    undefined_index_keys,
)
from ddblite.operations._shared.vector_rules import INDEX_EXISTS, ONLINE_LIMIT, PROVISIONED

_NOTHING = (
    "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
    "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required"
)

_MAX_UNITS = 1_000_000_000_000
_INDEX_THROUGHPUT_ON_DEMAND = (
    "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: {} when "
    "BillingMode is PAY_PER_REQUEST"
)
_INDEX_THROUGHPUT_REQUIRED = "ProvisionedThroughput must be specified for index: {}"
_ACTIONS = ("Update", "Create", "Delete")


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    if "VectorIndexUpdates" in request:
        return vector_updates.handle(db, caller, request)
    updates: list[dict[str, Any]] = request.get("GlobalSecondaryIndexUpdates") or []
    if not updates and not any(member in request for member in SETTING_CHANGES):
        raise ValidationException(_NOTHING)
    _check_index_updates_shape(updates)
    table = catalog.require(db, caller, request["TableName"])
    current = table.record.billing.mode
    mode = BillingMode(request.get("BillingMode", current))
    throughput = request.get("ProvisionedThroughput")
    if mode is BillingMode.PAY_PER_REQUEST and throughput is not None:
        raise fail(THROUGHPUT_ON_DEMAND)
    if (
        mode is BillingMode.PROVISIONED
        and current is BillingMode.PAY_PER_REQUEST
        and throughput is None
    ):
        raise fail("ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
    if mode is BillingMode.PROVISIONED and table.record.vector_indexes:
        raise fail(PROVISIONED)
    gsi_changes = _IndexChanges(table, request, mode)
    gsi_changes.check(updates)
    switch = "BillingMode" in request and mode != current
    changed = switch
    capacity = None
    if throughput is not None:
        check_throughput(throughput)
        capacity = Capacity.from_request(throughput)
        old = table.record.throughput
        if (old.read, old.write) == (capacity.read, capacity.write) and not changed:
            raise ValidationException(_unchanged("table", old, capacity))
        changed = True
    stream = None
    if "StreamSpecification" in request:
        spec = request["StreamSpecification"]
        streams.check_update(spec)
        enabled = bool(spec.get("StreamEnabled"))
        view = StreamViewType(spec["StreamViewType"]) if enabled else None
        stream = StreamChange(enabled, view)
    changed = changed or any(
        member in request
        for member in ("DeletionProtectionEnabled", "TableClass", "StreamSpecification")
    )
    if updates:
        gsi_changes.collect(updates)
        changed = True
    if not changed and "BillingMode" not in request:
        # Asking for the billing mode a table already has is an accepted no-op.
        raise ValidationException(_NOTHING)
    protection = request.get("DeletionProtectionEnabled")
    table_class = request.get("TableClass")
    update = TableUpdate(
        billing=mode if switch else None,
        throughput=capacity,
        deletion_protection=bool(protection) if "DeletionProtectionEnabled" in request else None,
        table_class=TableClass(table_class) if table_class is not None else None,
        stream=stream,
        index_throughput=tuple(gsi_changes.index_throughput),
        create_index=gsi_changes.created,
        definitions=gsi_changes.definitions,
        delete_index=gsi_changes.deleted,
    )
    deleted = catalog.update_table(db, table, update)
    fresh = catalog.require(db, caller, table.name)
    response = catalog.describe(db, fresh)
    gsi_changes.finish(db, fresh, deleted, response)
    return {"TableDescription": response}


def _unchanged(what: str, old: Throughput, new: Capacity) -> str:
    return (
        f"The provisioned throughput for the {what} will not change. The requested value "
        f"equals the current value. Current ReadCapacityUnits provisioned for the {what}: "
        f"{old.read}. Requested ReadCapacityUnits: "
        f"{new.read}. Current WriteCapacityUnits provisioned for the {what}: "
        f"{old.write}. Requested WriteCapacityUnits: "
        f"{new.write}. Refer to the Amazon DynamoDB Developer Guide for "
        "current limits and how to request higher limits."
    )


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
    """Checks one request's GlobalSecondaryIndexUpdates against the table and collects them
    for the catalog; after the change, starts the backfill or the drop and shapes the
    response."""

    def __init__(self, table: TableSchema, request: dict[str, Any], mode: BillingMode) -> None:
        self.table = table
        self.record = table.record
        self.request = request
        self.mode = mode
        self.index_throughput: list[tuple[str, Capacity]] = []
        self.created: NewIndex | None = None
        self.definitions: tuple[AttributeDefinition, ...] = ()
        self.deleted: str | None = None

    def _gsi(self, name: str) -> SecondaryIndex | None:
        return self.record.global_index(name)

    def _is_lsi(self, name: str) -> bool:
        return self.record.local_index(name) is not None

    # --- checks -------------------------------------------------------------------------------

    def check(self, updates: list[dict[str, Any]]) -> None:
        if len(updates) > 5:
            raise LimitExceededException(ONLINE_LIMIT)
        online = [u for u in updates if u.get("Create") is not None or u.get("Delete")]
        if len(online) > 1:
            raise LimitExceededException(ONLINE_LIMIT)
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
        if self.mode is BillingMode.PAY_PER_REQUEST:
            if spec is not None:
                raise fail(_INDEX_THROUGHPUT_ON_DEMAND.format(name))
            raise fail(
                f"The only Updates for index: {name} when TableThroughputMode is "
                "PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput"
            )
        if spec is None or "ReadCapacityUnits" not in spec or "WriteCapacityUnits" not in spec:
            raise fail(
                f"Both ReadCapacityUnits and WriteCapacityUnits must be specified for index: {name}"
            )
        check_throughput(spec)
        old = gsi.throughput
        assert old is not None
        new = Capacity.from_request(spec)
        switching = self.record.billing.mode != self.mode
        if not switching and (old.read, old.write) == (new.read, new.write):
            raise ValidationException(_unchanged(f"index {name}", old, new))

    def _check_create(self, action: dict[str, Any]) -> None:
        name = action["IndexName"]
        if self._building():
            raise LimitExceededException(ONLINE_LIMIT)
        if self.record.index_named(name):
            raise ValidationException(INDEX_EXISTS)
        check_gsi(action)
        definitions = self.request.get("AttributeDefinitions")
        if not definitions:
            raise fail(f"AttributeDefinitions is not specified for index: {name}")
        defined = [d["AttributeName"] for d in definitions]
        keys = [e["AttributeName"] for e in action["KeySchema"]]
        if any(k not in defined for k in keys):
            raise undefined_index_keys(keys, defined)
        self._check_no_redefinition(action["KeySchema"], definitions)
        if (
            self.mode is BillingMode.PAY_PER_REQUEST
            and action.get("ProvisionedThroughput") is not None
        ):
            raise fail(_INDEX_THROUGHPUT_ON_DEMAND.format(name))
        if self.mode is BillingMode.PROVISIONED:
            if action.get("ProvisionedThroughput") is None:
                raise fail(_INDEX_THROUGHPUT_REQUIRED.format(name))
            check_throughput(action["ProvisionedThroughput"])
        if len(self.record.global_indexes) >= MAX_GSIS:
            raise LimitExceededException(INVALID + GSI_COUNT)
        existing = (*self.record.local_indexes, *self.record.global_indexes)
        check_projected_count(
            [action], sum(len(ix.projection.non_key_attributes) for ix in existing)
        )

    def _check_no_redefinition(
        self, key_schema: list[dict[str, Any]], definitions: list[dict[str, Any]]
    ) -> None:
        """A new index may not give a key attribute the table already types another type
        (recorded against DynamoDB in Alternator's test_gsi_key_type_conflict_on_update)."""
        known = {d.name: str(d.type) for d in self.record.attributes}
        wanted = {d["AttributeName"]: d["AttributeType"] for d in definitions}
        for element in key_schema:
            name = element["AttributeName"]
            if name not in known or known[name] == wanted[name]:
                continue
            existing = next(
                schema
                for schema in (
                    self.record.key_schema,
                    *(ix.key_schema for ix in self.record.local_indexes),
                    *(ix.key_schema for ix in self.record.global_indexes),
                )
                if any(e.name == name for e in schema)
            )
            old = [(e.name, known[e.name], str(e.key_type)) for e in existing]
            new = [
                (e["AttributeName"], wanted[e["AttributeName"]], e["KeyType"]) for e in key_schema
            ]
            raise fail(
                "Attributes cannot be redefined. Please check that your attribute has the same "
                f"type as previously defined. Existing schema: {_schema_text(old)} "
                f"New schema: {_schema_text(new)}"
            )

    def _building(self) -> bool:
        return self.record.building_index

    def _check_delete(self, name: str) -> None:
        gsi = self._gsi(name)
        if gsi is None:
            if self._is_lsi(name):
                raise ValidationException(
                    f"Cannot delete an index that is not a GlobalSecondaryIndex: {name}"
                )
            raise self._not_found(name)
        # An index may be deleted while it backfills; any other online index change waits.
        if gsi.status is not IndexStatus.CREATING and self._building():
            raise LimitExceededException(ONLINE_LIMIT)

    def _check_billing_switch(self, updates: list[dict[str, Any]]) -> None:
        """Switching to PROVISIONED needs throughput for every GSI that stays."""
        current = self.record.billing.mode
        if self.mode is not BillingMode.PROVISIONED or current is BillingMode.PROVISIONED:
            return
        covered = {u["Update"]["IndexName"] for u in updates if u.get("Update") is not None}
        covered |= {u["Delete"]["IndexName"] for u in updates if u.get("Delete") is not None}
        missing = [g.name for g in self.record.global_indexes if g.name not in covered]
        if missing:
            raise fail(_INDEX_THROUGHPUT_REQUIRED.format(",".join(missing)))

    # --- the change ---------------------------------------------------------------------------

    def collect(self, updates: list[dict[str, Any]]) -> None:
        for update in updates:
            if update.get("Update") is not None:
                action = update["Update"]
                capacity = Capacity.from_request(action["ProvisionedThroughput"])
                self.index_throughput.append((action["IndexName"], capacity))
            elif update.get("Create") is not None:
                self.created = NewIndex.from_request(update["Create"])
                self.definitions = catalog.attribute_definitions(
                    self.request["AttributeDefinitions"]
                )
            else:
                self.deleted = update["Delete"]["IndexName"]

    # --- after the change ---------------------------------------------------------------------

    def finish(
        self,
        db: Database,
        fresh: TableSchema,
        deleted: SecondaryIndex | None,
        response: dict[str, Any],
    ) -> None:
        if deleted is not None:
            gone = replace(deleted, status=IndexStatus.DELETING, backfilling=False)
            response.setdefault("GlobalSecondaryIndexes", []).append(
                index_description(fresh.record, gone)
            )
            response["TableStatus"] = "UPDATING"
            backfill.start_drop(db, fresh, deleted.index_id)
        if self.created is not None:
            response["TableStatus"] = "UPDATING"
            backfill.start_backfill(db, fresh, self.created.name)


def _schema_text(elements: list[tuple[str, str, str]]) -> str:
    """A key schema as DynamoDB's redefinition error prints it."""
    shown = ", ".join(
        f"SchemaElement: key{{{name}:{kind}:{key_type}}}" for name, kind, key_type in elements
    )
    return f"Schema:[{shown}]"
