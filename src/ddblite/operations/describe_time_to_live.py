"""DescribeTimeToLive: ENABLED with its attribute, or DISABLED."""

from __future__ import annotations

from typing import Any

from ddblite.engine import catalog
from ddblite.engine.database import Caller, Database


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    table = catalog.require(db, caller, request["TableName"])
    attribute = table.ttl_attribute
    if attribute is None:
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    return {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": attribute}}
