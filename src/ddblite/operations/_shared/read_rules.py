"""The parameter rules Query and Scan share, and the shaping of their response.

- ``check_select``: Select against ProjectionExpression / AttributesToGet / IndexName (before
  the table is looked up).
- ``check_segments``: Segment and TotalSegments (Scan).
- ``find_index``: IndexName, ConsistentRead on a GSI, and what Select means for that index.
- ``check_key_paths``: key attributes may not be used as documents (``pk.a``, ``pk[0]``).
- ``check_start_key``: ExclusiveStartKey against the table and index key schemas.
- ``response``: Items / Count / ScannedCount / LastEvaluatedKey / ConsumedCapacity of a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ddblite import expressions
from ddblite.engine.read_plan import Project
from ddblite.engine.reads import Page, segment_bounds
from ddblite.errors import INVALID, KEY_MISMATCH, ValidationException
from ddblite.model import capacity
from ddblite.model.keycodec import encode, pk_hash
from ddblite.model.request_enums import ReturnConsumedCapacity, Select
from ddblite.model.schema import IndexSchema, KeySchema, TableSchema, check_key
from ddblite.model.values import Item, check_item

START_INVALID = "The provided starting key is invalid"
NO_INDEX = "The table does not have the specified index: {}"
GSI_CONSISTENT = "Consistent reads are not supported on global secondary indexes"
BACKFILLING = "Cannot read from backfilling global secondary index: {}"
GSI_ALL_ATTRIBUTES = (
    INVALID + "Select type ALL_ATTRIBUTES is not supported for "
    "global secondary index {} because its projection type is not ALL"
)
SCALAR_KEYS = (
    "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
    "allowed: {}: {}"
)
SEGMENT_NEEDS_TOTAL = (
    "The TotalSegments parameter is required but was not present in the request when Segment "
    "parameter is present"
)
TOTAL_NEEDS_SEGMENT = (
    "The Segment parameter is required but was not present in the request when parameter "
    "TotalSegments is present"
)
SEGMENT_RANGE = (
    "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
    "Segment: {} is not less than TotalSegments: {}"
)
WRONG_SEGMENT = (
    "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use "
    "ExclusiveStartKey with correct Segment. TotalSegments: {} Segment: {}"
)


# --- before the table ------------------------------------------------------------------------


def check_select(request: dict[str, Any], operation: str) -> Select | None:
    """DynamoDB's rules for combining Select with a projection and an index; returns Select."""
    if request.get("Select") is None:
        return None
    select = Select(request["Select"])
    named = "AttributesToGet" if "AttributesToGet" in request else None
    if "ProjectionExpression" in request:
        named = "ProjectionExpression"
    if select is Select.SPECIFIC_ATTRIBUTES:
        if named is None:
            message = (
                "Must specify the AttributesToGet or ProjectionExpression when choosing to get "
                "SPECIFIC_ATTRIBUTES"
            )
            # Query wraps this one sentence in the validation envelope; Scan does not.
            if operation == "Query":
                message = "1 validation error detected: " + message
            raise ValidationException(message)
    elif named is not None:
        target = "only the Count" if select is Select.COUNT else select
        raise ValidationException(f"Cannot specify the {named} when choosing to get {target}")
    if select is Select.ALL_PROJECTED_ATTRIBUTES and request.get("IndexName") is None:
        raise ValidationException(
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
        )
    return select


def check_segments(request: dict[str, Any]) -> tuple[int, int]:
    """(segment, total segments) of a Scan; a plain Scan is segment 0 of 1."""
    segment: int | None = request.get("Segment")
    total: int | None = request.get("TotalSegments")
    if segment is not None and total is None:
        raise ValidationException(SEGMENT_NEEDS_TOTAL)
    if total is not None and segment is None:
        raise ValidationException(TOTAL_NEEDS_SEGMENT)
    if segment is None or total is None:
        return 0, 1
    if segment >= total:
        raise ValidationException(SEGMENT_RANGE.format(segment, total))
    return segment, total


def check_start_values(request: dict[str, Any]) -> Item | None:
    """The ExclusiveStartKey's values, checked like any attribute value. DynamoDB prefixes most
    of these errors with "The provided starting key is invalid: ", but not the ones about
    numbers and duplicates."""
    start: Item | None = request.get("ExclusiveStartKey")
    if start is None:
        return None
    try:
        check_item(start)
    except ValidationException as error:
        message = error.message or ""
        if any(part in message for part in _UNPREFIXED):
            raise
        raise ValidationException(f"{START_INVALID}: {message}") from None
    return start


_UNPREFIXED = (
    "contains duplicates",
    "number set",
    "numeric value",
    "significant digits",
    "number with magnitude",
)


def compile_filter(
    request: dict[str, Any], context: expressions.ExpressionContext, legacy: str
) -> expressions.Condition | None:
    """FilterExpression, or the legacy ``legacy`` (QueryFilter / ScanFilter), or None."""
    text = request.get("FilterExpression")
    if text is not None:
        return context.condition(text, "FilterExpression")
    conditions = request.get(legacy)
    if conditions:
        return expressions.legacy_filter(conditions, request.get("ConditionalOperator"), legacy)
    return None


def wanted_names(*compiled: Any) -> set[str]:
    names: set[str] = set()
    for thing in compiled:
        if thing is not None:
            names |= expressions.top_level_names(thing)
    return names


# --- with the table ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """What a Query or Scan reads: the table, or one of its indexes, and how."""

    table: TableSchema
    index: IndexSchema | None
    keys: KeySchema  # the key schema the read walks (the index's for an index)
    fetch: bool = False  # LSI: read each full item from the table

    @property
    def start_names(self) -> tuple[str, ...]:
        """The attributes of ExclusiveStartKey / LastEvaluatedKey: table key, then index key."""
        names = list(self.table.keys.names)
        if self.index is not None:
            names += [n for n in self.index.keys.names if n not in names]
        return tuple(names)


def find_index(table: TableSchema, request: dict[str, Any]) -> IndexSchema | None:
    name: str | None = request.get("IndexName")
    if name is None:
        return None
    index = table.index(name)
    if index is None:
        raise ValidationException(NO_INDEX.format(name))
    if index.is_global:
        if request.get("ConsistentRead"):
            raise ValidationException(GSI_CONSISTENT)
        if index.status == "CREATING":
            raise ValidationException(BACKFILLING.format(name))
    return index


def projected_names(table: TableSchema, index: IndexSchema) -> frozenset[str] | None:
    """The attributes an index row holds (None: every attribute)."""
    if index.projection_type == "ALL":
        return None
    names = set(table.keys.names) | set(index.keys.names)
    if index.projection_type == "INCLUDE":
        names.update(index.non_key_attributes)
    return frozenset(names)


def source_of(
    table: TableSchema, index: IndexSchema | None, select: Select | None, wanted: set[str]
) -> Source:
    """The read's source; ``wanted`` are the top-level names the filter and projection read.

    On an index whose projection is not ALL, Select=ALL_ATTRIBUTES is refused for a GSI; for an
    LSI it (and any attribute the index does not hold) is read from the table, as DynamoDB
    does, and billed to both."""
    if index is None:
        return Source(table, None, table.keys)
    held = projected_names(table, index)
    if held is None:
        return Source(table, index, index.keys)
    if select is Select.ALL_ATTRIBUTES and index.is_global:
        raise ValidationException(GSI_ALL_ATTRIBUTES.format(index.name))
    fetch = not index.is_global and (select is Select.ALL_ATTRIBUTES or not wanted <= held)
    return Source(table, index, index.keys, fetch)


def check_key_paths(table: TableSchema, *compiled: Any) -> None:
    """Key attributes (of the table, then of any index) are scalars: no ``.`` or ``[]``."""
    nested: set[str] = set()
    for thing in compiled:
        if thing is not None:
            nested |= expressions.nested_paths(thing)
    if not nested:
        return
    for name in table.keys.names:
        if name in nested:
            raise ValidationException(SCALAR_KEYS.format("Key", name))
    for index in table.indexes:
        for name in index.keys.names:
            if name in nested:
                raise ValidationException(SCALAR_KEYS.format("IndexKey", name))


def check_start_key(source: Source, start: Item | None, operation: str) -> None:
    """ExclusiveStartKey: exactly the table and index key attributes, each of its type.

    The checks and their messages come in DynamoDB's order: the count, then the pieces of the
    key being walked (bare messages; a Scan checks them only on an index), then the table key
    (prefixed "The provided starting key is invalid: ")."""
    if start is None:
        return
    if len(start) != len(source.start_names):
        if source.index is None and operation == "Scan":
            raise ValidationException(f"{START_INVALID}: {KEY_MISMATCH}")
        raise ValidationException(START_INVALID)
    if source.index is not None or operation == "Query":
        _check_pieces(source.keys, start)
    table_keys = source.table.keys
    try:
        check_key(table_keys, {name: start[name] for name in table_keys.names if name in start})
    except ValidationException as error:
        raise ValidationException(f"{START_INVALID}: {error.message}") from None


def _check_pieces(keys: KeySchema, start: Item) -> None:
    for name, kind in ((keys.hash_name, keys.hash_type), (keys.range_name, keys.range_type)):
        if name is None:
            continue
        value = start.get(name)
        if value is None:
            raise ValidationException(START_INVALID)
        if kind not in value:
            raise ValidationException(KEY_MISMATCH)


def check_start_segment(source: Source, start: Item | None, segment: int, total: int) -> None:
    """A parallel Scan's ExclusiveStartKey must lie in its own segment."""
    if start is None or total == 1:
        return
    low, high = segment_bounds(segment, total)
    if not low <= pk_hash(encode(start[source.keys.hash_name])) < high:
        raise ValidationException(WRONG_SEGMENT.format(total, segment))


def shaper(
    source: Source, select: Select | None, projection: expressions.Projection | None
) -> Project | None:
    """What each returned item becomes: nothing for COUNT, the projection if there is one, the
    index's attributes for an LSI read that fetched full items only to filter them."""
    if select is Select.COUNT:
        return _nothing
    if projection is None and source.fetch and select is not Select.ALL_ATTRIBUTES:
        assert source.index is not None
        held = projected_names(source.table, source.index)
        assert held is not None
        projection = expressions.legacy_attributes_to_get(sorted(held))
    if projection is None:
        return None
    chosen = projection
    return lambda item: expressions.project(chosen, item)


_EMPTY: Item = {}


def _nothing(item: Item) -> Item:
    return _EMPTY  # Select=COUNT keeps no items, only their number


# --- the response ---------------------------------------------------------------------------


def response(
    request: dict[str, Any], source: Source, page: Page, select: Select | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    raw = page.items_json
    if select is not Select.COUNT:
        out["Items"] = page.items if raw is None else raw
    out["Count"] = len(page.items) if raw is None else page.scanned
    out["ScannedCount"] = page.scanned
    if page.last_key is not None:
        out["LastEvaluatedKey"] = page.last_key
    mode = ReturnConsumedCapacity.of(request)
    if mode is not ReturnConsumedCapacity.NONE:
        out["ConsumedCapacity"] = _consumed(mode, source, page, bool(request.get("ConsistentRead")))
    return out


def _consumed(
    mode: ReturnConsumedCapacity, source: Source, page: Page, consistent: bool
) -> dict[str, Any] | None:
    """Query and Scan add up the bytes they read and round once. An index read bills the index;
    an LSI read that fetched full items also bills the table for them."""
    units = capacity.read_units(page.read_bytes, consistent)
    index = source.index
    if index is None:
        return capacity.consumed(mode, source.table.name, units)
    table_units = capacity.read_units(page.table_bytes, consistent) if source.fetch else 0.0
    return capacity.consumed(
        mode, source.table.name, table_units, index_units={index.name: (index.is_global, units)}
    )
