"""Hostile HTTP clients against a real ``ddblite serve`` (default limits), and a normal client's
latency meanwhile: the figures issue 13 asks for.

    python benchmarks/hostile_http.py                      # 1,100 silent, 200 slowloris, 5 x 50 MB
    python benchmarks/hostile_http.py --silent 50 --slowloris 20 --flood-mb 5   # a quick look

Phases, one after the other, each with a normal client sending ListTables on one keep-alive
connection throughout (p50 / p99 / max of its latencies, and its failures):

1. ``--silent`` sockets connect and never speak: how many are refused at once (503, past
   --max-connections) and how many the server closes within the header timeout;
2. ``--slowloris`` sockets send a request line, then one header line a second: how many get
   408 and are closed;
3. ``--floods`` connections each send an endless header (up to ``--flood-mb``): the server's
   resident memory before and after.

Linux only (reads /proc for the server's memory). Never part of the test run.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

AUTHORIZATION = (
    b"AWS4-HMAC-SHA256 Credential=AKIAFAKE/20240101/us-east-1/dynamodb/aws4_request, "
    b"SignedHeaders=host, Signature=0"
)
LIST_TABLES = (
    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\n"
    b"X-Amz-Target: DynamoDB_20120810.ListTables\r\nAuthorization: " + AUTHORIZATION + b"\r\n"
    b"Content-Length: 2\r\n\r\n{}"
)


@dataclass
class Latencies:
    seconds: list[float] = field(default_factory=list)
    failures: int = 0

    def line(self) -> str:
        if not self.seconds:
            return f"no answers, {self.failures} failures"
        ordered = sorted(self.seconds)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (
            f"{len(ordered)} requests, p50 {statistics.median(ordered) * 1000:.1f} ms, "
            f"p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms, "
            f"{self.failures} failures"
        )


class NormalClient(threading.Thread):
    """ListTables in a loop on one keep-alive connection (reconnecting if it is closed)."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.latencies = Latencies()
        self.stopping = threading.Event()

    def run(self) -> None:
        sock: socket.socket | None = None
        while not self.stopping.is_set():
            try:
                if sock is None:
                    sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                started = time.perf_counter()
                sock.sendall(LIST_TABLES)
                answer = sock.recv(65536)
                if not answer.startswith(b"HTTP/1.1 200"):
                    raise OSError(answer[:40])
                self.latencies.seconds.append(time.perf_counter() - started)
            except OSError:
                self.latencies.failures += 1
                if sock is not None:
                    sock.close()
                sock = None
            time.sleep(0.01)
        if sock is not None:
            sock.close()


def start_server(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ddblite", "serve", "--in-memory", "--port", str(port)],
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("ddblite did not start")


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def closed_by_server(sock: socket.socket) -> tuple[bool, bytes]:
    """(closed, what it said) without blocking."""
    sock.setblocking(False)
    said = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return True, said
            said += chunk
    except BlockingIOError:
        return False, said
    except OSError:
        return True, said


def silent_phase(port: int, count: int, wait: float) -> str:
    sockets = []
    for _ in range(count):
        try:
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            break
    time.sleep(0.5)
    refused = sum(1 for s in sockets if closed_by_server(s)[1].startswith(b"HTTP/1.1 503"))
    time.sleep(wait)
    closed = sum(1 for s in sockets if closed_by_server(s)[0])
    for s in sockets:
        s.close()
    return (
        f"{len(sockets)} connected, {refused} refused with 503 at once, "
        f"{closed} closed by {wait:.0f} s"
    )


def slowloris_phase(port: int, count: int, seconds: float) -> str:
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
    for s in sockets:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for s in sockets:
            with contextlib.suppress(OSError):
                s.sendall(b"X-Drip: 1\r\n")
        time.sleep(1)
    answers = [closed_by_server(s) for s in sockets]
    timed_out = sum(1 for _, said in answers if said.startswith(b"HTTP/1.1 408"))
    closed = sum(1 for gone, _ in answers if gone)
    for s in sockets:
        s.close()
    return f"{count} dripping for {seconds:.0f} s: {timed_out} got 408, {closed} closed"


def flood_phase(port: int, pid: int, floods: int, megabytes: int) -> str:
    before = resident_mb(pid)
    chunk = b"a" * (1 << 20)
    sent_total = 0
    for _ in range(floods):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: ")
            try:
                for _ in range(megabytes):
                    s.sendall(chunk)
                    sent_total += len(chunk)
            except OSError:
                pass
    after = resident_mb(pid)
    return (
        f"{floods} x {megabytes} MB header: {sent_total / 2**20:.1f} MB sent before the server "
        "closed them (the rest of each refused), "
        f"server RSS {before:.0f} MB -> {after:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--silent", type=int, default=1100)
    parser.add_argument("--slowloris", type=int, default=200)
    parser.add_argument("--floods", type=int, default=5)
    parser.add_argument("--flood-mb", type=int, default=50)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.silent + 500)), hard))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = start_server(port)
    try:
        for name, phase in (
            ("silent sockets", lambda: silent_phase(port, args.silent, 11)),
            ("slowloris", lambda: slowloris_phase(port, args.slowloris, 12)),
            ("header flood", lambda: flood_phase(port, server.pid, args.floods, args.flood_mb)),
        ):
            client = NormalClient(port)
            client.start()
            outcome = phase()
            client.stopping.set()
            client.join()
            print(f"{name}: {outcome}; normal client: {client.latencies.line()}", flush=True)
    finally:
        server.terminate()
        server.wait(15)


if __name__ == "__main__":
    main()
