"""Writing a table's stream log: one record per item change, inside the change's own write.

Every item write of a table with an enabled stream calls ``record_change`` from inside its
storage ``write()`` block (``Database.store``), so a record exists exactly when its write
committed, in per-item order. This module is that write-path piece alone: the database needs
it, while the Streams API and the retention trim (engine.streams) need the database.

A record is stored without the fields that only depend on the stream or the table
(SequenceNumber, eventVersion, eventSource, awsRegion); ``streams.read`` adds them.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from ddblite.model.schema import TableSchema, key_of
from ddblite.model.table_record import Stream, StreamViewType
from ddblite.model.values import Item, item_size
from ddblite.storage.base import Writer

# Every stream of a table shares the one shard of its log; see engine.streams.
SHARD = 0
_WITH_NEW = frozenset({StreamViewType.NEW_IMAGE, StreamViewType.NEW_AND_OLD_IMAGES})
_WITH_OLD = frozenset({StreamViewType.OLD_IMAGE, StreamViewType.NEW_AND_OLD_IMAGES})

# Who made the change, when it was not the caller: TTL deletions are the service's own.
_identity: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "ddblite_stream_identity", default=None
)
# The Streams API spells the members PrincipalId and Type (Lambda events lower-case them).
SERVICE_IDENTITY = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}


@contextmanager
def service_identity() -> Iterator[None]:
    """Records appended inside the block carry DynamoDB's own userIdentity (TTL deletes)."""
    token = _identity.set(SERVICE_IDENTITY)
    try:
        yield
    finally:
        _identity.reset(token)


def record_change(
    w: Writer,
    table: TableSchema,
    stream: Stream,
    old: Item | None,
    new: Item | None,
    now: float,
) -> None:
    """Append the record of one item change (``old != new``) to the table's stream log."""
    view = stream.view
    keys = key_of(table.keys, new if new is not None else old)  # type: ignore[arg-type]
    size = item_size(keys)
    change: dict[str, Any] = {"ApproximateCreationDateTime": float(int(now)), "Keys": keys}
    if new is not None and view in _WITH_NEW:
        change["NewImage"] = new
        size += item_size(new)
    if old is not None and view in _WITH_OLD:
        change["OldImage"] = old
        size += item_size(old)
    change["SizeBytes"] = size
    change["StreamViewType"] = view
    record: dict[str, Any] = {
        "eventID": uuid.uuid4().hex,
        "eventName": "INSERT" if old is None else "REMOVE" if new is None else "MODIFY",
        "dynamodb": change,
    }
    identity = _identity.get()
    if identity is not None:
        record["userIdentity"] = identity
    seq = max(w.last_stream_seq(table.table_id, SHARD), stream.start - 1) + 1
    w.append_stream_record(table.table_id, SHARD, seq, now, orjson.dumps(record))
