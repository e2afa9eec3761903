"""A throwaway PostgreSQL server for tests: ``initdb`` + ``pg_ctl`` on a free port in a temp dir.

Use the ``pg_server`` session fixture and ask it for databases::

    def test_x(pg_server: PgServer) -> None:
        url = pg_server.fresh_database()      # CREATE DATABASE, a few milliseconds

``fresh_database()`` copies a template that already holds ddblite's schema, so a suite can take
one database per module (or per test) cheaply. Without PostgreSQL binaries the fixture skips,
and the skip reason says exactly what was looked for; when the ``CI`` environment variable is
set it fails instead, with the same reason, so a CI run cannot go green without its PostgreSQL
leg (``-m "not postgres"`` leaves it out on purpose). Binaries are searched under
``/usr/lib/postgresql/*/bin`` (Debian), then ``$PATH``; ``DDBLITE_PG_BIN`` overrides both.

As root, PostgreSQL refuses to run, so the server runs as the ``postgres`` user (created if
missing) through ``runuser``, and the temp dir is handed to that user.

Tuned for tests, not for durability: ``fsync=off`` (a crash of the test machine loses the
throwaway cluster, nothing else). A watchdog process stops the server and removes its
directory if the test process dies without tearing down (killed by a timeout, ^C twice).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SUPERUSER = "postgres"
_TEMPLATE = "ddblite_template"
_names = itertools.count()


def find_bin_dir() -> tuple[Path | None, str]:
    """The directory holding initdb/pg_ctl/postgres, or None and why not."""
    override = os.environ.get("DDBLITE_PG_BIN")
    if override:
        path = Path(override)
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path, ""
        return None, f"DDBLITE_PG_BIN={override} holds no initdb and pg_ctl"
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for path in candidates:
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path, ""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent, ""
    return None, (
        "no PostgreSQL server binaries: looked for initdb and pg_ctl in "
        "/usr/lib/postgresql/*/bin and on $PATH (install the 'postgresql' package, or set "
        "DDBLITE_PG_BIN)"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ensure_user() -> None:
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SUPERUSER],
            check=True,
            capture_output=True,
        )


@dataclass
class PgServer:
    bin_dir: Path
    root: Path
    port: int = field(default_factory=free_port)
    as_root: bool = field(default_factory=lambda: os.geteuid() == 0)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _command(self, *args: str) -> list[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
        return cmd

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._command(*args), check=True, capture_output=True, text=True, timeout=timeout
        )

    def _watch(self) -> None:
        """Stop the server if this process dies first (see the module docstring)."""
        stop = self._command("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(self.root), *stop],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        if self.as_root:
            _ensure_user()
            shutil.chown(self.root, SUPERUSER, SUPERUSER)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
            "--no-instructions",
        )
        options = " ".join(
            [
                f"-p {self.port}",
                f"-k {self.root}",
                "-c listen_addresses=127.0.0.1",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=300",
                "-c shared_buffers=128MB",
                "-c max_locks_per_transaction=256",
                "-c deadlock_timeout=100ms",
            ]
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "start",
        )
        self._watch()
        self._prepare_template()

    def _prepare_template(self) -> None:
        """A database holding ddblite's migrated schema, copied by ``fresh_database``."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {_TEMPLATE}")
        from ddblite.storage.postgres.backend import PostgresBackend

        PostgresBackend(self.url(_TEMPLATE), pool_size=1).close()

    def fresh_database(self, prefix: str = "t") -> str:
        """The URL of a new database holding ddblite's schema and no tables."""
        import psycopg

        if not re.fullmatch(r"[a-z_][a-z0-9_]*", prefix):
            raise ValueError(f"bad database name prefix {prefix!r}")
        name = f"{prefix}_{os.getpid()}_{next(_names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {_TEMPLATE} STRATEGY FILE_COPY")
        return self.url(name)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text().splitlines()[-lines:])
        except OSError:
            return "(no server log)"


_WATCHDOG = """
import os, shutil, subprocess, sys, time
owner, root, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
while os.path.isdir(root):
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        subprocess.run(stop, capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
        break
    time.sleep(1)
"""


def start_pg() -> tuple[PgServer | None, str]:
    """A started server, or None and the exact reason it could not start."""
    bin_dir, why = find_bin_dir()
    if bin_dir is None:
        return None, why
    root = Path(tempfile.mkdtemp(prefix="ddblite-pg-"))
    server = PgServer(bin_dir, root)
    try:
        server.start()
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or error.stdout or "").strip()
        tail = server.log_tail()
        server.stop()
        return None, f"PostgreSQL ({bin_dir}) failed to start: {detail}\n{tail}"
    except Exception as error:
        server.stop()
        return None, f"PostgreSQL ({bin_dir}) failed to start: {error!r}"
    return server, ""


def required() -> bool:
    """Whether a missing PostgreSQL is a failure: in CI (any non-empty ``CI``, as GitHub
    Actions, GitLab and most runners set it), where a skip would hide a whole backend."""
    return bool(os.environ.get("CI"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One throwaway PostgreSQL per test session (per xdist worker); skips with the reason, or
    fails with it under CI."""
    server, why = start_pg()
    if server is None:
        if required():
            pytest.fail(f"CI is set and PostgreSQL is required: {why}", pytrace=False)
        print(f"\nPostgreSQL tests skipped: {why}")
        pytest.skip(why)
    try:
        yield server
    finally:
        server.stop()
