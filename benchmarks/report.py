"""Results of a benchmark run and their markdown rendering."""

from __future__ import annotations

import argparse
import json
import os
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from workloads import WORKLOADS

PEERS = ("ddblocal", "moto")
BUSY_MACHINE = 0.25  # cores used by unrelated processes above which results are flagged


@dataclass
class Throughput:
    rate: float  # ops/s, or items/s for BatchWriteItem
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    generator_cpu: float  # cores the generator used
    server_cpu: float | None  # cores the server's process tree used (None: not ours)
    background_cpu: float  # cores anything else on the machine used: should be ~0


@dataclass
class TargetReport:
    name: str
    label: str
    throughput: dict[str, Throughput] = field(default_factory=dict)
    scan_s: float | None = None
    scan_items: int | None = None
    scan_peak_mb: float | None = None
    scan_background: float | None = None  # cores used by other processes during the scan
    coldstart_ms: float | None = None
    coldstart_runs: list[float] = field(default_factory=list)
    idle_mb: float | None = None
    failures: list[str] = field(default_factory=list)


def _fmt_rate(value: float) -> str:
    return f"{value:,.0f}"


def _fmt_ms(value: float) -> str:
    return "-" if value != value else f"{value:.2f}"  # NaN: no successful request


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or not b or a != a or b != b:
        return "-"
    return f"{a / b:.2f}x"


def _ratio_pairs(reports: list[TargetReport]) -> list[tuple[TargetReport, TargetReport]]:
    ours = [r for r in reports if r.name.startswith("ddblite")]
    peers = [r for r in reports if r.name in PEERS]
    return [(a, b) for a in ours for b in peers]


def markdown(reports: list[TargetReport], args: argparse.Namespace) -> str:
    pairs = _ratio_pairs(reports)
    out = [
        f"Measured on {getattr(args, 'date', date.today().isoformat())},"
        f" {getattr(args, 'cores', _cores())} cores; {args.connections} connections,"
        f" {args.procs} generator process(es), {args.warmup:g} s warmup + {args.duration:g} s"
        " per workload.",
        "",
    ]
    names = [n for n in args.workloads if any(n in r.throughput for r in reports)]
    if names:
        head = ["workload"]
        for r in reports:
            head += [f"{r.label} ops/s", "p50 ms", "p99 ms"]
        head += [f"{_short(a)} / {_short(b)}" for a, b in pairs]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        for name in names:
            row = [WORKLOADS[name].description]
            for r in reports:
                t = r.throughput.get(name)
                row += (
                    [
                        _fmt_rate(t.rate) + ("\\*" if t.background_cpu > BUSY_MACHINE else ""),
                        _fmt_ms(t.p50_ms),
                        _fmt_ms(t.p99_ms),
                    ]
                    if t
                    else ["-", "-", "-"]
                )
            for a, b in pairs:
                ta, tb = a.throughput.get(name), b.throughput.get(name)
                row.append(_ratio(ta.rate if ta else None, tb.rate if tb else None))
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    extra_rows = _extra_rows(reports, args)
    if extra_rows:
        head = ["measure"] + [r.label for r in reports]
        head += [f"{_short(a)} / {_short(b)}" for a, b in pairs]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        for title, getter, fmt in extra_rows:
            row = [title] + [fmt(getter(r)) for r in reports]
            row += [_ratio(getter(a), getter(b)) for a, b in pairs]
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    out += _notes(reports)
    return "\n".join(out).rstrip() + "\n"


def _notes(reports: list[TargetReport]) -> list[str]:
    """Footnotes: background load seen during each target's runs, and any failures."""
    notes: list[str] = []
    for r in reports:
        loads = {n: t.background_cpu for n, t in r.throughput.items()}
        if r.scan_background is not None:
            loads["scan"] = r.scan_background
        if loads:
            worst = max(loads, key=lambda n: loads[n])
            typical = statistics.median(loads.values())
            notes.append(
                f"- {r.label}: other processes used {typical:.2f} cores (median over its"
                f" measurements), up to {loads[worst]:.2f} ({worst})"
            )
    if any(t.background_cpu > BUSY_MACHINE for r in reports for t in r.throughput.values()):
        notes.append(
            f"- \\* other processes used more than {BUSY_MACHINE} cores during this measurement"
            " (even after the retries): the number is low by an unknown amount"
        )
    for r in reports:
        errors = sum(t.errors for t in r.throughput.values())
        if errors or r.failures:
            notes.append(f"- {r.label}: {errors} failed requests; " + "; ".join(r.failures))
    return notes


_SHORT = {"ddblite": "ddblite", "ddblite-file": "ddblite file", "ddblocal": "DDB Local"}


def _short(report: TargetReport) -> str:
    """Column names for ratios; the full labels (with versions) head the value columns."""
    return _SHORT.get(report.name, report.name)


Getter = Callable[[TargetReport], float | None]
Formatter = Callable[[float | None], str]


def _num(fmt: str) -> Formatter:
    return lambda v: "-" if v is None else format(v, fmt)


def _extra_rows(
    reports: list[TargetReport], args: argparse.Namespace
) -> list[tuple[str, Getter, Formatter]]:
    rows: list[tuple[str, Getter, Formatter]] = []
    if "scan" in args.extra:
        rows.append(
            (
                f"Scan {args.scan_items:,} items end to end, s (lower is better)",
                lambda r: r.scan_s,
                _num(".2f"),
            )
        )
        rows.append(("Scan: server peak RSS, MB", lambda r: r.scan_peak_mb, _num(".0f")))
    if "coldstart" in args.extra:
        rows.append(
            (
                f"Cold start to first ListTables, ms (median of {args.cold_runs})",
                lambda r: r.coldstart_ms,
                _num(".0f"),
            )
        )
    if "idle" in args.extra:
        rows.append(("Idle RSS after start, MB", lambda r: r.idle_mb, _num(".0f")))
    return rows


def _cores() -> int:
    return len(os.sched_getaffinity(0))


_SETTINGS = (
    "connections",
    "procs",
    "warmup",
    "duration",
    "workloads",
    "extra",
    "scan_items",
    "cold_runs",
)


def save(path: Path, reports: list[TargetReport], args: argparse.Namespace) -> None:
    """Write the results and the settings that shaped them (run.py --render reads it back)."""
    settings = {key: getattr(args, key) for key in _SETTINGS}
    settings.update(date=date.today().isoformat(), cores=_cores())
    document = {"settings": settings, "reports": [asdict(r) for r in reports]}
    path.write_text(json.dumps(document, indent=2))


def load(path: Path) -> tuple[list[TargetReport], argparse.Namespace]:
    document = json.loads(path.read_text())
    reports = []
    for raw in document["reports"]:
        throughput = {n: Throughput(**t) for n, t in raw.pop("throughput").items()}
        reports.append(TargetReport(**raw, throughput=throughput))
    return reports, argparse.Namespace(**document["settings"])
