"""The golden fixtures (golden/*.txt): each expression's behaviour or exact error, with the
source of the expectation."""

from __future__ import annotations

import dataclasses

import pytest

from ddblite.expressions import ast
from tests.expressions.golden_cases import KIND_OF_FILE, Case, load, run, tree_of

CASES = [case for file in KIND_OF_FILE for case in load(file)]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_golden(case: Case) -> None:
    assert run(case) == case.expected


@pytest.mark.parametrize(
    "case", [c for c in CASES if not c.expected.startswith("!")], ids=lambda c: c.id
)
def test_golden_trees_print_back(case: Case) -> None:
    # Every accepted expression survives unparse -> parse unchanged.
    tree = tree_of(case)
    text = ast.unparse(tree)
    assert tree_of(dataclasses.replace(case, text=text, expected="")) == tree


def test_every_case_says_where_its_expectation_comes_from() -> None:
    assert [c.id for c in CASES if not c.source] == []


def test_enough_cases() -> None:
    assert len(CASES) >= 400
