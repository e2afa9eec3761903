"""Other clients' GetItem latency while a long table operation runs, over HTTP, on SQLite.

    python benchmarks/long_operations.py --items 50000        # about a minute
    python benchmarks/long_operations.py --items 1000000 --json out.json

Builds an N-item table in a SQLite file directly through the engine (no HTTP, one write block
per thousand items), starts ``ddblite serve`` on it, and runs the four operations that used to
stall every client, one after the other: UpdateTimeToLive (enable), CreateBackup,
RestoreTableFromBackup (of that backup) and DeleteTable (of the restored table). Each answers
at once and finishes in the background; meanwhile ``--readers`` threads send GetItem of random
keys on keep-alive connections. For each operation: how long its own answer took, how long
until it was done (ENABLED, AVAILABLE, ACTIVE; DeleteTable's rows have no status to poll, so
its window is as long as the restore's), and the readers' GetItem p50 / p99 / max. Issue 13's
target: p99 under 50 ms on a 1M-item table (tests/server/test_long_operations.py asserts it
under DDBLITE_SLOW=1).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ddblite.engine.database import Caller, Database
from ddblite.protocol import dispatch
from ddblite.storage.sqlite.backend import SqliteBackend

TABLE = "big"
AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20240101/us-east-1/dynamodb/aws4_request,"
    " SignedHeaders=host, Signature=0"
)
CALLER = Caller("000000000000", "us-east-1")
BLOCK = 1000  # items per write block while building


def key(i: int) -> dict[str, Any]:
    return {"pk": {"S": f"user#{i:08d}"}}


def item(i: int) -> dict[str, Any]:
    return {**key(i), "name": {"S": f"name {i}"}, "n": {"N": str(i)}, "exp": {"N": "4102444800"}}


def build(path: str, items: int) -> None:
    """The table with ``items`` items, written through the engine in blocks."""
    db = Database(SqliteBackend(path))
    request = {
        "TableName": TABLE,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    status, body = dispatch.handle(
        db, "DynamoDB_20120810.CreateTable", AUTH, json.dumps(request).encode()
    )
    assert status == 200, body
    table = db.table(CALLER, TABLE)
    for start in range(0, items, BLOCK):
        with db.backend.write():
            for i in range(start, min(start + BLOCK, items)):
                db.write_item(table, key(i), lambda old, i=i: item(i))
        db.commit()
    db.close()


class Server:
    def __init__(self, path: str, log: Path) -> None:
        with socket_port() as port:
            self.port = port
        args = [sys.executable, "-m", "ddblite", "serve", "--db", path, "--port", str(port)]
        with log.open("wb") as out:
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}", timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ddblite did not start:\n{log.read_text()}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class socket_port:
    """A free TCP port on 127.0.0.1 (``with socket_port() as port``)."""

    def __enter__(self) -> int:
        import socket

        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        return int(self._sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self._sock.close()


class Connection:
    """One keep-alive HTTP connection speaking the DynamoDB JSON protocol."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"DynamoDB_20120810.{operation}",
            "Authorization": AUTH,
        }
        self.http.request("POST", "/", json.dumps(request), headers)
        response = self.http.getresponse()
        body: dict[str, Any] = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"{operation}: {response.status} {body}")
        return body


@dataclass(frozen=True)
class Result:
    operation: str
    answer_ms: float  # the operation's own request
    seconds: float  # until it was done
    gets: int
    p50_ms: float
    p99_ms: float
    max_ms: float


class Readers:
    """Threads sending GetItem of random keys, recording each latency."""

    def __init__(self, port: int, items: int, count: int) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(port, items, seed), daemon=True)
            for seed in range(count)
        ]
        for thread in self._threads:
            thread.start()

    def _run(self, port: int, items: int, seed: int) -> None:
        conn = Connection(port)
        rng = random.Random(seed)
        while not self._stop.is_set():
            request = {"TableName": TABLE, "Key": key(rng.randrange(items))}
            start = time.perf_counter()
            conn.call("GetItem", request)
            self.samples.append(time.perf_counter() - start)

    def window(self) -> list[float]:
        """The samples since the last call."""
        taken, self.samples = self.samples, []
        return taken

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def measure(
    readers: Readers,
    name: str,
    start: Callable[[], None],
    done: Callable[[], bool],
    least_seconds: float = 0.0,
) -> Result:
    readers.window()
    began = time.perf_counter()
    start()
    answered = time.perf_counter()
    while not done() or time.perf_counter() - began < least_seconds:
        time.sleep(0.05)
    seconds = time.perf_counter() - began
    samples = sorted(readers.window())
    return Result(
        name,
        (answered - began) * 1000,
        seconds,
        len(samples),
        statistics.median(samples) * 1000,
        samples[int(len(samples) * 0.99)] * 1000,
        samples[-1] * 1000,
    )


def run(items: int, readers_count: int = 4, work: Path | None = None) -> list[Result]:
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        path = str(Path(tmp) / "long.db")
        build(path, items)
        server = Server(path, Path(tmp) / "server.log")
        try:
            return _operations(server.port, items, readers_count)
        finally:
            server.stop()


def _operations(port: int, items: int, readers_count: int) -> list[Result]:
    admin = Connection(port)
    readers = Readers(port, items, readers_count)
    backup: dict[str, str] = {}
    try:
        results = [
            measure(
                readers,
                "UpdateTimeToLive",
                lambda: _ignore(
                    admin.call(
                        "UpdateTimeToLive",
                        {
                            "TableName": TABLE,
                            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"},
                        },
                    )
                ),
                lambda: (
                    admin.call("DescribeTimeToLive", {"TableName": TABLE})["TimeToLiveDescription"][
                        "TimeToLiveStatus"
                    ]
                    == "ENABLED"
                ),
            ),
            measure(
                readers,
                "CreateBackup",
                lambda: backup.update(
                    arn=admin.call("CreateBackup", {"TableName": TABLE, "BackupName": "bench"})[
                        "BackupDetails"
                    ]["BackupArn"]
                ),
                lambda: (
                    admin.call("DescribeBackup", {"BackupArn": backup["arn"]})["BackupDescription"][
                        "BackupDetails"
                    ]["BackupStatus"]
                    == "AVAILABLE"
                ),
            ),
            measure(
                readers,
                "RestoreTableFromBackup",
                lambda: _ignore(
                    admin.call(
                        "RestoreTableFromBackup",
                        {"TargetTableName": "restored", "BackupArn": backup["arn"]},
                    )
                ),
                lambda: (
                    admin.call("DescribeTable", {"TableName": "restored"})["Table"]["TableStatus"]
                    == "ACTIVE"
                ),
            ),
        ]
        restore_seconds = results[-1].seconds
        results.append(
            measure(
                readers,
                "DeleteTable",
                lambda: _ignore(admin.call("DeleteTable", {"TableName": "restored"})),
                lambda: True,
                least_seconds=restore_seconds,
            )
        )
        return results
    finally:
        readers.stop()


def _ignore(_: object) -> None:
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    started = time.perf_counter()
    results = run(args.items, args.readers)
    print(f"{args.items:,} items, {args.readers} GetItem readers over HTTP, SQLite")
    columns = ("answer ms", "done s", "gets", "p50", "p99", "max")
    print(f"{'operation':24} " + " ".join(f"{c:>9}" for c in columns))
    for r in results:
        print(
            f"{r.operation:24} {r.answer_ms:9.1f} {r.seconds:9.1f} {r.gets:9} "
            f"{r.p50_ms:9.1f} {r.p99_ms:9.1f} {r.max_ms:9.1f}"
        )
    print(f"(whole run {time.perf_counter() - started:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
