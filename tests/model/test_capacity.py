"""Capacity units: 4 KB reads (halved when eventually consistent), 1 KB writes."""

from __future__ import annotations

from ddblite.model import capacity


def test_read_units() -> None:
    assert capacity.read_units(0, True) == 1.0
    assert capacity.read_units(4096, True) == 1.0
    assert capacity.read_units(4097, True) == 2.0
    assert capacity.read_units(4097, False) == 1.0
    assert capacity.read_units(1, False) == 0.5


def test_write_units() -> None:
    assert capacity.write_units(0) == 1.0
    assert capacity.write_units(1024) == 1.0
    assert capacity.write_units(1025) == 2.0


def test_consumed_shapes() -> None:
    assert capacity.consumed(None, "t", 1.0) is None
    assert capacity.consumed("NONE", "t", 1.0) is None
    assert capacity.consumed("TOTAL", "t", 2.0) == {"TableName": "t", "CapacityUnits": 2.0}
    assert capacity.consumed("INDEXES", "t", 1.0, index_units={"g": (True, 1.0)}) == {
        "TableName": "t",
        "CapacityUnits": 2.0,
        "Table": {"CapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {"g": {"CapacityUnits": 1.0}},
    }
