"""Pieces several operations share: return-value rules, capacity, key checks."""

from __future__ import annotations

from typing import Any

from ddblite.errors import ValidationException
from ddblite.model import capacity
from ddblite.model.schema import TableSchema
from ddblite.model.values import Item


def consumed_write(request: dict[str, Any], table: TableSchema, size: int) -> dict[str, Any]:
    """``{"ConsumedCapacity": ...}`` for a single-item write, or ``{}``."""
    mode = request.get("ReturnConsumedCapacity")
    if mode is None or mode == "NONE":
        return {}
    units = capacity.write_units(size)
    index_units = {
        index.name: (index.is_global, units) for index in table.indexes
    } if table.indexes else None
    return {"ConsumedCapacity": capacity.consumed(mode, table.name, units, index_units=index_units)}


def consumed_read(
    request: dict[str, Any], table: TableSchema, size: int, consistent: bool
) -> dict[str, Any]:
    mode = request.get("ReturnConsumedCapacity")
    if mode is None or mode == "NONE":
        return {}
    units = capacity.read_units(size, consistent)
    return {"ConsumedCapacity": capacity.consumed(mode, table.name, units)}


def check_return_values(request: dict[str, Any], allowed: tuple[str, ...]) -> str:
    value = request.get("ReturnValues", "NONE")
    if value not in allowed:
        raise ValidationException(
            "ReturnValues can only be " + " or ".join(allowed)
        )
    return str(value)


def old_image(mode: str, old: Item | None) -> dict[str, Any]:
    """``{"Attributes": old}`` for ReturnValues=ALL_OLD when there was an item."""
    if mode == "ALL_OLD" and old is not None:
        return {"Attributes": old}
    return {}
