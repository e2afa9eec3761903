"""One Settings value built from command-line flags and environment variables.

Every value is read the same way: the flag if given, else its ``DDBLITE_<NAME>`` variable,
else the default; a value that does not parse is a ``BadSetting`` naming where it came from
(``--port``, ``DDBLITE_PORT``), so the server refuses it with one line instead of a traceback.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import TypeVar

from ddblite.errors import BadSetting

DEFAULT_DB = "./ddblite.db"
MEMORY = ":memory:"
SYNCHRONOUS_MODES = ("FULL", "NORMAL", "OFF")

T = TypeVar("T")
E = TypeVar("E", bound=enum.StrEnum)


class Auth(enum.StrEnum):
    """How requests are authenticated: ``none`` reads the caller from an unchecked SigV4
    header (fake credentials work); ``sigv4`` verifies every signature against a credentials
    file."""

    NONE = "none"
    SIGV4 = "sigv4"


class LogLevel(enum.StrEnum):
    DEBUG = "debug"
    INFO = "info"  # adds a line per failed request
    WARNING = "warning"
    ERROR = "error"


class LogFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"  # one JSON object per line, for log collectors


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
        default = cls()
        values: dict[str, object] = {}
        for limit in fields(cls):
            parse = parse_positive_int if limit.type == "int" else parse_positive_float
            values[limit.name] = setting(overrides, limit.name, parse, getattr(default, limit.name))
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
    log_level: LogLevel = LogLevel.WARNING
    log_format: LogFormat = LogFormat.TEXT
    access_log: bool = False  # a line per request at info, whatever the log level
    allow_any_region: bool = False  # accept a region botocore does not know for DynamoDB
    shared_db: bool = False  # one namespace for every access key and region (DynamoDB Local's)
    http: HttpLimits = field(default_factory=HttpLimits)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Each setting from ``overrides`` (the flags; None when not given), else its
        ``DDBLITE_<NAME>`` variable, else the default."""
        default = cls()
        no_names: tuple[str, ...] = ()
        values: dict[str, object] = {
            "host": setting(overrides, "host", parse_text, default.host),
            "port": setting(overrides, "port", parse_port, default.port),
            "db": setting(overrides, "db", parse_text, default.db),
            "synchronous": setting(overrides, "synchronous", parse_synchronous, "FULL"),
            "reuse_port": setting(overrides, "reuse_port", parse_bool, default.reuse_port),
            "cors_origins": setting(overrides, "cors_origins", parse_list, no_names),
            "allow_hosts": setting(overrides, "allow_hosts", parse_list, no_names),
            "auth": setting(overrides, "auth", choice(Auth), default.auth),
            "credentials": setting(overrides, "credentials", parse_text, None) or None,
            "log_level": setting(overrides, "log_level", choice(LogLevel), default.log_level),
            "log_format": setting(overrides, "log_format", choice(LogFormat), default.log_format),
            "access_log": setting(overrides, "access_log", parse_bool, default.access_log),
            "allow_any_region": setting(
                overrides, "allow_any_region", parse_bool, default.allow_any_region
            ),
            "shared_db": setting(overrides, "shared_db", parse_bool, default.shared_db),
        }
        http = overrides.get("http")
        values["http"] = http if isinstance(http, HttpLimits) else HttpLimits.from_env()
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_postgres(self) -> bool:
        return self.db.startswith(("postgresql://", "postgres://"))


def env_name(name: str) -> str:
    """The environment variable of a setting: ``max_headers`` -> ``DDBLITE_MAX_HEADERS``."""
    return "DDBLITE_" + name.upper()


def setting(
    overrides: Mapping[str, object], name: str, parse: Callable[[object, str], T], default: T
) -> T:
    """The flag's value if given, else the environment's, else ``default``; parsed with the
    flag or variable named in any error."""
    given = overrides.get(name)
    if given is not None:
        return parse(given, "--" + name.replace("_", "-"))
    variable = env_name(name)
    text = os.environ.get(variable)
    if text is None or text == "":
        return default
    return parse(text, variable)


def parse_text(value: object, source: str) -> str:
    return str(value)


def parse_port(value: object, source: str) -> int:
    port = _integer(value, source)
    if not 1 <= port <= 65535:
        raise BadSetting(f"{source} must be a port number from 1 to 65535, not {value}")
    return port


def parse_positive_int(value: object, source: str) -> int:
    number = _integer(value, source)
    if number < 1:
        raise BadSetting(f"{source} must be a positive whole number, not {value}")
    return number


def parse_positive_float(value: object, source: str) -> float:
    try:
        number = float(str(value))
    except ValueError:
        raise BadSetting(f"{source} must be a number of seconds, not {value!r}") from None
    if not number > 0:
        raise BadSetting(f"{source} must be more than 0, not {value}")
    return number


def _integer(value: object, source: str) -> int:
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise BadSetting(f"{source} must be a whole number, not {value!r}") from None


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def parse_bool(value: object, source: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise BadSetting(f"{source} must be 1/true/yes/on or 0/false/no/off, not {value!r}")


def parse_synchronous(value: object, source: str) -> str:
    mode = str(value).strip().upper()
    if mode not in SYNCHRONOUS_MODES:
        choices = ", ".join(SYNCHRONOUS_MODES)
        raise BadSetting(f"{source} must be one of {choices}, not {value!r}")
    return mode


def parse_list(value: object, source: str) -> tuple[str, ...]:
    if isinstance(value, tuple | list):
        return tuple(str(item) for item in value)
    return split_list(str(value))


def choice(kind: type[E]) -> Callable[[object, str], E]:
    """A parser for one of an enum's values, case-insensitive."""

    def parse(value: object, source: str) -> E:
        try:
            return kind(str(value).strip().lower())
        except ValueError:
            choices = " or ".join(repr(member.value) for member in kind)
            raise BadSetting(f"{source} must be {choices}, not {value!r}") from None

    return parse


def parse_auth(value: str, source: str) -> Auth:
    return choice(Auth)(value, source)


def split_list(value: str) -> tuple[str, ...]:
    """A comma-separated environment value as its non-empty items."""
    return tuple(item.strip() for item in value.split(",") if item.strip())
