"""DeleteTable."""

from __future__ import annotations

from typing import Any

from ddblite.engine import catalog
from ddblite.engine.database import Caller, Database


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    return {"TableDescription": catalog.delete_table(db, caller, request["TableName"])}
