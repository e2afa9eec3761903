"""A do-nothing HTTP/1.1 server that answers every POST with `200 {}`.

It exists to measure the load generator's own ceiling: whatever rate the generator reaches
against this server is the most it can measure against any server on the same machine.
Loopback only. With `--procs N` it forks N processes sharing the port (SO_REUSEPORT).

usage: python benchmarks/trivial_server.py PORT [--procs N] [--seconds LIMIT]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import socket
from typing import cast

_RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
    b"x-amzn-RequestId: 0\r\nContent-Length: 2\r\n\r\n{}"
)
_MAX_REQUESTS_PER_READ = 10_000


class _Handler(asyncio.Protocol):
    def __init__(self) -> None:
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buf = self.buf + data if self.buf else data
        answers = 0
        for _ in range(_MAX_REQUESTS_PER_READ):
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = self.buf[:end].lower()
            at = head.find(b"\r\ncontent-length:")
            length = 0
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : stop if stop >= 0 else len(head)])
            if len(self.buf) < end + 4 + length:
                break
            self.buf = self.buf[end + 4 + length :]
            answers += 1
        if answers:
            self.transport.write(_RESPONSE * answers)


def _serve(sock: socket.socket, seconds: float) -> None:
    try:
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(_Handler, sock=sock))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.call_later(seconds, loop.stop)  # never outlive the benchmark that started it
    loop.run_forever()
    server.close()
    loop.close()


def _socket(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    return sock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("--procs", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=3600.0, help="exit after this long")
    args = parser.parse_args()
    ctx = multiprocessing.get_context("fork")
    children = [
        ctx.Process(target=_serve, args=(_socket(args.port), args.seconds), daemon=True)
        for _ in range(max(args.procs, 1) - 1)
    ]
    for child in children:
        child.start()
    print(f"trivial server on http://127.0.0.1:{args.port} pid {os.getpid()}", flush=True)
    try:
        _serve(_socket(args.port), args.seconds)
    finally:
        for child in children:
            child.terminate()
            child.join(timeout=5)


if __name__ == "__main__":
    main()
