"""What one item puts into a vector index, and the write-time checks on it.

An item is in a vector index when it holds the vector attribute and, if the search schema has
a HASH attribute, that attribute too (the service silently leaves an item without it out of
the index, like a sparse GSI). A vector must be a list of exactly ``Dimensions`` numbers that
fit a 32-bit float, and search-schema attributes must have their declared type and not be
empty: a write that breaks one of these is refused before anything is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ddblite.errors import INVALID, ValidationException
from ddblite.model.keycodec import encode
from ddblite.model.schema import TableSchema
from ddblite.model.table_record import VectorIndex
from ddblite.model.values import Item, Value

Vector = npt.NDArray[np.float32]
_FLOAT32_MAX = float(np.finfo(np.float32).max)
# The GSI key wording (engine.indexes): search-schema values are checked as index keys.
EMPTY_KEY = (
    "One or more parameter values are not valid. A value specified for a secondary index key "
    "is not supported. The AttributeValue for a key attribute cannot contain an empty {} "
    "value. IndexName: {}, IndexKey: {}"
)
# Whether an entry's INLINE_FILTER values pass a search's condition.
RowFilter = Callable[[Item], bool]


@dataclass(frozen=True, slots=True)
class Entry:
    """One item's entry: its partition (the encoded HASH value, b"" without one), its vector
    and its INLINE_FILTER values (absent ones left out)."""

    partition: bytes
    vector: Vector
    filters: Item


def vector_of(values: list[Value]) -> Vector | None:
    """The float32 vector of a list of AttributeValues, or None if one is not a number that a
    32-bit float holds."""
    out: list[float] = []
    for value in values:
        number = value.get("N")
        if not isinstance(number, str):
            return None
        try:
            as_float = float(number)
        except ValueError:
            return None
        if not abs(as_float) <= _FLOAT32_MAX:  # also refuses NaN
            return None
        out.append(as_float)
    return np.asarray(out, dtype=np.float32)


def entry_of(index: VectorIndex, item: Item) -> Entry | None:
    """The item's entry in ``index``, or None when it is not in it."""
    value = item.get(index.vector_attribute)
    if value is None or "L" not in value:
        return None
    partition = b""
    hash_name = index.hash_attribute
    if hash_name is not None:
        hash_value = item.get(hash_name)
        if hash_value is None:
            return None
        partition = encode(hash_value)
    vector = vector_of(value["L"])
    if vector is None or len(vector) != index.dimensions:
        return None
    filters = {name: item[name] for name in index.filter_attributes if name in item}
    return Entry(partition, vector, filters)


def check_item(table: TableSchema, item: Item, before: Item | None = None) -> None:
    """Refuse an item whose vector or search-schema attributes cannot go into one of the
    table's vector indexes. ``before``: an update's old item; attributes it left unchanged are
    not re-checked."""
    for index in table.record.vector_indexes:
        problem = _problem(table, index, item, before)
        if problem is not None:
            raise ValidationException(problem)


def _changed(name: str, item: Item, before: Item | None) -> Value | None:
    value = item.get(name)
    if value is None or (before is not None and before.get(name) == value):
        return None
    return value


def _problem(table: TableSchema, index: VectorIndex, item: Item, before: Item | None) -> str | None:
    attr = index.vector_attribute
    value = _changed(attr, item, before)
    if value is not None:
        kind = next(iter(value))
        if kind != "L":
            return (
                INVALID + f"Type mismatch for vector attribute {attr} Expected: L Actual: "
                f"{kind} IndexName: {index.name}"
            )
        if len(value["L"]) != index.dimensions:
            return (
                INVALID + f"Invalid size for parameter {attr}, Expected: {index.dimensions}, "
                f"Actual: {len(value['L'])}. IndexName: {index.name}"
            )
        if vector_of(value["L"]) is None:
            return (
                INVALID + f"Invalid element for parameter {attr}: every element must be a "
                f"number that fits a 32-bit float. IndexName: {index.name}"
            )
    for element in index.search_schema:
        value = _changed(element.name, item, before)
        if value is None:
            continue
        kind, inner = next(iter(value.items()))
        declared = table.record.attribute_type(element.name).value
        if kind != declared:
            return (
                INVALID + f"Type mismatch for Index Key {element.name} Expected: {declared} "
                f"Actual: {kind} IndexName: {index.name}"
            )
        if inner == "":
            what = "string" if kind == "S" else "binary"
            return EMPTY_KEY.format(what, index.name, element.name)
    return None
