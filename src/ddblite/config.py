"""One Settings value built from command-line flags and environment variables."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass

DEFAULT_DB = "./ddblite.db"
MEMORY = ":memory:"


class Auth(enum.StrEnum):
    """How requests are authenticated: ``none`` reads the caller from an unchecked SigV4
    header (fake credentials work); ``sigv4`` verifies every signature against a credentials
    file."""

    NONE = "none"
    SIGV4 = "sigv4"


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
