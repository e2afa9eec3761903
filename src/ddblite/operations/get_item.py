"""GetItem: one item by its key, optionally projected."""

from __future__ import annotations

from typing import Any

from ddblite import expressions
from ddblite.engine.database import Caller, Database
from ddblite.model.schema import check_key
from ddblite.model.values import check_item, item_size
from ddblite.operations._shared import request_expressions as rx
from ddblite.operations._shared.common import consumed_read, wants_capacity


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    rx.check_parameters(request, "GetItem")
    key = request["Key"]
    check_item(key)
    context = expressions.ExpressionContext(request.get("ExpressionAttributeNames"), None)
    projection = rx.projection(request, context)
    context.check_unused()
    table = db.table(caller, request["TableName"])
    check_key(table.keys, key)
    item = db.find_item(table, key)
    # Sizing the item costs about as much as decoding it; only a capacity report needs it.
    size = item_size(item) if item is not None and wants_capacity(request) else 0
    consistent = bool(request.get("ConsistentRead"))
    out = consumed_read(request, table, size, consistent)
    if item is not None:
        out["Item"] = item if projection is None else expressions.project(projection, item)
    return out
