"""Query, Scan and BatchGetItem against a plain in-memory model, after random writes.

A Hypothesis state machine drives the real request path (``protocol.dispatch.handle``, so shape
checks, operations, engine and SQLite storage all run) on an in-memory database, and keeps a
dict of the items that must exist. Every read is paged to the end through LastEvaluatedKey
with a random Limit, and must return exactly the model's items: in key order for Query (either
direction), each once for Scan (all segments together) and for the indexes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import hypothesis.strategies as st
import orjson
import pytest
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ddblite.engine.database import Database
from ddblite.model import numbers
from ddblite.protocol.dispatch import handle
from ddblite.storage.sqlite.backend import SqliteBackend

Item = dict[str, Any]
AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAMODEL/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
TABLE = "model_table"
PARTITIONS = st.sampled_from(["p", "q", "r", "s0", "ß"])
SORT_KEYS = st.sampled_from(["", "a", "ab", "abc", "b", "ba", "c", "é", "z"]).filter(bool)
NUMBERS = st.sampled_from(["-10", "-1.5", "0", "0.25", "1", "2", "10", "1E+3"])
VALUES = st.sampled_from(["x", "y"])
LIMITS = st.one_of(st.none(), st.integers(1, 6))
SORT_OPS = ["=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"]


class Failure(Exception):
    """A request the model expected to succeed was refused."""


class ReadsModel(RuleBasedStateMachine):
    """Table (pk S, sk S) with GSI by_g (g S, n N; INCLUDE v) and LSI by_n (pk, n; KEYS_ONLY)."""

    def __init__(self) -> None:
        super().__init__()
        self.db = Database(SqliteBackend())
        self.items: dict[tuple[str, str], Item] = {}

    def call(self, operation: str, **request: Any) -> dict[str, Any]:
        status, body = handle(
            self.db, "DynamoDB_20120810." + operation, AUTH, orjson.dumps(request)
        )
        answer: dict[str, Any] = orjson.loads(body)
        if status != 200:
            raise Failure(f"{operation} {request} -> {answer}")
        return answer

    @initialize()
    def create(self) -> None:
        key = [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ]
        self.call(
            "CreateTable",
            TableName=TABLE,
            KeySchema=key,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": n, "AttributeType": t}
                for n, t in (("pk", "S"), ("sk", "S"), ("g", "S"), ("n", "N"))
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_g",
                    "KeySchema": [
                        {"AttributeName": "g", "KeyType": "HASH"},
                        {"AttributeName": "n", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]},
                }
            ],
            LocalSecondaryIndexes=[
                {
                    "IndexName": "by_n",
                    "KeySchema": [key[0], {"AttributeName": "n", "KeyType": "RANGE"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
        )

    # --- writes ------------------------------------------------------------------------------

    @rule(
        pk=PARTITIONS,
        sk=SORT_KEYS,
        g=st.one_of(st.none(), PARTITIONS),
        n=st.one_of(st.none(), NUMBERS),
        v=VALUES,
        extra=st.booleans(),
    )
    def put(self, pk: str, sk: str, g: str | None, n: str | None, v: str, extra: bool) -> None:
        item: Item = {"pk": {"S": pk}, "sk": {"S": sk}, "v": {"S": v}}
        if g is not None:
            item["g"] = {"S": g}
        if n is not None:
            item["n"] = {"N": n}
        if extra:
            item["other"] = {"L": [{"S": "x" * 50}]}
        self.call("PutItem", TableName=TABLE, Item=item)
        self.items[(pk, sk)] = canonical(item)

    @rule(pk=PARTITIONS, sk=SORT_KEYS)
    def delete(self, pk: str, sk: str) -> None:
        self.call("DeleteItem", TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}})
        self.items.pop((pk, sk), None)

    @rule(
        keys=st.lists(st.tuples(PARTITIONS, SORT_KEYS), min_size=1, max_size=8, unique=True),
        data=st.data(),
    )
    def batch_write(self, keys: list[tuple[str, str]], data: st.DataObject) -> None:
        requests = []
        for pk, sk in keys:
            if data.draw(st.booleans()):
                item = {
                    "pk": {"S": pk},
                    "sk": {"S": sk},
                    "v": {"S": data.draw(VALUES)},
                    "g": {"S": data.draw(PARTITIONS)},
                    "n": {"N": data.draw(NUMBERS)},
                }
                requests.append({"PutRequest": {"Item": item}})
                self.items[(pk, sk)] = canonical(item)
            else:
                requests.append({"DeleteRequest": {"Key": {"pk": {"S": pk}, "sk": {"S": sk}}}})
                self.items.pop((pk, sk), None)
        assert self.call("BatchWriteItem", RequestItems={TABLE: requests}) == {
            "UnprocessedItems": {}
        }

    # --- reads -------------------------------------------------------------------------------

    @rule(
        pk=PARTITIONS,
        op=st.one_of(st.none(), st.sampled_from(SORT_OPS)),
        bounds=st.lists(SORT_KEYS, min_size=2, max_size=2).map(sorted),
        limit=LIMITS,
        forward=st.booleans(),
        only=st.one_of(st.none(), VALUES),
    )
    def query(
        self,
        pk: str,
        op: str | None,
        bounds: list[str],
        limit: int | None,
        forward: bool,
        only: str | None,
    ) -> None:
        request: dict[str, Any] = {"TableName": TABLE, "ScanIndexForward": forward}
        values: dict[str, Any] = {":p": {"S": pk}}
        condition = "pk = :p"
        if op is not None:
            condition += " AND " + sort_condition("sk", op, values, bounds, "S")
        if only is not None:
            request["FilterExpression"] = "v = :v"
            values[":v"] = {"S": only}
        request.update(KeyConditionExpression=condition, ExpressionAttributeValues=values)
        if limit is not None:
            request["Limit"] = limit
        got = self.read_all("Query", request)
        wanted = sorted(
            (
                i
                for (p, s), i in self.items.items()
                if p == pk and matches(s, op, bounds) and (only is None or i["v"]["S"] == only)
            ),
            key=lambda i: i["sk"]["S"].encode(),
            reverse=not forward,
        )
        assert got == wanted

    @rule(g=PARTITIONS, limit=LIMITS, forward=st.booleans(), low=st.one_of(st.none(), NUMBERS))
    def query_gsi(self, g: str, limit: int | None, forward: bool, low: str | None) -> None:
        values: dict[str, Any] = {":g": {"S": g}}
        condition = "g = :g"
        if low is not None:
            condition += " AND n >= :low"
            values[":low"] = {"N": low}
        request: dict[str, Any] = {
            "TableName": TABLE,
            "IndexName": "by_g",
            "ScanIndexForward": forward,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        if limit is not None:
            request["Limit"] = limit
        got = self.read_all("Query", request)
        wanted = [
            {k: v for k, v in i.items() if k in ("pk", "sk", "g", "n", "v")}
            for i in self.items.values()
            if i.get("g") == {"S": g}
            and "n" in i
            and (low is None or Decimal(i["n"]["N"]) >= Decimal(low))
        ]
        assert sorted(map(key_of, got)) == sorted(map(key_of, wanted))
        assert sorted(got, key=key_of) == sorted(wanted, key=key_of)
        numbers = [Decimal(i["n"]["N"]) for i in got]
        assert numbers == sorted(numbers, reverse=not forward)

    @rule(pk=PARTITIONS, limit=LIMITS, forward=st.booleans(), everything=st.booleans())
    def query_lsi(self, pk: str, limit: int | None, forward: bool, everything: bool) -> None:
        request: dict[str, Any] = {
            "TableName": TABLE,
            "IndexName": "by_n",
            "ScanIndexForward": forward,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": pk}},
        }
        if everything:
            request["Select"] = "ALL_ATTRIBUTES"  # read from the table through the LSI
        if limit is not None:
            request["Limit"] = limit
        got = self.read_all("Query", request)
        wanted = sorted(
            (
                i if everything else {k: i[k] for k in ("pk", "sk", "n")}
                for (p, _), i in self.items.items()
                if p == pk and "n" in i
            ),
            key=lambda i: (Decimal(i["n"]["N"]), i["sk"]["S"].encode()),
            reverse=not forward,
        )
        assert got == wanted

    @rule(limit=LIMITS, total=st.integers(1, 4), index=st.sampled_from([None, "by_g", "by_n"]))
    def scan(self, limit: int | None, total: int, index: str | None) -> None:
        got: list[Item] = []
        for segment in range(total):
            request: dict[str, Any] = {"TableName": TABLE}
            if total > 1:
                request.update(Segment=segment, TotalSegments=total)
            if limit is not None:
                request["Limit"] = limit
            if index is not None:
                request["IndexName"] = index
            got.extend(self.read_all("Scan", request))
        wanted = [
            i
            for i in self.items.values()
            if index is None
            or (index == "by_g" and "g" in i and "n" in i)
            or (index == "by_n" and "n" in i)
        ]
        assert sorted(map(key_of, got)) == sorted(map(key_of, wanted))
        if index is None:
            assert sorted(got, key=key_of) == sorted(wanted, key=key_of)

    @rule(keys=st.lists(st.tuples(PARTITIONS, SORT_KEYS), min_size=1, max_size=10, unique=True))
    def batch_get(self, keys: list[tuple[str, str]]) -> None:
        answer = self.call(
            "BatchGetItem",
            RequestItems={
                TABLE: {
                    "Keys": [{"pk": {"S": p}, "sk": {"S": s}} for p, s in keys],
                }
            },
        )
        assert answer["UnprocessedKeys"] == {}
        got = sorted(answer["Responses"][TABLE], key=key_of)
        assert got == sorted((self.items[k] for k in keys if k in self.items), key=key_of)

    def read_all(self, operation: str, request: dict[str, Any]) -> list[Item]:
        items: list[Item] = []
        for _ in range(1000):
            page = self.call(operation, **request)
            assert page["Count"] == len(page["Items"])
            if "Limit" in request:
                assert page["ScannedCount"] <= request["Limit"]
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                keys = [key_of(i) for i in items]
                assert len(keys) == len(set(keys)), "an item came back twice"
                return items
            request = {**request, "ExclusiveStartKey": page["LastEvaluatedKey"]}
        raise AssertionError("paging does not terminate")

    @invariant()
    def item_count(self) -> None:
        answer = self.call("Scan", TableName=TABLE, Select="COUNT")
        assert (answer["Count"], answer["ScannedCount"]) == (len(self.items), len(self.items))

    def teardown(self) -> None:
        self.db.backend.close()


def canonical(item: Item) -> Item:
    """The item as stored: numbers in canonical form."""
    out = dict(item)
    if "n" in out:
        out["n"] = {"N": numbers.normalize(out["n"]["N"])}
    return out


def key_of(item: Item) -> tuple[str, str]:
    return item["pk"]["S"], item["sk"]["S"]


def sort_condition(name: str, op: str, values: dict[str, Any], bounds: list[str], kind: str) -> str:
    values[":a"] = {kind: bounds[0]}
    if op == "BETWEEN":
        values[":b"] = {kind: bounds[1]}
        return f"{name} BETWEEN :a AND :b"
    if op == "begins_with":
        return f"begins_with({name}, :a)"
    return f"{name} {op} :a"


def matches(sk: str, op: str | None, bounds: list[str]) -> bool:
    a, b = (bound.encode() for bound in bounds)
    s = sk.encode()
    return {
        None: True,
        "=": s == a,
        "<": s < a,
        "<=": s <= a,
        ">": s > a,
        ">=": s >= a,
        "BETWEEN": a <= s <= b,
        "begins_with": s.startswith(a),
    }[op]


def _big_table(total: int, size: int, partition: str | None = None) -> tuple[ReadsModel, Database]:
    """A machine whose database holds one table "big" of ``total`` items of ``size`` bytes of
    payload, written straight to storage (fast): hash-only, or with a sort key and every item
    in ``partition``."""
    from ddblite.engine.database import Caller
    from ddblite.model.schema import encode_key

    db = Database(SqliteBackend())
    model = ReadsModel.__new__(ReadsModel)
    model.db = db
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if partition is not None:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
    model.call(
        "CreateTable",
        TableName="big",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=keys,
        AttributeDefinitions=[
            {"AttributeName": k["AttributeName"], "AttributeType": "S"} for k in keys
        ],
    )
    table = db.table(Caller("000000000000", "us-east-1"), "big")
    with db.backend.write() as w:
        for n in range(total):
            item = {"pk": {"S": f"k{n:06}"}, "v": {"S": "x" * size}}
            if partition is not None:
                item["sk"], item["pk"] = item["pk"], {"S": partition}
            ek = encode_key(table.keys, item)
            w.put_item(
                table.table_id, ek.pk_hash, ek.pk, ek.sk, orjson.dumps(item), size + 10, None
            )
    return model, db


# A Scan paged to the end returns every item once, Limit items a page; a page stopped by Limit on
# the table's last item still carries LastEvaluatedKey, so an empty page ends the walk. (That it
# holds one page in memory at a time is measured by benchmarks/scan_bounds.py.)
def test_paged_scan_returns_every_item_once() -> None:
    model, db = _big_table(2_000, 100)
    request: dict[str, Any] = {"TableName": "big", "Limit": 200}
    counts: list[int] = []
    seen: list[str] = []
    try:
        while True:
            page = model.call("Scan", **request)
            counts.append(page["Count"])
            seen.extend(i["pk"]["S"] for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    finally:
        db.backend.close()
    assert counts == [200] * 10 + [0]
    assert sorted(seen) == [f"k{n:06}" for n in range(2_000)]


# A page starts right after its ExclusiveStartKey wherever that lies, for a table of many
# partitions and for one partition. (That the page costs the same wherever it starts is measured
# by benchmarks/scan_bounds.py.)
@pytest.mark.parametrize("partition", [None, "one"], ids=["many-partitions", "one-partition"])
def test_scan_page_starts_after_its_start_key_anywhere(partition: str | None) -> None:
    model, db = _big_table(3_000, 1, partition)
    try:
        whole = model.call("Scan", TableName="big", Limit=3_000)["Items"]
        keys = [{k: v for k, v in i.items() if k != "v"} for i in whole]
        assert len(keys) == 3_000
        for position in (0, 10, 1_499, 2_980, 2_994):
            page = model.call("Scan", TableName="big", Limit=5, ExclusiveStartKey=keys[position])
            assert page["Items"] == whole[position + 1 : position + 6], position
    finally:
        db.backend.close()


ReadsModel.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestReadsModel = ReadsModel.TestCase
