"""protocol/isolation.py: which Host headers and Origins are answered, and the startup warning."""

from __future__ import annotations

import json

import pytest

from ddblite.config import Auth
from ddblite.protocol.isolation import (
    SDK_REQUEST_HEADERS,
    Isolation,
    exposure_warning,
    refused_host,
    refused_origin,
)

DEFAULT = Isolation.build("127.0.0.1", 4566)


def allowed(
    isolation: Isolation, host: bytes | None, server: tuple[str, int] | None = None
) -> bool:
    return host in isolation.fast_hosts or isolation.host_allowed(host, server)


@pytest.mark.parametrize(
    "host",
    [
        b"localhost",
        b"localhost:4566",
        b"LOCALHOST:4566",
        b"127.0.0.1:4566",
        b"127.0.0.1:9999",
        b"[::1]:4566",
        b"[::1]",
        None,  # HTTP/1.0 without Host: no browser sends that
    ],
)
def test_loopback_hosts_are_answered(host: bytes | None) -> None:
    assert allowed(DEFAULT, host)


@pytest.mark.parametrize(
    "host",
    [
        b"attacker.example",
        b"attacker.example:4566",
        b"localhost.attacker.example:4566",
        b"127.0.0.1.nip.io:4566",
        b"[::2]:4566",
        b"",
        b"[::1",
    ],
)
def test_other_hosts_are_refused(host: bytes) -> None:
    assert not allowed(DEFAULT, host)


def test_sdk_hosts_take_the_one_lookup_path() -> None:
    assert {b"localhost:4566", b"127.0.0.1:4566", b"[::1]:4566"} <= DEFAULT.fast_hosts


def test_allow_host_and_bind_address() -> None:
    isolation = Isolation.build("0.0.0.0", 8000, allow_hosts=["DDB.internal", "::5"])
    for host in (b"ddb.internal:8000", b"ddb.internal:1", b"0.0.0.0:8000", b"[::5]:8000"):
        assert allowed(isolation, host)
    assert not allowed(isolation, b"other.internal:8000")


def test_allow_host_values_may_carry_a_port_or_brackets() -> None:
    isolation = Isolation.build("127.0.0.1", 8000, allow_hosts=["ddb:4566", "[::5]:1", " X "])
    for host in (b"ddb", b"ddb:4566", b"ddb:1", b"[::5]:8000", b"x:8000"):
        assert allowed(isolation, host)
    assert not allowed(isolation, b"[ddb:4566]")


def test_the_address_the_connection_came_in_on_is_a_host() -> None:
    # An IP literal cannot be rebound: a LAN client of a 0.0.0.0 server names its address.
    isolation = Isolation.build("0.0.0.0", 8000)
    assert allowed(isolation, b"192.168.1.5:8000", ("192.168.1.5", 8000))
    assert not allowed(isolation, b"192.168.1.5:8000", ("10.0.0.1", 8000))
    assert allowed(Isolation.build("::", 8000), b"[fe80::1]:8000", ("fe80::1", 8000))


def test_allow_host_star_accepts_any() -> None:
    assert allowed(Isolation.build("127.0.0.1", 1, allow_hosts=["*"]), b"anything.example")


@pytest.mark.parametrize(
    "origin",
    [
        b"http://localhost",
        b"http://localhost:3000",
        b"https://localhost:8443",
        b"http://127.0.0.1:8001",
        b"http://[::1]:8001",
        b"HTTP://LOCALHOST:3000",
    ],
)
def test_loopback_origins_are_granted_by_name(origin: bytes) -> None:
    assert DEFAULT.cors_headers(origin) == (
        (b"access-control-allow-origin", origin),
        (b"vary", b"Origin"),
        (b"access-control-expose-headers", b"x-amzn-RequestId,x-amz-crc32"),
    )


@pytest.mark.parametrize(
    "origin",
    [
        b"null",
        b"https://attacker.example",
        b"http://localhost.attacker.example",
        b"http://localhost:3000/path",
        b"http://localhost:abc",
        b"ftp://localhost",
        b"file://",
        b"localhost",
        b"",
    ],
)
def test_other_origins_are_refused(origin: bytes) -> None:
    assert DEFAULT.cors_headers(origin) is None


def test_cors_origin_flag() -> None:
    isolation = Isolation.build("127.0.0.1", 1, cors_origins=["https://Admin.example:8443/"])
    granted = isolation.cors_headers(b"https://admin.example:8443")
    assert granted is not None and granted[0] == (
        b"access-control-allow-origin",
        b"https://admin.example:8443",
    )
    assert isolation.cors_headers(b"https://admin.example") is None
    assert isolation.cors_headers(b"http://localhost:1") is not None


def test_explicit_star_grants_every_origin() -> None:
    isolation = Isolation.build("127.0.0.1", 1, cors_origins=["*"])
    for origin in (b"https://anything.example", b"null"):
        assert isolation.cors_headers(origin) == (
            (b"access-control-allow-origin", b"*"),
            (b"access-control-expose-headers", b"x-amzn-RequestId,x-amz-crc32"),
        )


def test_preflight_names_the_sdk_headers_not_the_asked_ones() -> None:
    cors = DEFAULT.cors_headers(b"http://localhost:3000")
    assert cors is not None
    headers = dict(DEFAULT.preflight_headers(cors))
    assert headers[b"access-control-allow-headers"] == (
        b"authorization, content-type, content-encoding, x-amz-date, x-amz-target, "
        b"x-amz-security-token, x-amz-user-agent, x-amz-content-sha256, "
        b"amz-sdk-invocation-id, amz-sdk-request"
    )
    assert headers[b"access-control-allow-methods"] == b"GET, POST, OPTIONS"
    assert len(SDK_REQUEST_HEADERS) == 10


def test_refusals_are_dynamodb_shaped_403s() -> None:
    status, body = refused_host(b"attacker.example:4566")
    assert (status, json.loads(body)) == (
        403,
        {
            "__type": "com.amazon.coral.service#AccessDeniedException",
            "Message": "Host 'attacker.example' is not allowed: start ddblite with "
            "--allow-host attacker.example (or DDBLITE_ALLOW_HOSTS) to accept it",
        },
    )
    status, body = refused_origin(b"https://attacker.example")
    assert (status, json.loads(body)["Message"]) == (
        403,
        "Origin 'https://attacker.example' is not allowed: start ddblite with --cors-origin "
        "https://attacker.example (or DDBLITE_CORS_ORIGINS) to accept it",
    )
    assert json.loads(refused_origin(b"null")[1])["Message"] == (
        "Origin 'null' (a sandboxed frame or a file: page) is not allowed"
    )


def test_exposure_warning() -> None:
    assert exposure_warning("0.0.0.0", Auth.NONE) == (
        "ddblite: WARNING: listening on 0.0.0.0 without --auth sigv4: anyone who can reach "
        "this address can read, change and delete every table"
    )
    for loopback in ("127.0.0.1", "127.0.0.2", "localhost", "::1"):
        assert exposure_warning(loopback, Auth.NONE) is None
    assert exposure_warning("0.0.0.0", Auth.SIGV4) is None
