"""Time to Live's rule for one item: when it has expired, and the ``expires_at`` column value
that lets the sweeper find it without a scan (engine.ttl has the sweeper).

Every item write of a TTL table stores ``expires_at`` in the item row, so this module is on
the write path (``Database.store``); it is pure so the database need not import the sweeper.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ddblite.model.values import Item

# "Items with a TTL more than five years in the past are not expired" (Developer Guide).
FIVE_YEARS = 5 * 365 * 86400 + 2 * 86400
_MAX_EXPIRES_AT = 2**62  # beyond any plausible epoch second; keeps the column in BIGINT


def expires_at(item: Item, attribute: str) -> int | None:
    """The item row's ``expires_at`` for a table whose TTL attribute is ``attribute``."""
    value = item.get(attribute)
    if value is None:
        return None
    text = value.get("N")
    if text is None:
        return None
    seconds = Decimal(text)
    if not 0 <= seconds < _MAX_EXPIRES_AT:
        return None
    return int(seconds)  # floor, for a non-negative number


def is_expired(item: Item, attribute: str, now: float) -> bool:
    """DynamoDB's rule: a Number below ``now`` and at most five years below it."""
    value = item.get(attribute)
    if value is None or "N" not in value:
        return False
    try:
        seconds = Decimal(value["N"])
        current = Decimal(repr(now))
    except InvalidOperation:
        return False
    return current - FIVE_YEARS <= seconds < current
