"""Browser and network isolation: which Host headers and which browser Origins are answered.

A web page the developer happens to visit can reach a local server: directly (a cross-origin
``fetch``, which CORS governs) or through DNS rebinding (the attacker's name re-resolved to
127.0.0.1, so the request is same-origin to the browser and only its Host header tells). So:

- the Host header must name loopback, the bind address, the address the connection came in on
  (an IP literal cannot be rebound) or a name given with ``--allow-host``;
- a request carrying an Origin must come from a loopback origin (``http(s)://localhost``,
  ``127.0.0.1``, ``[::1]``, any port) or one given with ``--cors-origin``; ``Origin: null``
  (sandboxed frames, ``file:`` pages) is refused unless ``*`` was asked for;
- a preflight is answered with the headers the AWS SDKs send, never an echo of what was asked.

Anything else gets 403 with a DynamoDB-shaped AccessDeniedException before any work. Requests
without a Host header (HTTP/1.0 tools) are answered: no browser sends one, so no page can.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from ddblite.config import Auth
from ddblite.errors import AccessDeniedException
from ddblite.protocol.wire import render_error

ANY = "*"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
REFUSED_STATUS = 403

# What botocore, the JavaScript SDK v3 (x-amz-user-agent: browsers forbid setting User-Agent)
# and the other AWS SDKs put on a DynamoDB request; a browser asks to send exactly these.
SDK_REQUEST_HEADERS = (
    "authorization",
    "content-type",
    "content-encoding",
    "x-amz-date",
    "x-amz-target",
    "x-amz-security-token",
    "x-amz-user-agent",
    "x-amz-content-sha256",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
)
_EXPOSED = (b"access-control-expose-headers", b"x-amzn-RequestId,x-amz-crc32")
_PREFLIGHT = (
    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
    (b"access-control-allow-headers", ", ".join(SDK_REQUEST_HEADERS).encode()),
    (b"access-control-max-age", b"172800"),  # DynamoDB's own value
)
_VARY = (b"vary", b"Origin")

Header = tuple[bytes, bytes]


@dataclass(frozen=True)
class Isolation:
    host_names: frozenset[str]  # lowercase, without port; IPv6 in brackets
    any_host: bool
    origins: frozenset[str]  # exact origins given with --cors-origin, lowercase
    any_origin: bool
    # Host header values accepted by one set lookup (the names with the bound port, and bare):
    # the only cost a request from an SDK pays.
    fast_hosts: frozenset[bytes]

    @classmethod
    def build(
        cls,
        bind_host: str,
        port: int,
        cors_origins: Iterable[str] = (),
        allow_hosts: Iterable[str] = (),
    ) -> Isolation:
        allowed = [host.strip() for host in allow_hosts]
        origins = [origin.strip().lower().rstrip("/") for origin in cors_origins]
        names = LOOPBACK_NAMES | {
            _as_host_name(name) for name in (bind_host, *allowed) if name != ANY
        }
        fast = {name.encode() for name in names} | {f"{name}:{port}".encode() for name in names}
        return cls(
            host_names=frozenset(names),
            any_host=ANY in allowed,
            origins=frozenset(origin for origin in origins if origin != ANY),
            any_origin=ANY in origins,
            fast_hosts=frozenset(fast),
        )

    def host_allowed(self, host: bytes | None, server: tuple[str, int] | None) -> bool:
        """Whether a Host header value (not in ``fast_hosts``) may be answered; ``server`` is
        the local address the connection came in on."""
        if host is None or self.any_host:
            return True
        name = host_name(host.decode("latin-1").lower())
        return name in self.host_names or (
            server is not None and name == _as_host_name(str(server[0]))
        )

    def cors_headers(self, origin: bytes) -> tuple[Header, ...] | None:
        """The CORS headers of the answer to a request from ``origin``; None: refuse it."""
        if self.any_origin:
            return ((b"access-control-allow-origin", b"*"), _EXPOSED)
        text = origin.decode("latin-1").lower()
        if text in self.origins or _is_loopback_origin(text):
            return ((b"access-control-allow-origin", origin), _VARY, _EXPOSED)
        return None

    def preflight_headers(self, cors: tuple[Header, ...]) -> tuple[Header, ...]:
        return (*cors, *_PREFLIGHT, (b"content-length", b"0"))


def refused_host(host: bytes) -> tuple[int, bytes]:
    name = host_name(host.decode("latin-1"))
    return _refusal(
        f"Host '{name}' is not allowed: start ddblite with --allow-host {name} "
        "(or DDBLITE_ALLOW_HOSTS) to accept it"
    )


def refused_origin(origin: bytes) -> tuple[int, bytes]:
    text = origin.decode("latin-1")
    if text == "null":
        return _refusal("Origin 'null' (a sandboxed frame or a file: page) is not allowed")
    return _refusal(
        f"Origin '{text}' is not allowed: start ddblite with --cors-origin {text} "
        "(or DDBLITE_CORS_ORIGINS) to accept it"
    )


def _refusal(message: str) -> tuple[int, bytes]:
    _, body = render_error(AccessDeniedException(message))
    return REFUSED_STATUS, body


def exposure_warning(bind_host: str, auth: Auth) -> str | None:
    """The startup warning for a server reachable from other machines that checks no
    signature, or None."""
    if auth is not Auth.NONE or is_loopback(bind_host):
        return None
    return (
        f"ddblite: WARNING: listening on {bind_host} without --auth sigv4: anyone who can "
        "reach this address can read, change and delete every table"
    )


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(host: str) -> str:
    """The name part of a Host header value (``[::1]:4566`` -> ``[::1]``)."""
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.partition(":")[0]


def _as_host_name(value: str) -> str:
    """A name given on the command line (or an address from the socket) as a Host header
    spells it: lowercase, IPv6 literals in brackets, any port left out."""
    value = value.lower()
    try:
        address = ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return host_name(value)
    return f"[{address}]" if address.version == 6 else str(address)


def _is_loopback_origin(origin: str) -> bool:
    scheme, separator, authority = origin.partition("://")
    if not separator or scheme not in ("http", "https"):
        return False
    name = host_name(authority)
    port = authority[len(name) :]
    return name in LOOPBACK_NAMES and (not port or (port[0] == ":" and port[1:].isdigit()))
