"""One Settings value built from command-line flags and environment variables."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field, fields

DEFAULT_DB = "./ddblite.db"
MEMORY = ":memory:"


class Auth(enum.StrEnum):
    """How requests are authenticated: ``none`` reads the caller from an unchecked SigV4
    header (fake credentials work); ``sigv4`` verifies every signature against a credentials
    file."""

    NONE = "none"
    SIGV4 = "sigv4"


@dataclass(frozen=True)
class HttpLimits:
    """What one HTTP client may hold of the server: bytes, headers, time and sockets.

    The defaults are other servers' (16 KiB and 100 header lines like nginx and Node, a 5 s
    keep-alive like uvicorn's); a client past them is answered 431 / 408 / 503 and closed.
    """

    max_header_bytes: int = 16 * 1024  # request line plus header block
    max_headers: int = 100
    header_timeout: float = 10.0  # seconds from the first byte (or the connect) to the blank line
    body_timeout: float = 30.0  # seconds for the whole body once the headers are in
    keep_alive_timeout: float = 5.0  # an idle connection between requests is closed after this
    max_connections: int = 1000  # open connections; more are refused at accept with a 503

    @classmethod
    def from_env(cls, **overrides: object) -> HttpLimits:
        """Each limit from ``DDBLITE_<NAME>`` (e.g. DDBLITE_MAX_CONNECTIONS) unless overridden."""
        values: dict[str, object] = {}
        for limit in fields(cls):
            given = overrides.get(limit.name)
            if given is None:
                given = os.environ.get(f"DDBLITE_{limit.name.upper()}")
            if given is not None:
                number = str(given)
                values[limit.name] = int(number) if limit.type == "int" else float(number)
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 4566
    db: str = DEFAULT_DB  # a file path, ":memory:", or a postgresql:// URL
    synchronous: str = "FULL"  # SQLite durability: FULL (default) or NORMAL/OFF when asked
    reuse_port: bool = False  # several processes on one port (stateless servers on PostgreSQL)
    cors_origins: tuple[str, ...] = ()  # browser origins allowed besides loopback ("*": any)
    allow_hosts: tuple[str, ...] = ()  # Host header names allowed besides loopback and --host
    auth: Auth = Auth.NONE
    credentials: str | None = None  # AWS shared-credentials file, for auth=sigv4
    http: HttpLimits = field(default_factory=HttpLimits)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        default = cls()
        env = os.environ
        values: dict[str, object] = {
            "host": env.get("DDBLITE_HOST", default.host),
            "port": int(env.get("DDBLITE_PORT", default.port)),
            "db": env.get("DDBLITE_DB", default.db),
            "synchronous": env.get("DDBLITE_SYNCHRONOUS", default.synchronous),
            "cors_origins": split_list(env.get("DDBLITE_CORS_ORIGINS", "")),
            "allow_hosts": split_list(env.get("DDBLITE_ALLOW_HOSTS", "")),
            "auth": parse_auth(env.get("DDBLITE_AUTH", default.auth), "DDBLITE_AUTH"),
            "credentials": env.get("DDBLITE_CREDENTIALS") or None,
            "http": HttpLimits.from_env(),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_postgres(self) -> bool:
        return self.db.startswith(("postgresql://", "postgres://"))


def parse_auth(value: str, source: str) -> Auth:
    try:
        return Auth(value)
    except ValueError:
        choices = " or ".join(repr(mode.value) for mode in Auth)
        raise ValueError(f"{source} must be {choices}, not {value!r}") from None


def split_list(value: str) -> tuple[str, ...]:
    """A comma-separated environment value as its non-empty items."""
    return tuple(item.strip() for item in value.split(",") if item.strip())
