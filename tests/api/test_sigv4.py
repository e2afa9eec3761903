"""``ddblite serve --auth sigv4 --credentials FILE`` against a real server: boto3 signs with the
file's keys and each key sees its account's tables; every bad signature gets DynamoDB's
error type, message and status, and does nothing."""

from __future__ import annotations

import datetime
import http.client
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.api.conftest import error_of
from tests.servers import RunningServer, free_port, start_server

CREDENTIALS = """\
[default]
aws_access_key_id = AKIAONE
aws_secret_access_key = secret-one
aws_account_id = 111111111111

[two]
aws_access_key_id = AKIATWO
aws_secret_access_key = secret-two

[temp]
aws_access_key_id = ASIATEMP
aws_secret_access_key = secret-temp
aws_session_token = token-temp
aws_account_id = 333333333333
"""
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    work = tmp_path_factory.mktemp("sigv4")
    path = work / "credentials"
    path.write_text(CREDENTIALS)
    running = start_server(":memory:", work, flags=["--auth", "sigv4", "--credentials", str(path)])
    yield running
    running.stop()


def client(server: RunningServer, key: str, secret: str, token: str | None = None) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(retries={"max_attempts": 1}),
    )


def create(ddb: Any, name: str) -> None:
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_each_key_sees_its_own_account(server: RunningServer) -> None:
    one = client(server, "AKIAONE", "secret-one")
    two = client(server, "AKIATWO", "secret-two")
    temp = client(server, "ASIATEMP", "secret-temp", "token-temp")
    create(one, "owned_by_one")
    create(two, "owned_by_two")
    try:
        assert one.list_tables()["TableNames"] == ["owned_by_one"]
        assert two.list_tables()["TableNames"] == ["owned_by_two"]
        assert temp.list_tables()["TableNames"] == []
        arn = one.describe_table(TableName="owned_by_one")["Table"]["TableArn"]
        assert arn == "arn:aws:dynamodb:us-east-1:111111111111:table/owned_by_one"
        arn = two.describe_table(TableName="owned_by_two")["Table"]["TableArn"]
        assert arn == "arn:aws:dynamodb:us-east-1:000000000000:table/owned_by_two"
    finally:
        one.delete_table(TableName="owned_by_one")
        two.delete_table(TableName="owned_by_two")


@pytest.mark.parametrize(
    ("key", "secret", "token", "code", "message"),
    [
        ("AKIAONE", "wrong", None, "InvalidSignatureException", MISMATCH),
        (
            "AKIAUNKNOWN",
            "secret-one",
            None,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
        (
            "ASIATEMP",
            "secret-temp",
            "stolen",
            "UnrecognizedClientException",
            "The security token included in the request is invalid",
        ),
        (
            "ASIATEMP",
            "secret-temp",
            None,
            "UnrecognizedClientException",
            "The security token included in the request is invalid",
        ),
    ],
)
def test_bad_credentials_do_nothing(
    server: RunningServer, key: str, secret: str, token: str | None, code: str, message: str
) -> None:
    bad = client(server, key, secret, token)
    assert error_of(create, ddb=bad, name="never_made") == (code, message)
    with pytest.raises(ClientError) as info:
        bad.list_tables()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert client(server, "AKIAONE", "secret-one").list_tables()["TableNames"] == []


def raw(server: RunningServer, headers: dict[str, str], body: bytes = b"{}") -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def signed_headers(server: RunningServer, when: datetime.datetime) -> dict[str, str]:
    request = AWSRequest(
        "POST",
        f"http://127.0.0.1:{server.port}/",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
        },
        data=b"{}",
    )
    timestamp = when.strftime("%Y%m%dT%H%M%SZ")
    request.context["timestamp"] = timestamp
    request.headers["X-Amz-Date"] = timestamp
    signer = SigV4Auth(Credentials("AKIAONE", "secret-one"), "dynamodb", "us-east-1")
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    signer._inject_signature_to_request(request, signature)
    return dict(request.headers.items())


def test_a_correct_raw_request_is_answered(server: RunningServer) -> None:
    now = datetime.datetime.now(datetime.UTC)
    assert raw(server, signed_headers(server, now)) == (200, {"TableNames": []})


def test_a_request_signed_20_minutes_ago_has_expired(server: RunningServer) -> None:
    when = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=20)
    status, body = raw(server, signed_headers(server, when))
    assert (status, body["__type"]) == (400, "com.amazon.coral.service#InvalidSignatureException")
    stamp = when.strftime("%Y%m%dT%H%M%SZ")
    match = re.fullmatch(
        rf"Signature expired: {stamp} is now earlier than (\d{{8}}T\d{{6}}Z) "
        r"\((\d{8}T\d{6}Z) - 15 min\.\)",
        body["message"],
    )
    assert match is not None
    earliest, now = (
        datetime.datetime.strptime(group, "%Y%m%dT%H%M%SZ") for group in match.groups()
    )
    assert now - earliest == datetime.timedelta(minutes=15)


def test_a_request_signed_20_minutes_ahead_is_not_yet_current(server: RunningServer) -> None:
    when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=20)
    status, body = raw(server, signed_headers(server, when))
    assert status == 400
    assert body["message"].startswith(
        f"Signature not yet current: {when.strftime('%Y%m%dT%H%M%SZ')} is still later than "
    )
    assert body["message"].endswith(" + 15 min.)")


def test_missing_and_malformed_authorization(server: RunningServer) -> None:
    headers = signed_headers(server, datetime.datetime.now(datetime.UTC))
    authorization = headers.pop("Authorization")
    assert raw(server, headers) == (
        400,
        {
            "__type": "com.amazon.coral.service#MissingAuthenticationTokenException",
            "message": "Request is missing Authentication Token",
        },
    )
    incomplete = authorization.split(", Signature=")[0]
    status, body = raw(server, {**headers, "Authorization": incomplete})
    assert (status, body) == (
        400,
        {
            "__type": "com.amazon.coral.service#IncompleteSignatureException",
            "message": "Authorization header requires 'Signature' parameter. "
            f"Authorization={incomplete}",
        },
    )


def test_a_tampered_body_is_refused_and_does_nothing(server: RunningServer) -> None:
    headers = signed_headers(server, datetime.datetime.now(datetime.UTC))
    headers["X-Amz-Target"] = "DynamoDB_20120810.CreateTable"
    body = json.dumps(
        {
            "TableName": "tampered",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        }
    ).encode()
    status, answer = raw(server, headers, body)
    assert (status, answer["message"]) == (400, MISMATCH)
    assert client(server, "AKIAONE", "secret-one").list_tables()["TableNames"] == []


def test_no_warning_off_loopback_with_sigv4(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text(CREDENTIALS)
    flags = ["--auth", "sigv4", "--credentials", str(path)]
    running = start_server(":memory:", tmp_path, flags=flags, host="0.0.0.0")
    running.stop()
    assert "WARNING" not in running.log.read_text()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--auth", "sigv4"],
            "ddblite: --auth sigv4 needs --credentials FILE (or DDBLITE_CREDENTIALS)",
        ),
        (
            ["--auth", "sigv4", "--credentials", "/nonexistent/credentials"],
            "ddblite: cannot read credentials file /nonexistent/credentials: [Errno 2] No such "
            "file or directory: '/nonexistent/credentials'",
        ),
    ],
)
def test_unusable_auth_settings_stop_the_server_with_one_line(
    flags: list[str], message: str
) -> None:
    command = [sys.executable, "-m", "ddblite", "serve", "--in-memory"]
    command += ["--port", str(free_port()), *flags]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 14  # errors.ExitCode.CREDENTIALS
    assert done.stderr.strip().splitlines() == [message]
