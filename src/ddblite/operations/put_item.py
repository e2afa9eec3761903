"""PutItem: replace an item whole, optionally on a condition."""

from __future__ import annotations

from typing import Any

from ddblite.engine import indexes
from ddblite.engine.database import Caller, Database
from ddblite.model.request_enums import ReturnValues
from ddblite.model.schema import check_item_key
from ddblite.model.values import Item, check_item
from ddblite.operations._shared import request_expressions as rx
from ddblite.operations._shared.common import (
    check_return_values,
    collection_metrics,
    consumed_write,
    old_image,
    wants_capacity,
)
from ddblite.operations._shared.conditions import condition_only


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    return_values = check_return_values(request, (ReturnValues.ALL_OLD, ReturnValues.NONE))
    rx.check_parameters(request, "PutItem")
    item: Item = request["Item"]
    check_item(item)
    check = condition_only(request)
    table = db.table(caller, request["TableName"])
    check_item_key(table.keys, item)
    indexes.check_index_keys(table, item)

    def mutate(old: Item | None) -> Item:
        check(old)
        return item

    result = db.write_item(table, item, mutate)
    out = old_image(return_values, result.old)
    if wants_capacity(request):  # the old item is measured only for a capacity report
        size = max(result.old_size, result.new_size)
        out.update(consumed_write(request, table, size, (result.old, result.new)))
    out.update(collection_metrics(db, request, table, item))
    return out
