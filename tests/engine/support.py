"""Driving the engine in process, through the same request path as the server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from ddblite.clock import ManualClock
from ddblite.engine.database import Database
from ddblite.protocol import dispatch
from ddblite.protocol.shapes.check import known_stream_operations
from ddblite.storage.base import StorageBackend
from tests.storage.conftest import opener

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20240101/us-east-1/dynamodb/aws4_request,"
    " SignedHeaders=host, Signature=0"
)
NOW = 1_700_000_000.0


def open_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StorageBackend]:
    """The body of a parametrized ``backend`` fixture (``request.param`` names the backend)."""
    store = opener(request.param, request, tmp_path)()
    yield store
    store.close()


def database(backend: StorageBackend, clock: ManualClock) -> Database:
    return Database(backend, clock=clock.now)


def call(db: Database, operation: str, **request: Any) -> tuple[int, dict[str, Any]]:
    prefix = (
        "DynamoDBStreams_20120810"
        if operation in known_stream_operations()
        else "DynamoDB_20120810"
    )
    status, body = dispatch.handle(db, f"{prefix}.{operation}", AUTH, orjson.dumps(request))
    return status, orjson.loads(body) if body else {}  # TagResource answers an empty body


def ok(db: Database, operation: str, **request: Any) -> dict[str, Any]:
    status, body = call(db, operation, **request)
    assert status == 200, body
    return body
