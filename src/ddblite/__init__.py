"""ddblite: a DynamoDB-compatible database.

``ddblite.mock()`` routes boto3's DynamoDB calls into an in-process engine; ``ddblite.Engine``
is that engine, for scripts and notebooks. Both are loaded on first use (PEP 562), so
``import ddblite`` stays cheap for the server and the CLI, which need neither botocore hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Engine", "__version__", "mock"]

if TYPE_CHECKING:
    from ddblite.embedded.engine import Engine, mock


def __getattr__(name: str) -> Any:
    if name in ("Engine", "mock"):
        from ddblite.embedded import engine as embedded

        value = getattr(embedded, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ddblite' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
