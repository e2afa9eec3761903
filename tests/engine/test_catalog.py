"""engine/catalog: creating a table's record and each change to it, asked for with typed
requests, as the operations ask."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ddblite.clock import ManualClock
from ddblite.engine import catalog
from ddblite.engine.catalog import Capacity, NewIndex, NewTable, StreamChange, TableUpdate
from ddblite.engine.database import Caller, Database
from ddblite.errors import ResourceInUseException, ResourceNotFoundException, ValidationException
from ddblite.model.schema import TableSchema
from ddblite.model.table_record import (
    AttributeDefinition,
    Billing,
    BillingMode,
    IndexStatus,
    KeyElement,
    KeyType,
    PointInTimeRecovery,
    Projection,
    ProjectionType,
    ScalarAttributeType,
    Stream,
    StreamViewType,
    TableClass,
    Tag,
    Throughput,
)
from tests.engine.support import NOW

CALLER = Caller("000000000000", "us-east-1")
ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/events"
S, N = ScalarAttributeType.S, ScalarAttributeType.N


def key(*names: str) -> tuple[KeyElement, ...]:
    return tuple(
        KeyElement(name, KeyType.HASH if i == 0 else KeyType.RANGE) for i, name in enumerate(names)
    )


BY_AT = NewIndex("by_at", key("pk", "at"), Projection(ProjectionType.KEYS_ONLY))
BY_TEAM = NewIndex(
    "by_team",
    key("team"),
    Projection(ProjectionType.INCLUDE, ("name",)),
    Throughput(5, 6),
)
EVENTS = NewTable(
    name="events",
    attributes=(
        AttributeDefinition("pk", S),
        AttributeDefinition("sk", N),
        AttributeDefinition("at", N),
        AttributeDefinition("team", S),
    ),
    key_schema=key("pk", "sk"),
    billing=BillingMode.PROVISIONED,
    throughput=Throughput(1, 2),
    local_indexes=(BY_AT,),
    global_indexes=(BY_TEAM,),
    tags=(Tag("env", "test"),),
)


def create(db: Database, new: NewTable = EVENTS) -> TableSchema:
    return catalog.create_table(db, CALLER, new)


def current(db: Database) -> TableSchema:
    return catalog.require(db, CALLER, "events")


def test_create_table(db: Database) -> None:
    table = create(db)
    record = table.record
    assert (record.name, record.arn, record.created_at) == ("events", ARN, NOW)
    assert record.billing == Billing(BillingMode.PROVISIONED)
    assert record.throughput == Throughput(1, 2)
    assert [ix.name for ix in record.local_indexes] == ["by_at"]
    assert record.local_indexes[0].throughput is None
    (gsi,) = record.global_indexes
    assert (gsi.name, gsi.status, gsi.throughput) == (
        "by_team",
        IndexStatus.ACTIVE,
        Throughput(5, 6),
    )
    # Each index has its own storage id, and the hot-path view carries them.
    ids = {ix.name: ix.index_id for ix in table.indexes}
    assert ids == {"by_at": record.local_indexes[0].index_id, "by_team": gsi.index_id}
    assert len(set(ids.values())) == 2
    assert record.tags == (Tag("env", "test"),)
    assert (table.ttl_attribute, table.stream) == (None, None)
    with pytest.raises(ResourceInUseException, match="Table already exists: events"):
        create(db)


def test_create_on_demand_with_stream(db: Database) -> None:
    new = replace(
        EVENTS,
        billing=BillingMode.PAY_PER_REQUEST,
        throughput=None,
        global_indexes=(replace(BY_TEAM, throughput=None),),
        stream_view=StreamViewType.NEW_IMAGE,
        table_class=TableClass.STANDARD_INFREQUENT_ACCESS,
        deletion_protection=True,
    )
    table = create(db, new)
    record = table.record
    assert record.billing == Billing(BillingMode.PAY_PER_REQUEST, NOW, reported=True)
    assert record.throughput == Throughput()
    assert record.global_indexes[0].throughput == Throughput()
    label = "2023-11-14T22:13:20.000"
    stream = Stream(f"{ARN}/stream/{label}", label, StreamViewType.NEW_IMAGE, NOW, 1)
    assert table.stream == record.streams.enabled == stream
    assert (record.streams.latest_label, record.streams.latest_arn) == (label, stream.arn)
    assert (record.table_class, record.deletion_protection) == (
        TableClass.STANDARD_INFREQUENT_ACCESS,
        True,
    )


def test_update_settings(db: Database, clock: ManualClock) -> None:
    table = create(db)
    clock.advance(10)
    catalog.update_table(
        db,
        table,
        TableUpdate(
            throughput=Capacity(1, 1),
            deletion_protection=True,
            table_class=TableClass.STANDARD,
        ),
    )
    record = current(db).record
    assert record.throughput == Throughput(1, 1, decreases_today=1, last_decrease=NOW + 10)
    assert (record.deletion_protection, record.table_class) == (True, TableClass.STANDARD)
    catalog.update_table(db, current(db), TableUpdate(throughput=Capacity(3, 1)))
    assert current(db).record.throughput == Throughput(3, 1, 1, NOW + 10, NOW + 10)


def test_switching_to_on_demand_zeroes_every_throughput(db: Database, clock: ManualClock) -> None:
    create(db)
    clock.advance(5)
    catalog.update_table(db, current(db), TableUpdate(billing=BillingMode.PAY_PER_REQUEST))
    record = current(db).record
    assert record.billing == Billing(BillingMode.PAY_PER_REQUEST, NOW + 5, reported=True)
    assert record.throughput == Throughput()
    assert record.global_indexes[0].throughput == Throughput()
    catalog.update_table(
        db,
        current(db),
        TableUpdate(
            billing=BillingMode.PROVISIONED,
            throughput=Capacity(2, 2),
            index_throughput=(("by_team", Capacity(4, 4)),),
        ),
    )
    record = current(db).record
    assert record.billing == Billing(BillingMode.PROVISIONED, reported=True)
    assert record.throughput == Throughput(2, 2, last_increase=NOW + 5)
    assert record.global_indexes[0].throughput == Throughput(4, 4, last_increase=NOW + 5)


def test_create_and_delete_an_index(db: Database) -> None:
    table = create(db, replace(EVENTS, global_indexes=()))
    # Definitions the new index does not use are not kept (only key attributes are defined).
    definitions = (*EVENTS.attributes, AttributeDefinition("extra", N))
    update = TableUpdate(create_index=BY_TEAM, definitions=definitions)
    assert catalog.update_table(db, table, update) is None
    table = current(db)
    (gsi,) = table.record.global_indexes
    assert (gsi.status, gsi.backfilling, gsi.throughput) == (
        IndexStatus.CREATING,
        True,
        Throughput(5, 6),
    )
    assert gsi.index_id not in {ix.index_id for ix in table.record.local_indexes}
    assert [d.name for d in table.record.attributes] == ["pk", "sk", "at", "team"]
    catalog.activate_index(db, table, "by_team", gsi.index_id)
    assert current(db).record.global_indexes[0] == replace(
        gsi, status=IndexStatus.ACTIVE, backfilling=False
    )
    deleted = catalog.update_table(db, current(db), TableUpdate(delete_index="by_team"))
    assert deleted == replace(gsi, status=IndexStatus.ACTIVE, backfilling=False)
    record = current(db).record
    assert (record.global_indexes, record.dropping) == ((), (gsi.index_id,))
    assert [d.name for d in record.attributes] == ["pk", "sk", "at"]
    catalog.forget_dropped_index(db, current(db), gsi.index_id)
    assert current(db).record.dropping == ()


def test_a_stale_activation_changes_nothing(db: Database) -> None:
    table = create(db)
    gsi = table.record.global_indexes[0]
    catalog.activate_index(db, table, "by_team", gsi.index_id + 100)
    assert current(db).record == table.record


def test_streams(db: Database, clock: ManualClock) -> None:
    table = create(db)
    with pytest.raises(ValidationException, match="Table has no stream to disable"):
        catalog.update_table(db, table, TableUpdate(stream=StreamChange(False)))
    enable = TableUpdate(stream=StreamChange(True, StreamViewType.KEYS_ONLY))
    catalog.update_table(db, table, enable)
    first = current(db).stream
    assert first is not None and first.view is StreamViewType.KEYS_ONLY
    with pytest.raises(ValidationException, match="Table already has an enabled stream"):
        catalog.update_table(db, current(db), enable)
    clock.advance(1)
    catalog.update_table(db, current(db), TableUpdate(stream=StreamChange(False)))
    streams = current(db).record.streams
    assert streams.enabled is None
    assert streams.closed == (replace(first, end=0, closed=NOW + 1),)
    assert streams.latest_label == first.label  # still reported once disabled
    # A disabled stream stays readable for 24 hours, then leaves the record.
    clock.advance(24 * 3600)
    catalog.update_table(db, current(db), enable)
    streams = current(db).record.streams
    assert streams.closed == ()
    assert streams.enabled is not None and streams.latest_label == streams.enabled.label


def test_tags_ttl_and_point_in_time_recovery(db: Database, clock: ManualClock) -> None:
    table = create(db)
    catalog.set_tags(db, table, (Tag("a", "1"), Tag("b", "2")))
    assert current(db).record.tags == (Tag("a", "1"), Tag("b", "2"))
    catalog.set_ttl(db, current(db), "expires")
    assert current(db).ttl_attribute == "expires"
    catalog.set_ttl(db, current(db), None)
    assert current(db).ttl_attribute is None
    catalog.set_point_in_time_recovery(db, current(db), True, None)
    assert current(db).record.point_in_time_recovery == PointInTimeRecovery(NOW, 35)
    clock.advance(60)
    # Enabling again keeps the window's start; the period changes only when given.
    catalog.set_point_in_time_recovery(db, current(db), True, 7)
    assert current(db).record.point_in_time_recovery == PointInTimeRecovery(NOW, 7)
    catalog.set_point_in_time_recovery(db, current(db), False, None)
    assert current(db).record.point_in_time_recovery is None


def test_changes_to_a_table_that_is_gone(db: Database) -> None:
    table = create(db)
    catalog.delete_table(db, CALLER, "events")
    with pytest.raises(ResourceNotFoundException, match="Table: events not found"):
        catalog.set_tags(db, table, ())
    # The background jobs' bookkeeping leaves a table that went away alone.
    catalog.forget_dropped_index(db, table, 1)
    create(db)
    catalog.activate_index(db, table, "by_team", table.record.global_indexes[0].index_id)
    assert current(db).table_id != table.table_id
