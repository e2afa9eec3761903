"""In-process cost of one plain Query page by page size: the engine alone, no HTTP.

    python benchmarks/query_pages.py                   # pages of 55, 128, 129, 200, 1,000, 3,000
    python benchmarks/query_pages.py --sizes 55,200 --rounds 9

Each size is one partition of that many ~100-byte items (the `query` workload's item shape) in
an in-memory database; the request goes through ``protocol.dispatch.handle`` as the server's
would. Prints the best of ``--rounds`` averages, in microseconds per Query. Use it to compare
two commits on the same machine (run both back to back); what a served Query costs is measured
by ``run.py``, which this does not predict (in-process loops run on warm caches).
"""

from __future__ import annotations

import argparse
import time

import orjson
from workloads import QUERY_ITEM, TABLES

from ddblite.engine import indexes  # noqa: F401  (installs index maintenance)
from ddblite.engine.database import Database
from ddblite.protocol import dispatch
from ddblite.storage.sqlite.backend import SqliteBackend

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request,"
    " SignedHeaders=host, Signature=0"
)
TABLE = "bench_query"


def call(db: Database, operation: str, request: dict[str, object]) -> bytes:
    status, body = dispatch.handle(
        db, f"DynamoDB_20120810.{operation}", AUTH, orjson.dumps(request)
    )
    if status != 200:
        raise SystemExit(f"{operation}: {status} {body!r}")
    return body


def load(db: Database, sizes: list[int]) -> None:
    call(db, "CreateTable", {"TableName": TABLE, **TABLES[TABLE]})  # the `query` workload's
    for size in sizes:
        for start in range(0, size, 25):
            puts = [
                {
                    "PutRequest": {
                        "Item": orjson.loads(QUERY_ITEM.format(pk=f"p{size}", sk=f"s{i:05d}"))
                    }
                }
                for i in range(start, min(size, start + 25))
            ]
            call(db, "BatchWriteItem", {"RequestItems": {TABLE: puts}})


def measure(db: Database, size: int, rounds: int) -> float:
    body = orjson.dumps(
        {
            "TableName": TABLE,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": f"p{size}"}},
        }
    )
    count = orjson.loads(call(db, "Query", orjson.loads(body)))["Count"]
    if count != size:
        raise SystemExit(f"page of {size}: Query returned {count}")
    calls = max(20, 30_000 // size)
    best = float("inf")
    target = "DynamoDB_20120810.Query"
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            dispatch.handle(db, target, AUTH, body)
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="55,128,129,200,1000,3000")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    db = Database(SqliteBackend())
    load(db, sizes)
    print("| items in the page | us per Query (best of rounds) |")
    print("|---|---|")
    for size in sizes:
        print(f"| {size:,} | {measure(db, size, args.rounds):.1f} |")


if __name__ == "__main__":
    main()
