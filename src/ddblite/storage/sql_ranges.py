"""What the SQL backends share about a Query's sort-key range."""

from __future__ import annotations

from ddblite.storage.base import SkRange


def sk_bounds(sk_range: SkRange) -> tuple[str, str, list[bytes]]:
    """The comparison operators of a sort-key range ("" where it is open) and their values,
    low bound first: ``("<=", "", [b"k"])`` is ``sort_col <= b"k"``."""
    args: list[bytes] = []
    low = high = ""
    if sk_range.low is not None:
        low = ">=" if sk_range.low_inclusive else ">"
        args.append(sk_range.low)
    if sk_range.high is not None:
        high = "<=" if sk_range.high_inclusive else "<"
        args.append(sk_range.high)
    return low, high, args
