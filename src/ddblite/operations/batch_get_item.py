"""BatchGetItem: up to 100 items by key over several tables, each table with its own
projection and consistency.

Checks run in DynamoDB's order: per table, its expression parameters, then each key's values,
duplicates and the running total of keys; then per table its existence and each key against the
schema. Reads stop adding items once the response would pass 16 MB; the keys not read come back
in UnprocessedKeys with the table's read parameters, ready to resend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from ddblite import expressions
from ddblite.engine.database import Caller, Database
from ddblite.errors import DUPLICATE_KEYS, ValidationException
from ddblite.limits import MAX_BATCH_GET_KEYS, MAX_BATCH_GET_RESPONSE_BYTES
from ddblite.model import capacity
from ddblite.model.request_enums import ReturnConsumedCapacity
from ddblite.model.schema import TableSchema, check_key
from ddblite.model.values import Item, check_item
from ddblite.operations._shared import request_expressions as rx

TOO_MANY = "Too many items requested for the BatchGetItem call"
# The members of a KeysAndAttributes that UnprocessedKeys repeats beside the keys.
_READ_PARAMETERS = (
    "ProjectionExpression",
    "ExpressionAttributeNames",
    "AttributesToGet",
    "ConsistentRead",
)


@dataclass(slots=True)
class _TableRead:
    name: str
    spec: dict[str, Any]
    projection: Any
    table: TableSchema | None = None


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    requests: dict[str, dict[str, Any]] = request["RequestItems"]
    reads = _check_requests(requests)
    for read in reads:
        read.table = db.table(caller, read.name)
        for key in read.spec["Keys"]:
            check_key(read.table.keys, key)
    responses: dict[str, list[Item]] = {}
    unprocessed: dict[str, dict[str, Any]] = {}
    units: dict[str, float] = {}
    budget = MAX_BATCH_GET_RESPONSE_BYTES
    for read in reads:
        assert read.table is not None
        found, left, budget, units[read.name] = _read_table(db, read, read.table, budget)
        responses[read.name] = found
        if left:
            unprocessed[read.name] = _unprocessed(read.spec, left)
    out: dict[str, Any] = {"Responses": responses, "UnprocessedKeys": unprocessed}
    mode = ReturnConsumedCapacity.of(request)
    if mode is not ReturnConsumedCapacity.NONE:
        out["ConsumedCapacity"] = [
            capacity.consumed(mode, read.name, units[read.name]) for read in reads
        ]
    return out


def _check_requests(requests: dict[str, dict[str, Any]]) -> list[_TableRead]:
    """Every check that needs no table, table by table in request order."""
    reads: list[_TableRead] = []
    total = 0
    for name, spec in requests.items():
        expressions.check_parameters(spec, "BatchGetItem")
        context = expressions.ExpressionContext(spec.get("ExpressionAttributeNames"), None)
        projection = rx.projection(spec, context)
        context.check_unused()
        seen: set[bytes] = set()
        for key in spec["Keys"]:
            check_item(key)  # numbers become canonical, so 1 and 1.0 are one key
            identity = orjson.dumps(key, option=orjson.OPT_SORT_KEYS)
            if identity in seen:
                raise ValidationException(DUPLICATE_KEYS)
            seen.add(identity)
            total += 1
            if total > MAX_BATCH_GET_KEYS:
                raise ValidationException(TOO_MANY)
        reads.append(_TableRead(name, spec, projection))
    return reads


def _read_table(
    db: Database, read: _TableRead, table: TableSchema, budget: int
) -> tuple[list[Item], list[Item], int, float]:
    """(items found, keys left unread, response bytes left, read units) for one table."""
    consistent = bool(read.spec.get("ConsistentRead"))
    found: list[Item] = []
    left: list[Item] = []
    units = 0.0
    for key in read.spec["Keys"]:
        if budget <= 0:
            left.append(key)
            continue
        item, size = db.get_item(table, key)
        if size > budget:
            # This item would push the response past 16 MB: it and every key after it are
            # left for the client to resend.
            left.append(key)
            budget = 0
            continue
        units += capacity.read_units(size, consistent)
        if item is None:
            continue
        budget -= size
        if read.projection is not None:
            item = expressions.project(read.projection, item)
        found.append(item)
    return found, left, budget, units


def _unprocessed(spec: dict[str, Any], keys: list[Item]) -> dict[str, Any]:
    out: dict[str, Any] = {"Keys": keys}
    for name in _READ_PARAMETERS:
        if name in spec:
            out[name] = spec[name]
    return out
