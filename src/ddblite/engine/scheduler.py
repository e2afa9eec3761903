"""One scheduler for the database's background work, whoever drives it.

Two kinds of job, each step of which is small (a chunk inside one storage write block, or a
bounded batch of single-item writes) so that requests interleave with it:

- **periodic** (``every``): ``run(now)`` every ``interval`` seconds of the database clock,
  returning True while a backlog remains, which makes it due again at once. TTL sweeps
  (every second), stream trimming (every minute); coming: PITR retention, capacity refill,
  replication, trigger delivery.
- **chunked one-off** (``submit``): an iterator whose every ``next()`` does one chunk, keyed
  so the same work is never queued twice, run round robin with the others. GSI backfill,
  dropping a deleted index's rows; coming: CreateBackup, RestoreTable, DeleteTable in chunks.

Who drives it, the same object either way:

- the server: ``serve`` is the one task of the app's lifespan. Each turn runs one step of
  the periodic job due longest and one chunk, on the executor when storage blocks, then the
  group commit, then lets the event loop answer requests.
- in process (the embedded engine, tests): ``inline`` is true while nothing serves, and a
  submitted job runs to its end at once; ``run_due`` runs the periodic jobs due now (the
  embedded engine calls it before each request) and ``run_now`` runs every job, due or not.

Time is read from ``clock`` (the database's), so a ManualClock moved forward makes jobs due;
one moved backward makes every job due (its last run is then in the future).

A job that raises is logged with its name and never stops the scheduler or the other jobs: a
periodic job runs again after its interval; a chunked job is dropped, since a generator that
raised cannot go on (its owner restarts such work: ``backfill.ensure_running``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass

log = logging.getLogger("ddblite")

# The longest the server's loop sleeps between looks at the clock, so that a clock moved by
# hand (or a job registered while it sleeps) is noticed within a second.
MAX_IDLE_SECONDS = 1.0
# Between two busy turns the loop answers requests for this long: a request takes several
# loop iterations (read, parse, handle, respond), and with a bare sleep(0) each of them would
# wait for a whole turn (a chunk and its commit), so other clients' latency grew with it.
BUSY_PAUSE_SECONDS = 0.002

Chunks = Iterator[None]


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    name: str
    interval: float  # seconds of the database clock between runs
    # One bounded step at time ``now``; True when a backlog remains (run again at once).
    run: Callable[[float], bool]


@dataclass(slots=True)
class _Timing:
    job: PeriodicJob
    last_run: float = -math.inf
    next_due: float = -math.inf

    def due(self, now: float) -> bool:
        return not self.last_run <= now < self.next_due


class Scheduler:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.inline = True
        self._periodic: list[_Timing] = []
        self._chunked: deque[tuple[Hashable, Chunks]] = deque()
        self._keys: set[Hashable] = set()
        self._wake: Callable[[], None] | None = None
        # Two locks: ``_queue`` guards the bookkeeping and is never held while a job runs, so
        # a request submitting work to the server's loop never waits for a chunk; ``_running``
        # keeps jobs to one thread at a time (a generator cannot run in two).
        self._queue = threading.Lock()
        self._running = threading.RLock()
        # No periodic job is due while ``quiet_from <= now < quiet_until``: run_due's fast path.
        self._quiet_from, self._quiet_until = math.inf, -math.inf

    # --- registration -------------------------------------------------------------------------

    def every(self, job: PeriodicJob) -> None:
        """Run ``job`` every ``job.interval`` seconds from now on, the first time at once."""
        with self._running:
            if any(timing.job.name == job.name for timing in self._periodic):
                raise ValueError(f"a periodic job named {job.name!r} is already scheduled")
            self._periodic.append(_Timing(job))
            self._quiet_from, self._quiet_until = math.inf, -math.inf
        self._wake_server()

    def submit(self, key: Hashable, job: Chunks) -> bool:
        """Queue the chunked ``job`` unless one with the same key is pending; True if queued.
        Inline, it runs to its end (with anything queued before it) before this returns, so
        call this outside any storage block."""
        with self._queue:
            if key in self._keys:
                return False
            self._keys.add(key)
            self._chunked.append((key, job))
        if self.inline:
            self.run_all()
        else:
            self._wake_server()
        return True

    def pending(self, key: Hashable) -> bool:
        return key in self._keys

    def queued(self) -> int:
        """Chunked jobs waiting or under way."""
        return len(self._keys)

    def lag_seconds(self) -> float:
        """How long past its due time the most overdue periodic job is (0 when none is)."""
        with self._queue:
            due = min(
                (t.next_due for t in self._periodic if t.next_due > -math.inf), default=math.inf
            )
        return max(0.0, self.clock() - due) if due < math.inf else 0.0

    # --- running ------------------------------------------------------------------------------

    def step(self) -> bool:
        """Run one chunk of the chunked job next in turn (round robin); True while chunked
        work remains."""
        with self._running:
            with self._queue:
                if not self._chunked:
                    return False
                key, job = self._chunked.popleft()
            finished = True
            try:
                next(job)
                finished = False
            except StopIteration:
                pass
            except Exception:
                log.exception("background job %r failed", key)
            with self._queue:
                if finished:
                    self._keys.discard(key)
                else:
                    self._chunked.append((key, job))
                return bool(self._chunked)

    def run_all(self) -> None:
        """Run the queued chunked jobs to their end."""
        while self.step():
            pass

    def run_due(self) -> None:
        """Run the periodic jobs due now, each until its backlog is done."""
        now = self.clock()
        if self._quiet_from <= now < self._quiet_until:
            return
        with self._running:
            now = self.clock()
            for timing in self._periodic:
                if timing.due(now):
                    while self._run(timing, now):
                        pass

    def run_now(self) -> None:
        """Run every periodic job now, due or not, each until its backlog is done; then the
        queued chunked jobs to their end."""
        with self._running:
            now = self.clock()
            for timing in self._periodic:
                while self._run(timing, now):
                    pass
            self.run_all()

    def _run(self, timing: _Timing, now: float) -> bool:
        """One step of a periodic job; True when its backlog calls for another at once."""
        try:
            more = timing.job.run(now)
        except Exception:
            log.exception("background job %r failed", timing.job.name)
            more = False
        timing.last_run = now
        timing.next_due = now if more else now + timing.job.interval
        self._quiet_from = max(t.last_run for t in self._periodic)
        self._quiet_until = min(t.next_due for t in self._periodic)
        return more

    # --- the server's loop --------------------------------------------------------------------

    async def serve(self, commit: Callable[[], None], executor: Executor | None) -> None:
        """Run the jobs until cancelled, a turn at a time between requests; ``commit`` makes
        each turn's writes durable (the group commit would otherwise wait for the next
        request). Blocking backends run their turns on ``executor``."""
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()

        def wake_up() -> None:
            loop.call_soon_threadsafe(wake.set)

        self._wake = wake_up
        self.inline = False
        try:
            while True:
                wake.clear()
                if executor is None:
                    busy = self._turn(commit)
                else:
                    turn = loop.run_in_executor(executor, self._turn, commit)
                    try:
                        busy = await asyncio.shield(turn)
                    except asyncio.CancelledError:
                        # Let the turn finish before the lifespan closes the database under it.
                        await turn
                        raise
                if busy:
                    await asyncio.sleep(BUSY_PAUSE_SECONDS)
                else:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), self._idle_seconds())
        finally:
            self._wake = None
            self.inline = True

    def _turn(self, commit: Callable[[], None]) -> bool:
        """One step of the periodic job due longest and one chunk, then ``commit``; True when
        more work is due at once."""
        with self._running:
            now = self.clock()
            due = [timing for timing in self._periodic if timing.due(now)]
            if due:
                self._run(min(due, key=lambda timing: timing.next_due), now)
            chunked = bool(self._chunked)
            self.step()
            if due or chunked:
                try:
                    commit()
                except Exception:
                    log.exception("background commit failed")
            now = self.clock()
            return bool(self._chunked) or any(timing.due(now) for timing in self._periodic)

    def _idle_seconds(self) -> float:
        """How long the server's loop may sleep: until the next periodic job is due."""
        with self._running:
            until = min((timing.next_due for timing in self._periodic), default=math.inf)
        return min(max(until - self.clock(), 0.0), MAX_IDLE_SECONDS)

    def _wake_server(self) -> None:
        wake = self._wake
        if wake is not None:
            wake()
