"""SigV4 verification (``--auth sigv4``): DynamoDB's checks in DynamoDB's order, with its texts.

The order and the messages are those recorded against DynamoDB (by dynalite, and in SDK issue
reports): a missing header; malformed ``key=value`` pairs; missing parameters or date
(IncompleteSignatureException); the date's format; its age, 15 minutes either way
(InvalidSignatureException "Signature expired"/"not yet current"); Host among the signed
headers; the algorithm; the credential's five elements; its scope; the key (Unrecognized
ClientException); the signature; the session token. Status 400 for all, as DynamoDB answers.

The signature is recomputed by botocore's own SigV4 code (canonical request, string to sign,
key derivation) over a rebuilt ``AWSRequest``; the one thing overridden is which headers are
signed: exactly those the client listed in SignedHeaders, since botocore never signs some
(User-Agent, Expect) that other SDKs do.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from ddblite.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)
from ddblite.protocol.auth import Identify
from ddblite.protocol.credentials import Principal

SERVICE = "dynamodb"  # the signing name of DynamoDB and DynamoDB Streams alike
ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
MAX_SKEW_SECONDS = 15 * 60
_ISO_BASIC = "%Y%m%dT%H%M%SZ"
_ISO_BASIC_SHAPE = re.compile(r"\d{8}T\d{6}Z")
_REQUIRED = ("Credential", "Signature", "SignedHeaders")

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)
# DynamoDB ends the unknown-key text with a period and the bad-session-token text without.
UNKNOWN_KEY = "The security token included in the request is invalid."
BAD_TOKEN = "The security token included in the request is invalid"


@dataclass(frozen=True)
class SignedRequest:
    """What a signature covers, as it arrived."""

    method: str
    url: str  # scheme://host/path?query; the host stands in when no Host header came
    headers: tuple[tuple[str, str], ...]  # lowercase names, in arrival order
    body: bytes

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name), None)


def signed_request(scope: Mapping[str, Any], body: bytes) -> SignedRequest:
    """The SignedRequest of an ASGI HTTP request."""
    headers = tuple(
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]
    )
    server = scope.get("server") or ("localhost", None)
    host = next((value for name, value in headers if name == "host"), None) or server[0]
    path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    query = scope.get("query_string", b"").decode("latin-1")
    url = f"{scope.get('scheme', 'http')}://{host}{path}" + (f"?{query}" if query else "")
    return SignedRequest(scope["method"], url, headers, body)


@dataclass(frozen=True)
class _Authorization:
    algorithm: str
    credential: str
    signed_headers: tuple[str, ...]
    signature: str


class SigV4Verifier:
    """Checks requests against the keys of a credentials file; ``now`` is the wall clock
    (never an engine's manual clock: SDKs sign with the real time)."""

    def __init__(self, keys: Mapping[str, Principal], now: Callable[[], float] = time.time) -> None:
        self._keys = keys
        self._now = now

    def for_scope(self, scope: Mapping[str, Any], body: bytes) -> Identify:
        """The ``identify`` of dispatch.handle for one ASGI request."""
        return partial(self.caller, signed_request(scope, body))

    def caller(self, request: SignedRequest, authorization: str) -> tuple[str, str]:
        """(account, region) of a correctly signed request, else DynamoDB's error."""
        header = _parse(authorization, request)
        timestamp, signed_at = _timestamp(request)
        self._check_time(timestamp, signed_at)
        if "host" not in header.signed_headers:
            raise InvalidSignatureException(
                "'Host' must be a 'SignedHeader' in the AWS Authorization."
            )
        if header.algorithm != ALGORITHM:
            raise IncompleteSignatureException(
                f"Unsupported AWS 'algorithm': '{header.algorithm}' (only {ALGORITHM} for now). "
            )
        access_key, date, region, service, terminator = _credential(header.credential)
        _check_scope(date, region, service, terminator, timestamp)
        principal = self._keys.get(access_key)
        if principal is None:
            raise UnrecognizedClientException(UNKNOWN_KEY)
        expected = _signature(principal, request, header, timestamp, region)
        if not hmac.compare_digest(expected, header.signature):
            raise InvalidSignatureException(SIGNATURE_MISMATCH)
        token = request.header("x-amz-security-token")
        if not hmac.compare_digest(token or "", principal.session_token or ""):
            raise UnrecognizedClientException(BAD_TOKEN)
        return principal.account, region

    def _check_time(self, timestamp: str, signed: int) -> None:
        now = int(self._now())
        if signed < now - MAX_SKEW_SECONDS:
            raise InvalidSignatureException(
                f"Signature expired: {timestamp} is now earlier than "
                f"{_iso(now - MAX_SKEW_SECONDS)} ({_iso(now)} - 15 min.)"
            )
        if signed > now + MAX_SKEW_SECONDS:
            raise InvalidSignatureException(
                f"Signature not yet current: {timestamp} is still later than "
                f"{_iso(now + MAX_SKEW_SECONDS)} ({_iso(now)} + 15 min.)"
            )


def _parse(authorization: str, request: SignedRequest) -> _Authorization:
    if not authorization.startswith("AWS4-"):
        raise MissingAuthenticationTokenException()
    algorithm, _, rest = authorization.partition(" ")
    params: dict[str, str] = {}
    for pair in rest.replace(" ", "").split(","):
        if not pair:
            continue
        name, equals, value = pair.partition("=")
        if not equals:
            raise IncompleteSignatureException(
                f"'{name}' not a valid key=value pair (missing equal-sign) in Authorization "
                f"header: '{authorization}'."
            )
        params[name] = value
    problems = [
        f"Authorization header requires '{name}' parameter. "
        for name in _REQUIRED
        if not params.get(name) and not (name == "SignedHeaders" and name in params)
    ]
    if request.header("x-amz-date") is None and request.header("date") is None:
        problems.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        )
    if problems:
        raise IncompleteSignatureException("".join(problems) + f"Authorization={authorization}")
    return _Authorization(
        algorithm,
        params["Credential"],
        tuple(name.lower() for name in params["SignedHeaders"].split(";") if name),
        params["Signature"],
    )


def _timestamp(request: SignedRequest) -> tuple[str, int]:
    """The request's time in ISO 8601 basic format, from X-Amz-Date or else Date, and in
    seconds since the epoch."""
    amz_date = request.header("x-amz-date")
    raw = amz_date if amz_date is not None else request.header("date") or ""
    try:
        if amz_date is None:
            moment = parsedate_to_datetime(raw).astimezone(UTC)
            return moment.strftime(_ISO_BASIC), int(moment.timestamp())
        if not _ISO_BASIC_SHAPE.fullmatch(raw):
            raise ValueError(raw)
        # Built from the digits (strptime costs more than the rest of the check): the
        # constructor refuses 20261399T... as strptime would.
        moment = datetime(
            int(raw[0:4]),
            int(raw[4:6]),
            int(raw[6:8]),
            int(raw[9:11]),
            int(raw[11:13]),
            int(raw[13:15]),
            tzinfo=UTC,
        )
        return raw, int(moment.timestamp())
    except (ValueError, TypeError):
        raise IncompleteSignatureException(
            f"Date must be in ISO-8601 'basic format'. Got '{raw}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601"
        ) from None


def _credential(credential: str) -> tuple[str, str, str, str, str]:
    parts = credential.rstrip("/").split("/")
    if len(parts) != 5:
        raise IncompleteSignatureException(
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            f"keyid/date/region/service/term, got '{credential}'"
        )
    return parts[0], parts[1], parts[2], parts[3], parts[4]


def _check_scope(date: str, region: str, service: str, terminator: str, timestamp: str) -> None:
    problems = []
    if not region:
        problems.append(f"Credential should be scoped to a valid region, not '{region}'.")
    if service != SERVICE:
        problems.append(f"Credential should be scoped to correct service: '{SERVICE}'.")
    if terminator != TERMINATOR:
        problems.append(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{terminator}'."
        )
    if date != timestamp[:8]:
        problems.append(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{date}' != '{timestamp[:8]}', from '{timestamp}'."
        )
    if problems:
        raise InvalidSignatureException(" ".join(problems))


def _signature(
    principal: Principal,
    request: SignedRequest,
    header: _Authorization,
    timestamp: str,
    region: str,
) -> str:
    declared_hash = request.header("x-amz-content-sha256")
    if declared_hash is not None and declared_hash != hashlib.sha256(request.body).hexdigest():
        return ""  # a signature over another body (or UNSIGNED-PAYLOAD) never matches
    # The headers go to the signer directly, not onto the AWSRequest: botocore's HTTPHeaders
    # (an email.message) would cost more than the whole rest of the check.
    rebuilt = AWSRequest(method=request.method, url=request.url, data=request.body)
    rebuilt.context["timestamp"] = timestamp
    names = frozenset(header.signed_headers)
    signed = _HeaderLines()
    for name, value in request.headers:
        if name in names:
            signed.setdefault(name, []).append(value)  # repeated headers are joined by botocore
    credentials = ReadOnlyCredentials(
        principal.access_key, principal.secret_key, principal.session_token
    )
    signer = _DeclaredHeadersSigner(credentials, region, signed)
    try:
        canonical = signer.canonical_request(rebuilt)
    except ValueError:  # a Host no URL can hold ("[::1"), reachable with --allow-host '*'
        return ""
    return str(signer.signature(signer.string_to_sign(rebuilt, canonical), rebuilt))


class _HeaderLines(dict[str, list[str]]):
    """Header name -> values, with the one method botocore's canonical_headers reads."""

    def get_all(self, name: str, failobj: list[str] | None = None) -> list[str] | None:
        return self.get(name, failobj)


class _DeclaredHeadersSigner(SigV4Auth):  # type: ignore[misc]  # botocore is untyped
    """botocore's SigV4 over exactly the headers the client says it signed."""

    def __init__(self, credentials: ReadOnlyCredentials, region: str, signed: _HeaderLines):
        super().__init__(credentials, SERVICE, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> _HeaderLines:
        if "host" not in self._signed:
            # In-process requests carry no Host header (botocore leaves it to the HTTP
            # client): botocore's own rule derives it from the URL, as when it signed.
            self._signed["host"] = [super().headers_to_sign(request)["host"]]
        return self._signed


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime(_ISO_BASIC)
