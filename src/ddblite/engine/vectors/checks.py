"""The write-time checks on an item's vector and search-schema attributes, without numpy.

A vector must be a list of exactly ``Dimensions`` numbers that fit a 32-bit float, and
search-schema attributes must have their declared type and not be empty: a write that breaks
one of these is refused before anything is stored. Plain Python on purpose: every write to a
table with vector indexes passes here, and numpy is the optional ``vectors`` extra, imported
only where vectors are scored (engine.vectors.entries and below).
"""

from __future__ import annotations

from ddblite.errors import INVALID, ValidationException
from ddblite.model.schema import TableSchema
from ddblite.model.table_record import VectorIndex
from ddblite.model.values import Item, Value

# The largest finite IEEE 754 binary32 value, (2 - 2**-23) * 2**127.
FLOAT32_MAX = 3.4028234663852886e38
# The GSI key wording (engine.indexes): search-schema values are checked as index keys.
EMPTY_KEY = (
    "One or more parameter values are not valid. A value specified for a secondary index key "
    "is not supported. The AttributeValue for a key attribute cannot contain an empty {} "
    "value. IndexName: {}, IndexKey: {}"
)


def floats_of(values: list[Value]) -> list[float] | None:
    """The numbers of a list of AttributeValues, or None if one is not a number that a 32-bit
    float holds."""
    out: list[float] = []
    for value in values:
        number = value.get("N")
        if not isinstance(number, str):
            return None
        try:
            as_float = float(number)
        except ValueError:
            return None
        if not abs(as_float) <= FLOAT32_MAX:  # also refuses NaN
            return None
        out.append(as_float)
    return out


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
        if floats_of(value["L"]) is None:
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
