"""DescribeStream (DynamoDB Streams): status, view type and the stream's single shard."""

from __future__ import annotations

from typing import Any

from ddblite.engine import streams
from ddblite.engine.database import Caller, Database


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    table, stream = streams.find(db, caller, request["StreamArn"])
    description = streams.describe(db, table, stream)
    if request.get("ExclusiveStartShardId") == description["Shards"][0]["ShardId"]:
        description["Shards"] = []  # the page after the only shard
    return {"StreamDescription": description}
