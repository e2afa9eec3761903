"""Run the HTTP server for a Settings value.

Startup refuses every mistake with one line and its exit code (errors.ExitCode): the socket is
bound and the database opened before the "listening" line. SIGINT and SIGTERM stop the server
with one line and exit 0, after the requests in flight are answered and their group commit
done.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import signal
import socket
import sys
from collections.abc import Iterator
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

from ddblite.config import MEMORY, HttpLimits, Settings
from ddblite.engine.opening import open_database
from ddblite.errors import BadSetting, DescriptorLimit, PortUnavailable
from ddblite.server.logs import configure_logging

# How long a stopping server waits for the requests in flight before cancelling them.
_GRACEFUL_SHUTDOWN_S = 30
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def serve(settings: Settings) -> None:
    configure_logging(settings)
    # Until the server takes them over, a stop signal ends startup with one line too.
    for sig in _STOP_SIGNALS:
        signal.signal(sig, _stop_starting)
    try:
        _serve(settings)
    except StoppedStarting as stopped:
        print(f"ddblite stopped ({stopped.signal.name}) before serving", file=sys.stderr)


class StoppedStarting(BaseException):
    """A stop signal arrived while the server was starting: nothing to drain."""

    def __init__(self, sig: signal.Signals) -> None:
        super().__init__(sig.name)
        self.signal = sig


def _stop_starting(sig: int, frame: FrameType | None) -> None:
    raise StoppedStarting(signal.Signals(sig))


def _serve(settings: Settings) -> None:
    import uvicorn

    from ddblite.protocol.app import DynamoDBApp
    from ddblite.protocol.auth import verifier_for
    from ddblite.protocol.isolation import Isolation, exposure_warning
    from ddblite.protocol.regions import CallerPolicy
    from ddblite.server.http_protocol import bounded_protocol

    if settings.reuse_port and not settings.is_postgres:
        raise BadSetting("--reuse-port needs a shared database (--db postgresql://...)")
    verifier = verifier_for(settings.auth, settings.credentials)
    isolation = Isolation.build(
        settings.host, settings.port, settings.cors_origins, settings.allow_hosts
    )
    limits = _within_descriptor_limit(settings.http)
    listener = _listening_socket(settings.host, settings.port, settings.reuse_port)
    try:
        db = open_database(settings)
    except BaseException:
        listener.close()
        raise
    callers = CallerPolicy(settings.allow_any_region, settings.shared_db)
    app = DynamoDBApp(db, isolation, verifier, callers)

    class Server(uvicorn.Server):
        """uvicorn's server, except that a stop signal ends ``run`` normally instead of being
        raised again once the server is down (a KeyboardInterrupt traceback and exit 2)."""

        stopped_by: signal.Signals | None = None

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield  # serve() installed handle_exit before the "listening" line

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if self.stopped_by is None:
                self.stopped_by = signal.Signals(sig)
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        app,
        loop="auto",  # uvloop where it is installed (not on Windows), asyncio otherwise
        http=bounded_protocol(limits),
        ws="none",  # no websockets: an Upgrade request is answered as plain HTTP
        # uvicorn's own idle timer, armed after each response (call_later: a float is fine).
        timeout_keep_alive=limits.keep_alive_timeout,  # type: ignore[arg-type]
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_S,
        lifespan="on",
        log_config=None,  # server.logs configured the root logger; uvicorn's propagate to it
        access_log=False,  # the app writes its own (ddblite.access), with the operation
        server_header=False,
        date_header=False,
        proxy_headers=False,  # no use for X-Forwarded-For: skip the middleware per request
    )
    server = Server(config)
    for sig in _STOP_SIGNALS:
        signal.signal(sig, server.handle_exit)
    print(
        f"ddblite listening on http://{_url_host(settings.host)}:{settings.port} "
        f"(data: {shown_data(settings)})",
        file=sys.stderr,
        flush=True,
    )
    warning = exposure_warning(settings.host, settings.auth)
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)
    try:
        server.run(sockets=[listener])
    finally:
        if not app.closed:  # a second Ctrl-C skips the lifespan's shutdown
            db.close()
    if server.stopped_by is not None:
        print(
            f"ddblite stopped ({server.stopped_by.name}): requests in flight answered, "
            "writes committed",
            file=sys.stderr,
            flush=True,
        )


def shown_data(settings: Settings) -> str:
    """Where the data lives, for the startup line: an absolute path, or the PostgreSQL URL
    with its password masked."""
    if settings.db == MEMORY:
        return "in memory"
    if not settings.is_postgres:
        return os.path.abspath(settings.db)
    parts = urlsplit(settings.db)
    netloc = parts.netloc
    if parts.password is not None:
        credentials, _, address = netloc.rpartition("@")
        netloc = f"{credentials.partition(':')[0]}:***@{address}"
    query = "&".join(
        "password=***" if pair.startswith("password=") else pair for pair in parts.query.split("&")
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _listening_socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    """The bound, listening socket: bound here, before the database opens and before the
    "listening" line, so a taken port is one clear line. ``reuse_port`` lets several server
    processes share it (SO_REUSEPORT: the kernel spreads connections over them), only sound
    where the data is shared, i.e. PostgreSQL."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror as error:
        raise PortUnavailable(f"cannot listen on {host}: {error.strerror}") from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        where = f"{_url_host(host)}:{port}"
        if error.errno == errno.EADDRINUSE:
            raise PortUnavailable(
                f"port {port} is already in use on {host} (another server? choose one with --port)"
            ) from None
        raise PortUnavailable(f"cannot listen on {where}: {error.strerror}") from None
    sock.set_inheritable(True)
    return sock


# Descriptors the server needs besides its connections: the database and its journal files,
# the listening socket, standard streams, PostgreSQL pool connections, the event loop's own.
_RESERVED_DESCRIPTORS = 64


def _within_descriptor_limit(limits: HttpLimits) -> HttpLimits:
    """The limits, with max_connections lowered to what the process's file-descriptor limit
    allows (raising the soft limit toward the hard one first). A server that accepts more
    sockets than it has descriptors for stops accepting anyone at all (EMFILE)."""
    if sys.platform == "win32":
        return limits  # no descriptor limit to read there
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = limits.max_connections + _RESERVED_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return limits
    allowed = soft - _RESERVED_DESCRIPTORS
    if allowed < 1:
        raise DescriptorLimit(
            f"the file-descriptor limit ({soft}) is too low to serve; raise it (ulimit -n)"
        )
    print(
        f"ddblite: the file-descriptor limit ({soft}) allows {allowed} connections, not "
        f"{limits.max_connections}; serving at most {allowed} (raise ulimit -n for more)",
        file=sys.stderr,
        flush=True,
    )
    return dataclasses.replace(limits, max_connections=allowed)
