"""UpdateItem: change an item's attributes in place, creating the item if it is absent."""

from __future__ import annotations

from typing import Any

from ddblite import expressions
from ddblite.engine.database import Caller, Database
from ddblite.model.request_enums import ReturnValues
from ddblite.model.schema import check_key
from ddblite.model.values import Item, check_item
from ddblite.operations._shared import request_expressions as rx
from ddblite.operations._shared.common import collection_metrics, consumed_write, wants_capacity
from ddblite.operations._shared.conditions import compile_condition
from ddblite.operations._shared.updates import refuse_key_updates, updated_item


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    return_values = ReturnValues.of(request)
    rx.check_parameters(request, "UpdateItem")
    key: Item = request["Key"]
    check_item(key)
    context = expressions.ExpressionContext(
        request.get("ExpressionAttributeNames"), request.get("ExpressionAttributeValues")
    )
    update = _compile_update(request, context)
    check = compile_condition(request, context)
    context.check_unused()
    table = db.table(caller, request["TableName"])
    check_key(table.keys, key)
    if update is not None:
        refuse_key_updates(table, update)

    def mutate(old: Item | None) -> Item | None:
        check(old)
        if update is None:
            return old if old is not None else dict(key)
        return updated_item(db, table, update, key, old)

    result = db.write_item(table, key, mutate)
    out = _returned(return_values, update, result.old, result.new)
    if wants_capacity(request):  # the old item is measured only for a capacity report
        size = max(result.old_size, result.new_size)
        out.update(consumed_write(request, table, size, (result.old, result.new)))
    out.update(collection_metrics(db, request, table, key))
    return out


def _compile_update(
    request: dict[str, Any], context: expressions.ExpressionContext
) -> expressions.Update | None:
    text = request.get("UpdateExpression")
    if text is not None:
        return context.update(text)
    if request.get("AttributeUpdates") is not None:
        return expressions.legacy_attribute_updates(request["AttributeUpdates"])
    return None


def _returned(
    mode: ReturnValues, update: expressions.Update | None, old: Item | None, new: Item | None
) -> dict[str, Any]:
    if mode is ReturnValues.ALL_OLD:
        return {"Attributes": old} if old else {}
    if mode is ReturnValues.ALL_NEW:
        return {"Attributes": new} if new else {}
    if mode in (ReturnValues.UPDATED_OLD, ReturnValues.UPDATED_NEW) and update is not None:
        source = old if mode is ReturnValues.UPDATED_OLD else new
        if source is None:
            return {}
        info = expressions.UpdatedPaths(update.paths)
        attributes = expressions.updated_attributes(source, info)
        return {"Attributes": attributes} if attributes else {}
    return {}
