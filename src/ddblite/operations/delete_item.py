"""DeleteItem: remove an item by its key, optionally on a condition."""

from __future__ import annotations

from typing import Any

from ddblite.engine.database import Caller, Database
from ddblite.model.request_enums import ReturnValues
from ddblite.model.schema import check_key
from ddblite.model.values import Item, check_item
from ddblite.operations._shared import request_expressions as rx
from ddblite.operations._shared.common import (
    check_return_values,
    collection_metrics,
    consumed_write,
    old_image,
)
from ddblite.operations._shared.conditions import condition_only


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    return_values = check_return_values(request, (ReturnValues.ALL_OLD, ReturnValues.NONE))
    rx.check_parameters(request, "DeleteItem")
    key = request["Key"]
    check_item(key)
    check = condition_only(request)
    table = db.table(caller, request["TableName"])
    check_key(table.keys, key)

    def mutate(old: Item | None) -> None:
        check(old)
        return None

    result = db.write_item(table, key, mutate)
    return {
        **old_image(return_values, result.old),
        **consumed_write(request, table, result.old_size, (result.old, result.new)),
        **collection_metrics(db, request, table, key),
    }
