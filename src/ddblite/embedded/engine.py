"""In-process mode: botocore's DynamoDB calls answered by an engine in this process, no socket.

botocore emits ``before-send.<service>.<Operation>`` with the signed, serialized request just
before it would open a connection; the first handler that returns a response wins and no
connection is made. We answer that event with the bytes ``protocol.dispatch.handle`` produces,
the very function the HTTP server calls, so validation, errors and responses are the server's
own; botocore then parses, checks the CRC32 and retries exactly as it would over the network.

Two ways a client reaches an engine:

- **routed** (``mock()``): one handler, appended to botocore's ``BUILTIN_HANDLERS`` when this
  module is imported, so every session created afterwards carries it (and ``mock()`` adds it to
  an already existing ``boto3.DEFAULT_SESSION``). It answers only while a mock is active, only
  for requests addressed to an AWS host (a client given ``endpoint_url=`` keeps talking to that
  endpoint), and sends them to the innermost active engine. Inactive, it costs one list check.
- **bound** (``Engine.client()``): the engine's handler on that one client, which always goes
  to that engine whatever its endpoint, made from a session without the routed handler so a
  request can never be answered twice.

Other services never reach either handler: they are registered for DynamoDB's events only.
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
import unittest
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from botocore.awsrequest import AWSResponse
from botocore.handlers import BUILTIN_HANDLERS

from ddblite.clock import Clock, SystemClock
from ddblite.config import MEMORY, Auth, Settings, parse_auth
from ddblite.embedded.environment import (
    DEFAULT_REGION,
    FAKE_KEY,
    FAKE_SECRET,
    configured_region,
    credentials_configured,
    environment,
)
from ddblite.errors import RequestEntityTooLarge
from ddblite.limits import MAX_REQUEST_BYTES
from ddblite.protocol.wire import render_error

if TYPE_CHECKING:
    from ddblite.embedded.server import EmbeddedServer
    from ddblite.engine.database import Database
    from ddblite.protocol.auth import Identify
    from ddblite.protocol.sigv4 import SigV4Verifier

__all__ = ["Engine", "Mock", "mock", "route"]

F = TypeVar("F", bound=Callable[..., Any])

# botocore's hyphenized service ids: "DynamoDB" and "DynamoDB Streams".
EVENTS = ("before-send.dynamodb", "before-send.dynamodb-streams")
SERVICES = {"dynamodb": EVENTS[0], "dynamodbstreams": EVENTS[1]}
_CONTENT_TYPE = "application/x-amz-json-1.0"

# Hosts of every AWS partition; a request to any other host was sent to an explicit endpoint.
_AWS_SUFFIXES = (
    ".amazonaws.com",
    ".amazonaws.com.cn",
    ".api.aws",
    ".c2s.ic.gov",
    ".sc2s.sgov.gov",
    ".cloud.adc-e.uk",
    ".csp.hci.ic.gov",
    ".api.amazonwebservices.com.cn",
)


# --- the engine --------------------------------------------------------------------------------


class Engine:
    """A ddblite database living in this process.

    ``Engine()`` is a fresh in-memory database; ``Engine(db="path.db")`` a SQLite file (kept);
    ``clock`` is what the engine reads as the time (default: the wall clock), replaceable at
    any time through ``engine.clock``. ``auth="sigv4", credentials="path"`` verifies every
    request's signature against that AWS shared-credentials file, as ``ddblite serve --auth
    sigv4`` does (default: ``DDBLITE_AUTH`` and ``DDBLITE_CREDENTIALS``, else unchecked). Use it
    as a context manager, or ``close()`` it.
    """

    def __init__(
        self,
        db: str = MEMORY,
        *,
        clock: Clock | None = None,
        synchronous: str = "FULL",
        auth: Auth | str | None = None,
        credentials: str | os.PathLike[str] | None = None,
    ) -> None:
        # Imported here, not at the top: the pytest plugin imports this module at start-up to
        # install the routed handler, and should not pay for the whole engine until it is used.
        from ddblite.engine.opening import open_database
        from ddblite.protocol.auth import verifier_for
        from ddblite.protocol.dispatch import handle

        self._dispatch = handle
        env = os.environ
        mode = parse_auth(
            auth if auth is not None else env.get("DDBLITE_AUTH", Auth.NONE),
            "auth" if auth is not None else "DDBLITE_AUTH",
        )
        if credentials is None and mode is Auth.SIGV4:
            credentials = env.get("DDBLITE_CREDENTIALS") or None
        self.verifier: SigV4Verifier | None = verifier_for(mode, credentials)
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.path = db
        self.database: Database = open_database(Settings(db=db, synchronous=synchronous))
        # The engine reads the time through this indirection so that ``engine.clock = ...``
        # takes effect at once, without rebuilding the database.
        self.database.clock = self._now
        self._closed = False

    def _now(self) -> float:
        return self.clock.now()

    # --- the server's background work, without a background ---------------------------------

    def tick(self) -> None:
        """Do now, at the engine's time, what the server does in the background: every
        periodic job, due or not (delete the items whose TTL has passed, drop stream records
        older than 24 hours), and any queued chunked work."""
        self.database.background.run_now()
        if self.database.pending_commit():
            self.database.commit()

    def maintain(self) -> None:
        """The server runs its periodic jobs from a background task; here the first request
        of each second runs the ones due first, so a request never sees what the server would
        already have expired, and a ManualClock moved by a day takes effect at the next
        request. The request's own commit covers what they write."""
        self.database.background.run_due()

    # --- requests -------------------------------------------------------------------------

    def handle(
        self,
        target: str | None,
        authorization: str | None,
        body: bytes,
        identify: Identify | None = None,
    ) -> tuple[int, bytes]:
        """(HTTP status, body) for one request: the server's code path, minus the socket;
        ``identify`` names the caller (default: the unchecked Authorization header)."""
        if len(body) > MAX_REQUEST_BYTES:
            return render_error(RequestEntityTooLarge())
        self.maintain()
        if identify is None:
            result = self._dispatch(self.database, target, authorization, body)
        else:
            result = self._dispatch(self.database, target, authorization, body, identify)
        if (
            self.database.pending_commit()
        ):  # a file database groups commits: one request, one commit
            self.database.commit()
        return result

    def respond(self, request: Any) -> AWSResponse:
        """botocore's response to botocore's prepared request."""
        headers = request.headers
        body = _bytes(request.body)
        status, payload = self.handle(
            _text(headers.get("X-Amz-Target")),
            _text(headers.get("Authorization")),
            body,
            None if self.verifier is None else self._identify(request, body),
        )
        return AWSResponse(request.url, status, _response_headers(payload), _Raw(payload))

    def _identify(self, request: Any, body: bytes) -> Identify:
        """The signature check of one botocore request, as the server would make it."""
        from ddblite.protocol.sigv4 import SignedRequest

        assert self.verifier is not None
        headers = tuple(
            (name.lower(), _text(value) or "") for name, value in request.headers.items()
        )
        signed = SignedRequest(request.method, request.url, headers, body)
        return functools.partial(self.verifier.caller, signed)

    def _on_send(self, request: Any, **kwargs: Any) -> AWSResponse:
        return self.respond(request)

    # --- boto3 objects bound to this engine ------------------------------------------------

    def client(self, service_name: str = "dynamodb", **kwargs: Any) -> Any:
        """A boto3 client whose every request goes to this engine, mock or no mock.

        ``service_name`` is ``"dynamodb"`` or ``"dynamodbstreams"``; keyword arguments go to
        ``boto3.client`` (region and credentials default to the environment's, else
        us-east-1 and a fake key, which is account 000000000000)."""
        if service_name not in SERVICES:
            raise ValueError(f"ddblite serves dynamodb and dynamodbstreams, not {service_name!r}")
        client = _bound_session().client(service_name, **_client_defaults(kwargs))
        client.meta.events.register_first(SERVICES[service_name], self._on_send)
        return client

    def streams(self, **kwargs: Any) -> Any:
        """A DynamoDB Streams client bound to this engine."""
        return self.client("dynamodbstreams", **kwargs)

    def resource(self, **kwargs: Any) -> Any:
        """A boto3 DynamoDB service resource bound to this engine."""
        resource = _bound_session().resource("dynamodb", **_client_defaults(kwargs))
        resource.meta.client.meta.events.register_first(EVENTS[0], self._on_send)
        return resource

    # --- routing and serving ---------------------------------------------------------------

    def mock(self) -> Mock:
        """Route every botocore DynamoDB call made inside the block to this engine."""
        return Mock(engine=self)

    def serve(self, port: int = 0, host: str = "127.0.0.1") -> EmbeddedServer:
        """Serve this same database over HTTP from a background thread (``port=0`` picks a
        free port); for SDKs of other languages or the AWS CLI. Stop it with ``.stop()``."""
        from ddblite.embedded.server import EmbeddedServer

        return EmbeddedServer(self, host, port)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.database.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Engine(db={self.path!r}, clock={self.clock!r})"


class _Raw:
    """The body botocore reads through ``AWSResponse.raw.stream()``."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


def _response_headers(payload: bytes) -> dict[str, str]:
    # The server's headers (protocol/app.py), so ResponseMetadata looks the same both ways.
    return {
        "content-type": _CONTENT_TYPE,
        "content-length": str(len(payload)),
        "x-amzn-requestid": os.urandom(26).hex().upper(),
        "x-amz-crc32": str(zlib.crc32(payload)),
    }


def _text(value: str | bytes | None) -> str | None:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    data = body.read()  # a file-like body (never from DynamoDB's JSON serializer, but legal)
    return data.encode() if isinstance(data, str) else bytes(data)


# --- the routed handler ------------------------------------------------------------------------

_active: list[Engine] = []
_active_lock = threading.Lock()
_aws_url_cache: dict[str, bool] = {}


def _route(request: Any, **kwargs: Any) -> AWSResponse | None:
    """``before-send`` for DynamoDB on every session: the innermost active engine answers."""
    if not _active:
        return None
    try:
        engine = _active[-1]
    except IndexError:  # the last mock exited in another thread just now
        return None
    if not _is_aws_url(request.url):
        return None
    return engine.respond(request)


def _is_aws_url(url: str) -> bool:
    known = _aws_url_cache.get(url)
    if known is None:
        from urllib.parse import urlsplit

        host = (urlsplit(url).hostname or "").lower()
        known = host.endswith(_AWS_SUFFIXES)
        if len(_aws_url_cache) > 1024:
            _aws_url_cache.clear()
        _aws_url_cache[url] = known
    return known


for _event in EVENTS:
    BUILTIN_HANDLERS.append((_event, _route))


def route(target: Any) -> Any:
    """Give the routed handler to a client, resource or (boto3 or botocore) session created
    before ddblite was imported; returns ``target``. Clients and sessions created after the
    import have it already."""
    meta = getattr(target, "meta", None)
    if meta is not None and hasattr(meta, "client"):  # a boto3 resource
        emitter = meta.client.meta.events
    elif meta is not None and hasattr(meta, "events"):  # a botocore client
        emitter = meta.events
    elif hasattr(target, "_session"):  # a boto3.Session
        emitter = target._session
    else:  # a botocore Session
        emitter = target
    for event in EVENTS:
        # Unregister first so a handler already there is not added twice (it would answer
        # twice, and write twice).
        emitter.unregister(event, _route)
        emitter.register(event, _route)
    return target


# --- mock() ------------------------------------------------------------------------------------


class Mock(AbstractContextManager[Engine]):
    """What ``mock()`` returns: a context manager (``with mock() as engine``), a decorator
    (a fresh database for each call; functions, coroutine functions and test classes) and a
    ``start()`` / ``stop()`` pair for setUp/tearDown."""

    def __init__(
        self,
        db: str = MEMORY,
        *,
        engine: Engine | None = None,
        clock: Clock | None = None,
        auth: Auth | str | None = None,
        credentials: str | os.PathLike[str] | None = None,
    ) -> None:
        self._db = db
        self._engine = engine
        self._clock = clock
        self._auth = auth
        self._credentials = credentials
        self._entered: list[tuple[Engine, bool]] = []

    def start(self) -> Engine:
        if self._engine is not None:
            engine, owned = self._engine, False
        else:
            engine = Engine(
                self._db, clock=self._clock, auth=self._auth, credentials=self._credentials
            )
            owned = True
        environment.acquire(_route_default_session)
        with _active_lock:
            _active.append(engine)
        self._entered.append((engine, owned))
        return engine

    def stop(self) -> None:
        if not self._entered:
            raise RuntimeError("mock.stop() called without a matching start()")
        engine, owned = self._entered.pop()
        with _active_lock:
            # The innermost occurrence: exits may come out of order from different threads.
            for i in range(len(_active) - 1, -1, -1):
                if _active[i] is engine:
                    del _active[i]
                    break
        environment.release()
        if owned:
            engine.close()

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __call__(self, target: F) -> F:
        if isinstance(target, type):
            return cast(F, self._decorate_class(target))
        if inspect.iscoroutinefunction(target):

            @functools.wraps(target)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self._fresh():
                    return await target(*args, **kwargs)

            return cast(F, run_async)

        @functools.wraps(target)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return target(*args, **kwargs)

        return cast(F, run)

    def _fresh(self) -> Mock:
        # Each decorated call gets its own database (and its own entry, for recursion).
        return Mock(
            self._db,
            engine=self._engine,
            clock=self._clock,
            auth=self._auth,
            credentials=self._credentials,
        )

    def _decorate_class(self, cls: type) -> type:
        if issubclass(cls, unittest.TestCase):
            # setUp, the test and tearDown share one database.
            cls.run = self(cls.run)  # type: ignore[method-assign]
            return cls
        for name, value in list(vars(cls).items()):
            if name.startswith("test") and inspect.isfunction(value):
                setattr(cls, name, self(value))
        return cls


def mock(
    db: str = MEMORY,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    auth: Auth | str | None = None,
    credentials: str | os.PathLike[str] | None = None,
) -> Mock:
    """Route every botocore DynamoDB and DynamoDB Streams call made inside to an in-process
    engine: a fresh in-memory database by default, the SQLite file ``db``, or ``engine``.
    ``auth="sigv4", credentials=FILE`` checks signatures as ``Engine`` does.

    Fake credentials and region us-east-1 are put in the environment for the duration unless
    some are configured. Calls to other AWS services, and to explicit ``endpoint_url``\\ s, are
    left alone."""
    return Mock(db, engine=engine, clock=clock, auth=auth, credentials=credentials)


def _route_default_session() -> None:
    """A ``boto3.DEFAULT_SESSION`` made before this module was imported lacks the handler."""
    import sys

    boto3 = sys.modules.get("boto3")
    session = getattr(boto3, "DEFAULT_SESSION", None) if boto3 is not None else None
    if session is not None:
        route(session)


# --- sessions and clients ----------------------------------------------------------------------

_sessions: dict[str, Any] = {}
_sessions_lock = threading.Lock()


def _bound_session() -> Any:
    """One boto3 session per process for engine-bound objects: creating a session loads the
    service models (tens of milliseconds), creating a client from a warm one does not. It lacks
    the routed handler, so the engine's own handler is the only answer."""
    with _sessions_lock:
        session = _sessions.get("bound")
        if session is None:
            import boto3
            import botocore.session

            core = botocore.session.Session()
            for event in EVENTS:
                core.unregister(event, _route)
            session = _sessions["bound"] = boto3.Session(botocore_session=core)
        return session


def routed_session() -> Any:
    """One boto3 session per process whose clients follow ``mock()`` like any other; the
    pytest fixtures build their clients from it."""
    with _sessions_lock:
        session = _sessions.get("routed")
        if session is None:
            import boto3

            session = _sessions["routed"] = boto3.Session()
        return session


def _client_defaults(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Region and credentials as the code under test's own clients get them (the account and
    region a request is signed for decide which tables it sees), else us-east-1 and a fake
    key."""
    env = os.environ
    out = dict(kwargs)
    if "region_name" not in out:
        out["region_name"] = configured_region() or DEFAULT_REGION
    if "aws_access_key_id" not in out:
        key, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
        if key and secret:
            # Passed explicitly: the shared session resolves its credentials only once.
            out["aws_access_key_id"], out["aws_secret_access_key"] = key, secret
            if env.get("AWS_SESSION_TOKEN"):
                out.setdefault("aws_session_token", env["AWS_SESSION_TOKEN"])
        elif not credentials_configured():
            out["aws_access_key_id"], out["aws_secret_access_key"] = FAKE_KEY, FAKE_SECRET
    return out
