"""UpdateTimeToLive: enable or disable TTL on one attribute.

DynamoDB refuses a request that would change nothing ("already enabled", "already disabled")
and a change of attribute while TTL is on (disable first). It also refuses a second change
within about an hour of the previous one; we do not, so tests can switch TTL freely.
Enabling takes effect at once (DynamoDB reports ENABLING for up to an hour): the items
already in the table get their expiry indexed before the call returns.
"""

from __future__ import annotations

from typing import Any

from ddblite.engine import catalog, ttl
from ddblite.engine.database import Caller, Database
from ddblite.errors import ValidationException


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    spec = request["TimeToLiveSpecification"]
    enabled, attribute = bool(spec["Enabled"]), spec["AttributeName"]
    table = catalog.require(db, caller, request["TableName"])
    current = table.ttl_attribute
    if current is not None and current != attribute:
        raise ValidationException(
            f"TimeToLive is active on a different AttributeName: current AttributeName is {current}"
        )
    if enabled and current is not None:
        raise ValidationException("TimeToLive is already enabled")
    if not enabled and current is None:
        raise ValidationException("TimeToLive is already disabled")
    catalog.set_ttl(db, table, attribute if enabled else None)
    if enabled:
        for _ in ttl.backfill(db, catalog.require(db, caller, table.name), attribute):
            pass
    return {"TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute}}
