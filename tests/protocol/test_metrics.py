"""protocol/metrics.py: the Prometheus text the metrics endpoint serves."""

from __future__ import annotations

from ddblite.protocol.dispatch import operation_of
from ddblite.protocol.metrics import Gauge, RequestMetrics


def test_histograms_by_operation_errors_by_type_and_gauges() -> None:
    metrics = RequestMetrics(operation_of)
    metrics.observe("DynamoDB_20120810.GetItem", 0.0002)
    metrics.observe("DynamoDB_20120810.GetItem", 0.003)
    metrics.observe("DynamoDB_20120810.GetItem", 9.0)
    metrics.observe("DynamoDB_20120810.Nonsense", 0.0001)
    metrics.failed("ResourceNotFoundException")
    metrics.failed("ResourceNotFoundException")
    text = metrics.render([Gauge("ddblite_storage_bytes", "Bytes.", 4096)]).decode()
    bounds = ["0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25"]
    bounds += ["0.5", "1.0", "2.5", "+Inf"]
    get_counts = [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3]
    unknown_counts = [1] * 13
    expected = [
        "# HELP ddblite_request_seconds Time to answer a DynamoDB request, by operation (its "
        "_count is the number of requests).",
        "# TYPE ddblite_request_seconds histogram",
        *(
            f'ddblite_request_seconds_bucket{{operation="GetItem",le="{b}"}} {c}'
            for b, c in zip(bounds, get_counts, strict=True)
        ),
        'ddblite_request_seconds_sum{operation="GetItem"} 9.0032',
        'ddblite_request_seconds_count{operation="GetItem"} 3',
        *(
            f'ddblite_request_seconds_bucket{{operation="unknown",le="{b}"}} {c}'
            for b, c in zip(bounds, unknown_counts, strict=True)
        ),
        'ddblite_request_seconds_sum{operation="unknown"} 0.0001',
        'ddblite_request_seconds_count{operation="unknown"} 1',
        "# HELP ddblite_errors_total Requests answered with an error, by type.",
        "# TYPE ddblite_errors_total counter",
        'ddblite_errors_total{type="ResourceNotFoundException"} 2',
        "# HELP ddblite_storage_bytes Bytes.",
        "# TYPE ddblite_storage_bytes gauge",
        "ddblite_storage_bytes 4096",
    ]
    assert text.splitlines() == expected
    assert text.endswith("\n")
