"""Browser and network isolation against a real server: a page on another origin and a
DNS-rebinding Host are refused before any work; loopback and configured ones are answered."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import make_client
from tests.servers import RunningServer, free_port, start_server

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=abc"
)
CREATE = json.dumps(
    {
        "TableName": "rebound",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    work = tmp_path_factory.mktemp("isolation")
    flags = ["--cors-origin", "https://admin.example:8443", "--allow-host", "ddb.internal"]
    running = start_server(":memory:", work, flags=flags)
    yield running
    running.stop()


def send(
    server: RunningServer,
    method: str = "POST",
    headers: dict[str, str] | None = None,
    body: bytes = b"{}",
    target: str = "DynamoDB_20120810.ListTables",
) -> tuple[int, dict[str, str], bytes]:
    sent = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": target,
        "Authorization": AUTH,
        **(headers or {}),
    }
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, "/", body=body if method == "POST" else None, headers=sent)
        response = connection.getresponse()
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()


def access_denied(body: bytes) -> str:
    error = json.loads(body)
    assert error["__type"] == "com.amazon.coral.service#AccessDeniedException"
    return str(error["Message"])


@pytest.mark.parametrize(
    "host", ["localhost:{port}", "127.0.0.1:{port}", "[::1]:{port}", "ddb.internal:{port}"]
)
def test_allowed_hosts_are_answered(server: RunningServer, host: str) -> None:
    status, _, body = send(server, headers={"Host": host.format(port=server.port)})
    assert (status, json.loads(body)) == (200, {"TableNames": []})


@pytest.mark.parametrize("method", ["POST", "GET", "OPTIONS"])
def test_a_rebinding_host_is_refused_before_any_work(server: RunningServer, method: str) -> None:
    headers = {"Host": f"attacker.example:{server.port}"}
    status, response_headers, body = send(
        server, method, headers, CREATE, "DynamoDB_20120810.CreateTable"
    )
    assert status == 403
    assert response_headers["content-type"] == "application/x-amz-json-1.0"
    assert access_denied(body) == (
        "Host 'attacker.example' is not allowed: start ddblite with --allow-host "
        "attacker.example (or DDBLITE_ALLOW_HOSTS) to accept it"
    )
    assert "access-control-allow-origin" not in response_headers
    assert make_client(server.endpoint).list_tables()["TableNames"] == []


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost",
        "http://localhost:8001",
        "https://localhost:3000",
        "http://127.0.0.1:8001",
        "http://[::1]:8001",
        "https://admin.example:8443",
    ],
)
def test_allowed_origins_get_their_own_origin_back(server: RunningServer, origin: str) -> None:
    status, headers, body = send(server, headers={"Origin": origin})
    assert (status, json.loads(body)) == (200, {"TableNames": []})
    assert headers["access-control-allow-origin"] == origin
    assert headers["vary"] == "Origin"
    assert headers["access-control-expose-headers"] == "x-amzn-RequestId,x-amz-crc32"

    status, headers, body = send(
        server,
        "OPTIONS",
        {
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-evil, authorization",
        },
    )
    assert (status, body) == (200, b"")
    assert headers["access-control-allow-origin"] == origin
    assert headers["access-control-allow-headers"] == (
        "authorization, content-type, content-encoding, x-amz-date, x-amz-target, "
        "x-amz-security-token, x-amz-user-agent, x-amz-content-sha256, "
        "amz-sdk-invocation-id, amz-sdk-request"
    )
    assert headers["access-control-allow-methods"] == "GET, POST, OPTIONS"
    assert headers["access-control-max-age"] == "172800"


@pytest.mark.parametrize(
    "origin", ["https://attacker.example", "null", "http://localhost.attacker.example:8001"]
)
@pytest.mark.parametrize("method", ["POST", "GET", "OPTIONS"])
def test_other_origins_are_refused_before_any_work(
    server: RunningServer, origin: str, method: str
) -> None:
    status, headers, body = send(
        server, method, {"Origin": origin}, CREATE, "DynamoDB_20120810.CreateTable"
    )
    assert status == 403
    assert access_denied(body).startswith(f"Origin '{origin}' ")
    assert not any(name.startswith("access-control-") for name in headers)
    assert make_client(server.endpoint).list_tables()["TableNames"] == []


def test_no_origin_gets_no_cors_headers(server: RunningServer) -> None:
    status, headers, _ = send(server)
    assert status == 200
    assert not any(name.startswith("access-control-") for name in headers)
    status, headers, body = send(server, "OPTIONS")
    assert (status, body) == (200, b"")
    assert not any(name.startswith("access-control-") for name in headers)


def test_explicit_star_and_environment_variables(tmp_path: Path) -> None:
    env = {"DDBLITE_CORS_ORIGINS": "*", "DDBLITE_ALLOW_HOSTS": "a.internal, b.internal"}
    running = start_server(":memory:", tmp_path, env=env)
    try:
        status, headers, _ = send(running, headers={"Origin": "https://anything.example"})
        assert (status, headers["access-control-allow-origin"]) == (200, "*")
        for host in ("a.internal", "b.internal:80"):
            assert send(running, headers={"Host": host})[0] == 200
        assert send(running, headers={"Host": "c.internal"})[0] == 403
    finally:
        running.stop()


def test_non_loopback_bind_without_auth_warns_once(tmp_path: Path) -> None:
    running = start_server(":memory:", tmp_path, host="0.0.0.0")
    try:
        assert send(running)[0] == 200
    finally:
        running.stop()
    warnings = [line for line in running.log.read_text().splitlines() if "WARNING" in line]
    assert warnings == [
        "ddblite: WARNING: listening on 0.0.0.0 without --auth sigv4: anyone who can reach "
        "this address can read, change and delete every table"
    ]


def test_loopback_bind_does_not_warn(server: RunningServer) -> None:
    deadline = time.monotonic() + 5
    while "listening" not in server.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "WARNING" not in server.log.read_text()


def test_bad_environment_value_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="ddblite exited early") as info:
        start_server(":memory:", tmp_path, port=free_port(), env={"DDBLITE_AUTH": "bogus"})
    assert "ddblite: DDBLITE_AUTH must be 'none' or 'sigv4', not 'bogus'" in str(info.value)
