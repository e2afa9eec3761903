"""The ``ddblite`` command."""

from __future__ import annotations

import argparse
import dataclasses

from ddblite import __version__
from ddblite.config import MEMORY, Auth, HttpLimits, Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ddblite", description="A DynamoDB-compatible database")
    parser.add_argument("--version", action="version", version=f"ddblite {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the DynamoDB HTTP endpoint")
    serve.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 4566)")
    where = serve.add_mutually_exclusive_group()
    where.add_argument(
        "--db",
        default=None,
        help="SQLite file (default ./ddblite.db) or postgresql://user@host:port/dbname",
    )
    where.add_argument("--in-memory", action="store_true", help="keep data in memory only")
    serve.add_argument(
        "--synchronous",
        choices=("FULL", "NORMAL", "OFF"),
        default=None,
        help="SQLite durability (default FULL: every acknowledged write survives a crash)",
    )
    serve.add_argument(
        "--reuse-port",
        action="store_true",
        default=None,
        help="share the port with other ddblite processes on the same PostgreSQL database "
        "(the kernel balances connections between them)",
    )
    _add_security_flags(serve)
    _add_http_limits(serve)
    return parser


def _add_security_flags(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--cors-origin",
        action="append",
        dest="cors_origins",
        metavar="ORIGIN",
        help="a browser origin allowed besides loopback ones, e.g. https://admin.example:8443; "
        "repeatable; '*' allows every origin (env DDBLITE_CORS_ORIGINS, comma-separated)",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        dest="allow_hosts",
        metavar="NAME",
        help="a Host header name accepted besides loopback and --host (DNS-rebinding guard); "
        "repeatable; '*' accepts any (env DDBLITE_ALLOW_HOSTS, comma-separated)",
    )
    serve.add_argument(
        "--auth",
        choices=[mode.value for mode in Auth],
        default=None,
        help="sigv4: verify every request's signature against --credentials (env DDBLITE_AUTH; "
        "default none: any credentials work)",
    )
    serve.add_argument(
        "--credentials",
        metavar="FILE",
        default=None,
        help="AWS shared-credentials file of the keys --auth sigv4 accepts "
        "(env DDBLITE_CREDENTIALS)",
    )


_HTTP_LIMITS = tuple(limit.name for limit in dataclasses.fields(HttpLimits))


def _add_http_limits(serve: argparse.ArgumentParser) -> None:
    limits = serve.add_argument_group(
        "HTTP limits", "what one client may hold (each also DDBLITE_<NAME>: DDBLITE_MAX_HEADERS)"
    )
    default = HttpLimits()
    for name, text in (
        ("max_header_bytes", "bytes of request line and headers (past it: 431)"),
        ("max_headers", "header lines (past it: 431)"),
        ("header_timeout", "seconds to send the request line and headers (then 408)"),
        ("body_timeout", "seconds to send the body once the headers are in (then 408)"),
        ("keep_alive_timeout", "seconds an idle connection stays open between requests"),
        ("max_connections", "open connections (more are refused with a 503)"),
    ):
        value = getattr(default, name)
        limits.add_argument(
            "--" + name.replace("_", "-"),
            type=type(value),
            default=None,
            help=f"{text}; default {value}",
        )


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from ddblite.protocol.credentials import CredentialsError
        from ddblite.server.serve import serve

        try:
            settings = Settings.from_env(
                host=args.host,
                port=args.port,
                db=MEMORY if args.in_memory else args.db,
                synchronous=args.synchronous,
                reuse_port=args.reuse_port,
                cors_origins=tuple(args.cors_origins) if args.cors_origins else None,
                allow_hosts=tuple(args.allow_hosts) if args.allow_hosts else None,
                auth=Auth(args.auth) if args.auth else None,
                credentials=args.credentials,
                http=HttpLimits.from_env(**{name: getattr(args, name) for name in _HTTP_LIMITS}),
            )
        except ValueError as error:  # a bad DDBLITE_* value
            raise SystemExit(f"ddblite: {error}") from None
        try:
            serve(settings)
        except CredentialsError as error:
            raise SystemExit(f"ddblite: {error}") from None
