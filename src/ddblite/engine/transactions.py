"""Transactions: TransactWriteItems' all-or-nothing writes and their ClientRequestToken
idempotency, TransactGetItems' reads, and what both cost.

A write transaction is one ``Database.write_items`` block. Inside it: the token is looked up
(a repeat within 10 minutes replays the recorded outcome and writes nothing); every target
item is read; every action's ``mutate`` decides its item's new state or refuses; only when
none refused are the items stored (index upkeep can still refuse: the LSI limits); then the
token is recorded. Any refusal raises TransactionCanceledException with one reason per action,
in request order, and the block rolls back. Two actions never target one item (the operation
checks), so the order in which the actions see their items does not matter.

DynamoDB reports some item problems for the whole request rather than as a reason: a key
attribute (of the table or of an index) with an empty string or binary value is a plain
ValidationException even when another action's condition failed (``top_level``).
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ddblite.engine import indexes
from ddblite.engine.database import Database, ItemBlock, Mutation
from ddblite.errors import (
    ConditionalCheckFailedException,
    DynamoDBError,
    IdempotentParameterMismatchException,
    ItemCollectionSizeLimitExceededException,
    TransactionCanceledException,
    TransactionConflictException,
    ValidationException,
)
from ddblite.model import capacity
from ddblite.model.request_enums import ReturnConsumedCapacity
from ddblite.model.schema import TableSchema
from ddblite.model.values import Item, item_size

TOKEN_WINDOW = 600.0  # a ClientRequestToken is remembered for 10 minutes
PURGE_EVERY = 60.0  # expired tokens are dropped at most once a minute
# DynamoDB's API reference wording for the error (the service's own text is not documented).
TOKEN_MISMATCH = (
    "DynamoDB rejected the request because you retried a request with a different payload but "
    "with an idempotent token that was already used."
)
TRANSACTION_FACTOR = 2.0  # transactional reads and writes cost twice the plain ones

# The errors an action's item can cause, mapped to their CancellationReason codes.
REFUSALS = (
    ConditionalCheckFailedException,
    ValidationException,
    ItemCollectionSizeLimitExceededException,
)
_CODES = {
    "ConditionalCheckFailedException": "ConditionalCheckFailed",
    "ValidationException": "ValidationError",
    "ItemCollectionSizeLimitExceededException": "ItemCollectionSizeLimitExceeded",
    "TransactionConflictException": "TransactionConflict",
}

_purged: weakref.WeakKeyDictionary[Database, float] = weakref.WeakKeyDictionary()


def top_level(error: DynamoDBError) -> bool:
    """Whether DynamoDB answers this item problem for the whole request instead of as a
    cancellation reason: an empty string or binary value for a table or index key."""
    return isinstance(error, ValidationException) and "cannot contain an empty" in (
        error.message or ""
    )


@dataclass(frozen=True, slots=True)
class Action:
    """One Put, Update, Delete or ConditionCheck. ``mutate(old)`` returns the item's new
    state (None deletes) or raises one of ``REFUSALS``; ``key`` None means the request's key
    was unusable and ``mutate`` refuses without an item. A check (``writes`` False) stores
    nothing."""

    table: TableSchema
    key: Item | None
    mutate: Mutation
    writes: bool = True


@dataclass(frozen=True, slots=True)
class Token:
    """A ClientRequestToken: ``key`` scopes it (operation, account, region, token)."""

    key: str
    request_hash: bytes

    @staticmethod
    def of(operation: str, account: str, region: str, token: str, payload: Any) -> Token:
        digest = hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).digest()
        return Token(f"{operation}\n{account}\n{region}\n{token}", digest)


@dataclass(frozen=True, slots=True)
class Applied:
    """What one action did: its item before and after (a check: the same), their sizes."""

    table: TableSchema
    old: Item | None
    new: Item | None
    old_size: int
    new_size: int
    writes: bool

    @property
    def billed_size(self) -> int:
        return max(self.old_size, self.new_size)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A committed transaction, or (``replayed``) the record of one run earlier under the
    same token: then ``applied`` is empty and ``sizes`` and ``metrics`` are as recorded."""

    applied: list[Applied]
    sizes: list[tuple[str, int]]  # (table name, billed item size) per action
    metrics: dict[str, Any] | None
    replayed: bool = False


MetricsOf = Callable[[ItemBlock, list[Applied]], dict[str, Any] | None]


def write(
    db: Database,
    actions: Sequence[Action],
    token: Token | None = None,
    metrics: MetricsOf | None = None,
) -> Outcome:
    """Run the actions as one transaction (see the module docstring). ``metrics`` computes
    ItemCollectionMetrics inside the block, after the writes, so a replay can return them."""
    tables = [action.table for action in actions]
    keys = [action.key for action in actions]
    try:
        return db.write_items(tables, keys, lambda block: _run(db, block, actions, token, metrics))
    except TransactionConflictException as error:
        # A lock wait that timed out (shared backends): which item it was is unknown.
        raise cancelled([error] * len(actions)) from None


def _run(
    db: Database,
    block: ItemBlock,
    actions: Sequence[Action],
    token: Token | None,
    metrics: MetricsOf | None,
) -> Outcome:
    now = db.clock()
    if token is not None:
        recorded = block.writer.get_token(token.key)
        if recorded is not None and recorded[1] + TOKEN_WINDOW > now:
            if recorded[0] != token.request_hash:
                raise IdempotentParameterMismatchException(TOKEN_MISMATCH)
            return _replay(recorded[2])
    olds = [block.get(i) for i in range(len(actions))]
    news, errors = _decide(actions, olds)
    if any(errors):
        raise cancelled(errors)
    applied = _store(block, actions, olds, news, errors)
    if any(errors):
        raise cancelled(errors)
    out = Outcome(
        applied,
        [(a.table.name, a.billed_size) for a in applied],
        metrics(block, applied) if metrics is not None else None,
    )
    if token is not None:
        record = orjson.dumps({"sizes": out.sizes, "metrics": out.metrics})
        block.writer.put_token(token.key, token.request_hash, now, record)
        if now - _purged.get(db, 0.0) >= PURGE_EVERY:
            block.writer.purge_tokens(now - TOKEN_WINDOW)
            _purged[db] = now
    return out


def _decide(
    actions: Sequence[Action], olds: list[Item | None]
) -> tuple[list[Item | None], list[DynamoDBError | None]]:
    """Every action's new item, or the reason it refused; an error DynamoDB answers top-level
    is raised at once. Failed conditions are all reported, but the first invalid action
    ends the evaluation: DynamoDB gives it ValidationError and every action after it None."""
    news: list[Item | None] = []
    errors: list[DynamoDBError | None] = []
    for action, old in zip(actions, olds, strict=True):
        try:
            news.append(action.mutate(old))
            errors.append(None)
        except REFUSALS as error:
            if top_level(error):
                raise
            news.append(None)
            errors.append(error)
            if isinstance(error, ValidationException):
                rest = len(actions) - len(errors)
                return news + [None] * rest, errors + [None] * rest
    return news, errors


def _store(
    block: ItemBlock,
    actions: Sequence[Action],
    olds: list[Item | None],
    news: list[Item | None],
    errors: list[DynamoDBError | None],
) -> list[Applied]:
    applied: list[Applied] = []
    for i, (action, old, new) in enumerate(zip(actions, olds, news, strict=True)):
        old_size = item_size(old) if old is not None else 0
        if not action.writes:
            applied.append(Applied(block.tables[i], old, old, old_size, old_size, False))
            continue
        new_size = item_size(new) if new is not None else 0
        try:
            block.store(i, old, new, new_size)
        except (ValidationException, ItemCollectionSizeLimitExceededException) as error:
            if top_level(error):
                raise
            errors[i] = error
        applied.append(Applied(block.tables[i], old, new, old_size, new_size, True))
    return applied


def _replay(record: bytes) -> Outcome:
    data = orjson.loads(record)
    return Outcome([], [(name, size) for name, size in data["sizes"]], data["metrics"], True)


def cancelled(errors: Sequence[DynamoDBError | None]) -> TransactionCanceledException:
    """TransactionCanceledException with one CancellationReason per action."""
    return TransactionCanceledException([_reason(error) for error in errors])


def _reason(error: DynamoDBError | None) -> dict[str, Any]:
    if error is None:
        return {"Code": "None"}
    reason: dict[str, Any] = {"Code": _CODES.get(error.code, error.code)}
    if error.message is not None:
        reason["Message"] = error.message
    if isinstance(error, ConditionalCheckFailedException) and error.item is not None:
        reason["Item"] = error.item
    return reason


# --- capacity -----------------------------------------------------------------------------


def write_capacity(
    mode: ReturnConsumedCapacity, applied: Sequence[Applied]
) -> list[dict[str, Any]] | None:
    """ConsumedCapacity of a committed write transaction: per table (by name), twice the
    plain write units of each item (a check: of the item it read) plus, for the indexes, what
    the same writes cost outside a transaction (DynamoDB doubles the table's share only)."""
    if mode is ReturnConsumedCapacity.NONE:
        return None
    tables: dict[str, tuple[float, dict[str, tuple[bool, float]]]] = {}
    for a in applied:
        units, per_index = tables.get(a.table.name, (0.0, {}))
        units += TRANSACTION_FACTOR * capacity.write_units(a.billed_size)
        if a.writes and a.table.indexes:
            for name, (is_global, ix_units) in indexes.write_units(a.table, a.old, a.new).items():
                per_index[name] = (is_global, per_index.get(name, (is_global, 0.0))[1] + ix_units)
        tables[a.table.name] = (units, per_index)
    return [
        _consumed(mode, name, units, per_index, "WriteCapacityUnits")
        for name, (units, per_index) in sorted(tables.items())
    ]


def read_capacity(
    mode: ReturnConsumedCapacity, sizes: Sequence[tuple[str, int]]
) -> list[dict[str, Any]] | None:
    """ConsumedCapacity of TransactGetItems (and of a token replay, which DynamoDB bills as
    reading the items): per table, twice a strongly consistent read of each item, a missing
    item costing one unit like the smallest."""
    if mode is ReturnConsumedCapacity.NONE:
        return None
    tables: dict[str, float] = {}
    for name, size in sizes:
        units = TRANSACTION_FACTOR * capacity.read_units(size, True)
        tables[name] = tables.get(name, 0.0) + units
    return [
        _consumed(mode, name, units, {}, "ReadCapacityUnits")
        for name, units in sorted(tables.items())
    ]


def _consumed(
    mode: ReturnConsumedCapacity,
    table: str,
    units: float,
    per_index: dict[str, tuple[bool, float]],
    axis: str,
) -> dict[str, Any]:
    total = units + sum(u for _, u in per_index.values())
    out: dict[str, Any] = {"TableName": table, "CapacityUnits": total, axis: total}
    if mode is ReturnConsumedCapacity.INDEXES:
        out["Table"] = {"CapacityUnits": units, axis: units}
        for name, (is_global, ix_units) in per_index.items():
            group = "GlobalSecondaryIndexes" if is_global else "LocalSecondaryIndexes"
            out.setdefault(group, {})[name] = {"CapacityUnits": ix_units, axis: ix_units}
    return out
