"""GetShardIterator (DynamoDB Streams): TRIM_HORIZON, LATEST, AT_ / AFTER_SEQUENCE_NUMBER."""

from __future__ import annotations

from typing import Any

from ddblite.engine import streams
from ddblite.engine.database import Caller, Database


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    table, stream = streams.find(db, caller, request["StreamArn"])
    token = streams.iterator(
        db,
        table,
        stream,
        request["ShardId"],
        request["ShardIteratorType"],
        request.get("SequenceNumber"),
    )
    return {"ShardIterator": token}
