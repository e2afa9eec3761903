"""UpdateTable's VectorIndexUpdates: create one vector index (online, backfilled) or delete one.

One action per call, alone in its UpdateTable (besides the AttributeDefinitions a new index's
search schema needs): two Creates are the service's online-index limit. A new index enters
the catalog as CREATING; a background job reads the table's items in chunks into its
matrices (engine.vectors.backfill) and then makes it ACTIVE. A deleted index leaves the
catalog at once (it has no storage of its own to drop).
"""

from __future__ import annotations

from typing import Any

from ddblite.engine import catalog
from ddblite.engine.catalog import attribute_definitions
from ddblite.engine.database import Caller, Database
from ddblite.engine.vectors import backfill
from ddblite.engine.vectors.availability import require_numpy
from ddblite.errors import (
    INVALID,
    LimitExceededException,
    ResourceNotFoundException,
    ValidationException,
)
from ddblite.limits import MAX_VECTOR_INDEXES
from ddblite.model.schema import TableSchema
from ddblite.model.table_codec import parse_vector_index, vector_index_description
from ddblite.model.table_record import BillingMode, IndexStatus
from ddblite.operations._shared.table_rules import SETTING_CHANGES, check_projected_count, fail
from ddblite.operations._shared.vector_rules import (
    INDEX_EXISTS,
    ONLINE_LIMIT,
    PROVISIONED,
    VECTOR_COUNT,
    check_same_dimensions,
    check_vector_index,
    vector_projected,
)

ALONE = "VectorIndexUpdates cannot be combined with other changes in one UpdateTable request"
EMPTY = "VectorIndexUpdates must contain exactly one Create or Delete"
ONE_ACTION = "Only one of VectorIndexUpdate.Create, VectorIndexUpdate.Delete is allowed"
_OTHER_CHANGES = (*SETTING_CHANGES, "GlobalSecondaryIndexUpdates")


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    updates = request["VectorIndexUpdates"]
    if any(member in request for member in _OTHER_CHANGES):
        raise fail(ALONE)
    if not updates:
        raise fail(EMPTY)
    for update in updates:
        actions = [a for a in ("Create", "Delete") if update.get(a) is not None]
        if len(actions) != 1:
            raise fail(ONE_ACTION if actions else EMPTY)
    if len(updates) > 1:
        raise LimitExceededException(ONLINE_LIMIT)
    table = catalog.require(db, caller, request["TableName"])
    update = updates[0]
    if update.get("Delete") is not None:
        return _delete(db, caller, table, update["Delete"]["IndexName"])
    return _create(db, caller, table, update["Create"], request.get("AttributeDefinitions") or [])


def _delete(db: Database, caller: Caller, table: TableSchema, name: str) -> dict[str, Any]:
    if table.record.vector_index(name) is None:
        raise ResourceNotFoundException(
            f"Requested resource not found: Index {name} for table {table.name}"
        )
    if table.record.building_index:
        raise LimitExceededException(ONLINE_LIMIT)
    deleted = catalog.drop_vector_index(db, table, name)
    response = catalog.describe(db, catalog.require(db, caller, table.name))
    gone = vector_index_description(table.record, deleted)
    gone["IndexStatus"] = IndexStatus.DELETING.value
    response.setdefault("VectorIndexes", []).append(gone)
    return {"TableDescription": response}


def _create(
    db: Database,
    caller: Caller,
    table: TableSchema,
    spec: dict[str, Any],
    given: list[dict[str, Any]],
) -> dict[str, Any]:
    require_numpy()
    record = table.record
    if record.billing.mode is not BillingMode.PAY_PER_REQUEST:
        raise fail(PROVISIONED)
    if record.building_index:
        raise LimitExceededException(ONLINE_LIMIT)
    if record.index_named(spec["IndexName"]):
        raise ValidationException(INDEX_EXISTS)
    known = {d.name for d in record.attributes}
    definitions = [
        *({"AttributeName": d.name, "AttributeType": d.type.value} for d in record.attributes),
        *(d for d in given if d["AttributeName"] not in known),
    ]
    check_vector_index(spec, definitions, {e.name for e in record.key_schema})
    if len(record.vector_indexes) >= MAX_VECTOR_INDEXES:
        raise LimitExceededException(INVALID + VECTOR_COUNT)
    current = [vector_index_description(record, ix) for ix in record.vector_indexes]
    check_same_dimensions([*current, spec])
    existing = sum(
        len(ix.projection.non_key_attributes)
        for ix in (*record.local_indexes, *record.global_indexes)
    )
    check_projected_count([], existing + vector_projected([*current, spec]))
    catalog.add_vector_index(db, table, parse_vector_index(spec), attribute_definitions(given))
    fresh = catalog.require(db, caller, table.name)
    backfill.start(db, fresh, spec["IndexName"])
    # The answer describes the index as created: in process the backfill is already done.
    response = catalog.describe(db, catalog.require(db, caller, table.name))
    response["TableStatus"] = "UPDATING"
    for index in response["VectorIndexes"]:
        if index["IndexName"] == spec["IndexName"]:
            index["IndexStatus"] = IndexStatus.CREATING.value
    return {"TableDescription": response}
