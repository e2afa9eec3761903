"""UpdateTimeToLive: enable or disable TTL on one attribute.

DynamoDB refuses a request that would change nothing ("already enabled", "already disabled")
and a change of attribute while TTL is on (disable first). It also refuses any second change
within about an hour of the previous one (its API Reference: "Any additional UpdateTimeToLive
calls for the same table during this one hour duration result in a ValidationException");
we refuse one only while the previous is still ENABLING, so tests can switch TTL freely.
Enabling answers at once: the items already in the table get their expiry indexed in the
background (engine.ttl), DescribeTimeToLive saying ENABLING until then. Disabling has no work
to do here (the sweeper clears stale expiries as it meets them), so it is DISABLED at once,
where DynamoDB passes through DISABLING.
"""

from __future__ import annotations

from typing import Any

from ddblite.engine import catalog, ttl
from ddblite.engine.database import Caller, Database
from ddblite.errors import ValidationException

TTL_CHANGED_TOO_OFTEN = "Time to live has been modified multiple times within a fixed interval"


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    spec = request["TimeToLiveSpecification"]
    enabled, attribute = bool(spec["Enabled"]), spec["AttributeName"]
    table = catalog.require(db, caller, request["TableName"])
    if table.record.ttl_enabling:
        raise ValidationException(TTL_CHANGED_TOO_OFTEN)
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
        ttl.start_enabling(db, catalog.require(db, caller, table.name))
    return {"TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute}}
