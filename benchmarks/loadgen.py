"""Closed-loop load generator for DynamoDB-compatible endpoints.

N keep-alive HTTP/1.1 connections (default 16), each with exactly one request in flight: a
connection sends its next request as soon as the previous response is complete. Requests look
like the AWS SDK's: POST /, Content-Type application/x-amz-json-1.0, X-Amz-Target, X-Amz-Date and
a real SigV4 signature (AWS4-HMAC-SHA256 over content-type;host;x-amz-date;x-amz-target, the same
signed headers botocore uses), computed per request with fake credentials.

Why it is written this way: at > 40,000 requests/s the generator must spend well under 25 us per
request. So it uses asyncio Protocols (callbacks, no coroutine per request) on uvloop when
installed, a minimal HTTP/1.1 response parser, and a signer that precomputes everything that does
not depend on the body or the clock: the signing key (per day), the canonical-request and
string-to-sign prefixes and the request-head templates (per target). Per request it hashes the
body, hashes the canonical request and runs one HMAC (all three in OpenSSL). `procs > 1` forks
that many generator processes, each with its share of the connections.

Every run is bounded: by a deadline (warmup + duration, plus a drain timeout for requests still
in flight) and optionally by a request count.
"""

from __future__ import annotations

import array
import asyncio
import http.client
import json
import math
import multiprocessing
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sigv4 import Endpoint, Signer

#: Builds the JSON body of the n-th request of a run (n counts from 0 across all processes).
BodyFactory = Callable[[int], bytes]
#: Decides whether a 200 response body counts as a success (None: every 200 does).
Validator = Callable[[bytes], bool] | None

DRAIN_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 10.0
MAX_ERROR_SAMPLES = 5


@dataclass
class Plan:
    """One run: which operation, how to build bodies, and its bounds."""

    operation: str
    body: BodyFactory
    duration: float = 5.0
    warmup: float = 1.0
    connections: int = 16
    procs: int = 1
    max_requests: int | None = None  # stop after this many requests (all processes together)
    validate: Validator = None


@dataclass
class Result:
    operation: str
    ok: int = 0  # successful responses completed inside the measurement window
    errors: int = 0  # failed responses (any time), including failed validation
    sent: int = 0
    window: float = 0.0  # seconds of the measurement window actually used
    reconnects: int = 0
    cpu_seconds: float = 0.0  # generator CPU (user+sys), all processes
    elapsed: float = 0.0  # wall seconds from first connect to last close (longest process)
    latencies_ns: array.array[int] = field(default_factory=lambda: array.array("q"))
    error_samples: list[str] = field(default_factory=list)

    @property
    def ops_per_s(self) -> float:
        return self.ok / self.window if self.window > 0 else 0.0

    def percentile_ms(self, p: float) -> float:
        if not self.latencies_ns:
            return float("nan")
        ordered = sorted(self.latencies_ns)
        index = min(
            len(ordered) - 1, max(0, math.ceil(p / 100.0 * len(ordered)) - 1)
        )  # nearest rank
        return ordered[index] / 1e6

    def merge(self, other: Result) -> None:
        self.ok += other.ok
        self.errors += other.errors
        self.sent += other.sent
        self.window = max(self.window, other.window)
        self.reconnects += other.reconnects
        self.cpu_seconds += other.cpu_seconds
        self.elapsed = max(self.elapsed, other.elapsed)
        self.latencies_ns.extend(other.latencies_ns)
        room = MAX_ERROR_SAMPLES - len(self.error_samples)
        self.error_samples.extend(other.error_samples[: max(room, 0)])


class _Response:
    """Incremental HTTP/1.1 response parser: Content-Length, chunked, or close-delimited."""

    __slots__ = ("body", "buf", "close", "length", "mode", "status")

    def __init__(self) -> None:
        self.buf = b""
        self.status = 0
        self.mode = ""  # "" head pending, "len", "chunked", "eof"
        self.length = 0
        self.close = False
        self.body = b""

    def feed(self, data: bytes) -> bool:
        """Add bytes; True once a whole response is in (its body in .body, rest in .buf)."""
        self.buf = self.buf + data if self.buf else data
        if not self.mode and not self._parse_head():
            return False
        if self.mode == "len":
            if len(self.buf) < self.length:
                return False
            self.body, self.buf = self.buf[: self.length], self.buf[self.length :]
            return True
        if self.mode == "chunked":
            return self._parse_chunks()
        return False  # "eof": complete only when the server closes

    def _parse_head(self) -> bool:
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = self.buf[:end].lower()
        self.buf = self.buf[end + 4 :]
        self.status = int(head[9:12])
        self.close = head.startswith(b"http/1.0") or b"\r\nconnection: close" in head
        at = head.find(b"\r\ncontent-length:")
        if at >= 0:
            stop = head.find(b"\r\n", at + 2)
            self.length = int(head[at + 17 : stop if stop >= 0 else len(head)])
            self.mode = "len"
        elif b"\r\ntransfer-encoding: chunked" in head:
            self.mode = "chunked"
            self.body = b""
        else:
            self.mode = "eof"
            self.close = True
        return True

    def _parse_chunks(self) -> bool:
        for _ in range(1_000_000):
            line_end = self.buf.find(b"\r\n")
            if line_end < 0:
                return False
            size = int(self.buf[:line_end].split(b";")[0], 16)
            if size == 0:
                trailer_end = self.buf.find(b"\r\n\r\n", line_end)
                if trailer_end < 0 and self.buf[line_end : line_end + 4] != b"\r\n\r\n":
                    return False
                self.buf = self.buf[max(trailer_end, line_end) + 4 :]
                return True
            if len(self.buf) < line_end + 2 + size + 2:
                return False
            self.body += self.buf[line_end + 2 : line_end + 2 + size]
            self.buf = self.buf[line_end + 2 + size + 2 :]
        raise ValueError("too many chunks")

    def finish_at_eof(self) -> bool:
        if self.mode == "eof":
            self.body, self.buf = self.buf, b""
            return True
        return False


class _Runner:
    """One process's share of a run: its connections and counters."""

    def __init__(self, plan: Plan, endpoint: Endpoint, worker: int, start_at: float) -> None:
        self.plan = plan
        self.endpoint = endpoint
        self.signer = Signer(endpoint)
        self.worker = worker
        self.window_start = start_at + plan.warmup
        self.window_end = self.window_start + plan.duration
        self.next_index = worker
        self.step = plan.procs
        self.limit = plan.max_requests
        self.result = Result(plan.operation)
        self.open = 0
        self.loop = asyncio.get_running_loop()
        self.done = self.loop.create_future()

    def take_request(self) -> bytes | None:
        """The next request to send, or None when the run is over for this connection."""
        if time.monotonic() >= self.window_end:
            return None
        n = self.next_index
        if self.limit is not None and n >= self.limit:
            return None
        self.next_index = n + self.step
        self.result.sent += 1
        return self.signer.request(self.plan.operation, self.plan.body(n))

    def record(self, started_ns: int, status: int, body: bytes) -> None:
        ended_ns = time.perf_counter_ns()
        validate = self.plan.validate
        good = status == 200 and (validate is None or validate(body))
        if not good:
            self.result.errors += 1
            if len(self.result.error_samples) < MAX_ERROR_SAMPLES:
                self.result.error_samples.append(f"{status} {body[:300]!r}")
            return
        now = time.monotonic()
        if self.window_start <= now <= self.window_end:
            self.result.ok += 1
            self.result.latencies_ns.append(ended_ns - started_ns)

    def connection_closed(self) -> None:
        self.open -= 1
        if self.open == 0 and not self.done.done():
            self.done.set_result(None)


class _Connection(asyncio.Protocol):
    def __init__(self, runner: _Runner) -> None:
        self.runner = runner
        self.transport: asyncio.Transport | None = None
        self.response = _Response()
        self.started_ns = 0
        self.in_flight = False
        self.finished = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.send_next()

    def send_next(self) -> None:
        assert self.transport is not None
        request = self.runner.take_request()
        if request is None:
            self.finished = True
            self.transport.close()
            return
        self.response = _Response()
        self.in_flight = True
        self.started_ns = time.perf_counter_ns()
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        response = self.response
        if not response.feed(data):
            return
        self._complete(response)

    def _complete(self, response: _Response) -> None:
        self.in_flight = False
        self.runner.record(self.started_ns, response.status, response.body)
        if response.close:
            assert self.transport is not None
            self.transport.close()
            self.runner.result.reconnects += 1
            return
        self.send_next()

    def eof_received(self) -> bool | None:
        if self.in_flight and self.response.finish_at_eof():
            self._complete(self.response)
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        runner = self.runner
        if self.in_flight:
            runner.result.errors += 1
            if len(runner.result.error_samples) < MAX_ERROR_SAMPLES:
                runner.result.error_samples.append(f"connection lost mid-request: {exc!r}")
        if not self.finished and time.monotonic() < runner.window_end:
            # The server closed the connection: a fresh one takes over this slot.
            runner.loop.create_task(_connect(runner))
        else:
            runner.connection_closed()


async def _connect(runner: _Runner) -> None:
    try:
        await asyncio.wait_for(
            runner.loop.create_connection(
                lambda: _Connection(runner), runner.endpoint.host, runner.endpoint.port
            ),
            CONNECT_TIMEOUT_S,
        )
    except (OSError, TimeoutError) as exc:
        runner.result.errors += 1
        if len(runner.result.error_samples) < MAX_ERROR_SAMPLES:
            runner.result.error_samples.append(f"connect failed: {exc!r}")
        runner.connection_closed()


async def _run_async(plan: Plan, endpoint: Endpoint, worker: int, start_at: float) -> Result:
    runner = _Runner(plan, endpoint, worker, start_at)
    share = plan.connections // plan.procs + (1 if worker < plan.connections % plan.procs else 0)
    runner.open = max(share, 1)
    delay = start_at - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
    cpu0 = _cpu_seconds()
    began = time.monotonic()
    for _ in range(runner.open):
        runner.loop.create_task(_connect(runner))
    hard_stop = runner.window_end - time.monotonic() + DRAIN_TIMEOUT_S
    try:
        await asyncio.wait_for(asyncio.shield(runner.done), max(hard_stop, 0.1))
    except TimeoutError:
        runner.result.error_samples.append("drain timeout: requests still in flight")
    runner.result.window = min(time.monotonic(), runner.window_end) - runner.window_start
    runner.result.window = max(runner.result.window, 0.0)
    runner.result.cpu_seconds = _cpu_seconds() - cpu0
    runner.result.elapsed = time.monotonic() - began
    return runner.result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _run_in_this_process(plan: Plan, endpoint: Endpoint, worker: int, start_at: float) -> Result:
    with asyncio.Runner(loop_factory=_new_loop) as runner:
        return runner.run(_run_async(plan, endpoint, worker, start_at))


def _child(plan: Plan, endpoint: Endpoint, worker: int, start_at: float, conn: Any) -> None:
    try:
        conn.send(_run_in_this_process(plan, endpoint, worker, start_at))
    finally:
        conn.close()


def run(plan: Plan, url: str) -> Result:
    """Run `plan` against `url` and return the merged result of all processes."""
    endpoint = Endpoint.from_url(url)
    if plan.max_requests is not None:
        # A count-bounded run (e.g. a preload) ends by count; the deadline only bounds it.
        plan.warmup = 0.0
    if plan.procs <= 1:
        plan.procs = 1
        return _run_in_this_process(plan, endpoint, 0, time.monotonic())
    ctx = multiprocessing.get_context("fork")
    start_at = time.monotonic() + 0.2  # every process starts its clock together
    children = []
    for worker in range(plan.procs):
        parent_end, child_end = ctx.Pipe(duplex=False)
        process = ctx.Process(
            target=_child, args=(plan, endpoint, worker, start_at, child_end), daemon=True
        )
        process.start()
        child_end.close()
        children.append((process, parent_end))
    total = Result(plan.operation)
    budget = start_at + plan.warmup + plan.duration + DRAIN_TIMEOUT_S + 30.0
    for process, pipe in children:
        if pipe.poll(max(budget - time.monotonic(), 0.1)):
            total.merge(pipe.recv())
        else:
            total.errors += 1
            total.error_samples.append(f"worker {process.pid} gave no result")
        process.join(timeout=5.0)
        if process.is_alive():
            process.kill()
            process.join(timeout=5.0)
    return total


class Client:
    """A plain keep-alive client for setup, sanity checks and timed Scans (not the hot path)."""

    def __init__(self, url: str, timeout: float = 120.0) -> None:
        self.endpoint = Endpoint.from_url(url)
        self.signer = Signer(self.endpoint)
        self._timeout = timeout
        self._http = http.client.HTTPConnection(
            self.endpoint.host, self.endpoint.port, timeout=timeout
        )

    def raw(self, operation: str, body: bytes) -> tuple[int, bytes]:
        """Send one signed request: (status, response body)."""
        request = self.signer.request(operation, body)
        head, _, payload = request.partition(b"\r\n\r\n")
        headers = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b": ")
            if name not in (b"Host", b"Content-Length"):
                headers[name.decode()] = value.decode()
        for attempt in range(2):  # one retry on a fresh connection if the server closed ours
            try:
                self._http.request("POST", "/", body=payload, headers=headers)
                response = self._http.getresponse()
                return response.status, response.read()
            except (ConnectionError, OSError):
                self._http.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def call(self, operation: str, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Send a JSON request; (status, decoded response)."""
        status, body = self.raw(operation, json.dumps(request).encode())
        decoded = json.loads(body) if body else {}
        return status, decoded if isinstance(decoded, dict) else {"raw": decoded}

    def close(self) -> None:
        self._http.close()


def _cli() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Closed-loop DynamoDB request generator (raw).")
    parser.add_argument("url")
    parser.add_argument("--operation", default="ListTables")
    parser.add_argument("--body", default="{}", help="JSON body sent with every request")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--procs", type=int, default=1)
    args = parser.parse_args()
    payload = json.dumps(json.loads(args.body)).encode()
    plan = Plan(
        args.operation,
        lambda _n: payload,
        duration=args.duration,
        warmup=args.warmup,
        connections=args.connections,
        procs=args.procs,
    )
    result = run(plan, args.url)
    print(
        f"{args.operation}: {result.ops_per_s:,.0f} ops/s  p50 {result.percentile_ms(50):.3f} ms"
        f"  p99 {result.percentile_ms(99):.3f} ms  errors {result.errors}"
        f"  generator cpu {result.cpu_seconds / max(result.elapsed, 1e-9):.0%} of a core"
    )
    for sample in result.error_samples:
        print("  error:", sample)


if __name__ == "__main__":
    _cli()
