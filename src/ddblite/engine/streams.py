"""DynamoDB Streams: the change log of a table, and reading it back.

Writing: every item write of a table with an enabled stream appends one record to
``stream_log`` inside the write's own storage transaction (``stream_log.record_change``,
called by ``Database.store``), so a record exists exactly when its write committed, in
per-item order. A write that changes nothing (old == new) appends nothing. Tables without a
stream pay one attribute lookup.

Identity: one ``stream_log`` shard per table (shard 0) with sequence numbers 1, 2, 3, ... that
every stream of the table shares. A stream is the slice from its ``start`` (the next number
when it was enabled) up to its ``end`` (the last number when it was disabled); that keeps
records apart even when a dropped table's id is reused. A stream is described in the table's
catalog record (``TableRecord.streams``, which ``engine.catalog`` enables and disables): the
enabled one, and the ones disabled in the last 24 hours (still readable, as in DynamoDB). Each
stream has one shard.

Reading: a shard iterator is an opaque token holding the stream ARN, the shard id, the
position (the last sequence number already read) and when it was issued; it expires after 15
minutes. Records older than 24 hours are skipped as trimmed, and dropped from storage by the
scheduler's periodic trim (``scheduled_trim``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

import orjson

from ddblite.engine.database import Caller, Database
from ddblite.engine.stream_log import SHARD
from ddblite.errors import (
    INVALID,
    ExpiredIteratorException,
    ResourceNotFoundException,
    TrimmedDataAccessException,
    ValidationException,
)
from ddblite.limits import (
    MAX_STREAM_RESPONSE_BYTES,
    SHARD_ITERATOR_SECONDS,
    STREAM_RETENTION_SECONDS,
)
from ddblite.model.schema import TableSchema
from ddblite.model.table_codec import key_schema
from ddblite.model.table_record import Stream

TRIM_INTERVAL = 60.0

# --- the request rules ----------------------------------------------------------------------------


def check_create(spec: dict[str, Any] | None) -> None:
    """CreateTable's StreamSpecification rules (before the table exists)."""
    if spec is None:
        return
    if spec.get("StreamEnabled") and "StreamViewType" not in spec:
        raise ValidationException(
            INVALID + "Table is being created with a stream enabled, UpdateViewType is required"
        )
    if not spec.get("StreamEnabled") and "StreamViewType" in spec:
        raise ValidationException(
            INVALID + "Table is being created with a stream disabled, UpdateViewType should "
            "not be specified"
        )


def check_update(spec: dict[str, Any]) -> None:
    """UpdateTable's StreamSpecification rules on the request alone (the ones on the table's
    current stream are the catalog's)."""
    enabled = bool(spec.get("StreamEnabled"))
    if enabled and "StreamViewType" not in spec:
        raise ValidationException(
            INVALID + "If stream is being enabled then UpdateViewType is required"
        )
    if not enabled and "StreamViewType" in spec:
        raise ValidationException(
            INVALID + "If stream is being disabled, then UpdateViewType must not be specified"
        )


# --- finding streams ------------------------------------------------------------------------------


def streams_of(table: TableSchema, now: float) -> list[Stream]:
    """The table's readable streams, the enabled one (if any) first, then the ones disabled
    in the last 24 hours, newest first."""
    out = [table.stream] if table.stream is not None else []
    closed = table.record.streams.closed
    out.extend(
        s
        for s in reversed(closed)
        if s.closed is not None and s.closed > now - STREAM_RETENTION_SECONDS
    )
    return out


def table_of_arn(arn: str) -> tuple[str, str, str] | None:
    """(region, account, table name) of a stream ARN ``arn:aws:dynamodb:<region>:<account>:
    table/<name>/stream/<label>``, None if it is not one."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "dynamodb":
        return None
    kind, _, rest = parts[5].partition("/")
    name, _, tail = rest.partition("/")
    if kind != "table" or not name or not tail.startswith("stream/"):
        return None
    return parts[3], parts[4], name


def stream_of(table: TableSchema | None, arn: str, now: float) -> Stream:
    for stream in streams_of(table, now) if table is not None else ():
        if stream.arn == arn:
            return stream
    raise ResourceNotFoundException(f"Requested resource not found: Stream: {arn} not found")


def find(db: Database, caller: Caller, arn: str) -> tuple[TableSchema, Stream]:
    """The table and stream a stream ARN names, in the caller's account and region, or
    ResourceNotFoundException."""
    parsed = table_of_arn(arn)
    table = None
    if parsed is not None and parsed[:2] == (caller.region, caller.account):
        table = db.find_table(caller, parsed[2])
    stream = stream_of(table, arn, db.clock())
    assert table is not None
    return table, stream


def shard_id(stream: Stream) -> str:
    digest = hashlib.sha1(stream.arn.encode()).hexdigest()[:8]
    return f"shardId-{stream.start:020d}-{digest}"


def check_shard(stream: Stream, shard: str) -> None:
    """A shard id the stream does not have (every stream here has one shard)."""
    if shard != shard_id(stream):
        raise ResourceNotFoundException(
            f"Requested resource not found: Shard does not exist: {shard}"
        )


def sequence_number(seq: int) -> str:
    return f"{seq:021d}"


def summary(table: TableSchema, stream: Stream) -> dict[str, Any]:
    return {"StreamArn": stream.arn, "TableName": table.name, "StreamLabel": stream.label}


def describe(db: Database, table: TableSchema, stream: Stream) -> dict[str, Any]:
    """The StreamDescription: one shard, closed (with an ending number) once disabled."""
    numbers: dict[str, str] = {"StartingSequenceNumber": sequence_number(stream.start)}
    if stream.end is not None:
        numbers["EndingSequenceNumber"] = sequence_number(max(stream.end, stream.start))
    return {
        "StreamArn": stream.arn,
        "StreamLabel": stream.label,
        "StreamStatus": "DISABLED" if stream.end is not None else "ENABLED",
        "StreamViewType": stream.view.value,
        "CreationRequestDateTime": stream.created,
        "TableName": table.name,
        "KeySchema": key_schema(table.record.key_schema),
        "Shards": [{"ShardId": shard_id(stream), "SequenceNumberRange": numbers}],
    }


# --- iterators and records ------------------------------------------------------------------------


def iterator(
    db: Database,
    table: TableSchema,
    stream: Stream,
    shard: str,
    kind: str,
    sequence: str | None,
) -> str:
    """GetShardIterator: a token positioned just before the first record to return."""
    check_shard(stream, shard)
    with db.backend.read() as r:
        last = r.last_stream_seq(table.table_id, SHARD)
    last = min(last, stream.end if stream.end is not None else last)
    start = stream.start
    if kind == "TRIM_HORIZON":
        position = start - 1
    elif kind == "LATEST":
        position = max(last, start - 1)
    else:
        if sequence is None:
            raise ValidationException(f"SequenceNumber is required for ShardIteratorType {kind}")
        seq = _parse_sequence(sequence)
        if seq < start or seq > max(last, start):
            raise ValidationException(
                f"Invalid SequenceNumber {sequence} for shard {shard} in stream {stream.arn}"
            )
        position = seq - 1 if kind == "AT_SEQUENCE_NUMBER" else seq
        _check_retained(db, table, position)
    return _token(stream.arn, shard, position, db.clock())


def _parse_sequence(text: str) -> int:
    if not text.isdigit():
        raise ValidationException(f"Invalid SequenceNumber: {text}")
    return int(text)


def _check_retained(db: Database, table: TableSchema, position: int) -> None:
    """A position whose next record is past the 24-hour window is trimmed data."""
    with db.backend.read() as r:
        rows = r.read_stream(table.table_id, SHARD, position, 1)
    if (
        rows
        and rows[0].seq == position + 1
        and rows[0].created_at < db.clock() - STREAM_RETENTION_SECONDS
    ):
        raise TrimmedDataAccessException(
            "The operation attempted to read past the oldest stream record in a shard."
        )


def _token(arn: str, shard: str, position: int, issued: float) -> str:
    raw = orjson.dumps({"a": arn, "s": shard, "p": position, "t": issued})
    return base64.urlsafe_b64encode(raw).decode()


def parse_iterator(token: str, now: float) -> tuple[str, str, int]:
    """(stream ARN, shard id, position) of a shard iterator; DynamoDB's errors for a token
    that is not one of ours or is older than 15 minutes."""
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token.encode()))
        arn, shard, position, issued = data["a"], data["s"], data["p"], data["t"]
    except (binascii.Error, ValueError, TypeError, KeyError, orjson.JSONDecodeError):
        raise ValidationException("Invalid ShardIterator") from None
    if not (isinstance(arn, str) and isinstance(shard, str) and isinstance(position, int)):
        raise ValidationException("Invalid ShardIterator")
    if now - float(issued) > SHARD_ITERATOR_SECONDS:
        raise ExpiredIteratorException(
            "Iterator expired. The iterator was created more than 15 minutes ago."
        )
    return arn, shard, position


def read(
    db: Database, table: TableSchema, stream: Stream, position: int, limit: int
) -> dict[str, Any]:
    """GetRecords from ``position``: up to ``limit`` records and 1 MB, and the next
    iterator (none once a disabled stream's shard has been read to its end)."""
    now = db.clock()
    oldest = now - STREAM_RETENTION_SECONDS
    end = stream.end
    position = max(position, stream.start - 1)
    with db.backend.read() as r:
        rows = r.read_stream(table.table_id, SHARD, position, limit)
    records: list[dict[str, Any]] = []
    budget = MAX_STREAM_RESPONSE_BYTES
    for row in rows:
        if end is not None and row.seq > end:
            break
        if row.created_at < oldest:  # trimmed: skipped, as if already gone
            position = row.seq
            continue
        if records and len(row.record) > budget:
            break
        budget -= len(row.record)
        records.append(_full_record(row.record, row.seq, table.region))
        position = row.seq
    out: dict[str, Any] = {"Records": records}
    if end is None or position < end:
        out["NextShardIterator"] = _token(stream.arn, shard_id(stream), position, now)
    return out


def _full_record(raw: bytes, seq: int, region: str) -> dict[str, Any]:
    logged = orjson.loads(raw)
    logged["dynamodb"]["SequenceNumber"] = sequence_number(seq)
    record: dict[str, Any] = {
        "eventID": logged["eventID"],
        "eventName": logged["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": logged["dynamodb"],
    }
    if "userIdentity" in logged:
        record["userIdentity"] = logged["userIdentity"]
    return record


# --- retention ------------------------------------------------------------------------------------


def trim(db: Database, now: float | None = None) -> int:
    """Drop stream records older than 24 hours; the number dropped."""
    now = db.clock() if now is None else now
    with db.backend.write() as w:
        return w.trim_stream_log(now - STREAM_RETENTION_SECONDS)


def scheduled_trim(db: Database, now: float) -> bool:
    """The scheduler's periodic trim (engine.background): one statement, never a backlog."""
    trim(db, now)
    return False
