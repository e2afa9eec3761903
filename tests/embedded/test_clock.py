"""ddblite.clock: what the engine reads as the time."""

from __future__ import annotations

import time

import pytest

from ddblite.clock import Clock, ManualClock, SystemClock


def test_system_clock_is_the_wall_clock() -> None:
    before = time.time()
    now = SystemClock().now()
    assert before <= now <= time.time()
    assert isinstance(SystemClock(), Clock)


def test_manual_clock_starts_now_by_default_and_stands_still() -> None:
    before = time.time()
    clock = ManualClock()
    assert before <= clock.now() <= time.time()
    first = clock.now()
    time.sleep(0.01)
    assert clock.now() == first
    assert isinstance(clock, Clock)


def test_manual_clock_advance_and_set() -> None:
    clock = ManualClock(1_000.0)
    assert clock.advance(86_400) == 87_400.0
    assert clock.now() == 87_400.0
    clock.set(500)
    assert clock.now() == 500.0
    assert repr(clock) == "ManualClock(500.0)"


def test_manual_clock_never_advances_backward() -> None:
    clock = ManualClock(10.0)
    with pytest.raises(ValueError, match=r"^a clock cannot advance by a negative amount \(-1\)$"):
        clock.advance(-1)
    assert clock.now() == 10.0
