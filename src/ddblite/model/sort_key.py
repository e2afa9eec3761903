"""A Query's sort-key condition over encoded keys: the one form it takes from the key-condition
parser (``expressions.KeyCondition.sort_key``) through the read plan to storage, which turns it
into SQL bounds (``storage.sql_ranges.sk_bounds``).

Its operands are already in ``keycodec``'s order-preserving encoding, so storage compares bytes
and never sees an attribute value. DynamoDB allows begins_with only on S and B keys, whose
encodings are their bytes as they are, so a prefix of the value is a prefix of its encoding.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SortOp(StrEnum):
    """The operators a key condition may apply to the sort key, spelled as in the expression."""

    EQ = "="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    BETWEEN = "BETWEEN"
    BEGINS_WITH = "begins_with"


@dataclass(frozen=True, slots=True)
class SortKeyCondition:
    """``sort_key <op> key`` over encoded keys; BETWEEN is ``key <= sort_key <= upper``."""

    op: SortOp
    key: bytes
    upper: bytes | None = None  # BETWEEN's upper bound, None for every other operator
