"""Start real ``ddblite serve`` processes for black-box tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    port: int
    db: str
    log: Path

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, sig: int | None = None) -> int:
        if self.process.poll() is None:
            if sig is None:
                self.process.terminate()
            else:
                self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


def start_server(
    db: str,
    log_dir: Path,
    port: int | None = None,
    flags: Sequence[str] = (),
    host: str = "127.0.0.1",
    env: Mapping[str, str] | None = None,
) -> RunningServer:
    """A ``ddblite serve`` on ``host`` with extra ``flags`` and ``DDBLITE_*`` variables from
    ``env`` (none are inherited), once it answers its health check on 127.0.0.1."""
    port = port or free_port()
    log = log_dir / f"server-{port}.log"
    args = [sys.executable, "-m", "ddblite", "serve", "--host", host, "--port", str(port)]
    args += ["--in-memory"] if db == ":memory:" else ["--db", db]
    args += flags
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DDBLITE_")}
    env = {**inherited, **(env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = RunningServer(process, port, db, log)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ddblite exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(server.endpoint, timeout=1) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"ddblite did not start:\n{log.read_text()}")
