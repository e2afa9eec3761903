"""What one item puts into a vector index.

An item is in a vector index when it holds the vector attribute and, if the search schema has
a HASH attribute, that attribute too (the service silently leaves an item without it out of
the index, like a sparse GSI); its vector must pass the write-time checks (engine.vectors.
checks). Imports numpy: only the modules that score vectors import this one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ddblite.engine.vectors.checks import floats_of
from ddblite.model.keycodec import encode
from ddblite.model.table_record import VectorIndex
from ddblite.model.values import Item, Value

Vector = npt.NDArray[np.float32]
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
    floats = floats_of(values)
    return None if floats is None else np.asarray(floats, dtype=np.float32)


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
