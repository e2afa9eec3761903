"""One request, from raw bytes to raw bytes: the path the server and in-process mode share.

The order of checks is DynamoDB's: the body must be JSON, the target a known operation, the
caller signed in; then the request shape (service model), then the operation's own rules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import orjson

from ddblite.engine.database import Caller, Database
from ddblite.errors import (
    DynamoDBError,
    InternalServerError,
    SerializationException,
    UnknownOperationException,
)
from ddblite.operations import REGISTRY
from ddblite.protocol.auth import Identify, caller_of
from ddblite.protocol.shapes.check import (
    check_request,
    known_operations,
    known_stream_operations,
)
from ddblite.protocol.wire import render_error

log = logging.getLogger("ddblite")
request_log = logging.getLogger("ddblite.request")  # a failed request, at info

DYNAMODB_TARGET = "DynamoDB_20120810."
STREAMS_TARGET = "DynamoDBStreams_20120810."

# Operations DynamoDB answers with an empty body (not "{}").
_EMPTY_ANSWERS = frozenset(("TagResource", "UntagResource"))

Handler = Callable[[Database, Caller, dict[str, Any]], dict[str, Any]]


def operation_of(target: str | None) -> str | None:
    """The operation an X-Amz-Target header value names, if ddblite serves it there."""
    if target:
        prefix, _, operation = target.partition(".")
        # Each API answers only its own operations: DynamoDBStreams_20120810.PutItem and
        # DynamoDB_20120810.GetRecords are unknown to the service.
        streams = operation in known_stream_operations()
        if prefix + "." == (STREAMS_TARGET if streams else DYNAMODB_TARGET) and (
            operation in REGISTRY
        ):
            return operation
    return None


def resolve(target: str | None) -> tuple[str, Handler]:
    """The operation name and handler for an X-Amz-Target header value."""
    operation = operation_of(target)
    if operation is None:
        _warn_if_unimplemented(target)
        raise UnknownOperationException()
    return operation, REGISTRY[operation]


_warned: set[str] = set()


def _warn_if_unimplemented(target: str | None) -> None:
    """A warning, once per operation, when a client calls an operation botocore's model has
    and ddblite does not serve (answered UnknownOperationException, as DynamoDB answers an
    operation it does not have)."""
    if not target or target in _warned:
        return
    prefix, _, operation = target.partition(".")
    if prefix + "." == DYNAMODB_TARGET:
        known = known_operations()
    elif prefix + "." == STREAMS_TARGET:
        known = known_stream_operations()
    else:
        return
    if operation not in known:
        return
    _warned.add(target)  # bounded: only the model's operation names get here
    log.warning(
        "%s is not implemented by ddblite: answered UnknownOperationException "
        "(docs/operations.md lists what is)",
        operation,
    )


def handle(
    db: Database,
    target: str | None,
    authorization: str | None,
    body: bytes,
    identify: Identify = caller_of,
) -> tuple[int, bytes]:
    """(HTTP status, response body) for one DynamoDB request; ``identify`` names the caller
    from the Authorization header (unchecked by default; a SigV4 verifier when asked for)."""
    payload = None
    try:
        payload = _decode(body)
        operation, handler = resolve(target)
        account, region = identify(authorization or "")
        if not body:
            raise SerializationException()
        request = check_request(operation, payload)
        response = handler(db, Caller(account, region), request)
        if operation in _EMPTY_ANSWERS:
            return 200, b""
        return 200, orjson.dumps(response)
    except DynamoDBError as error:
        if request_log.isEnabledFor(logging.INFO):
            _log_failure(target, payload, error)
        return render_error(error)
    except Exception:
        log.exception("internal error")
        return render_error(InternalServerError())


def _log_failure(target: str | None, payload: Any, error: DynamoDBError) -> None:
    table = payload.get("TableName") if isinstance(payload, dict) else None
    table = table if isinstance(table, str) else None
    operation = operation_of(target) or target or "-"
    request_log.info(
        "%s on %s failed: %s",
        operation,
        table or "-",
        error.code,
        extra={"operation": operation, "table": table, "error": error.code},
    )


def _decode(body: bytes) -> Any:
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise SerializationException() from None
