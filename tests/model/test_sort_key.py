"""model/sort_key.py: the sort-key condition storage reads, spelled as the expressions spell it."""

from __future__ import annotations

import dataclasses

import pytest

from ddblite.model.sort_key import SortKeyCondition, SortOp


def test_operators_are_the_key_condition_spellings() -> None:
    assert [op.value for op in SortOp] == ["=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"]
    assert SortOp("begins_with") is SortOp.BEGINS_WITH


def test_a_condition_is_a_frozen_value() -> None:
    between = SortKeyCondition(SortOp.BETWEEN, b"a", b"b")
    assert between == SortKeyCondition(SortOp.BETWEEN, b"a", b"b")
    assert SortKeyCondition(SortOp.EQ, b"a").upper is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        between.key = b"c"  # type: ignore[misc]
