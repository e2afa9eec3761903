"""Changes to an existing table's record: UpdateTable's settings and GSIs, tags, TTL, point-in-
time recovery, and the background jobs' index bookkeeping.

Each public function is one ``store.change`` (one write block); the operations have checked
the request against the table before asking, and the checks that depend on the stored state
(a stream already enabled, ...) are made here, on the record as stored.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from ddblite.engine.catalog.requests import Capacity, StreamChange, TableUpdate
from ddblite.engine.catalog.store import change
from ddblite.engine.database import Database
from ddblite.engine.stream_log import SHARD
from ddblite.errors import ValidationException
from ddblite.limits import STREAM_RETENTION_SECONDS
from ddblite.model.schema import TableSchema
from ddblite.model.table_record import (
    BackupCopy,
    Billing,
    BillingMode,
    IndexStatus,
    PointInTimeRecovery,
    SecondaryIndex,
    Stream,
    Streams,
    StreamViewType,
    TableRecord,
    TableStatus,
    Tag,
    Throughput,
)
from ddblite.storage.base import Writer

# RecoveryPeriodInDays when UpdateContinuousBackups does not say (DynamoDB's maximum).
DEFAULT_RECOVERY_DAYS = 35


def update_table(db: Database, table: TableSchema, update: TableUpdate) -> SecondaryIndex | None:
    """Apply one UpdateTable's changes; a new GSI gets its storage id in the same write. The
    deleted GSI, if any, as it stood when it was deleted."""
    deleted: list[SecondaryIndex] = []

    def edit(record: TableRecord, w: Writer, table_id: int) -> TableRecord:
        now = db.clock()
        if update.billing is not None and update.billing is not record.billing.mode:
            record = _switch_billing(record, update.billing, now)
        if update.throughput is not None:
            record = replace(
                record, throughput=_set_throughput(record.throughput, update.throughput, now)
            )
        if update.deletion_protection is not None:
            record = replace(record, deletion_protection=update.deletion_protection)
        if update.table_class is not None:
            record = replace(record, table_class=update.table_class)
        if update.stream is not None:
            last = w.last_stream_seq(table_id, SHARD)
            record = replace(record, streams=_change_stream(record, update.stream, now, last))
        if update.changes_indexes:
            record = _change_indexes(record, update, now, w, table_id, deleted)
        return record

    change(db, table, edit)
    return deleted[-1] if deleted else None


def _switch_billing(record: TableRecord, mode: BillingMode, now: float) -> TableRecord:
    if mode is BillingMode.PROVISIONED:
        return replace(record, billing=Billing(mode, reported=True))
    return replace(
        record,
        billing=Billing(mode, now, reported=True),
        throughput=replace(record.throughput, read=0, write=0),
        global_indexes=tuple(
            replace(ix, throughput=replace(_throughput(ix), read=0, write=0))
            for ix in record.global_indexes
        ),
    )


def _throughput(index: SecondaryIndex) -> Throughput:
    assert index.throughput is not None  # a GSI
    return index.throughput


def _set_throughput(old: Throughput, new: Capacity, now: float) -> Throughput:
    if new.read < old.read or new.write < old.write:
        return replace(
            old,
            read=new.read,
            write=new.write,
            last_decrease=now,
            decreases_today=old.decreases_today + 1,
        )
    return replace(old, read=new.read, write=new.write, last_increase=now)


def _change_indexes(
    record: TableRecord,
    update: TableUpdate,
    now: float,
    w: Writer,
    table_id: int,
    deleted: list[SecondaryIndex],
) -> TableRecord:
    gsis = list(record.global_indexes)
    attributes = list(record.attributes)
    dropping = record.dropping
    for name, capacity in update.index_throughput:
        at = next(i for i, ix in enumerate(gsis) if ix.name == name)
        gsis[at] = replace(
            gsis[at], throughput=_set_throughput(_throughput(gsis[at]), capacity, now)
        )
    new = update.create_index
    if new is not None:
        known = {d.name for d in attributes}
        attributes.extend(d for d in update.definitions if d.name not in known)
        provisioned = record.billing.mode is BillingMode.PROVISIONED
        given = new.throughput if provisioned and new.throughput is not None else Throughput()
        gsis.append(
            SecondaryIndex(
                new.name,
                new.key_schema,
                new.projection,
                w.new_index_id(table_id, new.name),
                IndexStatus.CREATING,
                backfilling=True,
                throughput=Throughput(given.read, given.write),
            )
        )
    if update.delete_index is not None:
        gone = next(ix for ix in gsis if ix.name == update.delete_index)
        gsis.remove(gone)
        deleted.append(gone)
        dropping = (*dropping, gone.index_id)
    # AttributeDefinitions name exactly the attributes some key schema uses.
    used = {e.name for e in record.key_schema}
    for ix in (*record.local_indexes, *gsis):
        used.update(e.name for e in ix.key_schema)
    for vector_index in record.vector_indexes:
        used.update(e.name for e in vector_index.search_schema)
    return replace(
        record,
        attributes=tuple(d for d in attributes if d.name in used),
        global_indexes=tuple(gsis),
        dropping=dropping,
    )


# --- streams --------------------------------------------------------------------------------


def enable_stream(record: TableRecord, view: StreamViewType, now: float, last: int) -> Streams:
    """The table's streams with a new one enabled; ``last`` is the last sequence number of
    the table's change log (the stream starts after it)."""
    closed = _retained(record.streams.closed, now)
    label = _label(now, {s.label for s in closed})
    arn = f"{record.arn}/stream/{label}"
    return Streams(Stream(arn, label, view, now, last + 1), closed, label, arn)


def _change_stream(record: TableRecord, spec: StreamChange, now: float, last: int) -> Streams:
    current = record.streams.enabled
    if spec.enabled and current is not None:
        raise ValidationException(f"Table already has an enabled stream: TableName: {record.name}")
    if not spec.enabled and current is None:
        raise ValidationException(f"Table has no stream to disable: TableName: {record.name}")
    if spec.enabled:
        assert spec.view is not None
        return enable_stream(record, spec.view, now, last)
    assert current is not None
    closed = (*_retained(record.streams.closed, now), replace(current, end=last, closed=now))
    return replace(record.streams, enabled=None, closed=closed)


def _retained(closed: tuple[Stream, ...], now: float) -> tuple[Stream, ...]:
    """The disabled streams still readable (DynamoDB keeps them 24 hours)."""
    return tuple(
        s for s in closed if s.closed is not None and s.closed > now - STREAM_RETENTION_SECONDS
    )


def _label(now: float, taken: set[str]) -> str:
    """The stream label: the creation time in ISO 8601 with milliseconds (UTC), moved on by a
    millisecond if a stream of the table still readable has it (a clock standing still)."""
    millis = int(now * 1000)
    while True:
        at = datetime.fromtimestamp(millis / 1000, UTC)
        label = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}"
        if label not in taken:
            return label
        millis += 1


# --- tags, TTL, point-in-time recovery --------------------------------------------------------


def set_tags(db: Database, table: TableSchema, tags: tuple[Tag, ...]) -> None:
    change(db, table, lambda record, w, table_id: replace(record, tags=tags))


def set_ttl(db: Database, table: TableSchema, attribute: str | None) -> None:
    """Enable TTL on ``attribute`` (ENABLING until ``finish_enabling_ttl``), or disable it
    (None). Every item write indexes its expiry from this write on (engine.ttl)."""

    def edit(record: TableRecord, w: Writer, table_id: int) -> TableRecord:
        return replace(record, ttl_attribute=attribute, ttl_enabling=attribute is not None)

    change(db, table, edit)


def finish_enabling_ttl(db: Database, table: TableSchema) -> None:
    """Every item stored before TTL was enabled has its expiry indexed: ENABLED."""
    change(
        db, table, lambda record, w, table_id: replace(record, ttl_enabling=False), missing_ok=True
    )


def set_point_in_time_recovery(
    db: Database, table: TableSchema, enabled: bool, days: int | None
) -> None:
    """Enabling keeps the start of a window already open, and its period unless ``days``."""

    def edit(record: TableRecord, w: Writer, table_id: int) -> TableRecord:
        current = record.point_in_time_recovery
        if not enabled:
            return replace(record, point_in_time_recovery=None)
        since = current.since if current is not None else db.clock()
        previous = current.days if current is not None else DEFAULT_RECOVERY_DAYS
        pitr = PointInTimeRecovery(since, days if days is not None else previous)
        return replace(record, point_in_time_recovery=pitr)

    change(db, table, edit)


# --- the background jobs' bookkeeping (engine.backfill) ---------------------------------------


def activate_index(db: Database, table: TableSchema, name: str, index_id: int) -> None:
    """A backfilled GSI becomes ACTIVE (unless it was deleted, or re-created, meanwhile)."""

    def edit(record: TableRecord, w: Writer, table_id: int) -> TableRecord:
        return replace(
            record,
            global_indexes=tuple(
                replace(ix, status=IndexStatus.ACTIVE, backfilling=False)
                if ix.name == name and ix.index_id == index_id
                else ix
                for ix in record.global_indexes
            ),
        )

    change(db, table, edit, missing_ok=True)


def activate_table(db: Database, table: TableSchema) -> None:
    """A restored table has all its items: ACTIVE."""
    change(
        db,
        table,
        lambda record, w, table_id: replace(record, status=TableStatus.ACTIVE),
        missing_ok=True,
    )


def forget_dropped_index(db: Database, table: TableSchema, index_id: int) -> None:
    """A deleted index's rows are all gone."""

    def edit(record: TableRecord, w: Writer, table_id: int) -> TableRecord:
        return replace(record, dropping=tuple(i for i in record.dropping if i != index_id))

    change(db, table, edit, missing_ok=True)


# --- the backup copies' bookkeeping (engine.backups) -------------------------------------------


def start_backup(
    db: Database, table: TableSchema, account: str, arn: str, description: bytes
) -> int:
    """A backup's hidden catalog row (under ``account``, named by its ARN), CREATING until
    ``finish_backup``, and its place in the table's ``backups_copying``, in one write block:
    the instant the backup is of."""
    created: list[int] = []

    def edit(record: TableRecord, w: Writer, table_id: int) -> TableRecord:
        now = db.clock()
        row_id = w.create_table(account, table.region, arn, description, "CREATING", now)
        created.append(row_id)
        return replace(record, backups_copying=(*record.backups_copying, BackupCopy(row_id, arn)))

    change(db, table, edit)
    return created[0]


def stop_copying(db: Database, table: TableSchema, row_id: int) -> None:
    """Every item is in the backup: writes no longer keep before-images for it."""

    def edit(record: TableRecord, w: Writer, table_id: int) -> TableRecord:
        copying = tuple(b for b in record.backups_copying if b.row_id != row_id)
        return replace(record, backups_copying=copying)

    change(db, table, edit, missing_ok=True)
