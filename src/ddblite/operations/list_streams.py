"""ListStreams (DynamoDB Streams): the readable streams of the caller's tables, by table name,
each table's enabled stream first; paged by ExclusiveStartStreamArn."""

from __future__ import annotations

from typing import Any

from ddblite.engine import streams
from ddblite.engine.database import Caller, Database
from ddblite.limits import MAX_LIST_STREAMS


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    limit = request.get("Limit", MAX_LIST_STREAMS)
    start = request.get("ExclusiveStartStreamArn")
    names = [request["TableName"]] if "TableName" in request else db.table_names(caller)
    found: list[dict[str, Any]] = []
    now = db.clock()
    for name in names:
        table = db.find_table(caller, name)
        if table is not None:
            found.extend(streams.summary(table, s) for s in streams.streams_of(table, now))
    if start is not None:
        arns = [summary["StreamArn"] for summary in found]
        found = found[arns.index(start) + 1 :] if start in arns else []
    out: dict[str, Any] = {"Streams": found[:limit]}
    if len(found) > limit:
        out["LastEvaluatedStreamArn"] = found[limit - 1]["StreamArn"]
    return out
