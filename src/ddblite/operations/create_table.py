"""CreateTable."""

from __future__ import annotations

import copy
from typing import Any

from ddblite.engine import catalog, streams
from ddblite.engine.database import Caller, Database
from ddblite.operations._shared.table_rules import check_create_table
from ddblite.operations._shared.tags import check_tags

_STREAM_FIELDS = ("StreamSpecification", "LatestStreamLabel", "LatestStreamArn")


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    billing = check_create_table(request)
    spec = request.get("StreamSpecification")
    streams.check_create(spec)
    check_tags(request.get("Tags") or [])
    response = catalog.create_table(db, caller, request, billing)
    if spec is not None and spec.get("StreamEnabled"):
        # The stream starts with the table: enabled before any write can reach it.
        table = catalog.require(db, caller, request["TableName"])
        stored = copy.deepcopy(table.stored)
        streams.update(db, table, stored, spec)
        catalog.save(db, table, stored, table.status)
        for field in _STREAM_FIELDS:
            response[field] = stored["wire"][field]
    return {"TableDescription": response}
