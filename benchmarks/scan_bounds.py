"""Two bounds of a paged Scan, in process (the engine alone, no HTTP), checked not timed closely:

    python benchmarks/scan_bounds.py            # both checks; exit status 1 if one fails
    python benchmarks/scan_bounds.py --items 40000

- memory: paging a table of ``--items`` items of 1,000 bytes with Limit=200 holds one page at
  a time; the peak of Python allocations past the first page stays under 6 MB (a 200-item page
  costs about 3.5 MB of objects whatever the table size; the 12 MB table would cost far more).
- seek: a Limit=5 page costs the same wherever its ExclusiveStartKey lies (a seek, not a
  re-walk of the table from the top, which would make a whole Scan quadratic): the median of 15
  pages near the end of 60,000 items is under 4 times that of pages near the start, for a
  table of many partitions and for one partition.

These were unit tests until the unit suite was kept free of wall-clock and allocation thresholds
(issue 22); the behaviour they guard (every item once, the right page after any key) stays in
tests/engine/test_reads_model.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from typing import Any

import orjson

from ddblite.engine import indexes  # noqa: F401  (installs index maintenance)
from ddblite.engine.database import Database
from ddblite.protocol import dispatch
from ddblite.storage.sqlite.backend import SqliteBackend

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request,"
    " SignedHeaders=host, Signature=0"
)
PEAK_LIMIT = 6_000_000
SEEK_RATIO_LIMIT = 4.0


def call(db: Database, operation: str, **request: Any) -> Any:
    status, body = dispatch.handle(
        db, f"DynamoDB_20120810.{operation}", AUTH, orjson.dumps(request)
    )
    if status != 200:
        raise SystemExit(f"{operation}: {status} {body!r}")
    return orjson.loads(body)


def big_table(total: int, payload: int, partition: str | None = None) -> Database:
    """A fresh in-memory database holding table "big": ``total`` items with ``payload``
    bytes each, hash-only or (``partition``) all in one partition under a sort key."""
    db = Database(SqliteBackend())
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if partition is not None:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
    call(
        db,
        "CreateTable",
        TableName="big",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=keys,
        AttributeDefinitions=[
            {"AttributeName": k["AttributeName"], "AttributeType": "S"} for k in keys
        ],
    )
    for start in range(0, total, 25):
        puts = []
        for n in range(start, min(total, start + 25)):
            item = {"pk": {"S": f"k{n:06}"}, "v": {"S": "x" * payload}}
            if partition is not None:
                item["sk"], item["pk"] = item["pk"], {"S": partition}
            puts.append({"PutRequest": {"Item": item}})
        call(db, "BatchWriteItem", RequestItems={"big": puts})
    return db


def paged_scan_peak(total: int) -> int:
    db = big_table(total, 1000)
    request: dict[str, Any] = {"TableName": "big", "Limit": 200}
    seen = pages = 0
    tracemalloc.start()
    try:
        while True:
            page = call(db, "Scan", **request)
            pages += 1
            seen += page["Count"]
            if pages == 1:
                tracemalloc.reset_peak()  # the first request warms caches
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        db.backend.close()
    if seen != total:
        raise SystemExit(f"paged Scan returned {seen} of {total} items")
    return peak


def seek_ratio(partition: str | None) -> tuple[float, float]:
    db = big_table(60_000, 1, partition)
    try:
        page = call(db, "Scan", TableName="big", Limit=60_000)["Items"]
        keys = [{k: v for k, v in i.items() if k != "v"} for i in page]

        def cost(position: int) -> float:
            times = []
            for _ in range(15):
                began = time.perf_counter()
                call(db, "Scan", TableName="big", Limit=5, ExclusiveStartKey=keys[position])
                times.append(time.perf_counter() - began)
            return statistics.median(times)

        return cost(10), cost(59_980)
    finally:
        db.backend.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=12_000, help="items in the memory check")
    args = parser.parse_args()
    failed = False
    peak = paged_scan_peak(args.items)
    ok = peak < PEAK_LIMIT
    failed |= not ok
    verdict = "ok, under" if ok else "OVER"
    print(f"memory: paged Scan of {args.items:,} items: peak {peak:,} B ({verdict} {PEAK_LIMIT:,})")
    for partition, label in ((None, "many partitions"), ("one", "one partition")):
        early, late = seek_ratio(partition)
        ok = late < SEEK_RATIO_LIMIT * early
        failed |= not ok
        verdict = "ok, under" if ok else "OVER"
        print(
            f"seek, {label}: page at item 10 {early * 1e6:.0f} us, at item 59,980 "
            f"{late * 1e6:.0f} us, ratio {late / early:.2f} ({verdict} {SEEK_RATIO_LIMIT})"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
