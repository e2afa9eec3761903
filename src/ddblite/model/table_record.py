"""A table's catalog record: every setting of one DynamoDB table, as typed frozen values.

``engine.catalog`` is the only code that changes a record (each change builds a new one with
``dataclasses.replace``) and stores it; ``model.table_codec`` turns it into its stored JSON and
back, and renders the static part of DescribeTable's TableDescription from it.
``model.schema.TableSchema`` is the hot-path view built from it once per catalog version.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TableStatus(StrEnum):
    CREATING = "CREATING"
    UPDATING = "UPDATING"
    DELETING = "DELETING"
    ACTIVE = "ACTIVE"


class IndexStatus(StrEnum):
    CREATING = "CREATING"
    UPDATING = "UPDATING"
    DELETING = "DELETING"
    ACTIVE = "ACTIVE"


class BillingMode(StrEnum):
    PROVISIONED = "PROVISIONED"
    PAY_PER_REQUEST = "PAY_PER_REQUEST"


class ProjectionType(StrEnum):
    ALL = "ALL"
    KEYS_ONLY = "KEYS_ONLY"
    INCLUDE = "INCLUDE"


class StreamViewType(StrEnum):
    KEYS_ONLY = "KEYS_ONLY"
    NEW_IMAGE = "NEW_IMAGE"
    OLD_IMAGE = "OLD_IMAGE"
    NEW_AND_OLD_IMAGES = "NEW_AND_OLD_IMAGES"


class KeyType(StrEnum):
    HASH = "HASH"
    RANGE = "RANGE"


class ScalarAttributeType(StrEnum):
    S = "S"
    N = "N"
    B = "B"


class TableClass(StrEnum):
    STANDARD = "STANDARD"
    STANDARD_INFREQUENT_ACCESS = "STANDARD_INFREQUENT_ACCESS"


# --- keys -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttributeDefinition:
    name: str
    type: ScalarAttributeType


@dataclass(frozen=True, slots=True)
class KeyElement:
    name: str
    key_type: KeyType


# --- capacity -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Throughput:
    """Provisioned throughput of a table or GSI (zeros while the table is on demand)."""

    read: int = 0
    write: int = 0
    decreases_today: int = 0
    last_increase: float | None = None
    last_decrease: float | None = None


@dataclass(frozen=True, slots=True)
class Billing:
    mode: BillingMode
    # LastUpdateToPayPerRequestDateTime, while the table is on demand.
    pay_per_request_since: float | None = None
    # Whether BillingModeSummary is reported: DynamoDB leaves it out for a table created
    # PROVISIONED until its mode is first switched.
    reported: bool = False


# --- secondary indexes ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Projection:
    type: ProjectionType
    non_key_attributes: tuple[str, ...] = ()  # INCLUDE only


@dataclass(frozen=True, slots=True)
class SecondaryIndex:
    name: str
    key_schema: tuple[KeyElement, ...]
    projection: Projection
    index_id: int  # the storage id of its rows (a re-created index gets a new one)
    # GSIs only: LSIs have neither a status of their own nor throughput.
    status: IndexStatus = IndexStatus.ACTIVE
    backfilling: bool = False
    throughput: Throughput | None = None


# --- streams, TTL, tags, backups ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stream:
    """One stream of the table: the slice of its change log from ``start`` up to ``end`` (the
    last sequence number when it was disabled, at ``closed``)."""

    arn: str
    label: str
    view: StreamViewType
    created: float
    start: int
    end: int | None = None
    closed: float | None = None


@dataclass(frozen=True, slots=True)
class Streams:
    enabled: Stream | None = None
    # Disabled in the last 24 hours (still readable), oldest first.
    closed: tuple[Stream, ...] = ()
    # LatestStreamLabel / LatestStreamArn: the newest stream's, kept after it is disabled.
    latest_label: str | None = None
    latest_arn: str | None = None


@dataclass(frozen=True, slots=True)
class Tag:
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class PointInTimeRecovery:
    since: float  # EarliestRestorableDateTime
    days: int  # RecoveryPeriodInDays


@dataclass(frozen=True, slots=True)
class RestoreSummary:
    source_backup_arn: str
    source_table_arn: str
    restored_at: float


@dataclass(frozen=True, slots=True)
class BackupCopy:
    """A backup of the table still being copied (engine.backups): its hidden catalog row's
    storage id and its ARN (the row's name)."""

    row_id: int
    arn: str


# Room for the coming features (global tables): each fills its own type.
@dataclass(frozen=True, slots=True)
class Replica:
    region: str


# --- vector indexes -----------------------------------------------------------------------------


class DistanceFunction(StrEnum):
    COSINE = "COSINE"
    EUCLIDEAN = "EUCLIDEAN"
    DOT_PRODUCT = "DOT_PRODUCT"


class SearchSchemaElementType(StrEnum):
    HASH = "HASH"  # partitions the index: every search names one value
    INLINE_FILTER = "INLINE_FILTER"  # optional equality filters at search time


@dataclass(frozen=True, slots=True)
class SearchSchemaElement:
    name: str
    element_type: SearchSchemaElementType


@dataclass(frozen=True, slots=True)
class VectorIndex:
    """One vector index: its entries are derived from the table's items (engine.vectors)."""

    name: str
    vector_attribute: str
    dimensions: int
    distance: DistanceFunction
    search_schema: tuple[SearchSchemaElement, ...]
    projection: Projection
    status: IndexStatus = IndexStatus.ACTIVE

    @property
    def hash_attribute(self) -> str | None:
        return next(
            (e.name for e in self.search_schema if e.element_type is SearchSchemaElementType.HASH),
            None,
        )

    @property
    def filter_attributes(self) -> tuple[str, ...]:
        return tuple(
            e.name
            for e in self.search_schema
            if e.element_type is SearchSchemaElementType.INLINE_FILTER
        )


# --- the record -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableRecord:
    name: str
    arn: str
    table_uuid: str  # TableId
    created_at: float
    attributes: tuple[AttributeDefinition, ...]
    key_schema: tuple[KeyElement, ...]
    billing: Billing
    throughput: Throughput
    status: TableStatus = TableStatus.ACTIVE
    local_indexes: tuple[SecondaryIndex, ...] = ()
    global_indexes: tuple[SecondaryIndex, ...] = ()
    streams: Streams = Streams()
    ttl_attribute: str | None = None
    # TTL was enabled and the items already stored are still having their expiry indexed
    # (engine.ttl): DescribeTimeToLive says ENABLING until then.
    ttl_enabling: bool = False
    tags: tuple[Tag, ...] = ()
    point_in_time_recovery: PointInTimeRecovery | None = None
    table_class: TableClass | None = None
    deletion_protection: bool = False
    restored_from: RestoreSummary | None = None
    # Storage ids of deleted indexes whose rows are still being dropped (engine.backfill).
    dropping: tuple[int, ...] = ()
    # Backups being copied from the table: every item write keeps the item's before-image in
    # each (engine.backup_images), so that each backup is the table at one instant.
    backups_copying: tuple[BackupCopy, ...] = ()
    replicas: tuple[Replica, ...] = ()
    vector_indexes: tuple[VectorIndex, ...] = ()

    def global_index(self, name: str) -> SecondaryIndex | None:
        return next((ix for ix in self.global_indexes if ix.name == name), None)

    def local_index(self, name: str) -> SecondaryIndex | None:
        return next((ix for ix in self.local_indexes if ix.name == name), None)

    def index_named(self, name: str) -> bool:
        """Whether an index of any kind (LSI, GSI, vector) has this name: they share names."""
        return (
            any(ix.name == name for ix in (*self.local_indexes, *self.global_indexes))
            or self.vector_index(name) is not None
        )

    @property
    def building_index(self) -> bool:
        """An index is being created: DynamoDB builds one at a time per table."""
        return any(ix.status is IndexStatus.CREATING for ix in self.global_indexes) or any(
            ix.status is IndexStatus.CREATING for ix in self.vector_indexes
        )

    def vector_index(self, name: str) -> VectorIndex | None:
        return next((ix for ix in self.vector_indexes if ix.name == name), None)

    def attribute_type(self, name: str) -> ScalarAttributeType:
        return next(d.type for d in self.attributes if d.name == name)
