"""storage/sql_ranges.py: a sort-key condition as the SQL bounds both SQL backends put in their
range reads, exactly."""

from __future__ import annotations

import pytest

from ddblite.model.sort_key import SortKeyCondition, SortOp
from ddblite.storage.sql_ranges import sk_bounds


@pytest.mark.parametrize(
    ("sort", "bounds"),
    [
        (None, ("", "", [])),
        (SortKeyCondition(SortOp.EQ, b"k"), (">=", "<=", [b"k", b"k"])),
        (SortKeyCondition(SortOp.LT, b"k"), ("", "<", [b"k"])),
        (SortKeyCondition(SortOp.LE, b"k"), ("", "<=", [b"k"])),
        (SortKeyCondition(SortOp.GT, b"k"), (">", "", [b"k"])),
        (SortKeyCondition(SortOp.GE, b"k"), (">=", "", [b"k"])),
        (SortKeyCondition(SortOp.BETWEEN, b"a", b"c"), (">=", "<=", [b"a", b"c"])),
        # begins_with: every key from the prefix up to the least key above all it starts
        (SortKeyCondition(SortOp.BEGINS_WITH, b"ab"), (">=", "<", [b"ab", b"ac"])),
        (SortKeyCondition(SortOp.BEGINS_WITH, b"a\xff\xff"), (">=", "<", [b"a\xff\xff", b"b"])),
        (SortKeyCondition(SortOp.BEGINS_WITH, b"a\x00"), (">=", "<", [b"a\x00", b"a\x01"])),
        (SortKeyCondition(SortOp.BEGINS_WITH, b"\xff\xff"), (">=", "", [b"\xff\xff"])),
    ],
)
def test_sk_bounds(sort: SortKeyCondition | None, bounds: tuple[str, str, list[bytes]]) -> None:
    assert sk_bounds(sort) == bounds
