"""ListStreams (DynamoDB Streams): the readable streams of the caller's tables, by table name,
each table's enabled stream first; paged by ExclusiveStartStreamArn."""

from __future__ import annotations

from typing import Any

from ddblite.engine import streams
from ddblite.engine.database import Caller, Database
from ddblite.limits import MAX_LIST_STREAMS
from ddblite.operations._shared.common import check_limit_at_most


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    limit = check_limit_at_most(request, MAX_LIST_STREAMS)
    start = request.get("ExclusiveStartStreamArn")
    names = [request["TableName"]] if "TableName" in request else db.table_names(caller)
    found: list[dict[str, Any]] = []
    now = db.clock()
    for name in names:
        table = db.find_table(caller, name)
        if table is not None:
            found.extend(streams.summary(table, s) for s in streams.streams_of(table, now))
    if start is not None:
        found = _after(found, start)
    out: dict[str, Any] = {"Streams": found[:limit]}
    if len(found) > limit:
        out["LastEvaluatedStreamArn"] = found[limit - 1]["StreamArn"]
    return out


def _after(found: list[dict[str, Any]], start: str) -> list[dict[str, Any]]:
    """The streams after ExclusiveStartStreamArn. A stream that is gone since (its table
    deleted) still marks a place: paging resumes at the next table name."""
    arns = [summary["StreamArn"] for summary in found]
    if start in arns:
        return found[arns.index(start) + 1 :]
    parsed = streams.table_of_arn(start)
    if parsed is None:
        return []
    return [summary for summary in found if summary["TableName"] > parsed[2]]
