"""protocol/sigv4.py: DynamoDB's signature checks, in its order, with its texts.

Requests are signed by botocore itself at a fixed time (2026-01-01T00:00:00Z); the verifier's
clock is set relative to it. Texts are DynamoDB's as recorded by dynalite and in SDK reports.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ddblite.config import Auth
from ddblite.errors import (
    DynamoDBError,
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)
from ddblite.protocol.auth import verifier_for
from ddblite.protocol.credentials import CredentialsError, Principal
from ddblite.protocol.sigv4 import SignedRequest, SigV4Verifier

SIGNED_AT = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
EPOCH = SIGNED_AT.timestamp()
KEYS = {
    "AKIAONE": Principal("AKIAONE", "secret-one", None, "111111111111"),
    "ASIATEMP": Principal("ASIATEMP", "secret-temp", "token-temp", "333333333333"),
}
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)


@pytest.fixture(autouse=True)
def fixed_signing_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: SIGNED_AT)
    yield


def verifier(skew: float = 0) -> SigV4Verifier:
    return SigV4Verifier(KEYS, now=lambda: EPOCH + skew)


def signed(
    key: str = "AKIAONE",
    secret: str = "secret-one",
    token: str | None = None,
    body: bytes = b"{}",
    region: str = "us-east-1",
    service: str = "dynamodb",
    host: str | None = "localhost:4566",
) -> tuple[SignedRequest, str]:
    """A request botocore signed, as the server receives it, and its Authorization."""
    request = AWSRequest(
        "POST",
        "http://localhost:4566/",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "User-Agent": "test",
        },
        data=body,
    )
    SigV4Auth(Credentials(key, secret, token), service, region).add_auth(request)
    headers = [(name.lower(), value) for name, value in request.headers.items()]
    if host is not None:
        headers.append(("host", host))
    authorization = request.headers["Authorization"]
    return SignedRequest("POST", request.url, tuple(headers), body), authorization


def replace_header(request: SignedRequest, name: str, value: str | None) -> SignedRequest:
    headers = tuple(item for item in request.headers if item[0] != name)
    if value is not None:
        headers += ((name, value),)
    return SignedRequest(request.method, request.url, headers, request.body)


def error_of(request: SignedRequest, authorization: str, skew: float = 0) -> DynamoDBError:
    with pytest.raises(DynamoDBError) as info:
        verifier(skew).caller(request, authorization)
    return info.value


def test_a_correct_signature_names_the_key_account_and_region() -> None:
    assert verifier().caller(*signed()) == ("111111111111", "us-east-1")
    assert verifier().caller(*signed(region="eu-west-1")) == ("111111111111", "eu-west-1")
    assert verifier().caller(*signed("ASIATEMP", "secret-temp", "token-temp")) == (
        "333333333333",
        "us-east-1",
    )


def test_in_process_requests_have_no_host_header() -> None:
    # botocore leaves Host to urllib3; the verifier derives it from the URL as botocore did.
    assert verifier().caller(*signed(host=None)) == ("111111111111", "us-east-1")


def test_skew_within_15_minutes_either_way_is_accepted() -> None:
    for skew in (-900, 900):
        assert verifier(skew).caller(*signed())[0] == "111111111111"


def test_missing_authorization() -> None:
    request, _ = signed()
    for authorization in ("", "Basic abc", "AWS3 Credential=x"):
        error = error_of(request, authorization)
        assert isinstance(error, MissingAuthenticationTokenException)
        assert (error.status, error.message) == (400, "Request is missing Authentication Token")


def test_a_pair_without_equal_sign() -> None:
    request, _ = signed()
    header = "AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders"
    error = error_of(request, header)
    assert isinstance(error, IncompleteSignatureException)
    assert error.message == (
        "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: "
        "'AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders'."
    )


def test_missing_parameters_and_date() -> None:
    request = replace_header(signed()[0], "x-amz-date", None)
    error = error_of(request, "AWS4-HMAC-SHA256 Foo=bar")
    assert isinstance(error, IncompleteSignatureException)
    assert error.body() == {
        "__type": "com.amazon.coral.service#IncompleteSignatureException",
        "message": "Authorization header requires 'Credential' parameter. Authorization header "
        "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
        "parameter. Authorization header requires existence of either a 'X-Amz-Date' or a "
        "'Date' header. Authorization=AWS4-HMAC-SHA256 Foo=bar",
    }


def test_a_malformed_date() -> None:
    request, authorization = signed()
    for bad in ("201", "20260101T000000", "20261399T000000Z"):
        error = error_of(replace_header(request, "x-amz-date", bad), authorization)
        assert isinstance(error, IncompleteSignatureException)
        assert error.message == (
            f"Date must be in ISO-8601 'basic format'. Got '{bad}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601"
        )


def test_expired_and_future_signatures() -> None:
    error = error_of(*signed(), skew=16 * 60)
    assert isinstance(error, InvalidSignatureException)
    assert error.body() == {
        "__type": "com.amazon.coral.service#InvalidSignatureException",
        "message": "Signature expired: 20260101T000000Z is now earlier than 20260101T000100Z "
        "(20260101T001600Z - 15 min.)",
    }
    error = error_of(*signed(), skew=-16 * 60)
    assert isinstance(error, InvalidSignatureException)
    assert error.message == (
        "Signature not yet current: 20260101T000000Z is still later than 20251231T235900Z "
        "(20251231T234400Z + 15 min.)"
    )


def test_a_date_header_stands_in_for_x_amz_date() -> None:
    request, authorization = signed()
    request = replace_header(request, "x-amz-date", None)
    request = replace_header(request, "date", "Thu, 01 Jan 2026 00:00:00 GMT")
    # Accepted as a date; the signature covered x-amz-date, which is now gone.
    error = error_of(request, authorization)
    assert (type(error), error.message) == (InvalidSignatureException, MISMATCH)


def test_host_must_be_signed() -> None:
    request, authorization = signed()
    error = error_of(
        request,
        authorization.replace("SignedHeaders=content-type;host;", "SignedHeaders=content-type;"),
    )
    assert isinstance(error, InvalidSignatureException)
    assert error.message == "'Host' must be a 'SignedHeader' in the AWS Authorization."


def test_unsupported_algorithm() -> None:
    request, authorization = signed()
    error = error_of(request, authorization.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA25"))
    assert isinstance(error, IncompleteSignatureException)
    assert error.message == (
        "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). "
    )


def test_credential_with_the_wrong_number_of_elements() -> None:
    request, authorization = signed()
    bad = authorization.replace("/us-east-1/dynamodb/aws4_request", "/us-east-1/dynamodb")
    error = error_of(request, bad)
    assert isinstance(error, IncompleteSignatureException)
    assert error.message == (
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got 'AKIAONE/20260101/us-east-1/dynamodb'"
    )
    # Trailing slashes are ignored.
    ok = authorization.replace("aws4_request", "aws4_request//")
    assert verifier().caller(request, ok)[0] == "111111111111"


def test_credential_scope() -> None:
    request, authorization = signed()
    bad = authorization.replace(
        "AKIAONE/20260101/us-east-1/dynamodb/aws4_request", "AKIAONE/b//d/e"
    )
    error = error_of(request, bad)
    assert isinstance(error, InvalidSignatureException)
    assert error.message == (
        "Credential should be scoped to a valid region, not ''. "
        "Credential should be scoped to correct service: 'dynamodb'. "
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. "
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: 'b' != '20260101', from '20260101T000000Z'."
    )


def test_unknown_key() -> None:
    error = error_of(*signed("AKIAUNKNOWN", "whatever"))
    assert isinstance(error, UnrecognizedClientException)
    assert error.body() == {
        "__type": "com.amazon.coral.service#UnrecognizedClientException",
        "message": "The security token included in the request is invalid.",
    }


def test_wrong_secret() -> None:
    error = error_of(*signed(secret="not-the-secret"))
    assert isinstance(error, InvalidSignatureException)
    assert (error.status, error.message) == (400, MISMATCH)


def test_tampered_body_header_or_target() -> None:
    request, authorization = signed()
    tampered = [
        SignedRequest(request.method, request.url, request.headers, b'{"Limit": 1}'),
        replace_header(request, "x-amz-target", "DynamoDB_20120810.DeleteTable"),
        replace_header(request, "host", "attacker.example"),
    ]
    for bad in tampered:
        error = error_of(bad, authorization)
        assert (type(error), error.message) == (InvalidSignatureException, MISMATCH)


def test_a_declared_body_hash_must_be_the_body_s() -> None:
    request, authorization = signed()
    for declared in ("UNSIGNED-PAYLOAD", "0" * 64):
        error = error_of(replace_header(request, "x-amz-content-sha256", declared), authorization)
        assert (type(error), error.message) == (InvalidSignatureException, MISMATCH)


def test_session_token_must_match() -> None:
    cases = [
        signed("ASIATEMP", "secret-temp", "another-token"),
        signed("ASIATEMP", "secret-temp", None),
        signed("AKIAONE", "secret-one", "a-token-the-key-has-not"),
    ]
    for request, authorization in cases:
        error = error_of(request, authorization)
        assert isinstance(error, UnrecognizedClientException)
        # DynamoDB's text for a bad token has no final period (the unknown key's has one).
        assert error.message == "The security token included in the request is invalid"


def test_headers_botocore_never_signs_are_verified_when_declared() -> None:
    # Other SDKs sign User-Agent; the verifier signs exactly the declared list.
    request = AWSRequest(
        "POST",
        "http://localhost:4566/",
        headers={"X-Amz-Target": "DynamoDB_20120810.ListTables", "User-Agent": "go-sdk"},
        data=b"{}",
    )
    signer = SigV4Auth(Credentials("AKIAONE", "secret-one"), "dynamodb", "us-east-1")
    request.context["timestamp"] = "20260101T000000Z"
    request.headers["X-Amz-Date"] = "20260101T000000Z"
    headers = signer.headers_to_sign(request)
    headers["user-agent"] = "go-sdk"
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            signer.canonical_headers(headers) + "\n",
            signer.signed_headers(headers),
            signer.payload(request),
        ]
    )
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    authorization = (
        "AWS4-HMAC-SHA256 Credential=AKIAONE/20260101/us-east-1/dynamodb/aws4_request, "
        f"SignedHeaders={signer.signed_headers(headers)}, Signature={signature}"
    )
    received = SignedRequest(
        "POST",
        request.url,
        (
            ("x-amz-target", "DynamoDB_20120810.ListTables"),
            ("user-agent", "go-sdk"),
            ("x-amz-date", "20260101T000000Z"),
            ("host", "localhost:4566"),
        ),
        b"{}",
    )
    assert "user-agent" in authorization
    assert verifier().caller(received, authorization)[0] == "111111111111"
    altered = replace_header(received, "user-agent", "other")
    assert error_of(altered, authorization).message == MISMATCH


def test_verifier_for(tmp_path: Path) -> None:
    assert verifier_for(Auth.NONE, None) is None
    with pytest.raises(CredentialsError, match=r"--auth sigv4 needs --credentials FILE"):
        verifier_for(Auth.SIGV4, None)
    with pytest.raises(CredentialsError, match=r"--credentials is only read with --auth sigv4"):
        verifier_for(Auth.NONE, tmp_path / "credentials")
    path = tmp_path / "credentials"
    path.write_text("[default]\naws_access_key_id = AKIAONE\naws_secret_access_key = s\n")
    assert isinstance(verifier_for(Auth.SIGV4, path), SigV4Verifier)


def test_a_host_no_url_can_hold_is_a_mismatch_not_a_crash() -> None:
    request, authorization = signed()
    request = replace_header(request, "host", "[::1")
    request = SignedRequest(request.method, "http://[::1/", request.headers, request.body)
    error = error_of(request, authorization)
    assert (type(error), error.message) == (InvalidSignatureException, MISMATCH)
