"""Every way ``ddblite serve`` can fail to start, run as a user would: one line on stderr and
the exit code errors.ExitCode documents; and how it stops: one line, exit 0."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import boto3
import pytest

from ddblite.storage.sqlite.file_checks import APPLICATION_ID
from tests.servers import free_port, start_server

_AS_NOBODY = 65534


def run_serve(
    flags: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    as_user: int | None = None,
) -> tuple[str, int]:
    """(stderr, exit code) of a ``ddblite serve`` expected to refuse to start."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DDBLITE_")}
    demote: list[str] = []
    if as_user is not None:
        demote = ["setpriv", f"--reuid={as_user}", f"--regid={as_user}", "--clear-groups"]
    done = subprocess.run(
        [*demote, sys.executable, "-m", "ddblite", "serve", *flags],
        env={**inherited, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stderr, done.returncode


def test_db_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    assert run_serve(["--db", "data"], cwd=tmp_path) == (
        f"ddblite: {tmp_path}/data is a directory, not a database file\n",
        4,
    )


def test_db_in_a_missing_directory(tmp_path: Path) -> None:
    assert run_serve(["--db", "nowhere/ddblite.db"], cwd=tmp_path) == (
        f"ddblite: cannot create {tmp_path}/nowhere/ddblite.db: the directory "
        f"{tmp_path}/nowhere does not exist\n",
        5,
    )


def _unprivileged() -> int | None:
    """The uid to run as so that file permissions apply (root ignores them), or None."""
    if os.geteuid() != 0:
        return None
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions would not apply")
    return _AS_NOBODY


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory an unprivileged user can reach and write (pytest's tmp_path is private)."""
    path = Path(tempfile.mkdtemp(prefix="ddblite-startup-"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path)


def test_db_file_read_only(shared_dir: Path) -> None:
    as_user = _unprivileged()
    path = shared_dir / "ro.db"
    path.write_bytes(b"")
    path.chmod(0o444)
    assert run_serve(["--db", str(path)], as_user=as_user) == (
        f"ddblite: {path} is read-only (ddblite needs to write it)\n",
        6,
    )


def test_db_in_a_read_only_directory(shared_dir: Path) -> None:
    as_user = _unprivileged()
    directory = shared_dir / "locked"
    directory.mkdir(mode=0o555)
    assert run_serve(["--db", str(directory / "new.db")], as_user=as_user) == (
        f"ddblite: cannot create {directory}/new.db: the directory {directory} is read-only\n",
        6,
    )


def test_db_not_sqlite(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    assert run_serve(["--db", "notes.txt"], cwd=tmp_path) == (
        f"ddblite: {tmp_path}/notes.txt is not a SQLite database\n",
        7,
    )
    assert (tmp_path / "notes.txt").read_text() == "hello\n"


def test_another_programs_sqlite_file_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO items (name) VALUES ('kept')")
    conn.close()
    before = path.read_bytes()
    assert run_serve(["--db", "other.db"], cwd=tmp_path) == (
        f"ddblite: {path} is a SQLite database of another program (tables items): ddblite "
        "only writes its own files; choose another --db path\n",
        8,
    )
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_another_programs_application_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id = 1234")
    conn.close()
    assert run_serve(["--db", str(path)]) == (
        f"ddblite: {path} is a SQLite database of another program (application_id "
        "0x000004D2): ddblite only writes its own files; choose another --db path\n",
        8,
    )


def test_an_empty_file_is_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    server = start_server(str(path), tmp_path)
    assert server.stop(signal.SIGTERM) == 0
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
    conn.close()


def test_a_second_server_on_a_busy_port(tmp_path: Path) -> None:
    server = start_server(":memory:", tmp_path)
    try:
        assert run_serve(["--in-memory", "--port", str(server.port)]) == (
            f"ddblite: port {server.port} is already in use on 127.0.0.1 (another server? "
            "choose one with --port)\n",
            11,
        )
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("flags", "env", "line"),
    [
        (["--port", "99999"], {}, "--port must be a port number from 1 to 65535, not 99999"),
        ([], {"DDBLITE_PORT": "abc"}, "DDBLITE_PORT must be a whole number, not 'abc'"),
        (
            [],
            {"DDBLITE_SYNCHRONOUS": "bogus"},
            "DDBLITE_SYNCHRONOUS must be one of FULL, NORMAL, OFF, not 'bogus'",
        ),
        (
            [],
            {"DDBLITE_LOG_LEVEL": "loud"},
            "DDBLITE_LOG_LEVEL must be 'debug' or 'info' or 'warning' or 'error', not 'loud'",
        ),
        (
            ["--max-connections", "0"],
            {},
            "--max-connections must be a positive whole number, not 0",
        ),
        (
            [],
            {"DDBLITE_SHARED_DB": "maybe"},
            "DDBLITE_SHARED_DB must be 1/true/yes/on or 0/false/no/off, not 'maybe'",
        ),
    ],
)
def test_bad_settings(flags: list[str], env: dict[str, str], line: str) -> None:
    assert run_serve(["--in-memory", *flags], env=env) == (f"ddblite: {line}\n", 3)


def test_postgres_down_is_waited_for_then_refused() -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql://app:secret@127.0.0.1:{port}/ddb?ddblite_connect_wait_s=2.5"
    stderr, code = run_serve(["--db", url])
    *waiting, last = stderr.splitlines()
    assert [re.sub(r"^\S+ \S+ ", "", line) for line in waiting] == [
        f"WARNING ddblite.postgres: waiting for PostgreSQL at 127.0.0.1:{port} (attempt {n})"
        for n in (1, 2)
    ]
    assert last == (
        f"ddblite: PostgreSQL at 127.0.0.1:{port} did not accept a connection within 2.5 s "
        f'(3 attempts): connection failed: connection to server at "127.0.0.1", port {port} '
        "failed: Connection refused"
    )
    assert "secret" not in stderr
    assert code == 12


def _client(endpoint: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIAFAKE",
        aws_secret_access_key="fake",
    )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_is_one_line_and_exit_0(tmp_path: Path, sig: signal.Signals) -> None:
    path = tmp_path / "data.db"
    server = start_server(str(path), tmp_path)
    client = _client(server.endpoint)
    client.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for n in range(20):
        client.put_item(TableName="orders", Item={"k": {"S": str(n)}})
    assert server.stop(sig) == 0
    assert server.log.read_text().splitlines() == [
        f"ddblite listening on http://127.0.0.1:{server.port} (data: {path})",
        f"ddblite stopped ({sig.name}): requests in flight answered, writes committed",
    ]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (20,)
    conn.close()
