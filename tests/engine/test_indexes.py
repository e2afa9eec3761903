"""Secondary indexes in-process: rows, projections, sparse membership, index-key checks,
per-index write capacity, LSI item collections, and the CreateTable/UpdateTable index rules.

Requests go through ``protocol.dispatch.handle`` on an in-memory ``Database(SqliteBackend())``
(shape checks, operations, engine and storage all run); index rows are read straight from
storage, so these tests pin the rows themselves, not what Query makes of them.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ddblite.engine import indexes
from ddblite.engine.database import Caller, Database
from ddblite.limits import Limits
from ddblite.model.schema import TableSchema
from ddblite.protocol.dispatch import handle
from ddblite.storage.sqlite.backend import SqliteBackend

Item = dict[str, Any]
AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAINDEX/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
CALLER = Caller("000000000000", "us-east-1")


class Client:
    def __init__(self, db: Database | None = None) -> None:
        self.db = db or Database(SqliteBackend())

    def raw(self, operation: str, **request: Any) -> tuple[int, dict[str, Any]]:
        status, body = handle(
            self.db, "DynamoDB_20120810." + operation, AUTH, orjson.dumps(request)
        )
        return status, orjson.loads(body)

    def __call__(self, operation: str, **request: Any) -> dict[str, Any]:
        status, answer = self.raw(operation, **request)
        assert status == 200, answer
        return answer

    def error(self, operation: str, **request: Any) -> tuple[str, str]:
        status, answer = self.raw(operation, **request)
        assert status != 200, answer
        return answer["__type"].split("#")[1], answer.get("message", answer.get("Message", ""))

    def table(self, name: str) -> TableSchema:
        table = self.db.find_table(CALLER, name)
        assert table is not None
        return table

    def rows(self, table_name: str, index_name: str) -> list[Item]:
        """The projected items an index holds, in storage order."""
        table = self.table(table_name)
        index = table.index(index_name)
        assert index is not None
        with self.db.backend.read() as r:
            return [orjson.loads(row.body) for row in indexes.rows_of(r, index)]


def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: str) -> dict[str, str]:
    return {"N": value}


def key_schema(hash_name: str, range_name: str | None = None) -> list[dict[str, str]]:
    out = [{"AttributeName": hash_name, "KeyType": "HASH"}]
    if range_name is not None:
        out.append({"AttributeName": range_name, "KeyType": "RANGE"})
    return out


def definitions(**types: str) -> list[dict[str, str]]:
    return [{"AttributeName": k, "AttributeType": v} for k, v in types.items()]


def gsi(
    name: str,
    hash_name: str,
    range_name: str | None = None,
    projection: str = "ALL",
    include: list[str] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"ProjectionType": projection}
    if include is not None:
        spec["NonKeyAttributes"] = include
    return {"IndexName": name, "KeySchema": key_schema(hash_name, range_name), "Projection": spec}


def by_key(rows: list[Item]) -> list[Item]:
    return sorted(rows, key=lambda item: orjson.dumps(item, option=orjson.OPT_SORT_KEYS))


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def orders(client: Client) -> Client:
    """orders (pk S, sk S): GSI status_all (Status, Ts; ALL), GSI status_keys (Status;
    KEYS_ONLY), GSI status_inc (Status, Ts; INCLUDE total, note), LSI by_ts (pk, Ts; ALL)."""
    client(
        "CreateTable",
        TableName="orders",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=definitions(pk="S", sk="S", Status="S", Ts="N"),
        KeySchema=key_schema("pk", "sk"),
        GlobalSecondaryIndexes=[
            gsi("status_all", "Status", "Ts"),
            gsi("status_keys", "Status", projection="KEYS_ONLY"),
            gsi("status_inc", "Status", "Ts", "INCLUDE", ["total", "note"]),
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_ts",
                "KeySchema": key_schema("pk", "Ts"),
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
    )
    return client


ORDER = {
    "pk": s("c1"),
    "sk": s("o1"),
    "Status": s("NEW"),
    "Ts": n("5"),
    "total": n("12.5"),
    "other": s("x"),
}


# --- rows and projections ------------------------------------------------------------------


def test_each_projection_stores_its_attributes(orders: Client) -> None:
    orders("PutItem", TableName="orders", Item=ORDER)
    assert orders.rows("orders", "status_all") == [ORDER]
    assert orders.rows("orders", "by_ts") == [ORDER]
    assert orders.rows("orders", "status_keys") == [
        {"pk": s("c1"), "sk": s("o1"), "Status": s("NEW")}
    ]
    # INCLUDE: keys plus the listed attributes the item has ("note" is absent).
    assert orders.rows("orders", "status_inc") == [
        {"pk": s("c1"), "sk": s("o1"), "Status": s("NEW"), "Ts": n("5"), "total": n("12.5")}
    ]


def test_sparse_index_holds_only_items_with_every_index_key(orders: Client) -> None:
    # No Ts: in status_keys (hash only) but not in the (Status, Ts) indexes nor the LSI.
    item = {"pk": s("c1"), "sk": s("o2"), "Status": s("NEW")}
    orders("PutItem", TableName="orders", Item=item)
    assert len(orders.rows("orders", "status_keys")) == 1
    for name in ("status_all", "status_inc", "by_ts"):
        assert orders.rows("orders", name) == []
    # Gaining the attribute adds the entry; losing it removes the entry.
    orders("PutItem", TableName="orders", Item={**item, "Ts": n("7")})
    assert orders.rows("orders", "status_all") == [{**item, "Ts": n("7")}]
    orders("PutItem", TableName="orders", Item={"pk": s("c1"), "sk": s("o2"), "Ts": n("7")})
    assert orders.rows("orders", "status_all") == []
    assert orders.rows("orders", "status_keys") == []
    assert orders.rows("orders", "by_ts") == [{"pk": s("c1"), "sk": s("o2"), "Ts": n("7")}]


def test_changing_an_index_key_moves_the_entry_and_delete_removes_it(orders: Client) -> None:
    orders("PutItem", TableName="orders", Item=ORDER)
    orders("PutItem", TableName="orders", Item={**ORDER, "Status": s("SHIPPED")})
    assert [row["Status"] for row in orders.rows("orders", "status_all")] == [s("SHIPPED")]
    assert len(orders.rows("orders", "status_keys")) == 1
    orders("DeleteItem", TableName="orders", Key={"pk": s("c1"), "sk": s("o1")})
    for name in ("status_all", "status_keys", "status_inc", "by_ts"):
        assert orders.rows("orders", name) == []


def test_many_items_share_one_index_key(orders: Client) -> None:
    for i in range(5):
        orders("PutItem", TableName="orders", Item={**ORDER, "sk": s(f"o{i}")})
    rows = orders.rows("orders", "status_keys")
    assert sorted(row["sk"]["S"] for row in rows) == ["o0", "o1", "o2", "o3", "o4"]


def test_describe_reports_index_counts_sizes_and_arns(orders: Client) -> None:
    orders("PutItem", TableName="orders", Item=ORDER)
    table = orders("DescribeTable", TableName="orders")["Table"]
    gsis = {g["IndexName"]: g for g in table["GlobalSecondaryIndexes"]}
    keys_only = gsis["status_keys"]
    assert keys_only["ItemCount"] == 1
    # pk(2+2) + sk(2+2) + Status(6+3) bytes
    assert keys_only["IndexSizeBytes"] == 17
    assert keys_only["IndexStatus"] == "ACTIVE"
    assert keys_only["IndexArn"] == (
        "arn:aws:dynamodb:us-east-1:000000000000:table/orders/index/status_keys"
    )
    assert keys_only["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 0,
        "WriteCapacityUnits": 0,
    }
    assert "Backfilling" not in keys_only  # never for indexes made by CreateTable
    lsi = table["LocalSecondaryIndexes"][0]
    assert (lsi["ItemCount"], lsi["IndexSizeBytes"]) == (1, table["TableSizeBytes"])
    assert "IndexStatus" not in lsi


# --- index-key validation ------------------------------------------------------------------


def test_wrong_index_key_type_is_rejected_before_writing(orders: Client) -> None:
    assert orders.error("PutItem", TableName="orders", Item={**ORDER, "Ts": s("5")}) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key Ts "
        "Expected: N Actual: S IndexName: by_ts",
    )
    assert orders.error("PutItem", TableName="orders", Item={**ORDER, "Status": n("1")}) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key Status "
        "Expected: S Actual: N IndexName: status_all",
    )
    assert orders("Scan", TableName="orders")["Count"] == 0


def test_empty_index_key_is_rejected(orders: Client) -> None:
    assert orders.error("PutItem", TableName="orders", Item={**ORDER, "Status": s("")}) == (
        "ValidationException",
        "One or more parameter values are not valid. A value specified for a secondary index "
        "key is not supported. The AttributeValue for a key attribute cannot contain an empty "
        "string value. IndexName: status_all, IndexKey: Status",
    )


def test_empty_binary_and_oversized_index_keys(client: Client) -> None:
    client(
        "CreateTable",
        TableName="bin",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=definitions(pk="S", b="B", r="S"),
        KeySchema=key_schema("pk"),
        GlobalSecondaryIndexes=[gsi("gsi_b", "b", "r")],
    )
    assert client.error("PutItem", TableName="bin", Item={"pk": s("a"), "b": {"B": ""}}) == (
        "ValidationException",
        "One or more parameter values are not valid. A value specified for a secondary index "
        "key is not supported. The AttributeValue for a key attribute cannot contain an empty "
        "binary value. IndexName: gsi_b, IndexKey: b",
    )
    assert client.error("PutItem", TableName="bin", Item={"pk": s("a"), "r": s("x" * 1025)}) == (
        "ValidationException",
        "One or more parameter values were invalid: Size limit exceeded for Index Key r "
        "Actual Size: 1025 bytes Max Size: 1024 bytes IndexName: gsi_b",
    )
    client("PutItem", TableName="bin", Item={"pk": s("a"), "r": s("x" * 1024)})


def test_the_alphabetically_first_violated_index_is_named(client: Client) -> None:
    client(
        "CreateTable",
        TableName="two",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=definitions(pk="S", a="S", b="N"),
        KeySchema=key_schema("pk"),
        GlobalSecondaryIndexes=[gsi("zeta", "a"), gsi("alpha", "b")],
    )
    _, message = client.error(
        "PutItem", TableName="two", Item={"pk": s("k"), "a": n("1"), "b": s("x")}
    )
    assert message.endswith("Type mismatch for Index Key b Expected: N Actual: S IndexName: alpha")


def test_check_index_keys_for_updates_only_checks_what_changed(orders: Client) -> None:
    table = orders.table("orders")
    before = {**ORDER, "Ts": s("legacy")}
    # An update that leaves a bad value alone is not refused for it...
    indexes.check_index_keys(table, {**before, "total": n("1")}, before=before)
    # ...one that writes an empty key value gets the update-expression wording.
    with pytest.raises(Exception) as info:
        indexes.check_index_keys(table, {**ORDER, "Status": s("")}, before=ORDER)
    assert str(info.value) == (
        "One or more parameter values are not valid. The update expression attempted to "
        "update a secondary index key to a value that is not supported. The AttributeValue for "
        "a key attribute cannot contain an empty string value."
    )


# --- write capacity ----------------------------------------------------------------------


def consumed(client: Client, operation: str, **request: Any) -> dict[str, Any]:
    answer: dict[str, Any] = client(operation, ReturnConsumedCapacity="INDEXES", **request)
    return answer["ConsumedCapacity"]  # type: ignore[no-any-return]


def test_capacity_charges_each_index_for_its_own_entry(orders: Client) -> None:
    big = {**ORDER, "other": s("x" * 3000)}
    # Insert: ALL entries cost the item's 3 KB, KEYS_ONLY and INCLUDE entries 1 unit.
    assert consumed(orders, "PutItem", TableName="orders", Item=big) == {
        "TableName": "orders",
        "CapacityUnits": 11.0,
        "Table": {"CapacityUnits": 3.0},
        "GlobalSecondaryIndexes": {
            "status_all": {"CapacityUnits": 3.0},
            "status_keys": {"CapacityUnits": 1.0},
            "status_inc": {"CapacityUnits": 1.0},
        },
        "LocalSecondaryIndexes": {"by_ts": {"CapacityUnits": 3.0}},
    }
    # The same item again: no index entry changes, so no index is charged.
    assert consumed(orders, "PutItem", TableName="orders", Item=big) == {
        "TableName": "orders",
        "CapacityUnits": 3.0,
        "Table": {"CapacityUnits": 3.0},
    }
    # A non-key attribute only ALL projections hold: in place, the larger entry.
    changed = {**big, "other": s("y")}
    assert consumed(orders, "PutItem", TableName="orders", Item=changed) == {
        "TableName": "orders",
        "CapacityUnits": 9.0,
        "Table": {"CapacityUnits": 3.0},
        "GlobalSecondaryIndexes": {"status_all": {"CapacityUnits": 3.0}},
        "LocalSecondaryIndexes": {"by_ts": {"CapacityUnits": 3.0}},
    }
    # An index key change is a delete plus a put in every index keyed on it.
    moved = {**changed, "Status": s("DONE")}
    assert consumed(orders, "PutItem", TableName="orders", Item=moved) == {
        "TableName": "orders",
        "CapacityUnits": 8.0,
        "Table": {"CapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {
            "status_all": {"CapacityUnits": 2.0},
            "status_keys": {"CapacityUnits": 2.0},
            "status_inc": {"CapacityUnits": 2.0},
        },
        "LocalSecondaryIndexes": {"by_ts": {"CapacityUnits": 1.0}},
    }
    # A delete removes every entry the item had.
    key = {"pk": s("c1"), "sk": s("o1")}
    assert consumed(orders, "DeleteItem", TableName="orders", Key=key) == {
        "TableName": "orders",
        "CapacityUnits": 5.0,
        "Table": {"CapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {
            "status_all": {"CapacityUnits": 1.0},
            "status_keys": {"CapacityUnits": 1.0},
            "status_inc": {"CapacityUnits": 1.0},
        },
        "LocalSecondaryIndexes": {"by_ts": {"CapacityUnits": 1.0}},
    }


def test_total_capacity_includes_index_units(orders: Client) -> None:
    answer = orders("PutItem", TableName="orders", Item=ORDER, ReturnConsumedCapacity="TOTAL")
    assert answer["ConsumedCapacity"] == {"TableName": "orders", "CapacityUnits": 5.0}


def test_write_units_sets_compare_unordered() -> None:
    assert indexes.same_item({"a": {"SS": ["x", "y"]}}, {"a": {"SS": ["y", "x"]}})
    assert not indexes.same_item({"a": {"L": [s("x"), s("y")]}}, {"a": {"L": [s("y"), s("x")]}})
    assert indexes.same_item(
        {"m": {"M": {"n": {"NS": ["1", "2"]}}}}, {"m": {"M": {"n": {"NS": ["2", "1"]}}}}
    )


# --- LSI item collections ----------------------------------------------------------------


def test_item_collection_metrics_for_tables_with_an_lsi(orders: Client) -> None:
    answer = orders("PutItem", TableName="orders", Item=ORDER, ReturnItemCollectionMetrics="SIZE")
    assert answer["ItemCollectionMetrics"] == {
        "ItemCollectionKey": {"pk": s("c1")},
        "SizeEstimateRangeGB": [0.0, 1.0],
    }
    assert "ItemCollectionMetrics" not in orders(
        "PutItem", TableName="orders", Item=ORDER, ReturnItemCollectionMetrics="NONE"
    )


def test_no_item_collection_metrics_without_an_lsi(client: Client) -> None:
    client(
        "CreateTable",
        TableName="plain",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=definitions(pk="S", g="S"),
        KeySchema=key_schema("pk"),
        GlobalSecondaryIndexes=[gsi("by_g", "g")],
    )
    answer = client(
        "PutItem",
        TableName="plain",
        Item={"pk": s("a"), "g": s("b")},
        ReturnItemCollectionMetrics="SIZE",
    )
    assert "ItemCollectionMetrics" not in answer


def test_item_collection_size_limit(orders: Client) -> None:
    # Items plus their LSI entries; lowered from 10 GB for the test.
    orders.db.limits = Limits(lsi_collection_bytes=1000)
    item = {**ORDER, "other": s("x" * 200)}  # ~250 bytes, and as much again in by_ts
    orders("PutItem", TableName="orders", Item=item)
    orders("PutItem", TableName="orders", Item={**item, "sk": s("o2")})
    assert orders.error("PutItem", TableName="orders", Item={**item, "sk": s("o3")}) == (
        "ItemCollectionSizeLimitExceededException",
        "Collection size exceeded.",
    )
    assert orders("Scan", TableName="orders")["Count"] == 2
    assert len(orders.rows("orders", "status_all")) == 2
    # Other collections, deletes and shrinking writes still go through.
    orders("PutItem", TableName="orders", Item={**item, "pk": s("c2")})
    orders("PutItem", TableName="orders", Item={**ORDER, "sk": s("o2")})
    orders("DeleteItem", TableName="orders", Key={"pk": s("c1"), "sk": s("o1")})


def test_lsi_entries_count_towards_the_item_size_limit(orders: Client) -> None:
    # 250 KB fits 400 KB alone, but not with its 250 KB by_ts (ALL) entry.
    item = {**ORDER, "other": s("x" * 250_000)}
    assert orders.error("PutItem", TableName="orders", Item=item) == (
        "ValidationException",
        "Item size has exceeded the maximum allowed size",
    )
    # Without the LSI key attribute the item is in no LSI and fits.
    item.pop("Ts")
    orders("PutItem", TableName="orders", Item=item)


# --- CreateTable index rules ---------------------------------------------------------------


def create_error(client: Client, **extra: Any) -> tuple[str, str]:
    request: dict[str, Any] = {
        "TableName": "bad",
        "AttributeDefinitions": definitions(pk="S", g="S"),
        "KeySchema": key_schema("pk"),
        "BillingMode": "PAY_PER_REQUEST",
    }
    request.update(extra)
    return client.error("CreateTable", **request)


def test_create_table_index_rules(client: Client) -> None:
    assert create_error(
        client,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        GlobalSecondaryIndexes=[gsi("by_g", "g")],
    ) == (
        "ValidationException",
        "One or more parameter values were invalid: ProvisionedThroughput is not specified "
        "for index: by_g",
    )
    assert create_error(
        client,
        GlobalSecondaryIndexes=[gsi("by_g", "g", projection="INCLUDE", include=["a", "b", "a"])],
    ) == (
        "ValidationException",
        "One or more parameter values were invalid: Duplicate element in NonKeyAttributes: a",
    )
    # At most 20 per index (the request shape), at most 100 summed over all indexes.
    many = [f"a{i}" for i in range(20)]
    six = [gsi(f"by_g{i}", "g", projection="INCLUDE", include=many) for i in range(6)]
    six[5]["Projection"]["NonKeyAttributes"] = many[:1]
    assert create_error(client, GlobalSecondaryIndexes=six) == (
        "ValidationException",
        "One or more parameter values were invalid: Number of projected attributes in all "
        "indexes exceeds limit of 100",
    )
    client(
        "CreateTable",
        TableName="fine",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=definitions(pk="S", g="S"),
        KeySchema=key_schema("pk"),
        GlobalSecondaryIndexes=six[:5],
    )


def test_provisioned_table_gsis_carry_their_throughput(client: Client) -> None:
    index = {
        **gsi("by_g", "g"),
        "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
    }
    answer = client(
        "CreateTable",
        TableName="prov",
        KeySchema=key_schema("pk"),
        AttributeDefinitions=definitions(pk="S", g="S"),
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        GlobalSecondaryIndexes=[index],
    )
    described = answer["TableDescription"]["GlobalSecondaryIndexes"][0]
    assert described["IndexStatus"] == "CREATING"
    assert described["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 3,
        "WriteCapacityUnits": 4,
    }
