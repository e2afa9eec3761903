"""Table lifecycle: create, describe, list, delete.

A table is ACTIVE as soon as CreateTable returns (its response still says CREATING, as
DynamoDB's does, so clients that wait for ACTIVE keep working); DeleteTable removes it at once
and answers DELETING, its rows deleted in the background (engine.deletion).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from ddblite.engine import backfill, deletion
from ddblite.engine.catalog.changes import enable_stream
from ddblite.engine.catalog.requests import NewIndex, NewTable
from ddblite.engine.catalog.store import table_not_found
from ddblite.engine.database import Caller, Database
from ddblite.engine.stream_log import SHARD
from ddblite.engine.vectors import backfill as vector_backfill
from ddblite.errors import TABLE_EXISTS, ResourceInUseException, ValidationException
from ddblite.model import table_codec
from ddblite.model.schema import TableSchema, table_arn
from ddblite.model.table_record import (
    Billing,
    BillingMode,
    IndexStatus,
    SecondaryIndex,
    Streams,
    TableRecord,
    TableStatus,
    Throughput,
)


def create_table(db: Database, caller: Caller, new: NewTable) -> TableSchema:
    """Create the table (with its stream, if asked, enabled before any write can reach it);
    ResourceInUseException if the name is taken."""
    arn = table_arn(caller.region, caller.account, new.name)
    now = db.clock()
    provisioned = new.billing is BillingMode.PROVISIONED
    record = TableRecord(
        name=new.name,
        arn=arn,
        table_uuid=str(uuid.uuid4()),
        created_at=now,
        attributes=new.attributes,
        key_schema=new.key_schema,
        billing=(
            Billing(BillingMode.PROVISIONED)
            if provisioned
            else Billing(BillingMode.PAY_PER_REQUEST, now, reported=True)
        ),
        throughput=_capacity(new.throughput if provisioned else None),
        tags=new.tags,
        table_class=new.table_class,
        deletion_protection=new.deletion_protection,
        restored_from=new.restored_from,
        # A restored table is CREATING until its items are in (engine.backups).
        status=TableStatus.ACTIVE if new.restored_from is None else TableStatus.CREATING,
        vector_indexes=new.vector_indexes,
    )
    with db.backend.write() as w:
        if w.get_table(caller.account, caller.region, new.name) is not None:
            raise ResourceInUseException(TABLE_EXISTS.format(new.name))
        table_id = w.create_table(
            caller.account, caller.region, new.name, table_codec.encode(record), "ACTIVE", now
        )
        # Index ids need the table's id: LSIs first, then GSIs.
        lsis = tuple(_index(ix, w.new_index_id(table_id, ix.name)) for ix in new.local_indexes)
        gsis = tuple(
            _index(
                ix,
                w.new_index_id(table_id, ix.name),
                _capacity(ix.throughput if provisioned else None),
            )
            for ix in new.global_indexes
        )
        record = replace(record, local_indexes=lsis, global_indexes=gsis)
        if new.stream_view is not None:
            last = w.last_stream_seq(table_id, SHARD)
            record = replace(record, streams=enable_stream(record, new.stream_view, now, last))
        w.update_table(table_id, table_codec.encode(record), "ACTIVE")
    db.forget(caller, new.name)
    return require(db, caller, new.name)


def _capacity(throughput: Throughput | None) -> Throughput:
    """A new table's or GSI's throughput: the requested units (zeros when on demand)."""
    if throughput is None:
        return Throughput()
    return Throughput(throughput.read, throughput.write)


def _index(new: NewIndex, index_id: int, throughput: Throughput | None = None) -> SecondaryIndex:
    return SecondaryIndex(new.name, new.key_schema, new.projection, index_id, throughput=throughput)


def describe(db: Database, table: TableSchema) -> dict[str, Any]:
    """The TableDescription with live counts. While a GSI is being created the table reports
    UPDATING (and the index CREATING with Backfilling); describing such a table also restarts
    a backfill that a server restart interrupted."""
    backfill.ensure_running(db, table)
    vector_backfill.ensure_running(db, table)
    wire = table_codec.description(table.record)
    if (
        any(index.status is not IndexStatus.ACTIVE for index in table.indexes)
        or table.record.building_index
    ):
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
    for ix in wire.get("VectorIndexes", ()):
        ix["ItemCount"], ix["IndexSizeBytes"] = db.vectors.stats(table, ix["IndexName"])
    return wire


def describe_created(db: Database, table: TableSchema) -> dict[str, Any]:
    """The description CreateTable (and a restore) answers: CREATING, its GSIs too."""
    response = describe(db, table)
    response["TableStatus"] = "CREATING"
    for index in (
        *response.get("GlobalSecondaryIndexes", ()),
        *response.get("VectorIndexes", ()),
    ):
        index["IndexStatus"] = "CREATING"
    return response


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
    if table.record.deletion_protection:
        raise_deletion_protected(name)
    if table.record.status is TableStatus.CREATING:
        raise ResourceInUseException(
            "Attempt to change a resource which is still in use: Table is being created: "
            + table.name
        )
    if table.record.backups_copying:
        # The backup must be complete before the items go; DynamoDB's nearest documented
        # answer: "The operation conflicts with the resource's availability".
        raise ResourceInUseException(f"Table is being backed up: {table.name}")
    response = describe(db, table)
    response["TableStatus"] = "DELETING"
    for member in _NOT_IN_DELETE_ANSWER:
        response.pop(member, None)
    # Gone for every request and its name free at once; the rows go in the background. The
    # retired record expires nothing and streams nothing (the TTL sweeper may still meet it).
    retired = replace(table.record, ttl_attribute=None, streams=Streams())
    with db.backend.write() as w:
        w.update_table(table.table_id, table_codec.encode(retired), table.status)
        w.retire_table(
            table.table_id, deletion.ACCOUNT, deletion.REGION, deletion.retired_name(table.table_id)
        )
    db.forget(caller, table.name)  # ``name`` may be the table's ARN
    db.vectors.forget(table.table_id)
    deletion.start(db, table.table_id)
    return response


# DynamoDB's DeleteTable answer describes the table without these.
_NOT_IN_DELETE_ANSWER = ("CreationDateTime", "KeySchema", "AttributeDefinitions")


def raise_deletion_protected(name: str) -> None:
    raise ValidationException(
        "Resource cannot be deleted as it is currently protected against deletion. "
        "Disable deletion protection first."
    )
