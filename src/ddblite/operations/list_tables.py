"""ListTables: names in order, at most 100 a page."""

from __future__ import annotations

from typing import Any

from ddblite.engine import catalog
from ddblite.engine.database import Caller, Database
from ddblite.limits import MAX_LIST_TABLES


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    limit = request.get("Limit", MAX_LIST_TABLES)
    return catalog.list_tables(db, caller, request.get("ExclusiveStartTableName"), limit)
