"""Run the HTTP server for a Settings value."""

from __future__ import annotations

import dataclasses
import resource
import socket
import sys

from ddblite.config import MEMORY, HttpLimits, Settings
from ddblite.engine.opening import open_database
from ddblite.errors import DatabaseInUse


def serve(settings: Settings) -> None:
    import uvicorn

    from ddblite.protocol.app import DynamoDBApp
    from ddblite.protocol.auth import verifier_for
    from ddblite.protocol.isolation import Isolation, exposure_warning
    from ddblite.server.http_protocol import bounded_protocol

    if settings.reuse_port and not settings.is_postgres:
        raise SystemExit("--reuse-port needs a shared database (--db postgresql://...)")
    verifier = verifier_for(settings.auth, settings.credentials)
    isolation = Isolation.build(
        settings.host, settings.port, settings.cors_origins, settings.allow_hosts
    )
    limits = _within_descriptor_limit(settings.http)
    try:
        db = open_database(settings)
    except DatabaseInUse as error:
        raise SystemExit(f"ddblite: {error}") from None
    app = DynamoDBApp(db, isolation, verifier)
    where = "in memory" if settings.db == MEMORY else settings.db
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop="auto",  # uvloop where it is installed (not on Windows), asyncio otherwise
        http=bounded_protocol(limits),
        ws="none",  # no websockets: an Upgrade request is answered as plain HTTP
        # uvicorn's own idle timer, armed after each response (call_later: a float is fine).
        timeout_keep_alive=limits.keep_alive_timeout,  # type: ignore[arg-type]
        lifespan="on",
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=False,
        proxy_headers=False,  # no use for X-Forwarded-For: skip the middleware per request
    )
    server = uvicorn.Server(config)
    sockets = [_reusable_socket(settings.host, settings.port)] if settings.reuse_port else None
    print(
        f"ddblite listening on http://{settings.host}:{settings.port} (data: {where})",
        file=sys.stderr,
        flush=True,
    )
    warning = exposure_warning(settings.host, settings.auth)
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)
    server.run(sockets=sockets)


def _reusable_socket(host: str, port: int) -> socket.socket:
    """A listening socket several server processes can share (SO_REUSEPORT): the kernel
    spreads connections over them. Only sound where the data is shared, i.e. PostgreSQL."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


# Descriptors the server needs besides its connections: the database and its journal files,
# the listening socket, standard streams, PostgreSQL pool connections, the event loop's own.
_RESERVED_DESCRIPTORS = 64


def _within_descriptor_limit(limits: HttpLimits) -> HttpLimits:
    """The limits, with max_connections lowered to what the process's file-descriptor limit
    allows (raising the soft limit toward the hard one first). A server that accepts more
    sockets than it has descriptors for stops accepting anyone at all (EMFILE)."""
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
        raise SystemExit(
            f"ddblite: the file-descriptor limit ({soft}) is too low to serve; raise it (ulimit -n)"
        )
    print(
        f"ddblite: the file-descriptor limit ({soft}) allows {allowed} connections, not "
        f"{limits.max_connections}; serving at most {allowed} (raise ulimit -n for more)",
        file=sys.stderr,
        flush=True,
    )
    return dataclasses.replace(limits, max_connections=allowed)
