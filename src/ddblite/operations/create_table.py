"""CreateTable."""

from __future__ import annotations

from typing import Any

from ddblite.engine import catalog
from ddblite.engine.database import Caller, Database
from ddblite.operations.table_rules import check_create_table


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    billing = check_create_table(request)
    return {"TableDescription": catalog.create_table(db, caller, request, billing)}
