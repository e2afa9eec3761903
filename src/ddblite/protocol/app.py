"""The ASGI application: HTTP in, ``dispatch.handle`` in the middle, HTTP out.

A raw ASGI callable rather than a framework: the whole per-request path is a few dict lookups,
one JSON parse and one JSON dump, which is what lets one Python process keep up with the JVM.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import orjson

from ddblite import __version__
from ddblite.engine.database import Database
from ddblite.errors import (
    DynamoDBError,
    InternalServerError,
    RequestEntityTooLarge,
    UnknownOperationException,
)
from ddblite.limits import MAX_REQUEST_BYTES
from ddblite.protocol import dispatch, encoding
from ddblite.protocol.auth import caller_of
from ddblite.protocol.isolation import Header, Isolation, refused_host, refused_origin
from ddblite.protocol.metrics import Gauge, RequestMetrics
from ddblite.protocol.regions import CallerPolicy
from ddblite.protocol.wire import CONTENT_TYPE, crc32, render_error

if TYPE_CHECKING:
    from ddblite.protocol.sigv4 import SigV4Verifier

Scope = dict[str, Any]

_ACCEPTED_TYPES = (b"application/x-amz-json-1.0", b"application/json", b"")
_DRAIN_LIMIT = 4 * MAX_REQUEST_BYTES
_HEALTH = b"healthy: dynamodb.us-east-1.amazonaws.com "
HEALTH_PATH = "/_ddblite/health"
METRICS_PATH = "/_ddblite/metrics"
_JSON = b"application/json"
_PROMETHEUS_TEXT = b"text/plain; version=0.0.4; charset=utf-8"

log = logging.getLogger("ddblite")
access_log = logging.getLogger("ddblite.access")


class ClientGone(Exception):
    """The client disconnected before its request body was complete: nothing to answer."""


class GroupCommitter:
    """Commits once per event-loop turn for every write that arrived in that turn; each
    request is answered only after the commit that holds its write."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: asyncio.Future[None] | None = None

    async def durable(self) -> None:
        if not self._db.pending_commit():
            return
        if self._pending is None:
            loop = asyncio.get_running_loop()
            self._pending = loop.create_future()
            loop.call_soon(self._commit)
        await asyncio.shield(self._pending)

    def _commit(self) -> None:
        future, self._pending = self._pending, None
        assert future is not None
        try:
            self._db.commit()
        except Exception as error:  # the batch is lost: every waiter must hear it
            future.set_exception(error)
        else:
            future.set_result(None)


class DynamoDBApp:
    """``isolation`` says which Host headers and Origins are answered (default: loopback
    only); ``verifier``, when given, checks every request's SigV4 signature; ``callers``
    which regions are accepted and whether every caller shares one namespace."""

    def __init__(
        self,
        db: Database,
        isolation: Isolation | None = None,
        verifier: SigV4Verifier | None = None,
        callers: CallerPolicy | None = None,
    ) -> None:
        self.db = db
        self.isolation = isolation if isolation is not None else Isolation.build("127.0.0.1", 0)
        self.verifier = verifier
        self.callers = callers if callers is not None else CallerPolicy(allow_any_region=True)
        self._identify = self.callers.apply(caller_of)
        self.committer = GroupCommitter(db)
        self.metrics = RequestMetrics(dispatch.operation_of)
        self.started = time.monotonic()
        self.ready = False  # between the lifespan's startup and shutdown
        self.closed = False  # the lifespan's shutdown closed the database
        self._executor = (
            ThreadPoolExecutor(max_workers=32, thread_name_prefix="ddblite")
            if db.blocking
            else None
        )

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            try:
                await self._http(scope, receive, send)
            except ClientGone:
                pass
            except Exception:
                # Last resort (a failed group commit, e.g. disk full, lands here): the client
                # gets DynamoDB's JSON InternalServerError, never the HTTP server's plain text.
                log.exception("internal error")
                status, payload = render_error(InternalServerError())
                with contextlib.suppress(RuntimeError):  # a response was already under way
                    await _respond(send, status, payload, CONTENT_TYPE)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        background: asyncio.Task[None] | None = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # All background work (TTL sweeps, stream trimming, GSI backfills, ...) runs
                # between requests in this one task: engine.scheduler.
                background = asyncio.create_task(
                    self.db.background.serve(self.db.commit, self._executor)
                )
                self.ready = True
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.ready = False
                if background is not None:
                    background.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await background
                self.db.close()
                self.closed = True
                if self._executor is not None:
                    self._executor.shutdown(wait=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Any, send: Any) -> None:
        headers = dict(scope["headers"])
        isolation = self.isolation
        host = headers.get(b"host")
        if host not in isolation.fast_hosts and not isolation.host_allowed(
            host, scope.get("server")
        ):
            assert host is not None
            await _respond(send, *refused_host(host), CONTENT_TYPE)
            return
        origin = headers.get(b"origin")
        cors: tuple[Header, ...] = ()
        if origin is not None:
            allowed = isolation.cors_headers(origin)
            if allowed is None:
                await _respond(send, *refused_origin(origin), CONTENT_TYPE)
                return
            cors = allowed
        method = scope["method"]
        if method == "GET":
            await self._get(scope["path"], send, cors)
            return
        if method == "OPTIONS":
            await _preflight(send, isolation.preflight_headers(cors) if cors else ())
            return
        body = await _read_body(receive, headers)
        if body is None:
            status, payload = render_error(RequestEntityTooLarge())
            await _respond(send, status, payload, CONTENT_TYPE, cors)
            return
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip()
        if method != "POST" or content_type not in _ACCEPTED_TYPES:
            status, payload = render_error(UnknownOperationException())
            await _respond(send, 404, payload, CONTENT_TYPE, cors)
            return
        await self._operation(scope, headers, body, send, cors)

    async def _operation(
        self,
        scope: Scope,
        headers: dict[bytes, bytes],
        body: bytes,
        send: Any,
        cors: tuple[Header, ...],
    ) -> None:
        """A DynamoDB request: run, made durable, answered, then counted (and logged)."""
        started = time.perf_counter()
        target = headers.get(b"x-amz-target", b"").decode("latin-1")
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        # The signature covers the body as sent; the operation reads it decoded.
        identify = (
            self._identify
            if self.verifier is None
            else self.callers.apply(self.verifier.for_scope(scope, body))
        )
        try:
            body = encoding.decode_request(body, headers.get(b"content-encoding"))
        except encoding.TooLarge:
            status, payload = render_error(RequestEntityTooLarge())
            await _respond(send, status, payload, CONTENT_TYPE, cors)
            return
        except DynamoDBError as error:
            await _respond(send, *render_error(error), CONTENT_TYPE, cors)
            return
        if self._executor is None:
            status, payload = dispatch.handle(self.db, target, authorization, body, identify)
        else:
            loop = asyncio.get_running_loop()
            status, payload = await loop.run_in_executor(
                self._executor, dispatch.handle, self.db, target, authorization, body, identify
            )
        if self.db.pending_commit():  # no coroutine at all when nothing waits to commit
            await self.committer.durable()
        accept = headers.get(b"accept-encoding")
        await _respond(send, status, payload, CONTENT_TYPE, cors, accept)
        seconds = time.perf_counter() - started
        self.metrics.observe(target, seconds)
        if status != 200:
            self.metrics.failed(_error_type(payload))
        if access_log.isEnabledFor(logging.INFO):
            _log_access(scope, target, status, seconds)

    async def _get(self, path: str, send: Any, cors: tuple[Header, ...]) -> None:
        if path == HEALTH_PATH:
            await _respond(send, *self._health(), _JSON, cors)
        elif path == METRICS_PATH:
            await _respond(send, 200, await self._metrics(), _PROMETHEUS_TEXT, cors)
        else:  # what DynamoDB answers a GET, on any path
            await _respond(send, 200, _HEALTH, b"text/plain", cors)

    def _health(self) -> tuple[int, bytes]:
        """200 and ``"ready": true`` while serving; 503 before the lifespan started and once
        shutdown began (a load balancer stops sending requests)."""
        report = {
            "status": "ready" if self.ready else ("stopping" if self.closed else "starting"),
            "ready": self.ready,
            "version": __version__,
            "backend": self.db.storage_kind,
            "uptime_seconds": round(time.monotonic() - self.started, 3),
        }
        return (200 if self.ready else 503), orjson.dumps(report)

    async def _metrics(self) -> bytes:
        if self._executor is None:
            stored = self.db.storage_bytes()
        else:  # a query to PostgreSQL: off the event loop
            stored = await asyncio.get_running_loop().run_in_executor(
                self._executor, self.db.storage_bytes
            )
        background = self.db.background
        return self.metrics.render(
            (
                Gauge("ddblite_storage_bytes", "Bytes the database takes on disk.", stored),
                Gauge(
                    "ddblite_background_lag_seconds",
                    "How long the most overdue periodic job (TTL sweep, stream trim) has waited.",
                    background.lag_seconds(),
                ),
                Gauge(
                    "ddblite_background_queued_jobs",
                    "Chunked background jobs (index backfills, ...) waiting or under way.",
                    background.queued(),
                ),
                Gauge(
                    "ddblite_uptime_seconds",
                    "Seconds since the server started.",
                    time.monotonic() - self.started,
                ),
            )
        )


def _log_access(scope: Scope, target: str, status: int, seconds: float) -> None:
    operation = dispatch.operation_of(target) or target or "-"
    client = scope.get("client") or ("-", 0)
    milliseconds = round(seconds * 1000, 3)
    access_log.info(
        "%s %s %d %.3f ms",
        client[0],
        operation,
        status,
        milliseconds,
        extra={"client": client[0], "operation": operation, "status": status, "ms": milliseconds},
    )


def _error_type(payload: bytes) -> str:
    """The error's short name from its DynamoDB JSON body: ``...#ValidationException``."""
    try:
        kind = orjson.loads(payload).get("__type", "")
    except (orjson.JSONDecodeError, AttributeError):
        return "unknown"
    return str(kind).rpartition("#")[2] or "unknown"


async def _read_body(receive: Any, headers: dict[bytes, bytes]) -> bytes | None:
    """The request body, or None when it is over DynamoDB's 16 MiB limit. An oversized body is
    still read (and dropped) up to a bound, so the client gets to read the 413 instead of a
    broken pipe."""
    declared = headers.get(b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > _DRAIN_LIMIT:
        return None
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone  # a partial body must never run as a request
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > _DRAIN_LIMIT:
            return None
        if size <= MAX_REQUEST_BYTES:
            chunks.append(chunk)
        more = message.get("more_body", False)
    if size > MAX_REQUEST_BYTES:
        return None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class _RequestIds:
    """Request ids of 52 uppercase hex digits, like DynamoDB's: a random per-process prefix
    and a counter, unique without a getrandom() system call per request. A forked child
    draws a new prefix, so processes never share ids."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._prefix = os.urandom(20).hex().upper()
        self._counter = itertools.count()

    def next(self) -> bytes:
        return f"{self._prefix}{next(self._counter):012X}".encode()


_ids = _RequestIds()
os.register_at_fork(after_in_child=_ids.reset)


def _request_id() -> bytes:
    return _ids.next()


async def _respond(
    send: Any,
    status: int,
    body: bytes,
    content_type: bytes,
    cors: tuple[Header, ...] = (),
    accept_encoding: bytes | None = None,
) -> None:
    compressed = encoding.encode_response(body, accept_encoding)
    if compressed is not None:
        body = compressed
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"x-amzn-requestid", _request_id()),
        (b"x-amz-crc32", crc32(body)),  # of the bytes sent, compressed or not
    ]
    if compressed is not None:
        headers.append((b"content-encoding", b"gzip"))
    if cors:
        headers.extend(cors)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _preflight(send: Any, headers: tuple[Header, ...]) -> None:
    """An OPTIONS answer: the CORS grant for an allowed origin, nothing else otherwise."""
    out = list(headers) if headers else [(b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 200, "headers": out})
    await send({"type": "http.response.body", "body": b""})
