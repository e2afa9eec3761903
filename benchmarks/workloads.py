"""The benchmark workloads: their tables, preloads, request bodies and sanity checks.

Every workload prepares its own table(s) on the target (create, wait for ACTIVE, preload with
BatchWriteItem through the load generator), checks one request by hand (so a server that
answers 200 with the wrong thing is caught), and then hands the generator a body factory.
Bodies are built from f-string templates: the n-th request of a run is a pure function of n
and the run's tag, so keys are distinct across processes and across repeated runs.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loadgen import BodyFactory, Client, Plan, run

KV_ITEMS = 10_000  # GetItem / UpdateItem keyspace
QUERY_PARTITIONS = 200  # partition p holds 10 + (37 p mod 91) items: 10..100
SCAN_ITEMS = 100_000
BATCH_SIZE = 25
SETUP_TIMEOUT_S = 600.0
_PAD = "x" * 64  # the "data" attribute that brings an item to ~100 bytes

# An item is ~100 bytes as DynamoDB counts size (names + values): pk 2+12, data 4+64, n 1+~4.
_ITEM = '{{"pk":{{"S":"{key}"}},"data":{{"S":"' + _PAD + '"}},"n":{{"N":"{n}"}}}}'
# GSI tables: same size budget, the pad shortened to make room for g0..g4 (one per index).
_GSI_ITEM = (
    '{{"pk":{{"S":"{key}"}},"data":{{"S":"' + _PAD[:24] + '"}},'
    '"g0":{{"S":"a{g}"}},"g1":{{"S":"b{g}"}},"g2":{{"S":"c{g}"}},'
    '"g3":{{"S":"d{g}"}},"g4":{{"S":"e{g}"}}}}'
)
# GetItem / UpdateItem items carry the counter c that UpdateItem increments.
_KV_ITEM = '{{"pk":{{"S":"{key}"}},"data":{{"S":"' + _PAD + '"}},"c":{{"N":"0"}}}}'
QUERY_ITEM = '{{"pk":{{"S":"{pk}"}},"sk":{{"S":"{sk}"}},"data":{{"S":"' + _PAD + '"}}}}'


def _key_schema(sort: bool) -> dict[str, Any]:
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if sort:
        attrs.append({"AttributeName": "sk", "AttributeType": "S"})
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
    return {"AttributeDefinitions": attrs, "KeySchema": keys, "BillingMode": "PAY_PER_REQUEST"}


def _gsi_table(count: int) -> dict[str, Any]:
    spec = _key_schema(sort=False)
    if count:
        spec["AttributeDefinitions"] += [
            {"AttributeName": f"g{i}", "AttributeType": "S"} for i in range(count)
        ]
        spec["GlobalSecondaryIndexes"] = [
            {
                "IndexName": f"gsi{i}",
                "KeySchema": [{"AttributeName": f"g{i}", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
            for i in range(count)
        ]
    return spec


TABLES: dict[str, dict[str, Any]] = {
    "bench_kv": _key_schema(sort=False),
    "bench_put": _key_schema(sort=False),
    "bench_batch": _key_schema(sort=False),
    "bench_query": _key_schema(sort=True),
    "bench_scan": _key_schema(sort=False),
    "bench_gsi0": _gsi_table(0),
    "bench_gsi1": _gsi_table(1),
    "bench_gsi5": _gsi_table(5),
}


class SetupError(RuntimeError):
    """The target failed while a workload was being prepared or checked."""


def ensure_table(client: Client, name: str) -> None:
    """Create `name` unless it exists, and wait (bounded) until it is ACTIVE."""
    status, out = client.call("DescribeTable", {"TableName": name})
    if status != 200:
        status, out = client.call("CreateTable", {"TableName": name, **TABLES[name]})
        if status != 200:
            raise SetupError(f"CreateTable {name}: {status} {out}")
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        status, out = client.call("DescribeTable", {"TableName": name})
        if status == 200 and out.get("Table", {}).get("TableStatus") == "ACTIVE":
            return
        time.sleep(0.05)
    raise SetupError(f"table {name} not ACTIVE after 60 s: {status} {out}")


def _no_unprocessed(body: bytes) -> bool:
    return not json.loads(body).get("UnprocessedItems")


def preload(
    url: str, table: str, items: Callable[[int], str], count: int, connections: int
) -> None:
    """Write items 0..count-1 with BatchWriteItem through the generator; fail on any loss."""
    batches = (count + BATCH_SIZE - 1) // BATCH_SIZE

    def body(b: int) -> bytes:
        puts = ",".join(
            '{"PutRequest":{"Item":' + items(i) + "}}"
            for i in range(b * BATCH_SIZE, min((b + 1) * BATCH_SIZE, count))
        )
        return ('{"RequestItems":{"' + table + '":[' + puts + "]}}").encode()

    plan = Plan(
        "BatchWriteItem",
        body,
        duration=SETUP_TIMEOUT_S,
        connections=connections,
        max_requests=batches,
        validate=_no_unprocessed,
    )
    result = run(plan, url)
    if result.errors or result.ok != batches:
        raise SetupError(
            f"preload {table}: {result.ok}/{batches} batches ok, {result.errors} errors: "
            f"{result.error_samples}"
        )


Setup = Callable[[str, Client, int], None]  # (url, client, connections)
Bodies = Callable[[str], BodyFactory]  # run tag -> body factory
Check = Callable[[dict[str, Any]], bool]  # is this decoded response right?


@dataclass(frozen=True)
class Workload:
    name: str
    operation: str
    description: str
    setup: Setup
    bodies: Bodies
    check: Check
    items_per_request: int = 1  # BatchWriteItem: throughput is reported in items/s

    def prepare(self, url: str, client: Client, connections: int) -> BodyFactory:
        """Create and fill the tables, check one request by hand, return the body factory."""
        self.setup(url, client, connections)
        body = self.bodies(secrets.token_hex(3))  # fresh keys for every run on one server
        status, raw = client.raw(self.operation, body(10**7))
        decoded = json.loads(raw) if raw else {}
        if status != 200 or not self.check(decoded):
            raise SetupError(f"{self.name}: sanity check failed: {status} {raw[:300]!r}")
        return body


def _table(name: str) -> Setup:
    return lambda url, client, connections: ensure_table(client, name)


def _put_ok(out: dict[str, Any]) -> bool:
    return not out.get("Attributes")


def _put_bodies(tag: str) -> BodyFactory:
    def body(n: int) -> bytes:
        item = _ITEM.format(key=f"p{tag}-{n:08d}", n=n)
        return ('{"TableName":"bench_put","Item":' + item + "}").encode()

    return body


def _kv_key(i: int) -> str:
    return f"kv-{i:08d}"


def _setup_kv(url: str, client: Client, connections: int) -> None:
    ensure_table(client, "bench_kv")
    status, out = client.call(
        "GetItem", {"TableName": "bench_kv", "Key": {"pk": {"S": _kv_key(KV_ITEMS - 1)}}}
    )
    if status == 200 and "Item" in out:
        return  # preloaded by an earlier workload of this run
    preload(url, "bench_kv", lambda i: _KV_ITEM.format(key=_kv_key(i)), KV_ITEMS, connections)


def _get_bodies(tag: str) -> BodyFactory:
    def body(n: int) -> bytes:
        key = _kv_key(n * 7919 % KV_ITEMS)  # 7919 is prime: a permutation of the keyspace
        return ('{"TableName":"bench_kv","Key":{"pk":{"S":"' + key + '"}}}').encode()

    return body


def _get_ok(out: dict[str, Any]) -> bool:
    return "pk" in out.get("Item", {})


_UPDATE_TAIL = (
    '"}},"UpdateExpression":"SET c = c + :one",'
    '"ConditionExpression":"attribute_exists(pk)",'
    '"ExpressionAttributeValues":{":one":{"N":"1"}}}'
)


def _update_bodies(tag: str) -> BodyFactory:
    def body(n: int) -> bytes:
        key = _kv_key(n * 7919 % KV_ITEMS)
        return ('{"TableName":"bench_kv","Key":{"pk":{"S":"' + key + _UPDATE_TAIL).encode()

    return body


def _query_size(p: int) -> int:
    return 10 + (p * 37) % 91


# Query items are numbered partition by partition: item i is (partition, offset in it).
_QUERY_INDEX = [(p, j) for p in range(QUERY_PARTITIONS) for j in range(_query_size(p))]


def _query_item(i: int) -> str:
    p, offset = _QUERY_INDEX[i]
    return QUERY_ITEM.format(pk=f"q-{p:04d}", sk=f"s-{offset:04d}")


def _setup_query(url: str, client: Client, connections: int) -> None:
    ensure_table(client, "bench_query")
    last = QUERY_PARTITIONS - 1
    probe = {
        "TableName": "bench_query",
        "Key": {"pk": {"S": f"q-{last:04d}"}, "sk": {"S": f"s-{_query_size(last) - 1:04d}"}},
    }
    status, out = client.call("GetItem", probe)
    if not (status == 200 and "Item" in out):
        preload(url, "bench_query", _query_item, len(_QUERY_INDEX), connections)


def _query_partition(n: int) -> int:
    return n * 31 % QUERY_PARTITIONS


def _query_bodies(tag: str) -> BodyFactory:
    def body(n: int) -> bytes:
        pk = f"q-{_query_partition(n):04d}"
        return (
            '{"TableName":"bench_query","KeyConditionExpression":"pk = :p",'
            '"ExpressionAttributeValues":{":p":{"S":"' + pk + '"}}}'
        ).encode()

    return body


def _query_ok(out: dict[str, Any]) -> bool:
    expected = _query_size(_query_partition(10**7))
    return out.get("Count") == expected and "LastEvaluatedKey" not in out


def _batch_bodies(tag: str) -> BodyFactory:
    def body(n: int) -> bytes:
        base = n * BATCH_SIZE
        puts = ",".join(
            '{"PutRequest":{"Item":' + _ITEM.format(key=f"b{tag}-{base + j:010d}", n=j) + "}}"
            for j in range(BATCH_SIZE)
        )
        return ('{"RequestItems":{"bench_batch":[' + puts + "]}}").encode()

    return body


def _batch_ok(out: dict[str, Any]) -> bool:
    return not out.get("UnprocessedItems")


def _gsi_bodies(count: int) -> Bodies:
    table = f"bench_gsi{count}"

    def bodies(tag: str) -> BodyFactory:
        def body(n: int) -> bytes:
            item = _GSI_ITEM.format(key=f"g{tag}-{n:08d}", g=n % 1000)
            return ('{"TableName":"' + table + '","Item":' + item + "}").encode()

        return body

    return bodies


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload(
            "put",
            "PutItem",
            "PutItem, distinct keys, ~100-byte items",
            _table("bench_put"),
            _put_bodies,
            _put_ok,
        ),
        Workload(
            "get",
            "GetItem",
            f"GetItem of existing keys ({KV_ITEMS:,} preloaded)",
            _setup_kv,
            _get_bodies,
            _get_ok,
        ),
        Workload(
            "update",
            "UpdateItem",
            "UpdateItem SET c = c + :one, condition attribute_exists(pk)",
            _setup_kv,
            _update_bodies,
            _put_ok,
        ),
        Workload(
            "query",
            "Query",
            "Query one partition of 10-100 items (one page)",
            _setup_query,
            _query_bodies,
            _query_ok,
        ),
        Workload(
            "batch",
            "BatchWriteItem",
            "BatchWriteItem, 25 puts per request (items/s)",
            _table("bench_batch"),
            _batch_bodies,
            _batch_ok,
            BATCH_SIZE,
        ),
        *(
            Workload(
                f"put_gsi{count}",
                "PutItem",
                f"PutItem into a table with {count} GSI{'' if count == 1 else 's'}",
                _table(f"bench_gsi{count}"),
                _gsi_bodies(count),
                _put_ok,
            )
            for count in (0, 1, 5)
        ),
    )
}


@dataclass
class ScanResult:
    seconds: float
    items: int
    pages: int


def prepare_scan(url: str, client: Client, connections: int, items: int = SCAN_ITEMS) -> None:
    """Fill bench_scan with `items` ~100-byte items (skipped when already there)."""
    ensure_table(client, "bench_scan")
    status, out = client.call(
        "GetItem", {"TableName": "bench_scan", "Key": {"pk": {"S": f"sc-{items - 1:08d}"}}}
    )
    if status == 200 and "Item" in out:
        return
    preload(url, "bench_scan", lambda i: _ITEM.format(key=f"sc-{i:08d}", n=i), items, connections)


def timed_scan(client: Client, max_pages: int = 100_000, timeout: float = 600.0) -> ScanResult:
    """Scan bench_scan page by page to the end; wall time includes decoding every page."""
    started = time.perf_counter()
    request: dict[str, Any] = {"TableName": "bench_scan"}
    items = pages = 0
    for _ in range(max_pages):
        status, out = client.call("Scan", request)
        if status != 200:
            raise SetupError(f"Scan page {pages}: {status} {str(out)[:300]}")
        pages += 1
        items += len(out.get("Items", []))
        last = out.get("LastEvaluatedKey")
        if not last:
            break
        if time.perf_counter() - started > timeout:
            raise SetupError(f"Scan did not finish in {timeout} s ({items} items so far)")
        request["ExclusiveStartKey"] = last
    return ScanResult(time.perf_counter() - started, items, pages)
