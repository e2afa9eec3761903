"""Cost of protocol.shapes.check_request on typical valid requests.

Run: python benchmarks/shape_check.py
Prints the one-time costs (import, model load, first compile) and the per-request cost.
"""

from __future__ import annotations

import copy
import time
import timeit
from typing import Any

T0 = time.perf_counter()
from ddblite.protocol.shapes import check as shapes  # noqa: E402
from ddblite.protocol.shapes.model import load_service  # noqa: E402

IMPORT_S = time.perf_counter() - T0

REQUESTS: dict[str, tuple[str, dict[str, Any]]] = {
    "GetItem": (
        "GetItem",
        {"TableName": "users", "Key": {"pk": {"S": "user#1"}, "sk": {"S": "profile"}}},
    ),
    "PutItem (8 attrs)": (
        "PutItem",
        {
            "TableName": "users",
            "Item": {
                "pk": {"S": "user#1"},
                "sk": {"S": "profile"},
                "name": {"S": "Ada Lovelace"},
                "age": {"N": "36"},
                "active": {"BOOL": True},
                "tags": {"SS": ["math", "poetry"]},
                "address": {"M": {"city": {"S": "London"}, "zip": {"S": "W1"}}},
                "scores": {"L": [{"N": "1"}, {"N": "2"}]},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValues": "NONE",
        },
    ),
    "Query": (
        "Query",
        {
            "TableName": "users",
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":pk": {"S": "user#1"}, ":p": {"S": "order#"}},
            "Limit": 50,
            "ScanIndexForward": False,
        },
    ),
    "BatchWriteItem (25 puts)": (
        "BatchWriteItem",
        {
            "RequestItems": {
                "users": [
                    {"PutRequest": {"Item": {"pk": {"S": f"u{i}"}, "n": {"N": str(i)}}}}
                    for i in range(25)
                ]
            }
        },
    ),
}


def main() -> None:
    t0 = time.perf_counter()
    load_service("dynamodb")
    load_s = time.perf_counter() - t0
    print(f"import ddblite.protocol.shapes.check: {IMPORT_S * 1e3:7.2f} ms")
    print(f"load DynamoDB model (once):     {load_s * 1e3:7.2f} ms")
    for label, (operation, body) in REQUESTS.items():
        t0 = time.perf_counter()
        shapes.check_request(operation, copy.deepcopy(body))
        first_s = time.perf_counter() - t0
        number = 20000
        timer = timeit.Timer(
            "check(op, body)",
            globals={"check": shapes.check_request, "op": operation, "body": body},
        )
        per_call = min(timer.repeat(number=number, repeat=5)) / number
        print(f"{label:26s} first call {first_s * 1e3:6.2f} ms, then {per_call * 1e6:6.2f} µs")


if __name__ == "__main__":
    main()
