"""DescribeEndpoints: this server is the endpoint; clients may cache it for a day."""

from __future__ import annotations

from typing import Any

from ddblite.engine.database import Caller, Database


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    return {
        "Endpoints": [
            {"Address": f"dynamodb.{caller.region}.amazonaws.com", "CachePeriodInMinutes": 1440}
        ]
    }
