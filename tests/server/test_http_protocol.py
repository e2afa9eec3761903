"""http_protocol.py: a connection's writes of one event-loop turn leave as one write."""

from __future__ import annotations

import asyncio
import importlib.metadata
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from ddblite.server.http_protocol import CoalescingHttpProtocol, CoalescingTransport


class FakeTransport(asyncio.Transport):
    """Records what reaches the socket."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 7

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5)}.get(name, default)


async def next_turn() -> None:
    await asyncio.sleep(0)
    await asyncio.sleep(0)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_writes_of_one_turn_leave_together() -> None:
    async def scenario() -> list[bytes]:
        inner = FakeTransport()
        transport = CoalescingTransport(inner, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(bytearray(b"{}"))
        assert inner.writes == []
        assert transport.get_write_buffer_size() == 7 + 21
        await next_turn()
        transport.write(b"next")
        await next_turn()
        return inner.writes

    assert run(scenario()) == [b"HTTP/1.1 200 OK\r\n\r\n{}", b"next"]


def test_close_sends_what_is_held_first_and_abort_drops_it() -> None:
    async def scenario() -> tuple[FakeTransport, FakeTransport]:
        loop = asyncio.get_running_loop()
        closed, aborted = FakeTransport(), FakeTransport()
        first, second = CoalescingTransport(closed, loop), CoalescingTransport(aborted, loop)
        first.write(b"bye")
        first.close()
        second.write(b"lost")
        second.abort()
        await next_turn()
        return closed, aborted

    closed, aborted = run(scenario())
    assert (closed.writes, closed.closed) == ([b"bye"], True)
    assert (aborted.writes, aborted.aborted) == ([], True)


def test_nothing_is_written_to_a_closing_connection() -> None:
    async def scenario() -> FakeTransport:
        inner = FakeTransport()
        transport = CoalescingTransport(inner, asyncio.get_running_loop())
        transport.write(b"late")
        inner.closed = True  # the peer went away before the flush
        await next_turn()
        return inner

    assert run(scenario()).writes == []


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = (await receive())["body"]
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def test_a_real_uvicorn_server_answers_keep_alive_and_pipelined_requests() -> None:
    import socket
    import threading

    import uvicorn

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        echo_app, http=CoalescingHttpProtocol, loop="uvloop", lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            threading.Event().wait(0.01)

        def request(body: bytes) -> bytes:
            return b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body

        with socket.create_connection(listener.getsockname(), timeout=5) as client:
            answers = b""
            client.sendall(request(b"one"))
            while not answers.endswith(b"one"):
                answers += client.recv(65536)
            client.sendall(request(b"two") + request(b"three"))  # pipelined
            while not answers.endswith(b"three"):
                answers += client.recv(65536)
        assert answers.count(b"HTTP/1.1 200 OK") == 3
        assert [part.rsplit(b"\r\n\r\n", 1)[1] for part in answers.split(b"HTTP/1.1 ")[1:]] == [
            b"one",
            b"two",
            b"three",
        ]
    finally:
        server.should_exit = True
        thread.join(5)


@pytest.mark.parametrize("method", ["pause_reading", "resume_reading"])
def test_flow_control_reaches_the_socket(method: str) -> None:
    calls: list[str] = []

    class Recording(FakeTransport):
        def pause_reading(self) -> None:
            calls.append("pause_reading")

        def resume_reading(self) -> None:
            calls.append("resume_reading")

    async def scenario() -> None:
        transport = CoalescingTransport(Recording(), asyncio.get_running_loop())
        getattr(transport, method)()

    run(scenario())
    assert calls == [method]


def test_installed_uvicorn_is_in_the_tested_range() -> None:
    # http_protocol.py subclasses uvicorn's HttpToolsProtocol, an internal class: a new
    # uvicorn may change the methods it overrides. pyproject.toml bounds uvicorn above at the
    # first release nobody has checked; this fails first when an environment has another one.
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    (uvicorn,) = [r for r in map(Requirement, dependencies) if r.name == "uvicorn"]
    assert any(spec.operator == "<" for spec in uvicorn.specifier), uvicorn
    installed = importlib.metadata.version("uvicorn")
    assert uvicorn.specifier.contains(installed), (
        f"uvicorn {installed} is outside the tested range {uvicorn.specifier}: check "
        "src/ddblite/server/http_protocol.py against uvicorn/protocols/http/httptools_impl.py "
        "(every HttpToolsProtocol method it overrides, and the attributes it reads), run "
        "tests/server/, then move the bound in pyproject.toml"
    )
