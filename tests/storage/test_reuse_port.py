"""``ddblite serve --reuse-port``: several server processes on one port over one PostgreSQL.

Two processes share a port and a fresh database; boto3 clients, each on new connections that
the kernel spreads over both processes, see and write the same table. That each process
serves requests is shown on its own: a process's listening socket is found in /proc, so the
test checks that both hold one on the shared port. Without PostgreSQL the flag is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import make_client
from tests.pg_server import PgServer
from tests.servers import free_port

pytestmark = pytest.mark.postgres

KEYS = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEFS = [{"AttributeName": "pk", "AttributeType": "S"}]
CLIENTS = 24


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("DDBLITE_")}


def _serve(port: int, db: str, log: Path) -> subprocess.Popen[bytes]:
    args = [
        sys.executable,
        "-m",
        "ddblite",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--db",
        db,
        "--reuse-port",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=_env())


def listening_inodes(pid: int, port: int) -> list[str]:
    """Inodes of the listening TCP sockets on 127.0.0.1:`port` that process `pid` holds."""
    held = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            held.add(link[len("socket:[") : -1])
    found = []
    with open(f"/proc/{pid}/net/tcp") as table:
        for row in table.readlines()[1:]:
            parts = row.split()
            address, port_hex = parts[1].split(":")
            if parts[3] == "0A" and int(port_hex, 16) == port and parts[9] in held:
                assert address == "0100007F"  # 127.0.0.1
                found.append(parts[9])
    return found


def _wait_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while not listening_inodes(process.pid, port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"ddblite did not start:\n{log.read_text()}")
        time.sleep(0.02)


def _healthy(endpoint: str) -> bool:
    with urllib.request.urlopen(endpoint, timeout=5) as response:
        return bool(response.status == 200)


@pytest.fixture(scope="module")
def shared_port(
    pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    url = pg_server.fresh_database("reuse")
    work = tmp_path_factory.mktemp("reuse_port")
    port = free_port()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for n in range(2):
            log = work / f"server-{n}.log"
            processes.append(_serve(port, url, log))
            _wait_listening(processes[-1], port, log)
        yield port, processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_both_processes_listen_on_the_shared_port(
    shared_port: tuple[int, list[subprocess.Popen[bytes]]],
) -> None:
    port, processes = shared_port
    inodes = [listening_inodes(p.pid, port) for p in processes]
    assert [len(i) for i in inodes] == [1, 1]
    assert inodes[0] != inodes[1]  # two sockets on one port: SO_REUSEPORT, not one inherited
    assert all(p.poll() is None for p in processes)


def test_a_table_created_on_one_connection_is_seen_and_written_on_many(
    shared_port: tuple[int, list[subprocess.Popen[bytes]]],
) -> None:
    port, _ = shared_port
    endpoint = f"http://127.0.0.1:{port}"
    assert all(_healthy(endpoint) for _ in range(8))  # fresh connections, both processes
    first = make_client(endpoint)
    first.create_table(
        TableName="shared", KeySchema=KEYS, AttributeDefinitions=DEFS, BillingMode="PAY_PER_REQUEST"
    )
    for n in range(CLIENTS):
        client: Any = make_client(endpoint)  # a new client: a new connection
        assert client.describe_table(TableName="shared")["Table"]["TableStatus"] == "ACTIVE"
        client.put_item(TableName="shared", Item={"pk": {"S": f"k{n:02d}"}, "n": {"N": str(n)}})
        got = client.get_item(
            TableName="shared", Key={"pk": {"S": f"k{n:02d}"}}, ConsistentRead=True
        )
        assert got["Item"] == {"pk": {"S": f"k{n:02d}"}, "n": {"N": str(n)}}
    items = first.scan(TableName="shared", ConsistentRead=True)["Items"]
    assert sorted(item["pk"]["S"] for item in items) == [f"k{n:02d}" for n in range(CLIENTS)]
    assert make_client(endpoint).list_tables()["TableNames"] == ["shared"]


def test_each_process_on_its_own_port_serves_the_shared_database(
    pg_server: PgServer, tmp_path: Path
) -> None:
    """The same flag with one process per port: each one answers, and both see one database."""
    url = pg_server.fresh_database("reuse")
    ports = [free_port(), free_port()]
    processes = []
    try:
        for n, port in enumerate(ports):
            log = tmp_path / f"server-{n}.log"
            processes.append(_serve(port, url, log))
            _wait_listening(processes[-1], port, log)
        one, two = (make_client(f"http://127.0.0.1:{port}") for port in ports)
        one.create_table(
            TableName="per_port",
            KeySchema=KEYS,
            AttributeDefinitions=DEFS,
            BillingMode="PAY_PER_REQUEST",
        )
        two.put_item(TableName="per_port", Item={"pk": {"S": "from-two"}})
        one.put_item(TableName="per_port", Item={"pk": {"S": "from-one"}})
        for client in (one, two):
            items = client.scan(TableName="per_port", ConsistentRead=True)["Items"]
            assert sorted(i["pk"]["S"] for i in items) == ["from-one", "from-two"]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=15)


@pytest.mark.parametrize("db", [[], ["--in-memory"], ["--db", "data.db"]])
def test_reuse_port_without_postgresql_is_refused(db: list[str], tmp_path: Path) -> None:
    args = [
        sys.executable,
        "-m",
        "ddblite",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(free_port()),
        *db,
        "--reuse-port",
    ]
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=60, cwd=tmp_path, env=_env()
    )
    assert (done.stderr, done.returncode) == (
        "ddblite: --reuse-port needs a shared database (--db postgresql://...)\n",
        3,  # errors.ExitCode.BAD_SETTING
    )
