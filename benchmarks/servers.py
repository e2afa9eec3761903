"""Start, measure and stop the servers under test (ddblite, DynamoDB Local, moto, trivial).

Each server is launched in a session of its own, so its whole process tree (a launcher script,
a JVM, uvicorn workers) is found by session id: memory is the sum over that tree, and stopping
it signals exactly that session, nothing else. Everything binds to 127.0.0.1; every wait is
bounded.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from loadgen import Client

HERE = Path(__file__).resolve().parent
WORK = Path(os.environ.get("DDBLITE_BENCH_DIR", "/tmp/ddblite-bench"))
# A script that starts DynamoDB Local on 127.0.0.1 as `SCRIPT PORT DIR` (see README.md here);
# the ddblocal target needs it.
DDBLOCAL_SCRIPT = os.environ.get("DDBLOCAL_START", "")
READY_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _script(name: str) -> str:
    """A console script of this interpreter, bypassing pyenv-style shims (they add ~100 ms)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found (is it installed?)")
    return found


# ---------------------------------------------------------------- process-tree memory


def _session_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read()
    # Fields after the parenthesised command name: state ppid pgrp session ...
    return int(stat[stat.rindex(b")") + 2 :].split()[3])


def session_pids(sid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if _session_of(int(entry)) == sid:
                    pids.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return pids


def status_kb(pid: int, field_name: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_kb(sid: int, field_name: str = "VmRSS") -> int:
    """Sum of `field_name` (VmRSS, or VmHWM for the peak) over the session's processes."""
    return sum(status_kb(pid, field_name) for pid in session_pids(sid))


_TICK = os.sysconf("SC_CLK_TCK")


def session_cpu_seconds(sid: int) -> float:
    """CPU (user+sys) used so far by the session's live processes."""
    total = 0
    for pid in session_pids(sid):
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / _TICK


def machine_busy_seconds() -> float:
    """CPU time all processes on the machine used so far (all cores: not idle, not iowait)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / _TICK


def reset_peak(sid: int) -> bool:
    """Reset VmHWM of the session's processes (Linux clear_refs 5); False if not allowed."""
    done = True
    for pid in session_pids(sid):
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            done = False
    return done


# ---------------------------------------------------------------- targets


@dataclass
class Server:
    target: Target
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    started: float  # monotonic time of launch
    ready_after: float = 0.0  # seconds from launch to the first successful ListTables
    extra_pids: list[int] = field(default_factory=list)

    @property
    def sid(self) -> int:
        return self.process.pid  # start_new_session: the leader's pid is the session id

    def rss_mb(self) -> float:
        return tree_kb(self.sid) / 1024.0

    def stop(self) -> None:
        pids = session_pids(self.sid) + self.extra_pids
        for pid in pids:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
            self.process.poll()
            time.sleep(0.05)
        for pid in pids:
            if _alive(pid):
                _signal(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_TIMEOUT_S)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
        return state != b"Z"
    except (OSError, IndexError):
        return False


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    command: Callable[[int, Path], list[str]]  # (port, work dir) -> argv

    def launch(self, port: int | None = None) -> Server:
        """Start the server and wait (bounded) for its first successful ListTables."""
        port = port or free_port()
        workdir = WORK / self.name
        workdir.mkdir(parents=True, exist_ok=True)
        log = workdir / f"server-{port}.out"
        argv = self.command(port, workdir)
        started = time.monotonic()
        with open(log, "wb") as out:
            process = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=workdir,
            )
        server = Server(self, f"http://127.0.0.1:{port}", process, log, started)
        try:
            server.ready_after = _wait_ready(server)
        except BaseException:
            server.stop()
            raise
        return server


def _wait_ready(server: Server) -> float:
    deadline = server.started + READY_TIMEOUT_S
    launcher_exited_at: float | None = None
    while time.monotonic() < deadline:
        try:
            client = Client(server.url, timeout=5.0)
            try:
                status, _ = client.raw("ListTables", b"{}")
            finally:
                client.close()
            if status == 200:
                return time.monotonic() - server.started
        except OSError:
            pass
        if server.process.poll() is not None and not session_pids(server.sid):
            # The launcher may exit on purpose (start-ddblocal.sh backgrounds java); give up
            # only when nothing of the session is left for a while.
            launcher_exited_at = launcher_exited_at or time.monotonic()
            if time.monotonic() - launcher_exited_at > 2.0:
                break
        time.sleep(0.005)
    tail = server.log.read_text(errors="replace")[-2000:] if server.log.exists() else ""
    raise RuntimeError(f"{server.target.label} did not answer ListTables; log:\n{tail}")


def _ddblite_memory(port: int, workdir: Path) -> list[str]:
    return [_script("ddblite"), "serve", "--host", "127.0.0.1", "--port", str(port), "--in-memory"]


def _ddblite_file(port: int, workdir: Path) -> list[str]:
    db = workdir / f"bench-{port}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return [
        _script("ddblite"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--db",
        str(db),
    ]


def _ddblocal(port: int, workdir: Path) -> list[str]:
    # The script installs the npm package into workdir on first use and backgrounds java
    # (same session, so stop() and the memory sums find it).
    if not DDBLOCAL_SCRIPT:
        raise SystemExit(
            "the ddblocal target needs DDBLOCAL_START: a script run as SCRIPT PORT DIR"
        )
    return ["bash", DDBLOCAL_SCRIPT, str(port), str(workdir)]


def _moto(port: int, workdir: Path) -> list[str]:
    return [_script("moto_server"), "-H", "127.0.0.1", "-p", str(port)]


def _trivial(port: int, workdir: Path) -> list[str]:
    return [sys.executable, str(HERE / "trivial_server.py"), str(port), "--seconds", "3600"]


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("ddblite", "ddblite (memory)", _ddblite_memory),
        Target("ddblite-file", "ddblite (file)", _ddblite_file),
        Target("ddblocal", "DynamoDB Local", _ddblocal),
        Target("moto", "moto server", _moto),
        Target("trivial", "trivial server", _trivial),
    )
}


def ddblite_available() -> bool:
    """True when `ddblite serve --help` works (the server may not be written yet)."""
    try:
        done = subprocess.run(
            [_script("ddblite"), "serve", "--help"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and b"--port" in done.stdout


def cold_start_ms(target: Target, runs: int) -> list[float]:
    """Launch-to-first-successful-ListTables times of `runs` fresh launches."""
    times = []
    for _ in range(runs):
        server = target.launch()
        try:
            times.append(server.ready_after * 1000.0)
        finally:
            server.stop()
    return times
