"""TransactWriteItems: up to 100 Put, Update, Delete and ConditionCheck actions over several
tables, all applied or none (engine.transactions).

The request-wide checks run first, in this order, each a plain error:
1. every TransactItem holds exactly one action;
2. every action's expressions (syntax, placeholders, unused names and values);
3. every action's table exists (ResourceNotFoundException);
4. no two actions target one item; no Put item over 400 KB; the actions' items under 4 MB;
5. no key attribute (of the table or of an index) holds an empty string or binary.
Problems of a single action's item (a key of the wrong type, an invalid value, an index key of
the wrong type, an Update that makes the item too large, a failed condition) cancel the
transaction instead: TransactionCanceledException with one CancellationReason per action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ddblite import expressions
from ddblite.engine import indexes, transactions
from ddblite.engine.database import Caller, Database, ItemBlock
from ddblite.errors import (
    DUPLICATE_TARGETS,
    ITEM_TOO_LARGE,
    ValidationException,
)
from ddblite.limits import MAX_TRANSACTION_BYTES
from ddblite.model.request_enums import ReturnConsumedCapacity, ReturnItemCollectionMetrics
from ddblite.model.schema import TableSchema, check_item_key, check_key, encode_key, key_of
from ddblite.model.values import Item, check_item, item_size, value_size
from ddblite.operations._shared.conditions import Check, compile_condition
from ddblite.operations._shared.updates import refuse_key_updates, updated_item

KINDS = ("ConditionCheck", "Put", "Delete", "Update")
MORE_THAN_ONE = "TransactItems can only contain one of Check, Put, Update or Delete"
NONE_GIVEN = "Invalid Request: TransactWriteRequest should contain Delete or Put or Update request"
TOO_LARGE = (
    "Collection size of items exceeded, which can also be caused by the aggregate size of the "
    "items in the transaction exceeding the 4MB limit"
)


@dataclass(slots=True)
class _Plan:
    """One action on its way through the checks."""

    kind: str
    spec: dict[str, Any]
    check: Check
    update: expressions.Update | None
    table: TableSchema | None = None
    key: Item | None = None  # the target's key attributes, once they are known to be valid
    problem: ValidationException | None = None  # refuses the action (a cancellation reason)
    size: int = 0  # bytes counted toward the 4 MB limit


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    items: list[dict[str, Any]] = request["TransactItems"]
    token = None
    if request.get("ClientRequestToken") is not None:
        # Hashed as sent, before the checks rewrite numbers to their canonical spelling.
        token = transactions.Token.of(
            "TransactWriteItems",
            caller.account,
            caller.region,
            request["ClientRequestToken"],
            items,
        )
    plans = [_compile(entry) for entry in items]
    for plan in plans:
        plan.table = db.table(caller, plan.spec["TableName"])
    for plan in plans:
        _check_item(plan)
    _check_request(db, plans)
    want_metrics = ReturnItemCollectionMetrics.of(request) is ReturnItemCollectionMetrics.SIZE
    outcome = transactions.write(
        db,
        [_action(db, plan) for plan in plans],
        token,
        _metrics_of(plans) if want_metrics else None,
    )
    out: dict[str, Any] = {}
    mode = ReturnConsumedCapacity.of(request)
    if outcome.replayed:
        # DynamoDB bills a repeat as reading the items the first call wrote.
        consumed = transactions.read_capacity(mode, outcome.sizes)
    else:
        consumed = transactions.write_capacity(mode, outcome.applied)
    if consumed is not None:
        out["ConsumedCapacity"] = consumed
    if want_metrics and outcome.metrics:
        out["ItemCollectionMetrics"] = outcome.metrics
    return out


def _compile(entry: dict[str, Any]) -> _Plan:
    """The action of one TransactItem with its expressions compiled."""
    kinds = [kind for kind in KINDS if entry.get(kind) is not None]
    if len(kinds) != 1:
        raise ValidationException(MORE_THAN_ONE if kinds else NONE_GIVEN)
    kind = kinds[0]
    spec: dict[str, Any] = entry[kind]
    context = expressions.ExpressionContext(
        spec.get("ExpressionAttributeNames"), spec.get("ExpressionAttributeValues")
    )
    update = context.update(spec["UpdateExpression"]) if kind == "Update" else None
    check = compile_condition(spec, context)
    context.check_unused()
    return _Plan(kind, spec, check, update)


def _check_item(plan: _Plan) -> None:
    """The checks of one action's item against its table: a failure refuses the action."""
    assert plan.table is not None
    keys = plan.table.keys
    try:
        if plan.kind == "Put":
            item: Item = plan.spec["Item"]
            check_item(item)
            check_item_key(keys, item)
            plan.key = key_of(keys, item)
            plan.size = item_size(item)
            indexes.check_index_keys(plan.table, item)
        else:
            key: Item = plan.spec["Key"]
            check_item(key)
            check_key(keys, key)
            plan.key = key
            plan.size = item_size(key) + sum(
                value_size(v) for v in (plan.spec.get("ExpressionAttributeValues") or {}).values()
            )
            if plan.update is not None:
                refuse_key_updates(plan.table, plan.update)
    except ValidationException as error:
        plan.problem = error


def _check_request(db: Database, plans: list[_Plan]) -> None:
    seen: set[tuple[int, bytes, bytes]] = set()
    for plan in plans:
        if plan.key is None:
            continue
        assert plan.table is not None
        ek = encode_key(plan.table.keys, plan.key)
        target = (plan.table.table_id, ek.pk, ek.sk)
        if target in seen:
            raise ValidationException(DUPLICATE_TARGETS)
        seen.add(target)
    for plan in plans:
        if plan.kind == "Put" and plan.size > db.limits.item_bytes:
            raise ValidationException(ITEM_TOO_LARGE)
    if sum(plan.size for plan in plans) > MAX_TRANSACTION_BYTES:
        raise ValidationException(TOO_LARGE)
    for plan in plans:
        if plan.problem is not None and transactions.top_level(plan.problem):
            raise plan.problem


def _action(db: Database, plan: _Plan) -> transactions.Action:
    assert plan.table is not None
    table, check, problem = plan.table, plan.check, plan.problem
    mutate: Callable[[Item | None], Item | None]
    if problem is not None:

        def mutate(old: Item | None) -> Item | None:
            raise problem

        return transactions.Action(table, None, mutate, plan.kind != "ConditionCheck")
    if plan.kind == "Put":
        item: Item = plan.spec["Item"]

        def mutate(old: Item | None) -> Item | None:
            check(old)
            return item

    elif plan.kind == "Update":
        mutate = _updater(db, table, plan)
    elif plan.kind == "Delete":

        def mutate(old: Item | None) -> Item | None:
            check(old)
            return None

    else:

        def mutate(old: Item | None) -> Item | None:
            check(old)
            return old

    return transactions.Action(table, plan.key, mutate, plan.kind != "ConditionCheck")


def _updater(db: Database, table: TableSchema, plan: _Plan) -> Callable[[Item | None], Item | None]:
    update, check, key = plan.update, plan.check, plan.key
    assert update is not None and key is not None

    def mutate(old: Item | None) -> Item | None:
        check(old)
        return updated_item(db, table, update, key, old)

    return mutate


def _metrics_of(
    plans: list[_Plan],
) -> Callable[[ItemBlock, list[transactions.Applied]], dict[str, Any] | None]:
    """ItemCollectionMetrics: one entry per item collection written, for tables with an LSI
    (only they have item collections), measured after the writes."""

    def metrics(block: ItemBlock, applied: list[transactions.Applied]) -> dict[str, Any] | None:
        out: dict[str, list[dict[str, Any]]] = {}
        seen: set[tuple[int, bytes]] = set()
        for plan, table in zip(plans, block.tables, strict=True):
            if plan.kind == "ConditionCheck" or plan.key is None or not indexes.has_lsi(table):
                continue
            ek = encode_key(table.keys, plan.key)
            if (table.table_id, ek.pk) in seen:
                continue
            seen.add((table.table_id, ek.pk))
            size = block.collection_size(table, plan.key)
            out.setdefault(table.name, []).append(indexes.collection_metrics(table, plan.key, size))
        return out or None

    return metrics
