"""One server per SQLite file: a second ``ddblite serve`` (or in-process engine) on a file that
is open elsewhere refuses to start with one line naming the file and the owner's pid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ddblite.errors import DatabaseInUse
from ddblite.storage.sqlite.backend import SqliteBackend
from tests.servers import free_port, start_server


def refusal(path: Path, pid: int) -> str:
    return (
        f"{path} is in use by another ddblite process (pid {pid}): one server per SQLite file "
        "(share a PostgreSQL database instead)"
    )


def serve(db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ddblite", "serve", "--port", str(free_port()), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("DDBLITE_")},
    )


def test_a_second_server_on_the_same_file_refuses_to_start(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    first = start_server(str(db), tmp_path)
    try:
        second = serve(db)
        assert second.returncode == 9  # errors.ExitCode.DB_IN_USE
        assert second.stderr == f"ddblite: {refusal(db, first.process.pid)}\n"
    finally:
        first.stop()
    # The file is free again once the first server is gone, even after kill -9.
    again = start_server(str(db), tmp_path)
    again.stop(signal.SIGKILL)
    last = start_server(str(db), tmp_path)
    last.stop()


def test_in_memory_servers_do_not_lock(tmp_path: Path) -> None:
    first = start_server(":memory:", tmp_path)
    second = start_server(":memory:", tmp_path)
    first.stop()
    second.stop()


def test_the_in_process_engine_takes_the_same_lock(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    first = SqliteBackend(str(db))
    try:
        with pytest.raises(DatabaseInUse) as refused:
            SqliteBackend(str(db))
        assert str(refused.value) == refusal(db, os.getpid())
    finally:
        first.close()
    SqliteBackend(str(db)).close()  # released on close
