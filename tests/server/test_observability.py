"""Against a real server: the health and metrics endpoints, the logs each level writes, the
region check and --shared-db, and serve --help naming every variable."""

from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.servers import RunningServer, start_server


def client(server: RunningServer, region: str = "us-east-1", key: str = "AKIAFAKE") -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=server.endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key="fake",
        config=Config(retries={"max_attempts": 1}),
    )


def get(server: RunningServer, path: str, host: str = "127.0.0.1") -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.getheader("content-type") or "", response.read()
    finally:
        connection.close()


def create(ddb: Any, name: str) -> None:
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def stopped_log(server: RunningServer) -> list[str]:
    assert server.stop(signal.SIGTERM) == 0
    return server.log.read_text().splitlines()


def test_health_and_metrics(tmp_path: Path) -> None:
    server = start_server(str(tmp_path / "data.db"), tmp_path)
    try:
        status, kind, body = get(server, "/_ddblite/health")
        health = json.loads(body)
        assert (status, kind) == (200, "application/json")
        assert set(health) == {"status", "ready", "version", "backend", "uptime_seconds"}
        assert (health["status"], health["ready"], health["backend"]) == ("ready", True, "sqlite")
        assert health["version"] == "0.1.0"
        assert 0 < health["uptime_seconds"] < 60
        # GET / answers as before: DynamoDB's own health line.
        assert get(server, "/") == (
            200,
            "text/plain",
            b"healthy: dynamodb.us-east-1.amazonaws.com ",
        )
        ddb = client(server)
        create(ddb, "metered")
        ddb.put_item(TableName="metered", Item={"k": {"S": "a"}})
        with pytest.raises(ClientError):
            ddb.get_item(TableName="absent", Key={"k": {"S": "a"}})
        status, kind, body = get(server, "/_ddblite/metrics")
        assert (status, kind) == (200, "text/plain; version=0.0.4; charset=utf-8")
        lines = body.decode().splitlines()
        assert 'ddblite_request_seconds_count{operation="PutItem"} 1' in lines
        assert 'ddblite_request_seconds_count{operation="GetItem"} 1' in lines
        assert 'ddblite_errors_total{type="ResourceNotFoundException"} 1' in lines
        assert "ddblite_background_queued_jobs 0" in lines
        stored = [line for line in lines if line.startswith("ddblite_storage_bytes ")]
        assert len(stored) == 1 and int(stored[0].split()[1]) > 0
        # The same Host rules as every other request (DNS rebinding).
        for path in ("/_ddblite/health", "/_ddblite/metrics"):
            assert get(server, path, host="evil.example")[0] == 403
    finally:
        server.stop()


def test_default_level_logs_nothing_per_request(tmp_path: Path) -> None:
    server = start_server(":memory:", tmp_path)
    ddb = client(server)
    create(ddb, "quiet")
    with pytest.raises(ClientError):
        ddb.get_item(TableName="absent", Key={"k": {"S": "a"}})
    assert stopped_log(server) == [
        f"ddblite listening on http://127.0.0.1:{server.port} (data: in memory)",
        "ddblite stopped (SIGTERM): requests in flight answered, writes committed",
    ]


def _call(server: RunningServer, target: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(
            "POST",
            "/",
            body=b"{}",
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": target,
                "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260101/us-east-1/"
                "dynamodb/aws4_request, SignedHeaders=host, Signature=x",
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_json_logs_at_info_with_the_access_log(tmp_path: Path) -> None:
    server = start_server(
        ":memory:",
        tmp_path,
        flags=["--log-format", "json", "--access-log"],
        env={"DDBLITE_LOG_LEVEL": "info"},
    )
    ddb = client(server)
    with pytest.raises(ClientError):
        ddb.describe_table(TableName="absent")
    for _ in range(2):
        assert _call(server, "DynamoDB_20120810.ImportTable") == 400
    records = [json.loads(line) for line in stopped_log(server) if line.startswith("{")]
    ours = [r for r in records if r["logger"].startswith("ddblite")]
    for record in ours:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record.pop("time"))
        record.pop("ms", None)
    assert [(r["logger"], r["level"], r.get("operation"), r.get("error")) for r in ours] == [
        ("ddblite.request", "info", "DescribeTable", "ResourceNotFoundException"),
        ("ddblite.access", "info", "DescribeTable", None),
        ("ddblite", "warning", None, None),
        ("ddblite.request", "info", "DynamoDB_20120810.ImportTable", "UnknownOperationException"),
        ("ddblite.access", "info", "DynamoDB_20120810.ImportTable", None),
        ("ddblite.request", "info", "DynamoDB_20120810.ImportTable", "UnknownOperationException"),
        ("ddblite.access", "info", "DynamoDB_20120810.ImportTable", None),
    ]
    assert ours[0] == {
        "level": "info",
        "logger": "ddblite.request",
        "message": "DescribeTable on absent failed: ResourceNotFoundException",
        "operation": "DescribeTable",
        "table": "absent",
        "error": "ResourceNotFoundException",
    }
    assert ours[2]["message"] == (
        "ImportTable is not implemented by ddblite: answered UnknownOperationException "
        "(docs/operations.md lists what is)"
    )
    assert (ours[1]["client"], ours[1]["status"]) == ("127.0.0.1", 400)


def test_an_unknown_region_is_refused_unless_allowed(tmp_path: Path) -> None:
    strict = start_server(":memory:", tmp_path)
    try:
        with pytest.raises(ClientError) as raised:
            client(strict, region="mars-1").list_tables()
        assert raised.value.response["Error"] == {
            "Code": "InvalidSignatureException",
            "Message": "Credential should be scoped to a valid region, not 'mars-1'. ",
        }
    finally:
        strict.stop()
    lenient = start_server(":memory:", tmp_path, flags=["--allow-any-region"])
    try:
        assert client(lenient, region="mars-1").list_tables()["TableNames"] == []
    finally:
        lenient.stop()


def test_shared_db_is_one_namespace_for_every_key_and_region(tmp_path: Path) -> None:
    separate = start_server(":memory:", tmp_path)
    try:
        create(client(separate), "orders")
        assert client(separate, region="eu-west-1").list_tables()["TableNames"] == []
    finally:
        separate.stop()
    shared = start_server(":memory:", tmp_path, env={"DDBLITE_SHARED_DB": "1"})
    try:
        create(client(shared), "orders")
        other = client(shared, region="eu-west-1", key="123456789012")
        assert other.list_tables()["TableNames"] == ["orders"]
        arn = other.describe_table(TableName="orders")["Table"]["TableArn"]
        assert arn == "arn:aws:dynamodb:us-east-1:000000000000:table/orders"
    finally:
        shared.stop()


def test_serve_help_names_the_variable_of_every_flag() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ddblite", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0
    flags = re.findall(r"^  (--[a-z-]+)", done.stdout, flags=re.M)
    assert sorted(flags) == sorted(
        [
            *("--host", "--port", "--db", "--in-memory", "--synchronous", "--reuse-port"),
            *("--log-level", "--access-log", "--log-format", "--allow-any-region", "--shared-db"),
            *("--cors-origin", "--allow-host", "--auth", "--credentials", "--max-header-bytes"),
            *("--max-headers", "--header-timeout", "--body-timeout", "--keep-alive-timeout"),
            "--max-connections",
        ]
    )
    text = " ".join(done.stdout.split())
    for flag in flags:
        variable = "DDBLITE_" + flag[2:].upper().replace("-", "_")
        variable = {"DDBLITE_IN_MEMORY": "DDBLITE_DB=:memory:"}.get(variable, variable)
        variable = variable.replace("DDBLITE_CORS_ORIGIN", "DDBLITE_CORS_ORIGINS")
        variable = variable.replace("DDBLITE_ALLOW_HOST", "DDBLITE_ALLOW_HOSTS")
        assert f"[env {variable}]" in text, flag
