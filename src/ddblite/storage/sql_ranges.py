"""What the SQL backends share about a Query's sort-key range."""

from __future__ import annotations

from ddblite.model.sort_key import SortKeyCondition, SortOp

# SQL comparisons of the one-sided operators, as (low, high): "sort_col >= ?" is (">=", "").
_ONE_SIDED = {
    SortOp.LT: ("", "<"),
    SortOp.LE: ("", "<="),
    SortOp.GT: (">", ""),
    SortOp.GE: (">=", ""),
}


def sk_bounds(sort: SortKeyCondition | None) -> tuple[str, str, list[bytes]]:
    """The comparison operators of a sort-key condition's range ("" where it is open) and
    their values, low bound first: ``("", "<=", [b"k"])`` is ``sort_col <= b"k"``. None is
    the whole partition."""
    if sort is None:
        return "", "", []
    key = sort.key
    op = sort.op
    if op == SortOp.EQ:
        return ">=", "<=", [key, key]
    if op == SortOp.BETWEEN:
        assert sort.upper is not None
        return ">=", "<=", [key, sort.upper]
    if op == SortOp.BEGINS_WITH:
        end = _prefix_end(key)
        return (">=", "", [key]) if end is None else (">=", "<", [key, end])
    low, high = _ONE_SIDED[op]
    return low, high, [key]


def _prefix_end(prefix: bytes) -> bytes | None:
    """The least key above every key that starts with ``prefix``; None when there is none
    (the prefix is all 0xFF bytes), and the range is open above."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes((trimmed[-1] + 1,))
