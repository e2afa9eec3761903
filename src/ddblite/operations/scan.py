"""Scan: every item of a table or index, a page at a time, in partition-hash order.

A parallel Scan (Segment i of TotalSegments n) reads the i-th contiguous slice of the hash
space, so the segments together hold every item exactly once. Limit counts items evaluated
(before the filter), a page stops at 1 MB read, and the filter, projection and Select shape
what is returned.
"""

from __future__ import annotations

from typing import Any

from ddblite import expressions
from ddblite.engine.database import Caller, Database
from ddblite.engine.read_plan import ScanPlan
from ddblite.operations._shared import read_rules as rules
from ddblite.operations._shared import request_expressions as rx


def handle(
    db: Database, caller: Caller, request: dict[str, Any], raw: bool = True
) -> dict[str, Any]:
    """``raw=False`` for callers that read the returned items (PartiQL): they get dicts."""
    expressions.check_parameters(request, "Scan")
    start = rules.check_start_values(request)
    segment, total = rules.check_segments(request)
    context = expressions.ExpressionContext(
        request.get("ExpressionAttributeNames"), request.get("ExpressionAttributeValues")
    )
    condition = rules.compile_filter(request, context, "ScanFilter")
    projection = rx.projection(request, context)
    context.check_unused()
    select = rules.check_select(request, "Scan")
    table = db.table(caller, request["TableName"])
    index = rules.find_index(table, request)
    source = rules.source_of(table, index, select, rules.wanted_names(condition, projection))
    rules.check_start_key(source, start, "Scan")
    rules.check_start_segment(source, start, segment, total)
    rules.check_key_paths(table, projection, condition)
    plan = ScanPlan(
        table=table,
        secondary_index=index,
        fetch=source.fetch,
        start=start,
        limit=request.get("Limit"),
        keep=condition.test if condition is not None else None,
        project=rules.shaper(source, select, projection),
        raw=raw,
        segment=segment,
        total_segments=total,
    )
    page = db.scan(plan)
    return rules.response(request, source, page, select)
