"""The typed changes operations ask the catalog for (they never edit a record themselves)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ddblite.model.table_codec import (
    parse_key_schema,
    parse_projection,
    parse_throughput,
    parse_vector_index,
)
from ddblite.model.table_record import (
    AttributeDefinition,
    BillingMode,
    KeyElement,
    Projection,
    RestoreSummary,
    ScalarAttributeType,
    StreamViewType,
    TableClass,
    Tag,
    Throughput,
    VectorIndex,
)


@dataclass(frozen=True, slots=True)
class NewIndex:
    name: str
    key_schema: tuple[KeyElement, ...]
    projection: Projection
    throughput: Throughput | None = None  # a GSI's, when the request gives one

    @classmethod
    def from_request(cls, spec: dict[str, Any]) -> NewIndex:
        throughput = spec.get("ProvisionedThroughput")
        return cls(
            spec["IndexName"],
            parse_key_schema(spec["KeySchema"]),
            parse_projection(spec["Projection"]),
            parse_throughput(throughput) if throughput is not None else None,
        )


def attribute_definitions(specs: list[dict[str, Any]]) -> tuple[AttributeDefinition, ...]:
    return tuple(
        AttributeDefinition(d["AttributeName"], ScalarAttributeType(d["AttributeType"]))
        for d in specs
    )


@dataclass(frozen=True, slots=True)
class NewTable:
    """A table to create: a checked CreateTable request (or the one a restore builds)."""

    name: str
    attributes: tuple[AttributeDefinition, ...]
    key_schema: tuple[KeyElement, ...]
    billing: BillingMode
    throughput: Throughput | None = None
    local_indexes: tuple[NewIndex, ...] = ()
    global_indexes: tuple[NewIndex, ...] = ()
    table_class: TableClass | None = None
    deletion_protection: bool = False
    tags: tuple[Tag, ...] = ()
    stream_view: StreamViewType | None = None  # the stream starts with the table
    restored_from: RestoreSummary | None = None
    vector_indexes: tuple[VectorIndex, ...] = ()

    @classmethod
    def from_request(cls, request: dict[str, Any], billing: str) -> NewTable:
        throughput = request.get("ProvisionedThroughput")
        stream = request.get("StreamSpecification") or {}
        table_class = request.get("TableClass")
        return cls(
            request["TableName"],
            attribute_definitions(request["AttributeDefinitions"]),
            parse_key_schema(request["KeySchema"]),
            BillingMode(billing),
            parse_throughput(throughput) if throughput is not None else None,
            tuple(NewIndex.from_request(ix) for ix in request.get("LocalSecondaryIndexes") or ()),
            tuple(NewIndex.from_request(ix) for ix in request.get("GlobalSecondaryIndexes") or ()),
            TableClass(table_class) if table_class is not None else None,
            bool(request.get("DeletionProtectionEnabled", False)),
            tuple(Tag(tag["Key"], tag["Value"]) for tag in request.get("Tags") or ()),
            StreamViewType(stream["StreamViewType"]) if stream.get("StreamEnabled") else None,
            vector_indexes=tuple(
                parse_vector_index(ix) for ix in request.get("VectorIndexes") or ()
            ),
        )


@dataclass(frozen=True, slots=True)
class Capacity:
    """Requested ReadCapacityUnits and WriteCapacityUnits."""

    read: int
    write: int

    @classmethod
    def from_request(cls, spec: dict[str, Any]) -> Capacity:
        return cls(spec["ReadCapacityUnits"], spec["WriteCapacityUnits"])


@dataclass(frozen=True, slots=True)
class StreamChange:
    enabled: bool
    view: StreamViewType | None = None


@dataclass(frozen=True, slots=True)
class TableUpdate:
    """One UpdateTable's changes, already checked against the table; applied in this order."""

    billing: BillingMode | None = None  # a switch to this mode
    throughput: Capacity | None = None
    deletion_protection: bool | None = None
    table_class: TableClass | None = None
    stream: StreamChange | None = None
    index_throughput: tuple[tuple[str, Capacity], ...] = ()
    # An online GSI creation, with the AttributeDefinitions of the request (new ones are
    # added), or a deletion: at most one of the two.
    create_index: NewIndex | None = None
    definitions: tuple[AttributeDefinition, ...] = ()
    delete_index: str | None = None

    @property
    def changes_indexes(self) -> bool:
        return (
            bool(self.index_throughput)
            or self.create_index is not None
            or self.delete_index is not None
        )
