"""The ``ddblite`` command."""

from __future__ import annotations

import argparse

from ddblite import __version__
from ddblite.config import MEMORY, Settings


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
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from ddblite.server.serve import serve

        settings = Settings.from_env(
            host=args.host,
            port=args.port,
            db=MEMORY if args.in_memory else args.db,
            synchronous=args.synchronous,
            reuse_port=args.reuse_port,
        )
        serve(settings)
