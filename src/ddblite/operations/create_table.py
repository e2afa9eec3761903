"""CreateTable."""

from __future__ import annotations

from typing import Any

from ddblite.engine import catalog, streams
from ddblite.engine.database import Caller, Database
from ddblite.operations._shared.table_rules import check_create_table
from ddblite.operations._shared.tags import check_tags


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    billing = check_create_table(request)
    streams.check_create(request.get("StreamSpecification"))
    check_tags(request.get("Tags") or [])
    table = catalog.create_table(db, caller, catalog.NewTable.from_request(request, billing))
    return {"TableDescription": catalog.describe_created(db, table)}
