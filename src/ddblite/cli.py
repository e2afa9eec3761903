"""The ``ddblite`` command."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any, NoReturn

from ddblite import __version__
from ddblite.config import (
    MEMORY,
    SYNCHRONOUS_MODES,
    Auth,
    HttpLimits,
    LogFormat,
    LogLevel,
    Settings,
    env_name,
)
from ddblite.errors import ExitCode, StartupError

# Values are read as text and parsed by config.py, so a bad flag and a bad DDBLITE_ variable
# get the same one-line refusal (exit 3) naming where the value came from.


def _option(group: Any, name: str, text: str, **kwargs: Any) -> None:
    """A ``--name`` flag whose help names its environment variable."""
    dest = kwargs.pop("dest", name)
    group.add_argument(
        "--" + name.replace("_", "-"),
        dest=dest,
        default=None,
        help=f"{text} [env {env_name(dest)}]",
        **kwargs,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ddblite", description="A DynamoDB-compatible database")
    parser.add_argument("--version", action="version", version=f"ddblite {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the DynamoDB HTTP endpoint",
        description="Run the DynamoDB HTTP endpoint. Each flag may instead be set by the "
        "environment variable in brackets; a flag wins over its variable.",
        epilog="exit status: "
        + ", ".join(f"{code.value} {code.name.lower()}" for code in ExitCode)
        + " (docs/server.md)",
    )
    _option(serve, "host", "bind address (default 127.0.0.1)", metavar="ADDRESS")
    _option(serve, "port", "port, 1-65535 (default 4566)", metavar="PORT")
    where = serve.add_mutually_exclusive_group()
    _option(
        where,
        "db",
        "SQLite file (default ./ddblite.db) or postgresql://user@host:port/dbname",
        metavar="PATH_OR_URL",
    )
    where.add_argument(
        "--in-memory",
        action="store_true",
        help="keep data in memory only [env DDBLITE_DB=:memory:]",
    )
    _option(
        serve,
        "synchronous",
        "SQLite durability: " + ", ".join(SYNCHRONOUS_MODES) + " (default FULL: every "
        "acknowledged write survives a crash)",
        metavar="MODE",
    )
    _option(
        serve,
        "reuse_port",
        "share the port with other ddblite processes on the same PostgreSQL database "
        "(the kernel balances connections between them)",
        action="store_true",
    )
    _add_logging_flags(serve)
    _add_account_flags(serve)
    _add_security_flags(serve)
    _add_http_limits(serve)
    return parser


def _add_logging_flags(serve: argparse.ArgumentParser) -> None:
    group = serve.add_argument_group("logging (to stderr)")
    levels = "|".join(level.value for level in LogLevel)
    _option(
        group,
        "log_level",
        f"{levels} (default warning; info adds a line per failed request)",
        metavar="LEVEL",
    )
    _option(
        group,
        "access_log",
        "a line per request: method, operation, status, time",
        action="store_true",
    )
    formats = "|".join(kind.value for kind in LogFormat)
    _option(group, "log_format", f"{formats} (default text)", metavar="FORMAT")


def _add_account_flags(serve: argparse.ArgumentParser) -> None:
    group = serve.add_argument_group("regions and accounts (docs/regions.md)")
    _option(
        group,
        "allow_any_region",
        "accept requests signed for a region DynamoDB does not have (e.g. mars-1)",
        action="store_true",
    )
    _option(
        group,
        "shared_db",
        "one set of tables for every access key and region, like DynamoDB Local's -sharedDb",
        action="store_true",
    )


def _add_security_flags(serve: argparse.ArgumentParser) -> None:
    _option(
        serve,
        "cors_origin",
        "a browser origin allowed besides loopback ones, e.g. https://admin.example:8443; "
        "repeatable; '*' allows every origin (variable: comma-separated)",
        dest="cors_origins",
        action="append",
        metavar="ORIGIN",
    )
    _option(
        serve,
        "allow_host",
        "a Host header name accepted besides loopback and --host (DNS-rebinding guard); "
        "repeatable; '*' accepts any (variable: comma-separated)",
        dest="allow_hosts",
        action="append",
        metavar="NAME",
    )
    _option(
        serve,
        "auth",
        "sigv4: verify every request's signature against --credentials "
        "(default none: any credentials work)",
        choices=[mode.value for mode in Auth],
    )
    _option(
        serve,
        "credentials",
        "AWS shared-credentials file of the keys --auth sigv4 accepts",
        metavar="FILE",
    )


_HTTP_LIMITS = tuple(limit.name for limit in dataclasses.fields(HttpLimits))


def _add_http_limits(serve: argparse.ArgumentParser) -> None:
    limits = serve.add_argument_group("HTTP limits", "what one client may hold")
    default = HttpLimits()
    for name, text in (
        ("max_header_bytes", "bytes of request line and headers (past it: 431)"),
        ("max_headers", "header lines (past it: 431)"),
        ("header_timeout", "seconds to send the request line and headers (then 408)"),
        ("body_timeout", "seconds to send the body once the headers are in (then 408)"),
        ("keep_alive_timeout", "seconds an idle connection stays open between requests"),
        ("max_connections", "open connections (more are refused with a 503)"),
    ):
        _option(limits, name, f"{text}; default {getattr(default, name)}", metavar="N")


def settings_from(args: argparse.Namespace) -> Settings:
    """The Settings the parsed ``serve`` flags and the environment ask for."""
    return Settings.from_env(
        host=args.host,
        port=args.port,
        db=MEMORY if args.in_memory else args.db,
        synchronous=args.synchronous,
        reuse_port=args.reuse_port,
        cors_origins=args.cors_origins,
        allow_hosts=args.allow_hosts,
        auth=args.auth,
        credentials=args.credentials,
        log_level=args.log_level,
        log_format=args.log_format,
        access_log=args.access_log,
        allow_any_region=args.allow_any_region,
        shared_db=args.shared_db,
        http=HttpLimits.from_env(**{name: getattr(args, name) for name in _HTTP_LIMITS}),
    )


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from ddblite.server.serve import serve

        try:
            serve(settings_from(args))
        except StartupError as error:
            _refuse(error)


def _refuse(error: StartupError) -> NoReturn:
    print(f"ddblite: {error}", file=sys.stderr, flush=True)
    raise SystemExit(error.exit_code)
