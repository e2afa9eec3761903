"""Read and write capacity-unit arithmetic, as DynamoDB bills it.

Reads cost one unit per 4 KB (rounded up, at least one), half that when eventually consistent;
writes one unit per 1 KB (rounded up, at least one). A write that replaces an item is billed on
the larger of the old and new item. Query and Scan add up the bytes they read and round once.
Transactions cost double.
"""

from __future__ import annotations

from typing import Any

from ddblite.model.request_enums import ReturnConsumedCapacity

READ_UNIT = 4096
WRITE_UNIT = 1024


def read_units(size: int, consistent: bool) -> float:
    units = max(1, -(-size // READ_UNIT))
    return float(units) if consistent else units / 2


def write_units(size: int) -> float:
    return float(max(1, -(-size // WRITE_UNIT)))


def consumed(
    mode: ReturnConsumedCapacity | None,
    table: str,
    units: float,
    *,
    index_units: dict[str, tuple[bool, float]] | None = None,
) -> dict[str, Any] | None:
    """The ConsumedCapacity member for ReturnConsumedCapacity ``mode`` (None or NONE: absent).

    ``index_units`` maps an index name to (is_global, units) for INDEXES detail."""
    if mode is None or mode == ReturnConsumedCapacity.NONE:
        return None
    total = units + sum(u for _, u in (index_units or {}).values())
    out: dict[str, Any] = {"TableName": table, "CapacityUnits": total}
    if mode == ReturnConsumedCapacity.INDEXES:
        out["Table"] = {"CapacityUnits": units}
        for name, (is_global, ix_units) in (index_units or {}).items():
            group = "GlobalSecondaryIndexes" if is_global else "LocalSecondaryIndexes"
            out.setdefault(group, {})[name] = {"CapacityUnits": ix_units}
    return out
