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
    shard_filter = request.get("ShardFilter")
    if shard_filter is not None and shard_filter.get("Type") == "CHILD_SHARDS":
        # Only the shards whose parent is the one named: the single shard has no parent.
        parent = shard_filter.get("ShardId")
        description["Shards"] = [
            shard for shard in description["Shards"] if shard.get("ParentShardId") == parent
        ]
    return {"StreamDescription": description}
