"""GetRecords (DynamoDB Streams): up to Limit (1000) records or 1 MB from a shard iterator."""

from __future__ import annotations

from typing import Any

from ddblite.engine import streams
from ddblite.engine.database import Caller, Database
from ddblite.limits import MAX_STREAM_RECORDS
from ddblite.operations._shared.common import check_limit_at_most


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    limit = check_limit_at_most(request, MAX_STREAM_RECORDS)
    arn, shard, position = streams.parse_iterator(request["ShardIterator"], db.clock())
    table, stream = streams.find(db, caller, arn)
    streams.check_shard(stream, shard)
    return streams.read(db, table, stream, position, limit)
