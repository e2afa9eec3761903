"""ddblite on PostgreSQL beside ddblite on SQLite (memory) and DynamoDB Local; 1, 2, 4 servers.

    python benchmarks/postgres.py --duration 5
    python benchmarks/postgres.py --servers 1,2,4 --workloads put,get,query --with-ddblocal

Starts a throwaway PostgreSQL (``tests/pg_server.py``'s ``start_pg()``: initdb + pg_ctl on a
free port, as the ``postgres`` user when run as root), and for every N in ``--servers`` a fresh
database with N ``ddblite serve --reuse-port`` processes sharing one port (the kernel spreads
the generator's keep-alive connections over them). Also ``ddblite serve --in-memory`` (SQLite,
one process) and, with ``--with-ddblocal``, DynamoDB Local (``servers.py``'s launcher).

All columns are started at once and measured side by side, workload by workload and column by
column in turn (as ``run.py`` does), after an unmeasured warm-up pass that creates and preloads
the tables. For each run: ops/s, p50/p99 and the cores used by the generator, by the ddblite
processes (summed; per process too, to show how the connections were spread), by PostgreSQL
(the postmaster and all its backends) and by everything else on the machine. Same generator
plan as ``run.py``: 16 connections, 3 s warmup + ``--duration`` s. See benchmarks/README.md.

PostgreSQL settings: those of ``start_pg()`` (``fsync=off``, ``full_page_writes=off``,
``shared_buffers=128MB``, ``max_connections=300``) except that the benchmark databases get
``synchronous_commit=on`` (ALTER DATABASE): every acknowledged write waits for its WAL write,
though with ``fsync=off`` not for the disk. ddblite's pool is its default (40 per server), and
with the database on loopback it sends statements one by one (no pipeline mode).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (str(HERE), str(ROOT)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from loadgen import Client, Plan, run  # noqa: E402
from report import BUSY_MACHINE  # noqa: E402
from tests.pg_server import PgServer, start_pg  # noqa: E402
from workloads import WORKLOADS, SetupError  # noqa: E402

from servers import (  # noqa: E402
    TARGETS,
    WORK,
    Server,
    Target,
    free_port,
    machine_busy_seconds,
    session_cpu_seconds,
)

READY_TIMEOUT_S = 60.0
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Cell:
    """One workload measured on one column."""

    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    generator_cpu: float  # cores
    server_cpu: float  # cores, all ddblite (or DynamoDB Local) processes of the column
    pg_cpu: float  # cores, PostgreSQL (0 for the other columns)
    other_cpu: float  # cores, everything else on the machine
    per_process: list[float] = field(default_factory=list)  # cores of each server process


@dataclass
class Column:
    key: str
    label: str
    url: str
    servers: list[Server]
    uses_pg: bool
    cells: dict[str, Cell] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- CPU of process trees


def _stat(pid: int) -> list[bytes] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None


def tree_cpu_seconds(root: int) -> float:
    """CPU (user+sys) used so far by `root` and its live descendants (PostgreSQL backends)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[bytes]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            stats[int(entry)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += int(stats[pid][11]) + int(stats[pid][12])
        todo.extend(children.get(pid, []))
    return total / _TICK


def postmaster_pid(pg: PgServer) -> int:
    return int((pg.data / "postmaster.pid").read_text().split()[0])


class Meter:
    """CPU snapshots of the generator's surroundings: servers, PostgreSQL, the machine."""

    def __init__(self, column: Column, pg_pid: int | None) -> None:
        self.column, self.pg_pid = column, pg_pid

    def snapshot(self) -> tuple[float, list[float], float]:
        per = [session_cpu_seconds(s.sid) for s in self.column.servers]
        pg = tree_cpu_seconds(self.pg_pid) if self.pg_pid is not None else 0.0
        return machine_busy_seconds(), per, pg


# ---------------------------------------------------------------- launching


def _listening(pid: int, port: int) -> bool:
    """True when process `pid` holds a listening TCP socket on `port`."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
        with open(f"/proc/{pid}/net/tcp") as f:
            rows = f.readlines()[1:]
    except OSError:
        return False
    for row in rows:
        parts = row.split()
        listening = parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port
        if listening and parts[9] in inodes:
            return True
    return False


def _health(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


_PG_TARGET = Target("ddblite-pg", "ddblite (PostgreSQL)", lambda port, workdir: [])


def start_ddblite_group(db_url: str, count: int) -> list[Server]:
    """`count` ddblite processes on one port (--reuse-port), each in a session of its own;
    returns once every one of them listens and GET / answers 200 on fresh connections."""
    port = free_port()
    workdir = WORK / "ddblite-pg"
    workdir.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable,
        "-m",
        "ddblite",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--db",
        db_url,
        "--reuse-port",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DDBLITE_")}
    group: list[Server] = []
    try:
        for n in range(count):
            log = workdir / f"server-{port}-{n}.out"
            with open(log, "wb") as out:
                process = subprocess.Popen(
                    argv,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                    env=env,
                )
            group.append(
                Server(_PG_TARGET, f"http://127.0.0.1:{port}", process, log, time.monotonic())
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        for server in group:
            while not _listening(server.process.pid, port):
                if server.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"ddblite on {db_url} did not start; log:\n"
                        + server.log.read_text(errors="replace")[-2000:]
                    )
                time.sleep(0.02)
        url = group[0].url
        healthy = 0
        while healthy < 4 * count:  # fresh connections, spread by the kernel
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url}: GET / did not answer 200")
            healthy = healthy + 1 if _health(url) else 0
    except BaseException:
        for server in group:
            server.stop()
        raise
    return group


# ---------------------------------------------------------------- measuring


def _wait_quiet(meter: Meter, max_wait: float) -> None:
    """Wait (at most `max_wait` s) for a second in which other processes use few cores."""
    deadline = time.monotonic() + max_wait
    while time.monotonic() < deadline:
        busy0, per0, pg0 = meter.snapshot()
        own0 = time.process_time()
        time.sleep(1.0)
        busy1, per1, pg1 = meter.snapshot()
        other = busy1 - busy0 - (sum(per1) - sum(per0)) - (pg1 - pg0)
        other -= time.process_time() - own0
        if other < BUSY_MACHINE:
            return
    print(f"  machine still busy after {max_wait:g} s; measuring anyway", file=sys.stderr)


def measure_once(plan: Plan, column: Column, meter: Meter, per_request: int) -> Cell:
    busy0, per0, pg0 = meter.snapshot()
    wall0 = time.monotonic()
    result = run(plan, column.url)
    wall = time.monotonic() - wall0
    busy1, per1, pg1 = meter.snapshot()
    per = [(b - a) / wall for a, b in zip(per0, per1, strict=True)]
    pg = (pg1 - pg0) / wall
    generator = result.cpu_seconds / wall
    other = max((busy1 - busy0) / wall - sum(per) - pg - generator, 0.0)
    if result.error_samples:
        for sample in result.error_samples[:2]:
            print(f"    error: {sample}", file=sys.stderr)
    return Cell(
        result.ops_per_s * per_request,
        result.percentile_ms(50),
        result.percentile_ms(99),
        result.errors,
        generator,
        sum(per),
        pg,
        other,
        per,
    )


def run_workload(
    args: argparse.Namespace, column: Column, name: str, meter: Meter, measure: bool
) -> None:
    workload = WORKLOADS[name]
    client = Client(column.url)
    try:
        body = workload.prepare(column.url, client, args.connections)
    except (SetupError, OSError) as exc:
        column.failures.append(f"{name}: {exc}")
        print(f"  [{column.label}] {name}: setup failed: {exc}", file=sys.stderr)
        return
    finally:
        client.close()
    procs = args.procs
    plan = Plan(
        workload.operation,
        body,
        duration=args.duration if measure else args.server_warmup,
        warmup=args.warmup if measure else 0.0,
        connections=args.connections,
        procs=procs,
    )
    if not measure:
        result = run(plan, column.url)
        if result.errors:
            print(f"  [{column.label}] {name} warm-up: {result.errors} errors", file=sys.stderr)
        return
    best: Cell | None = None
    for attempt in range(1 + max(args.noise_retries, 0)):
        _wait_quiet(meter, args.quiet_wait)
        cell = measure_once(plan, column, meter, workload.items_per_request)
        spread = "+".join(f"{c:.2f}" for c in cell.per_process)
        print(
            f"  [{column.label}] {name:6} {cell.rate:>8,.0f}/s  p50 {cell.p50_ms:6.2f} ms"
            f"  p99 {cell.p99_ms:6.2f} ms  errors {cell.errors}  cores: generator"
            f" {cell.generator_cpu:.2f} ({procs} proc) server {cell.server_cpu:.2f}"
            f" ({spread}) postgres {cell.pg_cpu:.2f} other {cell.other_cpu:.2f}"
            + (f"  (retry {attempt})" if attempt else ""),
            file=sys.stderr,
        )
        if best is None or cell.other_cpu < best.other_cpu:
            best = cell
        if best.other_cpu <= BUSY_MACHINE:
            break
    assert best is not None
    column.cells[name] = best


# ---------------------------------------------------------------- report


def markdown(columns: list[Column], args: argparse.Namespace, command: str) -> str:
    cores = len(os.sched_getaffinity(0))
    out = [
        f"Measured on {date.today().isoformat()} with `{command}`.",
        "",
        f"**{cores} cores shared by everything**: the load generator, every ddblite process and"
        " PostgreSQL run on the same machine, so adding servers cannot add cores; the 1/2/4"
        " columns show how throughput holds up as the same CPU is split over more processes,"
        " not how it would scale on more machines.",
        "",
        f"{args.connections} keep-alive connections, {args.procs} generator process(es),"
        f" {args.warmup:g} s warmup +"
        f" {args.duration:g} s per workload; cells are ops/s (p99 ms).",
        "",
    ]
    head = ["workload", *(c.label for c in columns)]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for name in args.workloads:
        row = [WORKLOADS[name].description]
        for column in columns:
            cell = column.cells.get(name)
            row.append("-" if cell is None else f"{cell.rate:,.0f} ({cell.p99_ms:.1f})")
        out.append("| " + " | ".join(row) + " |")
    out += ["", "Cores used during each run (generator / servers / PostgreSQL / other):", ""]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for name in args.workloads:
        row = [name]
        for column in columns:
            cell = column.cells.get(name)
            row.append(
                "-"
                if cell is None
                else f"{cell.generator_cpu:.2f} / {cell.server_cpu:.2f} / {cell.pg_cpu:.2f}"
                f" / {cell.other_cpu:.2f}"
            )
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    for column in columns:
        disturbed = [n for n, c in column.cells.items() if c.other_cpu > BUSY_MACHINE]
        if disturbed:
            out.append(
                f"- {column.label}: other processes used over {BUSY_MACHINE} cores"
                f" during {', '.join(disturbed)} (numbers disturbed)"
            )
        errors = sum(c.errors for c in column.cells.values())
        if errors or column.failures:
            out.append(f"- {column.label}: {errors} failed requests; " + "; ".join(column.failures))
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument(
        "--server-warmup",
        type=float,
        default=2.0,
        help="seconds of each workload in an unmeasured first pass",
    )
    parser.add_argument(
        "--servers", default="1,2,4", help="comma list: ddblite processes per PostgreSQL column"
    )
    parser.add_argument(
        "--workloads", default="put,get,query", help="comma list of " + ", ".join(WORKLOADS)
    )
    parser.add_argument("--with-ddblocal", action="store_true", help="also measure DynamoDB Local")
    parser.add_argument(
        "--no-sqlite", action="store_true", help="skip the ddblite-on-SQLite-memory column"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--procs", type=int, default=1, help="generator processes (the same for every column)"
    )
    parser.add_argument("--quiet-wait", type=float, default=60.0)
    parser.add_argument("--noise-retries", type=int, default=2)
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args(argv)
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    if bad := [w for w in args.workloads if w not in WORKLOADS]:
        parser.error(f"unknown workloads: {bad}")
    args.servers = [int(n) for n in args.servers.split(",") if n.strip()]
    if any(n < 1 for n in args.servers):
        parser.error("--servers: counts must be at least 1")
    return args


def _launch_columns(args: argparse.Namespace, pg: PgServer, columns: list[Column]) -> None:
    if not args.no_sqlite:
        server = TARGETS["ddblite"].launch()
        columns.append(Column("sqlite", "ddblite SQLite memory", server.url, [server], False))
    for count in args.servers:
        db_url = pg.fresh_database("bench")
        import psycopg

        name = db_url.rsplit("/", 1)[1]
        with psycopg.connect(pg.url(), autocommit=True) as conn:
            conn.execute(f"ALTER DATABASE {name} SET synchronous_commit = on")
        group = start_ddblite_group(db_url, count)
        columns.append(Column(f"pg{count}", f"ddblite PG x{count}", group[0].url, group, True))
    if args.with_ddblocal:
        server = TARGETS["ddblocal"].launch()
        columns.append(Column("ddblocal", "DynamoDB Local", server.url, [server], False))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python benchmarks/postgres.py " + " ".join(sys.argv[1:] if argv is None else argv)
    pg, why = start_pg()
    if pg is None:
        print(f"PostgreSQL did not start: {why}", file=sys.stderr)
        return 1
    columns: list[Column] = []
    try:
        _launch_columns(args, pg, columns)
        pg_pid = postmaster_pid(pg)
        meters = {c.key: Meter(c, pg_pid if c.uses_pg else None) for c in columns}
        print(
            f"== {os.cpu_count()} cores shared by generator, servers and PostgreSQL",
            file=sys.stderr,
        )
        if args.server_warmup > 0:
            for column in columns:
                print(f"== warm-up pass: {column.label}", file=sys.stderr)
                for name in args.workloads:
                    run_workload(args, column, name, meters[column.key], measure=False)
        for name in args.workloads:
            for column in columns:
                run_workload(args, column, name, meters[column.key], measure=True)
    finally:
        for column in columns:
            for server in column.servers:
                server.stop()
        pg.stop()
    table = markdown(columns, args, command.strip())
    print(table)
    if args.markdown:
        args.markdown.write_text(table)
    return (
        0 if not any(c.failures or any(x.errors for x in c.cells.values()) for c in columns) else 1
    )


if __name__ == "__main__":
    sys.exit(main())
