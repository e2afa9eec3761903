"""DescribeTimeToLive: DISABLED, or ENABLING (the items already stored still having their
expiry indexed, engine.ttl) then ENABLED, with its attribute."""

from __future__ import annotations

from typing import Any

from ddblite.engine import backfill, catalog
from ddblite.engine.database import Caller, Database


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    name = request["TableName"]
    backfill.ensure_running(db, catalog.require(db, caller, name))  # (after a restart)
    table = catalog.require(db, caller, name)
    attribute = table.ttl_attribute
    if attribute is None:
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    status = "ENABLING" if table.record.ttl_enabling else "ENABLED"
    return {"TimeToLiveDescription": {"TimeToLiveStatus": status, "AttributeName": attribute}}
