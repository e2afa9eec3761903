"""On-demand backups and restore, and the point-in-time recovery setting.

A backup is a hidden catalog row plus a copy of the source table's items, so it needs nothing
from a backend beyond the ordinary catalog and item calls and works the same on every backend:

- the row lives under the reserved account ``__backup__<account>`` (no SigV4 caller can have
  it: accounts are 12 digits), in the source's region, named by the backup ARN, so that
  looking a backup up by ARN is one catalog read and listing is ``list_tables`` in ARN order;
- its description holds BackupDetails, the source table's description and its catalog record;
- its items are the source's item rows copied verbatim (no index rows: a restore rebuilds
  them for the indexes the restored table actually has).

CreateBackup answers at once with the backup CREATING; a background job of the scheduler
copies the items in chunks, each in its own write block, so a large table never holds the
single writer for long; the row says AVAILABLE once the last chunk is in. DynamoDB answers
BackupInUseException for a backup it is still creating (RestoreTableFromBackup,
DeleteBackup), and so do we.

The backup is the table at one instant, the write block that starts it, however the writes
go on meanwhile. Of the ways to get that, a snapshot read (one read transaction held for the
whole copy) needs a second connection the single-connection SQLite backend does not have, and
it would pin the WAL for the copy's length; replaying a change log needs one for every
table, and ours exists only where a stream is enabled. So the writes keep before-images
instead (engine.backup_images): while a backup is copied, an item write first gives the
backup the key's value from before it, unless the backup has it already; the copy skips keys
the backup has. It costs one keyed read per write, and only while a backup is being copied.

A restart mid-copy: the table's record still lists the backup (``backups_copying``) and
``backfill.ensure_running`` resumes the copy from the start (a copied key is skipped), on the
next DescribeTable of the source or DescribeBackup of the backup. DeleteTable waits for the
copies: it is refused while one runs (``catalog.delete_table``).
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, replace
from typing import Any

import orjson

from ddblite.engine import backfill, catalog, indexes
from ddblite.engine.backup_images import TOMBSTONE
from ddblite.engine.catalog import NewTable
from ddblite.engine.chunks import CHUNK, ChunkRow, Position, current_table, next_rows, run_chunk
from ddblite.engine.database import Caller, Database
from ddblite.engine.reads import WHOLE_HASH_SPACE, take
from ddblite.engine.scheduler import Chunks
from ddblite.errors import (
    TABLE_EXISTS,
    BackupInUseException,
    BackupNotFoundException,
    TableAlreadyExistsException,
    TableInUseException,
    TableNotFoundException,
)
from ddblite.model import table_codec
from ddblite.model.schema import EncodedKey, TableSchema
from ddblite.model.table_record import BackupCopy, RestoreSummary, TableRecord, TableStatus
from ddblite.storage.base import TableRow

_ALL = WHOLE_HASH_SPACE


def catalog_account(account: str) -> str:
    return f"__backup__{account}"


@dataclass(frozen=True, slots=True)
class Backup:
    """One backup as its catalog row holds it."""

    row_id: int
    status: str
    details: dict[str, Any]
    source: dict[str, Any]  # the source TableDescription when the backup was taken
    record: TableRecord  # the source's catalog record when the backup was taken

    @property
    def arn(self) -> str:
        return str(self.details["BackupArn"])

    def description(self) -> dict[str, Any]:
        """BackupDescription: BackupDetails, SourceTableDetails, SourceTableFeatureDetails."""
        return {
            "BackupDetails": self.details,
            "SourceTableDetails": _source_details(self.source),
            "SourceTableFeatureDetails": _feature_details(self.source, self.record),
        }

    def summary(self) -> dict[str, Any]:
        """One BackupSummaries entry of ListBackups."""
        src, d = self.source, self.details
        return {
            "TableName": src["TableName"],
            "TableId": src["TableId"],
            "TableArn": src["TableArn"],
            "BackupArn": d["BackupArn"],
            "BackupName": d["BackupName"],
            "BackupCreationDateTime": d["BackupCreationDateTime"],
            "BackupStatus": d["BackupStatus"],
            "BackupType": d["BackupType"],
            "BackupSizeBytes": d["BackupSizeBytes"],
        }


def _billing_mode(source: dict[str, Any]) -> str:
    summary = source.get("BillingModeSummary")
    return str(summary["BillingMode"]) if summary else "PROVISIONED"


def _source_details(src: dict[str, Any]) -> dict[str, Any]:
    throughput = src.get("ProvisionedThroughput", {})
    return {
        "TableName": src["TableName"],
        "TableId": src["TableId"],
        "TableArn": src["TableArn"],
        "TableSizeBytes": src.get("TableSizeBytes", 0),
        "KeySchema": src["KeySchema"],
        "TableCreationDateTime": src["CreationDateTime"],
        "ProvisionedThroughput": {
            "ReadCapacityUnits": throughput.get("ReadCapacityUnits", 0),
            "WriteCapacityUnits": throughput.get("WriteCapacityUnits", 0),
        },
        "ItemCount": src.get("ItemCount", 0),
        "BillingMode": _billing_mode(src),
    }


def _feature_details(src: dict[str, Any], record: TableRecord) -> dict[str, Any]:
    out: dict[str, Any] = {}
    lsis = [
        {k: ix[k] for k in ("IndexName", "KeySchema", "Projection")}
        for ix in src.get("LocalSecondaryIndexes", ())
    ]
    gsis = [
        {
            **{k: ix[k] for k in ("IndexName", "KeySchema", "Projection")},
            "ProvisionedThroughput": {
                "ReadCapacityUnits": ix["ProvisionedThroughput"]["ReadCapacityUnits"],
                "WriteCapacityUnits": ix["ProvisionedThroughput"]["WriteCapacityUnits"],
            },
        }
        for ix in src.get("GlobalSecondaryIndexes", ())
    ]
    if lsis:
        out["LocalSecondaryIndexes"] = lsis
    if gsis:
        out["GlobalSecondaryIndexes"] = gsis
    if "StreamSpecification" in src:
        out["StreamDescription"] = src["StreamSpecification"]
    if record.ttl_attribute is not None:
        out["TimeToLiveDescription"] = {
            "TimeToLiveStatus": "ENABLED",
            "AttributeName": record.ttl_attribute,
        }
    return out


def _load(row: TableRow) -> Backup:
    body = orjson.loads(row.description)
    details = body["details"]
    details["BackupStatus"] = row.status
    record = table_codec.from_stored(body["stored"])
    return Backup(row.table_id, row.status, details, body["source"], record)


def _arn_id(now: float) -> str:
    return f"{int(now * 1000):013d}-{secrets.token_hex(4)}"


# --- create / describe / list / delete -----------------------------------------------------


def create(db: Database, caller: Caller, table_name: str, backup_name: str) -> Backup:
    """Start a backup of the table as it is now: CREATING, copied by a background job."""
    table = db.find_table(caller, table_name)
    if table is None:
        raise TableNotFoundException(f"Table not found: {table_name}")
    if table.record.status is TableStatus.CREATING:
        # Its items are not all in yet (a restore); the API Reference's TableInUseException:
        # "A target table with the specified name is either being created or deleted."
        raise TableInUseException(f"Table is being created: {table.name}")
    source = catalog.describe(db, table)
    now = db.clock()
    arn = f"{source['TableArn']}/backup/{_arn_id(now)}"
    details: dict[str, Any] = {
        "BackupArn": arn,
        "BackupName": backup_name,
        "BackupSizeBytes": 0,
        "BackupStatus": "CREATING",
        "BackupType": "USER",
        "BackupCreationDateTime": now,
    }
    body = {"details": details, "source": source, "stored": table_codec.to_stored(table.record)}
    account = catalog_account(caller.account)
    start = functools.partial(catalog.start_backup, db, table, account, arn, orjson.dumps(body))
    row_id = run_chunk(db, start)
    backup = Backup(row_id, "CREATING", details, source, table.record)
    copy(db, db.table(caller, table_name), BackupCopy(row_id, arn))
    return backup


def copy(db: Database, table: TableSchema, backup: BackupCopy) -> None:
    """Copy the table's items into the backup in chunks through the scheduler (again after a
    restart: ``backfill.ensure_running``; a chunk copied twice changes nothing)."""
    db.background.submit(("backup", backup.row_id), _copy(db, table, backup))


def _copy(db: Database, table: TableSchema, backup: BackupCopy) -> Chunks:
    after: Position | None = None
    shared = bool(getattr(db.backend, "shared", False))
    while True:
        current = current_table(db, table)
        if current is None:
            return  # cannot happen: DeleteTable waits for the copies (catalog.delete_table)
        copy_chunk = functools.partial(_copy_chunk, db, current, backup.row_id, after, shared)
        rows = run_chunk(db, copy_chunk)
        if len(rows) < CHUNK:
            break
        after = rows[-1].position
        yield
    run_chunk(db, functools.partial(catalog.stop_copying, db, table, backup.row_id))
    # No write adds tombstones any more: drop them, measuring the backup on the way.
    after, size = None, 0
    while True:
        rows = run_chunk(db, functools.partial(_drop_tombstones, db, backup.row_id, after))
        size += sum(row.size for row in rows)
        if len(rows) < CHUNK:
            break
        after = rows[-1].position
        yield
    account = catalog_account(table.account)
    run_chunk(db, functools.partial(_finish, db, account, table.region, backup.arn, size))


def _copy_chunk(
    db: Database, table: TableSchema, row_id: int, after: Position | None, shared: bool
) -> list[ChunkRow]:
    """The next CHUNK items into the backup, except those a write already gave it the
    before-image of (engine.backup_images)."""
    with db.backend.write() as w:
        rows = next_rows(w, table, after, CHUNK, shared)
        for row in rows:
            if row.body is None or w.get_item(row_id, *row.position) is not None:
                continue
            w.put_item(row_id, row.pk_hash, row.pk, row.sk, row.body, row.size, None)
    return rows


def _drop_tombstones(db: Database, row_id: int, after: Position | None) -> list[ChunkRow]:
    """The next CHUNK rows of the backup; its tombstones among them deleted."""
    with db.backend.write() as w:
        rows = [
            ChunkRow(row.pk_hash, row.pk, row.sk, row.body, row.size)
            for row in take(w.scan_items(row_id, *_ALL, after), CHUNK)
        ]
        for row in rows:
            if row.body == TOMBSTONE:
                w.delete_item(row_id, *row.position)
    return rows


def _finish(db: Database, account: str, region: str, arn: str, size: int) -> None:
    with db.backend.read() as r:
        row = r.get_table(account, region, arn)
    assert row is not None  # DeleteBackup refuses a backup that is CREATING
    body = orjson.loads(row.description)
    body["details"]["BackupSizeBytes"] = size
    body["details"]["BackupStatus"] = "AVAILABLE"
    catalog.finish_backup(db, row.table_id, orjson.dumps(body))


def get(db: Database, caller: Caller, arn: str) -> Backup:
    with db.backend.read() as r:
        row = r.get_table(catalog_account(caller.account), caller.region, arn)
    if row is None:
        raise BackupNotFoundException(f"Backup not found: {arn}")
    return _load(row)


def describe(db: Database, caller: Caller, arn: str) -> Backup:
    """The backup, for DescribeBackup; a copy a restart interrupted goes on from here."""
    backup = get(db, caller, arn)
    if backup.status != "CREATING":
        return backup
    table = db.find_table(caller, backup.source["TableName"])
    if table is not None:
        backfill.ensure_running(db, table)
    return get(db, caller, arn)


def delete(db: Database, caller: Caller, arn: str) -> Backup:
    backup = get(db, caller, arn)
    if backup.status != "AVAILABLE":
        raise BackupInUseException(f"Backup is being used: {arn}")

    def drop() -> None:
        with db.backend.write() as w:
            w.delete_table(backup.row_id)

    run_chunk(db, drop)
    details = {**backup.details, "BackupStatus": "DELETED"}
    return Backup(backup.row_id, "DELETED", details, backup.source, backup.record)


def list_all(db: Database, caller: Caller) -> list[Backup]:
    """Every backup of the caller's account and region, in ARN order (by table name, then
    creation time: the ARN's id starts with the creation time in milliseconds)."""
    account = catalog_account(caller.account)
    out: list[Backup] = []
    with db.backend.read() as r:
        for name in r.list_tables(account, caller.region, None, 2**31 - 1):
            row = r.get_table(account, caller.region, name)
            if row is not None:
                out.append(_load(row))
    return out


# --- restore -----------------------------------------------------------------------------


def check_restorable(db: Database, caller: Caller, arn: str, target: str) -> Backup:
    """The backup, after DynamoDB's checks in its order: the backup exists, the target name
    is free, the backup is not busy."""
    backup = get(db, caller, arn)
    if db.find_table(caller, target) is not None:
        raise TableAlreadyExistsException(TABLE_EXISTS.format(target))
    if backup.status != "AVAILABLE":
        raise BackupInUseException(f"Backup is being used: {arn}")
    return backup


def restore(db: Database, caller: Caller, backup: Backup, new: NewTable) -> dict[str, Any]:
    """Create the table ``new`` describes (built from the backup and the overrides) with its
    RestoreSummary, CREATING until a background job has copied the backup's items into it
    with their index entries (``start_restore``). Answers the TableDescription, CREATING with
    RestoreInProgress."""
    restored = RestoreSummary(backup.arn, backup.source["TableArn"], db.clock())
    table = catalog.create_table(db, caller, replace(new, restored_from=restored))
    start_restore(db, table)
    return catalog.describe_created(db, table)


def start_restore(db: Database, table: TableSchema) -> None:
    """Copy the backup the table is restored from into it, a chunk per scheduler step, then
    make it ACTIVE; again after a restart (``backfill.ensure_running``: the table's record
    says CREATING, and a chunk copied twice changes nothing)."""
    db.background.submit(("restore", table.table_id), _restore(db, table))


def _restore(db: Database, table: TableSchema) -> Chunks:
    restored = table.record.restored_from
    assert restored is not None
    with db.backend.read() as r:
        row = r.get_table(catalog_account(table.account), table.region, restored.source_backup_arn)
    after: Position | None = None
    while row is not None:  # (a backup deleted meanwhile leaves what was copied)
        current = current_table(db, table)
        if current is None or current.record.status is not TableStatus.CREATING:
            return
        chunk = functools.partial(_restore_chunk, db, current, row.table_id, after)
        positions = run_chunk(db, chunk)
        if len(positions) < CHUNK:
            break
        after = positions[-1]
        yield
    run_chunk(db, functools.partial(catalog.activate_table, db, table))


def _restore_chunk(
    db: Database, table: TableSchema, backup_id: int, after: Position | None
) -> list[Position]:
    """The backup's next CHUNK items into the table, with their index entries. Nothing else
    writes a CREATING table (its item operations answer ResourceNotFoundException)."""
    with db.backend.write() as w:
        rows = take(w.scan_items(backup_id, *_ALL, after), CHUNK)
        for r in rows:
            w.put_item(table.table_id, r.pk_hash, r.pk, r.sk, r.body, r.size, None)
            if not table.indexes:
                continue
            item = orjson.loads(r.body)
            ek = EncodedKey(r.pk_hash, r.pk, r.sk)
            for index in table.indexes:
                entry = indexes.index_row(table, index, item, ek)
                if entry is not None:
                    w.put_index_row(index.index_id, entry)
    db.vectors.forget(table.table_id)  # matrices a search built before these items arrived
    return [(r.pk_hash, r.pk, r.sk) for r in rows]


# --- continuous backups (point-in-time recovery) --------------------------------------------


def continuous_description(db: Database, table: TableSchema) -> dict[str, Any]:
    """ContinuousBackupsDescription. Continuous backups are always ENABLED on DynamoDB; PITR
    is off until UpdateContinuousBackups turns it on. We keep no change history, so the
    restorable window is reported but cannot be restored from (no
    RestoreTableToPointInTime)."""
    pitr = table.record.point_in_time_recovery
    description: dict[str, Any] = {"PointInTimeRecoveryStatus": "DISABLED"}
    if pitr is not None:
        description = {
            "PointInTimeRecoveryStatus": "ENABLED",
            "RecoveryPeriodInDays": pitr.days,
            "EarliestRestorableDateTime": pitr.since,
            "LatestRestorableDateTime": max(pitr.since, db.clock()),
        }
    return {
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": description,
    }


def require_table(db: Database, caller: Caller, name: str) -> TableSchema:
    table = db.find_table(caller, name)
    if table is None:
        raise TableNotFoundException(f"Table not found: {name}")
    return table


def set_pitr(
    db: Database, caller: Caller, name: str, enabled: bool, days: int | None
) -> dict[str, Any]:
    table = require_table(db, caller, name)
    catalog.set_point_in_time_recovery(db, table, enabled, days)
    return continuous_description(db, require_table(db, caller, name))
