"""In-process mode against moto's ``mock_aws``, through the same boto3 calls, in one run.

    python benchmarks/inprocess.py                 # ~1 minute
    python benchmarks/inprocess.py --seconds 1 --json out.json

Measures, each side by side with moto:

- PutItem / GetItem / Query ops/s through a boto3 client inside the mock, and the ratio; also
  this process's CPU time per call, which holds steady when other work shares the machine;
- the ceiling: boto3 answered by a canned response (a ``before-send`` handler that returns the
  same bytes every time), i.e. the client's own cost per call, which no in-process mock beats;
  ``own us`` is what is left for the mock: its CPU time per call minus the ceiling's. (Replayed
  outside botocore the same requests cost ddblite several times less: interleaved with the
  client's own large code path, the engine runs on cold caches.)
- per-test setup: entering and leaving the mock (a fresh database) and the same plus one
  CreateTable, median per test;
- ``import ddblite`` (and ``import moto``) in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

os.environ.update(
    AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1"
)

TABLE = "bench"
ITEMS = 1000  # preloaded for get and query
QUERY_PARTITION_SIZE = 10


def timed(call: Callable[[int], object], seconds: float) -> tuple[float, float]:
    """(calls per second, CPU microseconds per call) over one run of ``seconds``. The CPU
    time is this process's own, so it holds steady on a machine busy with other work."""
    n = 0
    start = time.perf_counter()
    cpu = time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(50):
            call(n)
            n += 1
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start), (time.process_time() - cpu) / n * 1e6


def per_call_us(setup: Callable[[], object], iterations: int) -> float:
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        setup()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def create_table(client: Any) -> None:
    client.create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def item(i: int) -> dict[str, Any]:
    return {
        "pk": {"S": f"user#{i // QUERY_PARTITION_SIZE}"},
        "sk": {"N": str(i % QUERY_PARTITION_SIZE)},
        "name": {"S": f"name {i}"},
        "score": {"N": str(i * 7)},
        "tags": {"SS": ["a", "b"]},
    }


def workloads(client: Any) -> dict[str, Callable[[int], object]]:
    create_table(client)
    for i in range(ITEMS):
        client.put_item(TableName=TABLE, Item=item(i))
    partitions = ITEMS // QUERY_PARTITION_SIZE

    def put(i: int) -> object:
        return client.put_item(TableName=TABLE, Item=item(i % ITEMS))

    def get(i: int) -> object:
        key = item(i % ITEMS)
        return client.get_item(TableName=TABLE, Key={"pk": key["pk"], "sk": key["sk"]})

    def query(i: int) -> object:
        return client.query(
            TableName=TABLE,
            KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
            ExpressionAttributeValues={
                ":p": {"S": f"user#{i % partitions}"},
                ":a": {"N": "2"},
                ":b": {"N": "7"},
            },
        )

    return {"put": put, "get": get, "query": query}


class Target:
    """One side of the comparison: a context in which its boto3 client is answered, entered
    and left again for every timed run, its data kept in between."""

    def __init__(self, name: str, start: Callable[[], object], stop: Callable[[], object]) -> None:
        self.name = name
        self.start = start
        self.stop = stop
        self.calls: dict[str, Callable[[int], object]] = {}

    def prepare(self, make_calls: Callable[[], dict[str, Callable[[int], object]]]) -> None:
        self.start()
        try:
            self.calls = make_calls()
        finally:
            self.stop()

    def run(self, op: str, seconds: float) -> tuple[float, float] | None:
        self.start()
        try:
            call = self.calls[op]
            for i in range(20):  # warm-up (caches, first-call imports)
                call(i)
            return timed(call, seconds)
        except Exception as error:  # an operation this build does not serve yet
            print(f"  {self.name} {op}: {type(error).__name__}: {error}", file=sys.stderr)
            return None
        finally:
            self.stop()


def throughput(seconds: float, rounds: int) -> dict[str, dict[str, float | None]]:
    """ops/s (key ``<target>``) and CPU us/call (key ``<target>_cpu``) per target and op: the
    medians of ``rounds`` runs, the targets taking turns within each round so that a busy
    machine slows them alike."""
    import boto3
    from moto import mock_aws

    from ddblite.embedded.engine import Engine

    engine = Engine()
    ours = engine.mock()
    ddblite = Target("ddblite", ours.start, ours.stop)
    ddblite.prepare(lambda: workloads(boto3.client("dynamodb")))

    theirs = mock_aws()
    moto = Target("moto", lambda: theirs.start(reset=False), lambda: theirs.stop(remove_data=False))
    theirs.start()  # a clean moto state once; later turns keep it
    theirs.stop(remove_data=False)
    moto.prepare(lambda: workloads(boto3.client("dynamodb")))

    canned = Target("ceiling", lambda: None, lambda: None)
    canned.calls = ceiling_calls()

    targets = (ddblite, moto, canned)
    results: dict[str, dict[str, float | None]] = {}
    for target in targets:
        results[target.name], results[target.name + "_cpu"] = {}, {}
    for op in ("put", "get", "query"):
        samples: dict[str, list[tuple[float, float]]] = {t.name: [] for t in targets}
        for _ in range(rounds):
            for target in targets:
                value = target.run(op, seconds)
                if value is not None:
                    samples[target.name].append(value)
        for target in targets:
            got = samples[target.name]
            results[target.name][op] = statistics.median(r for r, _ in got) if got else None
            results[target.name + "_cpu"][op] = (
                statistics.median(c for _, c in got) if got else None
            )
    engine.close()
    return results


def ceiling_calls() -> dict[str, Callable[[int], object]]:
    """boto3 with every request answered by canned bytes: the client's own cost per call."""
    import boto3
    from botocore.awsrequest import AWSResponse

    bodies = {
        "PutItem": b"{}",
        "GetItem": json.dumps({"Item": item(0)}).encode(),
        "Query": json.dumps(
            {"Items": [item(i) for i in range(2, 8)], "Count": 6, "ScannedCount": 6}
        ).encode(),
    }

    class Raw:
        def __init__(self, body: bytes) -> None:
            self.body = body

        def stream(self, **kwargs: Any) -> Iterator[bytes]:
            yield self.body

    def canned(request: Any, event_name: str, **kwargs: Any) -> AWSResponse:
        body = bodies[event_name.rsplit(".", 1)[1]]
        headers = {
            "content-type": "application/x-amz-json-1.0",
            "x-amz-crc32": str(zlib.crc32(body)),
            "x-amzn-requestid": "R" * 52,
        }
        return AWSResponse(request.url, 200, headers, Raw(body))

    session = boto3.Session()
    session._session.unregister("before-send.dynamodb", _ddblite_route())
    client = session.client("dynamodb", endpoint_url="http://canned.invalid")
    client.meta.events.register_first("before-send.dynamodb", canned)
    partitions = ITEMS // QUERY_PARTITION_SIZE
    calls: dict[str, Callable[[int], object]] = {
        "put": lambda i: client.put_item(TableName=TABLE, Item=item(i % ITEMS)),
        "get": lambda i: client.get_item(
            TableName=TABLE, Key={"pk": item(i % ITEMS)["pk"], "sk": item(i % ITEMS)["sk"]}
        ),
        "query": lambda i: client.query(
            TableName=TABLE,
            KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
            ExpressionAttributeValues={
                ":p": {"S": f"user#{i % partitions}"},
                ":a": {"N": "2"},
                ":b": {"N": "7"},
            },
        ),
    }
    return calls


def _ddblite_route() -> Any:
    from ddblite.embedded import engine as embedded

    return embedded._route


def setup_costs(iterations: int) -> dict[str, float]:
    import boto3
    from moto import mock_aws

    import ddblite
    from ddblite.embedded.engine import routed_session

    out: dict[str, float] = {}

    def ddblite_bare() -> None:
        with ddblite.mock():
            pass

    def moto_bare() -> None:
        with mock_aws():
            pass

    out["ddblite fresh database"] = per_call_us(ddblite_bare, iterations)
    out["moto fresh state"] = per_call_us(moto_bare, max(iterations // 4, 20))

    # The same client for every test (a client is per process in the pytest plugin; moto
    # routes clients made after its import too), so this is database + table, not client.
    ddb_client = routed_session().client("dynamodb")
    moto_client = boto3.Session().client("dynamodb")

    def ddblite_table() -> None:
        with ddblite.mock():
            create_table(ddb_client)

    def moto_table() -> None:
        with mock_aws():
            create_table(moto_client)

    out["ddblite fresh database + CreateTable"] = per_call_us(ddblite_table, iterations)
    out["moto fresh state + CreateTable"] = per_call_us(moto_table, max(iterations // 4, 20))
    return out


def import_times() -> dict[str, float]:
    """Cumulative import time in ms (``python -X importtime``), median of 5 fresh processes."""

    def cumulative(statement: str, module: str) -> float:
        samples = []
        for _ in range(5):
            run = subprocess.run(
                [sys.executable, "-X", "importtime", "-c", statement],
                capture_output=True,
                text=True,
                check=True,
            )
            pattern = re.compile(rf"^import time:\s+\d+ \|\s+(\d+) \| {re.escape(module)}$")
            total = sum(
                int(m.group(1)) for line in run.stderr.splitlines() if (m := pattern.match(line))
            )
            samples.append(total / 1000)
        return statistics.median(samples)

    return {
        "import ddblite": cumulative("import ddblite", "ddblite"),
        "import ddblite.embedded.engine (first mock())": cumulative(
            "import ddblite.embedded.engine", "ddblite.embedded.engine"
        ),
        "import moto": cumulative("import moto", "moto"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="per timed run")
    parser.add_argument("--rounds", type=int, default=5, help="timed runs per target and op")
    parser.add_argument("--setup-iterations", type=int, default=400)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    results: dict[str, Any] = {}
    results["imports_ms"] = import_times()
    results.update(throughput(args.seconds, args.rounds))
    results["setup_us"] = setup_costs(args.setup_iterations)
    report(results)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)


def fmt(value: float | None, pattern: str = "{:,.0f}") -> str:
    return "n/a" if value is None else pattern.format(value)


def report(results: dict[str, Any]) -> None:
    print("Wall clock (what a test suite sees):\n")
    print("| op | ddblite ops/s | moto ops/s | ddblite / moto | boto3 ceiling ops/s |")
    print("|---|---:|---:|---:|---:|")
    for op in ("put", "get", "query"):
        ours, theirs, top = results["ddblite"][op], results["moto"][op], results["ceiling"][op]
        ratio = ours / theirs if ours and theirs else None
        print(f"| {op} | {fmt(ours)} | {fmt(theirs)} | {fmt(ratio, '{:.2f}x')} | {fmt(top)} |")
    print(
        "\nCPU time per call (steady under background load); 'own' is the call minus the "
        "boto3 ceiling, i.e. the mock's work:\n"
    )
    print(
        "| op | ddblite us | moto us | moto / ddblite | ceiling us | ddblite own us | moto own us |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for op in ("put", "get", "query"):
        ours = results["ddblite_cpu"][op]
        theirs = results["moto_cpu"][op]
        top = results["ceiling_cpu"][op]
        ratio = theirs / ours if ours and theirs else None
        own = ours - top if ours and top else None
        moto_own = theirs - top if theirs and top else None
        print(
            f"| {op} | {fmt(ours)} | {fmt(theirs)} | {fmt(ratio, '{:.2f}x')} | {fmt(top)} "
            f"| {fmt(own)} | {fmt(moto_own)} |"
        )
    print()
    print("| per-test setup | median us |")
    print("|---|---:|")
    for name, value in results["setup_us"].items():
        print(f"| {name} | {value:,.0f} |")
    print()
    print("| import | ms |")
    print("|---|---:|")
    for name, value in results["imports_ms"].items():
        print(f"| {name} | {value:.1f} |")


if __name__ == "__main__":
    main()
