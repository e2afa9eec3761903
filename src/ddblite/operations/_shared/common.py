"""Pieces several operations share: return-value rules, capacity, key checks."""

from __future__ import annotations

from typing import Any

from ddblite.engine import indexes
from ddblite.engine.database import Database
from ddblite.errors import ValidationException, validation_errors
from ddblite.model import capacity
from ddblite.model.request_enums import (
    ReturnConsumedCapacity,
    ReturnItemCollectionMetrics,
    ReturnValues,
)
from ddblite.model.schema import TableSchema
from ddblite.model.values import Item


def wants_capacity(request: dict[str, Any]) -> bool:
    """Whether the request asked for ConsumedCapacity: callers skip measuring items when not."""
    return ReturnConsumedCapacity.of(request) is not ReturnConsumedCapacity.NONE


def consumed_write(
    request: dict[str, Any],
    table: TableSchema,
    size: int,
    images: tuple[Item | None, Item | None] | None = None,
) -> dict[str, Any]:
    """``{"ConsumedCapacity": ...}`` for a single-item write, or ``{}``.

    ``images`` is (old, new), the item before and after the write: each index is then charged
    for the change to its own entry (``indexes.write_units``; an untouched index is absent).
    Without it every index is charged the table's units (an approximation)."""
    mode = ReturnConsumedCapacity.of(request)
    if mode is ReturnConsumedCapacity.NONE:
        return {}
    units = capacity.write_units(size)
    index_units: dict[str, tuple[bool, float]] | None = None
    if table.indexes:
        if images is not None:
            index_units = indexes.write_units(table, images[0], images[1])
        else:
            index_units = {index.name: (index.is_global, units) for index in table.indexes}
    return {"ConsumedCapacity": capacity.consumed(mode, table.name, units, index_units=index_units)}


def collection_metrics(
    db: Database, request: dict[str, Any], table: TableSchema, key: Item
) -> dict[str, Any]:
    """``{"ItemCollectionMetrics": ...}`` after a single-item write when the request asked
    for SIZE and the table has an LSI (only such tables have item collections), or ``{}``."""
    wanted = ReturnItemCollectionMetrics.of(request) is ReturnItemCollectionMetrics.SIZE
    if not wanted or not indexes.has_lsi(table):
        return {}
    (size,) = db.collection_sizes(table, [key])
    return {"ItemCollectionMetrics": indexes.collection_metrics(table, key, size)}


def consumed_read(
    request: dict[str, Any], table: TableSchema, size: int, consistent: bool
) -> dict[str, Any]:
    mode = ReturnConsumedCapacity.of(request)
    if mode is ReturnConsumedCapacity.NONE:
        return {}
    units = capacity.read_units(size, consistent)
    return {"ConsumedCapacity": capacity.consumed(mode, table.name, units)}


def check_return_values(request: dict[str, Any], allowed: tuple[ReturnValues, ...]) -> ReturnValues:
    value = ReturnValues.of(request)
    if value not in allowed:
        raise ValidationException("ReturnValues can only be " + " or ".join(allowed))
    return value


def old_image(mode: ReturnValues, old: Item | None) -> dict[str, Any]:
    """``{"Attributes": old}`` for ReturnValues=ALL_OLD when there was an item."""
    if mode is ReturnValues.ALL_OLD and old is not None:
        return {"Attributes": old}
    return {}


def check_limit_at_most(request: dict[str, Any], maximum: int) -> int:
    """The request's Limit (``maximum`` when absent). The Streams API documents an upper bound
    its service model leaves out (ListStreams 100, GetRecords 1000): past it the request is
    refused in the model's envelope wording (modelled: no recording of the text was found)."""
    limit: int = request.get("Limit", maximum)
    if limit > maximum:
        raise validation_errors(
            [
                f"Value '{limit}' at 'limit' failed to satisfy constraint: "
                f"Member must have value less than or equal to {maximum}"
            ]
        )
    return limit
