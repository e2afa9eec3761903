"""The one codec of a table's catalog record, to and from its stored JSON.

The stored form is the one ddblite has always written, so existing database files open
unchanged::

    {"wire": <the TableDescription without live counters>,
     "indexes": {index name: storage index id}, "tags": [{"Key", "Value"}],
     "ttl": attribute, "ttl_enabling": true, "stream": {...}, "closed_streams": [{...}],
     "pitr": {...}, "dropping": [index id], "backups_copying": [[row id, backup ARN]]}

(the members after "tags" only while they hold something). ``description`` renders the
"wire" part, which is also what DescribeTable answers before the counters are filled in.
"""

from __future__ import annotations

from typing import Any

import orjson

from ddblite.model.table_record import (
    AttributeDefinition,
    BackupCopy,
    Billing,
    BillingMode,
    DistanceFunction,
    IndexStatus,
    KeyElement,
    KeyType,
    PointInTimeRecovery,
    Projection,
    ProjectionType,
    Replica,
    RestoreSummary,
    ScalarAttributeType,
    SearchSchemaElement,
    SearchSchemaElementType,
    SecondaryIndex,
    Stream,
    Streams,
    StreamViewType,
    TableClass,
    TableRecord,
    TableStatus,
    Tag,
    Throughput,
    VectorIndex,
)

Json = dict[str, Any]


def encode(record: TableRecord) -> bytes:
    return orjson.dumps(to_stored(record))


def decode(raw: bytes) -> TableRecord:
    return from_stored(orjson.loads(raw))


# --- record -> JSON ---------------------------------------------------------------------------


def to_stored(record: TableRecord) -> Json:
    out: Json = {
        "wire": description(record),
        "indexes": {ix.name: ix.index_id for ix in (*record.local_indexes, *record.global_indexes)},
        "tags": [{"Key": tag.key, "Value": tag.value} for tag in record.tags],
    }
    if record.ttl_attribute is not None:
        out["ttl"] = record.ttl_attribute
    if record.ttl_enabling:
        out["ttl_enabling"] = True
    if record.streams.enabled is not None:
        out["stream"] = _stream(record.streams.enabled)
    if record.streams.closed:
        out["closed_streams"] = [_stream(s) for s in record.streams.closed]
    if record.point_in_time_recovery is not None:
        pitr = record.point_in_time_recovery
        out["pitr"] = {"since": pitr.since, "days": pitr.days}
    if record.dropping:
        out["dropping"] = list(record.dropping)
    if record.backups_copying:
        out["backups_copying"] = [[b.row_id, b.arn] for b in record.backups_copying]
    if record.replicas:
        out["replicas"] = [{"region": r.region} for r in record.replicas]
    return out


def description(record: TableRecord) -> Json:
    """The TableDescription of the record, without ItemCount and TableSizeBytes; members in
    the order DescribeTable has always answered them."""
    out: Json = {
        "AttributeDefinitions": [
            {"AttributeName": d.name, "AttributeType": d.type.value} for d in record.attributes
        ],
        "TableName": record.name,
        "KeySchema": key_schema(record.key_schema),
        "TableStatus": record.status.value,
        "CreationDateTime": record.created_at,
        "ProvisionedThroughput": throughput(record.throughput),
        "TableArn": record.arn,
        "TableId": record.table_uuid,
        "DeletionProtectionEnabled": record.deletion_protection,
    }
    billing = record.billing
    if billing.reported:
        summary: Json = {"BillingMode": billing.mode.value}
        if billing.pay_per_request_since is not None:
            summary["LastUpdateToPayPerRequestDateTime"] = billing.pay_per_request_since
        out["BillingModeSummary"] = summary
    if record.table_class is not None:
        out["TableClassSummary"] = {"TableClass": record.table_class.value}
    if record.local_indexes:
        out["LocalSecondaryIndexes"] = [
            index_description(record, ix) for ix in record.local_indexes
        ]
    if record.global_indexes:
        out["GlobalSecondaryIndexes"] = [
            index_description(record, ix) for ix in record.global_indexes
        ]
    if record.vector_indexes:
        out["VectorIndexes"] = [
            vector_index_description(record, ix) for ix in record.vector_indexes
        ]
    streams = record.streams
    if streams.enabled is not None:
        out["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": streams.enabled.view.value,
        }
    if streams.latest_label is not None:
        out["LatestStreamLabel"] = streams.latest_label
        out["LatestStreamArn"] = streams.latest_arn
    if record.restored_from is not None:
        restored = record.restored_from
        out["RestoreSummary"] = {
            "SourceBackupArn": restored.source_backup_arn,
            "SourceTableArn": restored.source_table_arn,
            "RestoreDateTime": restored.restored_at,
            "RestoreInProgress": record.status is TableStatus.CREATING,
        }
    return out


def key_schema(elements: tuple[KeyElement, ...]) -> list[dict[str, str]]:
    return [{"AttributeName": e.name, "KeyType": e.key_type.value} for e in elements]


def throughput(value: Throughput) -> Json:
    out: Json = {
        "NumberOfDecreasesToday": value.decreases_today,
        "ReadCapacityUnits": value.read,
        "WriteCapacityUnits": value.write,
    }
    if value.last_increase is not None:
        out["LastIncreaseDateTime"] = value.last_increase
    if value.last_decrease is not None:
        out["LastDecreaseDateTime"] = value.last_decrease
    return out


def projection(value: Projection) -> Json:
    out: Json = {"ProjectionType": value.type.value}
    if value.non_key_attributes:
        out["NonKeyAttributes"] = list(value.non_key_attributes)
    return out


def index_description(record: TableRecord, index: SecondaryIndex) -> Json:
    out: Json = {
        "IndexName": index.name,
        "KeySchema": key_schema(index.key_schema),
        "Projection": projection(index.projection),
        "IndexArn": f"{record.arn}/index/{index.name}",
    }
    if index.throughput is not None:  # a GSI
        out["IndexStatus"] = index.status.value
        out["ProvisionedThroughput"] = throughput(index.throughput)
        if index.backfilling:
            out["Backfilling"] = True
    return out


def vector_index_description(record: TableRecord, index: VectorIndex) -> Json:
    """A VectorIndexDescription without ItemCount and IndexSizeBytes, members in the service
    model's order (SearchSchema only when the index has one, as it was created)."""
    out: Json = {"IndexName": index.name}
    if index.search_schema:
        out["SearchSchema"] = [
            {"AttributeName": e.name, "SearchSchemaElementType": e.element_type.value}
            for e in index.search_schema
        ]
    out["Projection"] = projection(index.projection)
    out["VectorAttribute"] = {"AttributeName": index.vector_attribute}
    out["Dimensions"] = index.dimensions
    out["DistanceFunction"] = index.distance.value
    out["IndexStatus"] = index.status.value
    out["IndexArn"] = f"{record.arn}/index/{index.name}"
    return out


def parse_vector_index(spec: Json) -> VectorIndex:
    """A VectorIndex from a request's VectorIndex (or CreateVectorIndexAction) or a stored
    VectorIndexDescription."""
    return VectorIndex(
        spec["IndexName"],
        spec["VectorAttribute"]["AttributeName"],
        spec["Dimensions"],
        DistanceFunction(spec["DistanceFunction"]),
        tuple(
            SearchSchemaElement(
                e["AttributeName"], SearchSchemaElementType(e["SearchSchemaElementType"])
            )
            for e in spec.get("SearchSchema") or ()
        ),
        parse_projection(spec["Projection"]),
        IndexStatus(spec.get("IndexStatus", "ACTIVE")),
    )


def _stream(stream: Stream) -> Json:
    out: Json = {
        "arn": stream.arn,
        "label": stream.label,
        "view": stream.view.value,
        "created": stream.created,
        "start": stream.start,
    }
    if stream.end is not None:
        out["end"] = stream.end
    if stream.closed is not None:
        out["closed"] = stream.closed
    return out


# --- JSON -> record ---------------------------------------------------------------------------


def from_stored(form: Json) -> TableRecord:
    wire = form["wire"]
    index_ids: dict[str, int] = form.get("indexes", {})
    summary = wire.get("BillingModeSummary")
    billing = (
        Billing(
            BillingMode(summary["BillingMode"]),
            summary.get("LastUpdateToPayPerRequestDateTime"),
            reported=True,
        )
        if summary is not None
        else Billing(BillingMode.PROVISIONED)
    )
    table_class = wire.get("TableClassSummary", {}).get("TableClass")
    restore = wire.get("RestoreSummary")
    pitr = form.get("pitr")
    return TableRecord(
        name=wire["TableName"],
        arn=wire["TableArn"],
        table_uuid=wire["TableId"],
        created_at=wire["CreationDateTime"],
        attributes=tuple(
            AttributeDefinition(d["AttributeName"], ScalarAttributeType(d["AttributeType"]))
            for d in wire["AttributeDefinitions"]
        ),
        key_schema=parse_key_schema(wire["KeySchema"]),
        billing=billing,
        throughput=parse_throughput(wire["ProvisionedThroughput"]),
        status=TableStatus(wire.get("TableStatus", "ACTIVE")),
        local_indexes=tuple(
            _parse_index(ix, index_ids[ix["IndexName"]], is_global=False)
            for ix in wire.get("LocalSecondaryIndexes", ())
        ),
        global_indexes=tuple(
            _parse_index(ix, index_ids[ix["IndexName"]], is_global=True)
            for ix in wire.get("GlobalSecondaryIndexes", ())
        ),
        streams=Streams(
            _parse_stream(form["stream"]) if "stream" in form else None,
            tuple(_parse_stream(s) for s in form.get("closed_streams", ())),
            wire.get("LatestStreamLabel"),
            wire.get("LatestStreamArn"),
        ),
        ttl_attribute=form.get("ttl"),
        ttl_enabling=bool(form.get("ttl_enabling", False)),
        tags=tuple(Tag(tag["Key"], tag["Value"]) for tag in form.get("tags") or ()),
        point_in_time_recovery=(
            PointInTimeRecovery(pitr["since"], pitr["days"]) if pitr is not None else None
        ),
        table_class=TableClass(table_class) if table_class is not None else None,
        deletion_protection=bool(wire.get("DeletionProtectionEnabled", False)),
        restored_from=(
            RestoreSummary(
                restore["SourceBackupArn"],
                restore["SourceTableArn"],
                restore["RestoreDateTime"],
            )
            if restore is not None
            else None
        ),
        dropping=tuple(form.get("dropping", ())),
        backups_copying=tuple(
            BackupCopy(row_id, arn) for row_id, arn in form.get("backups_copying", ())
        ),
        replicas=tuple(Replica(r["region"]) for r in form.get("replicas", ())),
        vector_indexes=tuple(parse_vector_index(v) for v in wire.get("VectorIndexes", ())),
    )


def parse_key_schema(elements: list[Json]) -> tuple[KeyElement, ...]:
    return tuple(KeyElement(e["AttributeName"], KeyType(e["KeyType"])) for e in elements)


def parse_throughput(spec: Json | None) -> Throughput:
    """A stored ProvisionedThroughput, or a request's (missing members are zeros)."""
    spec = spec or {}
    return Throughput(
        spec.get("ReadCapacityUnits", 0),
        spec.get("WriteCapacityUnits", 0),
        spec.get("NumberOfDecreasesToday", 0),
        spec.get("LastIncreaseDateTime"),
        spec.get("LastDecreaseDateTime"),
    )


def parse_projection(spec: Json) -> Projection:
    return Projection(
        ProjectionType(spec.get("ProjectionType", "ALL")),
        tuple(spec.get("NonKeyAttributes", ())),
    )


def _parse_index(spec: Json, index_id: int, is_global: bool) -> SecondaryIndex:
    keys = parse_key_schema(spec["KeySchema"])
    projection = parse_projection(spec["Projection"])
    if not is_global:
        return SecondaryIndex(spec["IndexName"], keys, projection, index_id)
    return SecondaryIndex(
        spec["IndexName"],
        keys,
        projection,
        index_id,
        IndexStatus(spec.get("IndexStatus", "ACTIVE")),
        bool(spec.get("Backfilling", False)),
        parse_throughput(spec.get("ProvisionedThroughput")),
    )


def _parse_stream(spec: Json) -> Stream:
    return Stream(
        spec["arn"],
        spec["label"],
        StreamViewType(spec["view"]),
        spec["created"],
        spec["start"],
        spec.get("end"),
        spec.get("closed"),
    )
