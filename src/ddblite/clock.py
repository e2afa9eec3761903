"""Where the engine reads the time: TTL expiry, stream retention, idempotency-token windows.

The engine takes a plain ``Callable[[], float]`` (seconds since the epoch); a ``Clock`` is the
object behind it, so a test can hold the clock and move it while the engine keeps calling the
same function. ``SystemClock`` is the wall clock. ``ManualClock`` stands still until told to
move, which turns "wait 24 hours for the stream record to expire" into one line.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...


class SystemClock:
    """The wall clock."""

    __slots__ = ()

    def now(self) -> float:
        return time.time()

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that only moves when told to; starts at ``start`` (default: the current time).

    Thread-safe, so code under test running in worker threads sees each move atomically.
    """

    __slots__ = ("_lock", "_t")

    def __init__(self, start: float | None = None) -> None:
        self._t = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._t

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (never backward: stream sequence numbers and token
        windows assume time does not run back); returns the new time."""
        if seconds < 0:
            raise ValueError(f"a clock cannot advance by a negative amount ({seconds})")
        with self._lock:
            self._t += seconds
            return self._t

    def set(self, t: float) -> None:
        """Jump to ``t`` seconds since the epoch, in either direction."""
        with self._lock:
            self._t = float(t)

    def __repr__(self) -> str:
        return f"ManualClock({self._t!r})"
