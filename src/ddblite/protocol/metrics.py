"""Request metrics for ``GET /_ddblite/metrics``, in Prometheus' text exposition format.

Written here rather than with ``prometheus_client``: the per-request update is one dict
lookup, a bisect and two additions on plain numbers, with no lock (every update happens on
the event loop's thread, also for PostgreSQL, whose requests run on a thread pool but return
to the loop before they are counted); prometheus_client takes a lock and builds label tuples
per observation, and would be a dependency for ~60 lines of text output.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Upper bounds in seconds; a request in microseconds lands in the first.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# Distinct X-Amz-Target values remembered; past it, new ones are looked up each time (a client
# sending random targets cannot grow the table).
_MAX_TARGETS = 256
UNKNOWN_OPERATION = "unknown"


class LatencyHistogram:
    __slots__ = ("buckets", "seconds")

    def __init__(self) -> None:
        self.buckets = [0] * (len(LATENCY_BUCKETS) + 1)  # the last one: over every bound
        self.seconds = 0.0


@dataclass(frozen=True, slots=True)
class Gauge:
    name: str
    help: str
    value: float


class RequestMetrics:
    """Counts and latencies by operation, and errors by type. ``operation_of`` names the
    operation of an X-Amz-Target value (None for one ddblite does not serve)."""

    def __init__(self, operation_of: Callable[[str], str | None]) -> None:
        self._operation_of = operation_of
        self._by_target: dict[str, LatencyHistogram] = {}
        self._by_operation: dict[str, LatencyHistogram] = {}
        self._errors: dict[str, int] = {}

    def observe(self, target: str, seconds: float) -> None:
        histogram = self._by_target.get(target)
        if histogram is None:
            histogram = self._histogram_for(target)
        histogram.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        histogram.seconds += seconds

    def failed(self, error_type: str) -> None:
        self._errors[error_type] = self._errors.get(error_type, 0) + 1

    def _histogram_for(self, target: str) -> LatencyHistogram:
        operation = self._operation_of(target) or UNKNOWN_OPERATION
        histogram = self._by_operation.get(operation)
        if histogram is None:
            histogram = self._by_operation[operation] = LatencyHistogram()
        if len(self._by_target) < _MAX_TARGETS:
            self._by_target[target] = histogram
        return histogram

    def render(self, gauges: Iterable[Gauge]) -> bytes:
        """The text exposition format (version 0.0.4)."""
        lines = [
            "# HELP ddblite_request_seconds Time to answer a DynamoDB request, by operation "
            "(its _count is the number of requests).",
            "# TYPE ddblite_request_seconds histogram",
        ]
        for operation, histogram in sorted(self._by_operation.items()):
            label = f'operation="{operation}"'
            total = 0
            for bound, count in zip(LATENCY_BUCKETS, histogram.buckets, strict=False):
                total += count
                lines.append(f'ddblite_request_seconds_bucket{{{label},le="{bound}"}} {total}')
            total += histogram.buckets[-1]
            lines.append(f'ddblite_request_seconds_bucket{{{label},le="+Inf"}} {total}')
            lines.append(f"ddblite_request_seconds_sum{{{label}}} {histogram.seconds!r}")
            lines.append(f"ddblite_request_seconds_count{{{label}}} {total}")
        lines.append("# HELP ddblite_errors_total Requests answered with an error, by type.")
        lines.append("# TYPE ddblite_errors_total counter")
        for error_type, count in sorted(self._errors.items()):
            lines.append(f'ddblite_errors_total{{type="{error_type}"}} {count}')
        for gauge in gauges:
            lines.append(f"# HELP {gauge.name} {gauge.help}")
            lines.append(f"# TYPE {gauge.name} gauge")
            lines.append(f"{gauge.name} {gauge.value!r}")
        return ("\n".join(lines) + "\n").encode()
