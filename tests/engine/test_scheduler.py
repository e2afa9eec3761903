"""engine.scheduler: periodic jobs by the database clock, chunked jobs round robin and keyed,
failures contained, and its three drivers: the server's lifespan, the in-process engine's
requests and ``tick``, and the calls tests make themselves."""

from __future__ import annotations

import ast
import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ddblite.clock import ManualClock
from ddblite.config import MEMORY, Settings
from ddblite.embedded.engine import Engine
from ddblite.engine import scheduler
from ddblite.engine.opening import open_database
from ddblite.engine.scheduler import PeriodicJob, Scheduler
from ddblite.protocol.app import DynamoDBApp
from tests.engine.support import AUTH, NOW

Runs = list[tuple[str, float]]


def recorder(runs: Runs, name: str, backlog: int = 0) -> Callable[[float], bool]:
    """A periodic job body that records each run; the first ``backlog`` runs report more."""
    left = [backlog]

    def run(now: float) -> bool:
        runs.append((name, now))
        left[0] -= 1
        return left[0] >= 0

    return run


def chunks(done: list[str], name: str, count: int) -> Iterator[None]:
    for i in range(count):
        done.append(f"{name}{i}")
        yield


# --- periodic jobs ------------------------------------------------------------------------


def test_periodic_jobs_run_at_their_interval_under_a_manual_clock() -> None:
    clock = ManualClock(NOW)
    work = Scheduler(clock.now)
    runs: Runs = []
    work.every(PeriodicJob("sweep", 1.0, recorder(runs, "sweep")))
    work.every(PeriodicJob("trim", 60.0, recorder(runs, "trim")))
    work.run_due()  # the first time at once
    clock.advance(0.5)
    work.run_due()
    clock.advance(0.5)
    work.run_due()
    clock.advance(59)
    work.run_due()
    work.run_due()
    assert runs == [
        ("sweep", NOW),
        ("trim", NOW),
        ("sweep", NOW + 1),
        ("sweep", NOW + 60),
        ("trim", NOW + 60),
    ]


def test_a_backlog_runs_again_at_once_and_a_clock_moved_back_makes_jobs_due() -> None:
    clock = ManualClock(NOW)
    work = Scheduler(clock.now)
    runs: Runs = []
    work.every(PeriodicJob("sweep", 1.0, recorder(runs, "sweep", backlog=2)))
    work.run_due()  # in process a backlog is worked off before the request goes on
    assert runs == [("sweep", NOW)] * 3
    work.run_due()
    assert len(runs) == 3
    clock.set(NOW - 10)
    work.run_due()
    assert runs[3:] == [("sweep", NOW - 10)]


def test_run_now_runs_every_job_due_or_not_and_finishes_chunked_work() -> None:
    clock = ManualClock(NOW)
    work = Scheduler(clock.now)
    work.inline = False
    runs: Runs = []
    done: list[str] = []
    work.every(PeriodicJob("sweep", 1.0, recorder(runs, "sweep")))
    work.run_due()
    assert work.submit("backfill", chunks(done, "b", 2))
    assert done == []  # not inline: queued
    work.run_now()
    assert runs == [("sweep", NOW), ("sweep", NOW)]
    assert done == ["b0", "b1"]
    assert not work.pending("backfill")


def test_a_name_is_scheduled_once() -> None:
    work = Scheduler()
    work.every(PeriodicJob("sweep", 1.0, recorder([], "sweep")))
    with pytest.raises(ValueError, match="a periodic job named 'sweep' is already scheduled"):
        work.every(PeriodicJob("sweep", 5.0, recorder([], "sweep")))


# --- chunked jobs -------------------------------------------------------------------------


def test_chunked_jobs_run_round_robin_and_a_key_is_queued_once() -> None:
    work = Scheduler()
    work.inline = False
    done: list[str] = []
    assert work.submit(("backfill", 1), chunks(done, "a", 3))
    assert work.submit(("drop", 2), chunks(done, "b", 2))
    assert not work.submit(("backfill", 1), chunks(done, "x", 1))  # the same work, queued
    assert work.pending(("backfill", 1))
    while work.step():
        pass
    assert done == ["a0", "b0", "a1", "b1", "a2"]
    assert not work.pending(("backfill", 1))
    assert not work.pending(("drop", 2))
    assert work.submit(("backfill", 1), chunks(done, "c", 1))  # finished work may come again


# --- failures -----------------------------------------------------------------------------


def test_a_failing_job_is_logged_by_name_and_stops_no_other(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock(NOW)
    work = Scheduler(clock.now)
    work.inline = False
    runs: Runs = []
    done: list[str] = []

    def broken(now: float) -> bool:
        raise RuntimeError("boom")

    def broken_chunks() -> Iterator[None]:
        yield
        raise RuntimeError("boom")

    work.every(PeriodicJob("broken", 1.0, broken))
    work.every(PeriodicJob("sweep", 1.0, recorder(runs, "sweep")))
    work.submit(("drop", 7), broken_chunks())
    work.submit("backfill", chunks(done, "b", 2))
    with caplog.at_level(logging.ERROR, logger="ddblite"):
        work.run_due()
        work.run_all()
        clock.advance(1)  # a periodic job is tried again after its interval
        work.run_due()
    assert [record.getMessage() for record in caplog.records] == [
        "background job 'broken' failed",
        "background job ('drop', 7) failed",
        "background job 'broken' failed",
    ]
    assert runs == [("sweep", NOW), ("sweep", NOW + 1)]
    assert done == ["b0", "b1"]
    assert not work.pending(("drop", 7))  # dropped: its owner restarts such work


# --- the server's loop --------------------------------------------------------------------


def test_the_server_loop_runs_due_jobs_and_chunks_and_commits_each_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scheduler, "MAX_IDLE_SECONDS", 0.01)
    clock = ManualClock(NOW)
    work = Scheduler(clock.now)
    runs: Runs = []
    done: list[str] = []
    commits: list[int] = []
    work.every(PeriodicJob("sweep", 1.0, recorder(runs, "sweep", backlog=1)))

    async def until(condition: Callable[[], bool]) -> None:
        for _ in range(500):
            if condition():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the scheduler did not get there")

    async def main() -> None:
        server = asyncio.create_task(work.serve(lambda: commits.append(1), None))
        await until(lambda: len(runs) == 2)  # at once, and again for the backlog
        assert not work.inline
        assert work.submit("backfill", chunks(done, "b", 2))  # wakes the loop
        await until(lambda: not work.pending("backfill"))
        clock.advance(1)
        await until(lambda: len(runs) == 3)
        server.cancel()
        with pytest.raises(asyncio.CancelledError):
            await server
        assert work.inline

    asyncio.run(main())
    assert runs == [("sweep", NOW), ("sweep", NOW), ("sweep", NOW + 1)]
    assert done == ["b0", "b1"]
    assert len(commits) >= 5


def test_on_an_executor_a_cancelled_loop_ends_after_the_running_turn() -> None:
    work = Scheduler()
    started, release = threading.Event(), threading.Event()
    seen: list[str] = []

    def slow_chunk() -> Iterator[None]:
        seen.append(threading.current_thread().name)
        started.set()
        release.wait(10)
        seen.append("chunk done")
        yield

    async def main() -> None:
        with ThreadPoolExecutor(1, thread_name_prefix="storage") as executor:
            server = asyncio.create_task(work.serve(lambda: None, executor))
            await asyncio.sleep(0)
            work.submit("slow", slow_chunk())
            await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
            server.cancel()
            await asyncio.sleep(0.05)
            assert not server.done()  # waiting for the chunk, which holds the storage
            release.set()
            with pytest.raises(asyncio.CancelledError):
                await server
            assert seen[1:] == ["chunk done"]

    asyncio.run(main())
    assert seen[0].startswith("storage")


def test_the_server_lifespan_starts_and_stops_the_scheduler() -> None:
    db = open_database(Settings(db=MEMORY))
    runs: Runs = []
    db.background.every(PeriodicJob("probe", 1.0, recorder(runs, "probe")))
    app = DynamoDBApp(db)
    sent: list[str] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["type"])

    async def main() -> None:
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        await inbox.put({"type": "lifespan.startup"})
        lifespan = asyncio.create_task(app({"type": "lifespan"}, inbox.get, send))
        for _ in range(500):
            if runs:
                break
            await asyncio.sleep(0.01)
        assert not db.background.inline
        await inbox.put({"type": "lifespan.shutdown"})
        await lifespan

    asyncio.run(main())
    assert runs
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert db.background.inline  # stopped: work submitted now runs inline


# --- in process ---------------------------------------------------------------------------


def test_in_process_the_first_request_of_each_second_and_tick_run_what_is_due() -> None:
    clock = ManualClock(NOW)
    with Engine(clock=clock) as engine:
        runs: Runs = []
        engine.database.background.every(PeriodicJob("probe", 1.0, recorder(runs, "probe")))

        def request() -> None:
            status, _ = engine.handle("DynamoDB_20120810.ListTables", AUTH, b"{}")
            assert status == 200

        request()
        clock.advance(0.5)
        request()
        assert runs == [("probe", NOW)]
        engine.tick()  # due or not
        assert runs == [("probe", NOW), ("probe", NOW + 0.5)]
        clock.advance(1)
        request()
        request()
        assert runs[2:] == [("probe", NOW + 1.5)]


# --- no cycle -----------------------------------------------------------------------------


def _imports(module: str, src: Path) -> set[str]:
    """The ddblite modules ``module`` imports anywhere in its file (TYPE_CHECKING blocks and
    function bodies included)."""

    def exists(name: str) -> bool:
        return (src / (name.replace(".", "/") + ".py")).exists()

    found: set[str] = set()
    for node in ast.walk(ast.parse((src / (module.replace(".", "/") + ".py")).read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                found.add(name if exists(name) else node.module)
    return {name for name in found if name.startswith("ddblite.") and exists(name)}


def test_the_database_imports_none_of_the_modules_it_schedules() -> None:
    src = Path(scheduler.__file__).parents[2]
    reached: set[str] = set()
    todo = list(_imports("ddblite.engine.database", src))
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(_imports(module, src))
    assert "ddblite.engine.database" not in reached
    scheduled = {"ttl", "streams", "backfill", "background", "opening"}
    assert not {f"ddblite.engine.{name}" for name in scheduled} & reached
