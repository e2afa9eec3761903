"""Signature checking in process: ``Engine(auth=...)``, ``mock(auth=...)``, ``DDBLITE_AUTH``.
botocore signs in-process requests as it would over the network, so the server's checks apply
unchanged; ``Engine.serve`` applies them and the server's Host/Origin isolation."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

import ddblite
from ddblite.embedded.engine import Engine
from ddblite.protocol.credentials import CredentialsError
from tests.embedded.conftest import create_table

pytestmark = pytest.mark.usefixtures("aws_home")

MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)


@pytest.fixture
def credentials(tmp_path: Path) -> Path:
    path = tmp_path / "ddb-credentials"
    path.write_text(
        "[one]\naws_access_key_id = AKIAONE\naws_secret_access_key = secret-one\n"
        "aws_account_id = 111111111111\n"
        "[two]\naws_access_key_id = AKIATWO\naws_secret_access_key = secret-two\n"
    )
    return path


def error(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_engine_verifies_and_names_accounts(credentials: Path) -> None:
    with Engine(auth="sigv4", credentials=credentials) as engine:
        one = engine.client(aws_access_key_id="AKIAONE", aws_secret_access_key="secret-one")
        two = engine.client(aws_access_key_id="AKIATWO", aws_secret_access_key="secret-two")
        create_table(one)
        assert one.list_tables()["TableNames"] == ["items"]
        assert two.list_tables()["TableNames"] == []
        arn = one.describe_table(TableName="items")["Table"]["TableArn"]
        assert arn == "arn:aws:dynamodb:us-east-1:111111111111:table/items"
        wrong = engine.client(aws_access_key_id="AKIAONE", aws_secret_access_key="nope")
        assert error(wrong.list_tables) == ("InvalidSignatureException", MISMATCH, 400)
        unknown = engine.client(aws_access_key_id="AKIAX", aws_secret_access_key="x")
        assert error(unknown.list_tables) == (
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            400,
        )


def test_mock_verifies(credentials: Path) -> None:
    with ddblite.mock(auth="sigv4", credentials=credentials):
        good = boto3.client(
            "dynamodb", aws_access_key_id="AKIATWO", aws_secret_access_key="secret-two"
        )
        assert good.list_tables()["TableNames"] == []
        # mock() put the fake key in the environment; the credentials file does not know it.
        fake = boto3.client("dynamodb")
        assert error(fake.list_tables)[0] == "UnrecognizedClientException"


def test_environment_turns_it_on(credentials: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DDBLITE_AUTH", "sigv4")
    monkeypatch.setenv("DDBLITE_CREDENTIALS", str(credentials))
    with Engine() as engine:
        assert error(engine.client().list_tables)[0] == "UnrecognizedClientException"
    monkeypatch.setenv("DDBLITE_AUTH", "none")
    with Engine() as engine:
        assert engine.client().list_tables()["TableNames"] == []


def test_unchecked_by_default() -> None:
    with Engine() as engine:
        assert engine.verifier is None
        assert engine.client(aws_access_key_id="any", aws_secret_access_key="any").list_tables()


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="--auth sigv4 needs --credentials FILE"):
        Engine(auth="sigv4")
    with pytest.raises(ValueError, match="auth must be 'none' or 'sigv4', not 'sigv5'"):
        Engine(auth="sigv5")
    with pytest.raises(CredentialsError, match="cannot read credentials file"):
        Engine(auth="sigv4", credentials=tmp_path / "missing")


def test_serve_checks_signatures_and_hosts(credentials: Path) -> None:
    with Engine(auth="sigv4", credentials=credentials) as engine, engine.serve() as server:
        good = server.client(aws_access_key_id="AKIAONE", aws_secret_access_key="secret-one")
        assert good.list_tables()["TableNames"] == []
        bad = server.client(aws_access_key_id="AKIAONE", aws_secret_access_key="nope")
        assert error(bad.list_tables) == ("InvalidSignatureException", MISMATCH, 400)
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/", headers={"Host": "attacker.example"})
        response = connection.getresponse()
        assert response.status == 403
        assert json.loads(response.read())["__type"] == (
            "com.amazon.coral.service#AccessDeniedException"
        )
        connection.close()
