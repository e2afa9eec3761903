"""One Settings value built from command-line flags and environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DB = "./ddblite.db"
MEMORY = ":memory:"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 4566
    db: str = DEFAULT_DB  # a file path, ":memory:", or a postgresql:// URL
    synchronous: str = "FULL"  # SQLite durability: FULL (default) or NORMAL/OFF when asked
    reuse_port: bool = False  # several processes on one port (stateless servers on PostgreSQL)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        default = cls()
        values: dict[str, object] = {
            "host": os.environ.get("DDBLITE_HOST", default.host),
            "port": int(os.environ.get("DDBLITE_PORT", default.port)),
            "db": os.environ.get("DDBLITE_DB", default.db),
            "synchronous": os.environ.get("DDBLITE_SYNCHRONOUS", default.synchronous),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_postgres(self) -> bool:
        return self.db.startswith(("postgresql://", "postgres://"))
