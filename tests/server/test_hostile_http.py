"""A real ``ddblite serve`` against hostile HTTP clients: every one is answered 431 / 408 / 503
or closed within its limit, memory stays bounded, and a normal client keeps being served."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import RunningServer, start_server

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0
KEEP_ALIVE = 0.5
MAX_CONNECTIONS = 20
LIMITS = [
    "--header-timeout",
    str(HEADER_TIMEOUT),
    "--body-timeout",
    str(BODY_TIMEOUT),
    "--keep-alive-timeout",
    str(KEEP_ALIVE),
    "--max-connections",
    str(MAX_CONNECTIONS),
]
HEALTH = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
LIST_TABLES = b"DynamoDB_20120810.ListTables"
AUTHORIZATION = (
    b"AWS4-HMAC-SHA256 Credential=AKIAFAKE/20240101/us-east-1/dynamodb/aws4_request, "
    b"SignedHeaders=host, Signature=0"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(":memory:", tmp_path_factory.mktemp("hostile"), flags=LIMITS)
    yield running
    running.stop()


def connect(server: RunningServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def post(target: bytes, body: bytes) -> bytes:
    return (
        b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n"
        b"Authorization: " + AUTHORIZATION + b"\r\nX-Amz-Target: " + target + b"\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )


def assert_serves(server: RunningServer) -> None:
    """A normal client still gets its answer at once."""
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(post(LIST_TABLES, b"{}"))
        answer = sock.recv(65536)
        assert status_of(answer) == 200
        assert b'{"TableNames":[' in answer
        assert time.monotonic() - started < 1


def test_an_unfinished_header_block_past_16_kib_is_refused_with_431(
    server: RunningServer,
) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 17_000)
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert b"connection: close\r\n" in answer
    assert_serves(server)


def test_a_whole_header_block_past_16_kib_in_one_read_is_refused_with_431(
    server: RunningServer,
) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 16_400 + b"\r\n\r\n")
        assert status_of(read_until_closed(sock)) == 431


def test_a_header_block_under_16_kib_is_served(server: RunningServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 16_000 + b"\r\n\r\n")
        assert status_of(sock.recv(65536)) == 200


@pytest.mark.parametrize(("lines", "status"), [(100, 200), (101, 431)])
def test_at_most_100_header_lines(server: RunningServer, lines: int, status: int) -> None:
    headers = b"Host: localhost\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(lines - 1))
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n" + headers + b"\r\n")
        assert status_of(sock.recv(65536)) == status


def test_five_50_mb_header_floods_leave_memory_flat(server: RunningServer) -> None:
    before = resident_bytes(server)
    flood = b"a" * (1 << 20)
    for _ in range(5):
        with connect(server) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Flood: ")
            sent = 0
            try:
                while sent < 50 << 20:
                    sock.sendall(flood)
                    sent += len(flood)
            except (BrokenPipeError, ConnectionResetError):
                pass
            assert sent < 50 << 20  # refused long before the end
    assert resident_bytes(server) - before < 20 << 20
    assert_serves(server)


def resident_bytes(server: RunningServer) -> int:
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def test_slowloris_headers_get_408_after_the_header_timeout(server: RunningServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n")
        started = time.monotonic()
        try:
            while time.monotonic() - started < 3 * HEADER_TIMEOUT:
                sock.sendall(b"X-Drip: 1\r\n")
                assert_serves(server)
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_until_closed(sock)
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert HEADER_TIMEOUT - 0.1 < elapsed < HEADER_TIMEOUT + 2


def test_a_silent_connection_is_closed_after_the_header_timeout(server: RunningServer) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        assert read_until_closed(sock) == b""
        assert HEADER_TIMEOUT - 0.1 < time.monotonic() - started < HEADER_TIMEOUT + 2


def test_a_stalled_body_gets_408_after_the_body_timeout(server: RunningServer) -> None:
    with connect(server) as sock:
        request = post(LIST_TABLES, b"{}" + b" " * 98)
        sock.sendall(request[:-90])
        started = time.monotonic()
        answer = read_until_closed(sock)
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert BODY_TIMEOUT - 0.1 < elapsed < BODY_TIMEOUT + 2


def test_an_idle_keep_alive_connection_is_closed(server: RunningServer) -> None:
    with connect(server) as sock:
        sock.sendall(HEALTH)
        assert status_of(sock.recv(65536)) == 200
        started = time.monotonic()
        assert read_until_closed(sock) == b""
        assert KEEP_ALIVE - 0.1 < time.monotonic() - started < KEEP_ALIVE + 2


def test_connections_past_the_limit_get_503_and_the_connected_keep_working(
    server: RunningServer,
) -> None:
    with connect(server) as working:
        held = [connect(server) for _ in range(MAX_CONNECTIONS - 1)]
        try:
            with connect(server) as refused:
                answer = read_until_closed(refused)
            assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
            working.sendall(post(LIST_TABLES, b"{}"))
            assert status_of(working.recv(65536)) == 200
        finally:
            for sock in held:
                sock.close()
    time.sleep(0.2)  # the server sees the closes
    assert_serves(server)


def test_a_websocket_upgrade_is_answered_as_plain_http_and_closed(server: RunningServer) -> None:
    with connect(server) as sock:
        sock.sendall(
            b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.endswith(b"\r\n\r\nhealthy: dynamodb.us-east-1.amazonaws.com ")


def test_malformed_http_gets_400(server: RunningServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        assert status_of(read_until_closed(sock)) == 400


def test_a_15_mb_body_is_read_whole(server: RunningServer) -> None:
    body = b'{"Padding":"' + b"x" * (15 << 20) + b'"}'
    with connect(server) as sock:
        sock.sendall(post(LIST_TABLES, body))
        answer = sock.recv(65536)
    assert status_of(answer) == 200
    assert b'{"TableNames":[' in answer


def test_pipelined_requests_are_answered_in_order(server: RunningServer) -> None:
    with connect(server) as sock:
        sock.sendall(HEALTH + post(LIST_TABLES, b"{}") + HEALTH)
        received = b""
        while received.count(b"HTTP/1.1 200 OK") < 3 or not received.endswith(b" "):
            received += sock.recv(65536)
    bodies = [part.rsplit(b"\r\n\r\n", 1)[1] for part in received.split(b"HTTP/1.1 ")[1:]]
    assert bodies[0] == bodies[2] == b"healthy: dynamodb.us-east-1.amazonaws.com "
    assert bodies[1].startswith(b'{"TableNames":[')


def test_the_connection_limit_is_lowered_to_the_descriptor_limit(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.servers import free_port

    port = free_port()
    script = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (300, 300)); "
        "from ddblite.cli import main; main(sys.argv[1:])"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, "serve", "--in-memory", "--port", str(port)],
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        first = process.stderr.readline().decode()
    finally:
        process.terminate()
        process.wait(10)
    assert first == (
        "ddblite: the file-descriptor limit (300) allows 236 connections, not 1000; "
        "serving at most 236 (raise ulimit -n for more)\n"
    )


def big_table(server: RunningServer) -> bytes:
    """A table of three 350 KB items, and the Scan request that answers about 1 MB."""
    with connect(server) as sock:
        create = (
            b'{"TableName":"big","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],'
            b'"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],'
            b'"BillingMode":"PAY_PER_REQUEST"}'
        )
        sock.sendall(post(b"DynamoDB_20120810.CreateTable", create))
        assert status_of(sock.recv(65536)) in (200, 400)  # 400: made by an earlier test
        for key in b"abc":
            item = b'{"TableName":"big","Item":{"pk":{"S":"%c"},"pad":{"S":"%s"}}}' % (
                key,
                b"x" * 350_000,
            )
            sock.sendall(post(b"DynamoDB_20120810.PutItem", item))
            assert status_of(sock.recv(65536)) == 200
    return post(b"DynamoDB_20120810.Scan", b'{"TableName":"big"}')


def test_a_client_gone_mid_response_leaves_the_server_serving(server: RunningServer) -> None:
    scan = big_table(server)
    for _ in range(5):
        with connect(server) as sock:
            sock.sendall(scan)
            sock.recv(1000)  # the answer has started; then the client hangs up
    assert_serves(server)


def test_a_client_that_stops_reading_is_dropped_after_the_body_timeout(
    server: RunningServer,
) -> None:
    scan = big_table(server)
    with connect(server) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(scan * 20)  # 20 MB of answers asked for, none read
        time.sleep(BODY_TIMEOUT + 1.5)
        assert_serves(server)
        received = 0
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(1 << 20):
                received += len(chunk)
    assert received < 10 << 20  # dropped long before the 20 answers were out
