"""Every index always equals the projection of the table.

A Hypothesis state machine drives the real request path (``protocol.dispatch.handle`` on an
in-memory SQLite database) with random PutItem, UpdateItem, DeleteItem and BatchWriteItem
calls, adds and deletes GSIs online, and runs the background work (backfills, drops) a random
number of chunks at a time, so writes land before, during and after backfills. It keeps its
own dict of the items and its own notion of membership and projection; after every step:

- an ACTIVE index holds exactly the projected entries of the items that belong to it;
- a backfilling index holds a subset of them (never a stale or foreign entry);
- a dropped index's rows are gone once its drop has run.
"""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import orjson
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ddblite.engine import backfill, indexes
from tests.engine.test_indexes import CALLER, Client, definitions, gsi, key_schema

Item = dict[str, Any]
TABLE = "model_indexes"
PKS = st.sampled_from(["a", "b", "c", "d"])
SKS = st.integers(0, 5)
# Index key values; None leaves the attribute out (sparse).
G = st.sampled_from([None, "x", "y", "z"])
H = st.sampled_from([None, "1", "2", "-3.5"])
V = st.sampled_from([None, "small", "v" * 300])
PROJECTIONS = st.sampled_from(["ALL", "KEYS_ONLY", "INCLUDE"])


class IndexModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.client = Client()
        self.client.db.background.inline = False
        self.items: dict[tuple[str, int], Item] = {}
        # name -> (hash, range, projection type, NonKeyAttributes)
        self.specs: dict[str, tuple[str, str | None, str, tuple[str, ...]]] = {}
        self.dropped: list[int] = []
        self.serial = 0
        # Tiny chunks, so that backfills and drops take several steps with writes between.
        self.chunk = backfill.CHUNK
        backfill.CHUNK = 3

    @initialize()
    def create(self) -> None:
        self.client(
            "CreateTable",
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=definitions(pk="S", sk="N", g="S", h="N"),
            KeySchema=key_schema("pk", "sk"),
            GlobalSecondaryIndexes=[
                gsi("by_g", "g", None, "INCLUDE", ["v"]),
                gsi("by_g_h", "g", "h", "ALL"),
            ],
            LocalSecondaryIndexes=[
                {
                    "IndexName": "by_h",
                    "KeySchema": key_schema("pk", "h"),
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
        )
        self.specs = {
            "by_g": ("g", None, "INCLUDE", ("v",)),
            "by_g_h": ("g", "h", "ALL", ()),
            "by_h": ("pk", "h", "KEYS_ONLY", ()),
        }

    # --- writes ------------------------------------------------------------------------------

    @staticmethod
    def make(pk: str, sk: int, g: str | None, h: str | None, v: str | None) -> Item:
        item: Item = {"pk": {"S": pk}, "sk": {"N": str(sk)}}
        if g is not None:
            item["g"] = {"S": g}
        if h is not None:
            item["h"] = {"N": h}
        if v is not None:
            item["v"] = {"S": v}
        return item

    @rule(pk=PKS, sk=SKS, g=G, h=H, v=V)
    def put(self, pk: str, sk: int, g: str | None, h: str | None, v: str | None) -> None:
        item = self.make(pk, sk, g, h, v)
        self.client("PutItem", TableName=TABLE, Item=item)
        self.items[(pk, sk)] = item

    @rule(pk=PKS, sk=SKS, g=G, h=H)
    def update(self, pk: str, sk: int, g: str | None, h: str | None) -> None:
        sets, removes, values = [], [], {}
        for name, value, kind in (("g", g, "S"), ("h", h, "N")):
            if value is None:
                removes.append(name)
            else:
                sets.append(f"{name} = :{name}")
                values[f":{name}"] = {kind: value}
        expression = " ".join(
            part
            for part in (
                "SET " + ", ".join(sets) if sets else "",
                "REMOVE " + ", ".join(removes) if removes else "",
            )
            if part
        )
        request: dict[str, Any] = {
            "TableName": TABLE,
            "Key": {"pk": {"S": pk}, "sk": {"N": str(sk)}},
            "UpdateExpression": expression,
        }
        if values:
            request["ExpressionAttributeValues"] = values
        self.client("UpdateItem", **request)
        item = dict(self.items.get((pk, sk), {"pk": {"S": pk}, "sk": {"N": str(sk)}}))
        item.pop("g", None)
        item.pop("h", None)
        item.update({k[1:]: v for k, v in values.items()})
        self.items[(pk, sk)] = item

    @rule(pk=PKS, sk=SKS)
    def delete(self, pk: str, sk: int) -> None:
        self.client("DeleteItem", TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"N": str(sk)}})
        self.items.pop((pk, sk), None)

    @rule(
        puts=st.lists(st.tuples(PKS, SKS, G, H, V), max_size=6),
        deletes=st.lists(st.tuples(PKS, SKS), max_size=4),
    )
    def batch(
        self,
        puts: list[tuple[str, int, str | None, str | None, str | None]],
        deletes: list[tuple[str, int]],
    ) -> None:
        requests: dict[tuple[str, int], dict[str, Any]] = {}
        for pk, sk, g, h, v in puts:
            requests[(pk, sk)] = {"PutRequest": {"Item": self.make(pk, sk, g, h, v)}}
        for pk, sk in deletes:
            requests[(pk, sk)] = {"DeleteRequest": {"Key": {"pk": {"S": pk}, "sk": {"N": str(sk)}}}}
        if not requests:
            return
        self.client("BatchWriteItem", RequestItems={TABLE: list(requests.values())})
        for key, request in requests.items():
            if "PutRequest" in request:
                self.items[key] = request["PutRequest"]["Item"]
            else:
                self.items.pop(key, None)

    # --- online index changes ---------------------------------------------------------------

    def creating(self) -> bool:
        table = self.client.table(TABLE)
        return any(index.status == "CREATING" for index in table.indexes)

    @rule(hash_name=st.sampled_from(["g", "h"]), with_range=st.booleans(), projection=PROJECTIONS)
    def add_index(self, hash_name: str, with_range: bool, projection: str) -> None:
        if self.creating() or len(self.specs) >= 6:
            return
        self.serial += 1
        name = f"dyn{self.serial}"
        range_name = ("h" if hash_name == "g" else "g") if with_range else None
        include = ["v"] if projection == "INCLUDE" else None
        types = {"g": "S", "h": "N"}
        defs = definitions(**{hash_name: types[hash_name]})
        if range_name is not None:
            defs += definitions(**{range_name: types[range_name]})
        self.client(
            "UpdateTable",
            TableName=TABLE,
            AttributeDefinitions=defs,
            GlobalSecondaryIndexUpdates=[
                {"Create": gsi(name, hash_name, range_name, projection, include)}
            ],
        )
        self.specs[name] = (hash_name, range_name, projection, tuple(include or ()))

    @rule(data=st.data())
    def delete_index(self, data: st.DataObject) -> None:
        table = self.client.table(TABLE)
        names = [i.name for i in table.indexes if i.name.startswith("dyn")]
        if not names:
            return
        name = data.draw(st.sampled_from(sorted(names)))
        index = table.index(name)
        assert index is not None
        if index.status != "CREATING" and self.creating():
            return  # one online index change at a time
        self.client(
            "UpdateTable",
            TableName=TABLE,
            GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": name}}],
        )
        del self.specs[name]
        self.dropped.append(index.index_id)

    @rule(steps=st.integers(1, 4))
    def background(self, steps: int) -> None:
        for _ in range(steps):
            if not self.client.db.background.step():
                break

    # --- the invariant ----------------------------------------------------------------------

    def expected(self, name: str) -> list[bytes]:
        hash_name, range_name, projection, include = self.specs[name]
        rows = []
        for item in self.items.values():
            if hash_name not in item or (range_name is not None and range_name not in item):
                continue
            if projection == "ALL":
                row = item
            else:
                keep = {"pk", "sk", hash_name, range_name, *include}
                row = {k: v for k, v in item.items() if k in keep}
            rows.append(orjson.dumps(row, option=orjson.OPT_SORT_KEYS))
        return sorted(rows)

    @invariant()
    def indexes_equal_projection_of_table(self) -> None:
        table = self.client.db.find_table(CALLER, TABLE)
        if table is None:
            return
        assert {index.name for index in table.indexes} == set(self.specs)
        with self.client.db.backend.read() as r:
            for index in table.indexes:
                stored = sorted(
                    orjson.dumps(orjson.loads(row.body), option=orjson.OPT_SORT_KEYS)
                    for row in indexes.rows_of(r, index)
                )
                expected = self.expected(index.name)
                if index.status == "ACTIVE":
                    assert stored == expected, index.name
                else:
                    assert set(stored) <= set(expected), index.name
            for index_id in self.dropped:
                if not self.client.db.background.pending(("drop", index_id)):
                    live = {index.index_id for index in table.indexes}
                    if index_id not in live:
                        assert r.index_stats(index_id) == (0, 0)

    def teardown(self) -> None:
        try:
            self.client.db.background.run_all()
            self.indexes_equal_projection_of_table()
            assert not self.creating()
        finally:
            backfill.CHUNK = self.chunk


IndexModel.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestIndexModel = IndexModel.TestCase
