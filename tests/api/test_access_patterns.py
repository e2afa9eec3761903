"""Real access patterns on secondary indexes, black-box through boto3.

- a single-table e-commerce design with an overloaded GSI (Type, Data);
- an orders table with a GSI StatusIndex (Status, Timestamp) and an LSI TimestampIndex;
- a sparse index that holds only the items carrying its key;
- a GSI added online while writers keep changing the table.

Written so they could run against real DynamoDB (they wait for ACTIVE where DynamoDB would
need it and use only documented behaviour).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tests.api.conftest import TableFactory, make_client
from tests.api.test_indexes import defs, index, wait_until_active

Item = dict[str, Any]


def S(value: str) -> dict[str, str]:  # reads like the wire type
    return {"S": value}


def N(value: int | str) -> dict[str, str]:
    return {"N": str(value)}


def query_all(ddb: Any, **request: Any) -> list[Item]:
    items: list[Item] = []
    while True:
        page = ddb.query(**request)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def scan_all(ddb: Any, **request: Any) -> list[Item]:
    items: list[Item] = []
    while True:
        page = ddb.scan(**request)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# --- single-table e-commerce, GSI overloading -----------------------------------------------


@pytest.fixture
def shop(ddb: Any, create_table: TableFactory) -> str:
    """PK/SK table; GSI1 (Type, Data) serves a different question per entity type."""
    name = create_table(
        ("PK", "S"),
        ("SK", "S"),
        extra_definitions=defs(Type="S", Data="S"),
        GlobalSecondaryIndexes=[index("GSI1", "Type", "Data")],
    )
    entities: list[Item] = [
        {
            "PK": S("CUST#alice"),
            "SK": S("PROFILE"),
            "Type": S("Customer"),
            "Data": S("alice@example.com"),
            "Name": S("Alice"),
        },
        {
            "PK": S("CUST#bob"),
            "SK": S("PROFILE"),
            "Type": S("Customer"),
            "Data": S("bob@example.com"),
            "Name": S("Bob"),
        },
        {
            "PK": S("CUST#alice"),
            "SK": S("ORDER#2024-01-05#o1"),
            "Type": S("Order"),
            "Data": S("SHIPPED#2024-01-05"),
            "Total": N(30),
        },
        {
            "PK": S("CUST#alice"),
            "SK": S("ORDER#2024-02-10#o2"),
            "Type": S("Order"),
            "Data": S("PENDING#2024-02-10"),
            "Total": N(12),
        },
        {
            "PK": S("CUST#bob"),
            "SK": S("ORDER#2024-02-01#o3"),
            "Type": S("Order"),
            "Data": S("PENDING#2024-02-01"),
            "Total": N(99),
        },
        {
            "PK": S("ORDER#o1"),
            "SK": S("ITEM#p1"),
            "Type": S("OrderItem"),
            "Data": S("PRODUCT#p1"),
            "Qty": N(1),
        },
        {
            "PK": S("ORDER#o2"),
            "SK": S("ITEM#p1"),
            "Type": S("OrderItem"),
            "Data": S("PRODUCT#p1"),
            "Qty": N(2),
        },
        {
            "PK": S("ORDER#o3"),
            "SK": S("ITEM#p2"),
            "Type": S("OrderItem"),
            "Data": S("PRODUCT#p2"),
            "Qty": N(5),
        },
        {
            "PK": S("PRODUCT#p1"),
            "SK": S("PRODUCT#p1"),
            "Type": S("Product"),
            "Data": S("CATEGORY#books#0012.00"),
        },
        {
            "PK": S("PRODUCT#p2"),
            "SK": S("PRODUCT#p2"),
            "Type": S("Product"),
            "Data": S("CATEGORY#games#0019.80"),
        },
        # A note attached to a customer: no Type, so in no GSI1 query at all.
        {"PK": S("CUST#alice"), "SK": S("NOTE#1"), "Text": S("prefers mornings")},
    ]
    for entity in entities:
        ddb.put_item(TableName=name, Item=entity)
    return name


def gsi1(ddb: Any, table: str, entity: str, condition: str = "", **values: Any) -> list[Item]:
    return query_all(
        ddb,
        TableName=table,
        IndexName="GSI1",
        KeyConditionExpression="#t = :t" + (f" AND {condition}" if condition else ""),
        ExpressionAttributeNames={"#t": "Type", **({"#d": "Data"} if condition else {})},
        ExpressionAttributeValues={":t": S(entity), **values},
    )


def test_customer_by_email(ddb: Any, shop: str) -> None:
    found = gsi1(ddb, shop, "Customer", "#d = :email", **{":email": S("bob@example.com")})
    assert [item["PK"]["S"] for item in found] == ["CUST#bob"]
    assert found[0]["Name"] == S("Bob")  # ALL projection: the whole item


def test_customer_profile_and_orders_newest_first(ddb: Any, shop: str) -> None:
    everything = query_all(
        ddb,
        TableName=shop,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": S("CUST#alice")},
    )
    assert [i["SK"]["S"] for i in everything] == [
        "NOTE#1",
        "ORDER#2024-01-05#o1",
        "ORDER#2024-02-10#o2",
        "PROFILE",
    ]
    orders = query_all(
        ddb,
        TableName=shop,
        ScanIndexForward=False,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :o)",
        ExpressionAttributeValues={":pk": S("CUST#alice"), ":o": S("ORDER#")},
    )
    assert [i["SK"]["S"] for i in orders] == ["ORDER#2024-02-10#o2", "ORDER#2024-01-05#o1"]


def test_orders_by_status_and_date(ddb: Any, shop: str) -> None:
    pending = gsi1(ddb, shop, "Order", "begins_with(#d, :s)", **{":s": S("PENDING#")})
    assert [i["Data"]["S"] for i in pending] == ["PENDING#2024-02-01", "PENDING#2024-02-10"]
    # Shipping o2 moves it from one status query to the other.
    ddb.update_item(
        TableName=shop,
        Key={"PK": S("CUST#alice"), "SK": S("ORDER#2024-02-10#o2")},
        UpdateExpression="SET #d = :d",
        ExpressionAttributeNames={"#d": "Data"},
        ExpressionAttributeValues={":d": S("SHIPPED#2024-02-10")},
    )
    pending = gsi1(ddb, shop, "Order", "begins_with(#d, :s)", **{":s": S("PENDING#")})
    assert [i["SK"]["S"] for i in pending] == ["ORDER#2024-02-01#o3"]
    shipped_in_feb = gsi1(
        ddb,
        shop,
        "Order",
        "#d BETWEEN :a AND :b",
        **{":a": S("SHIPPED#2024-02-01"), ":b": S("SHIPPED#2024-02-29")},
    )
    assert [i["SK"]["S"] for i in shipped_in_feb] == ["ORDER#2024-02-10#o2"]


def test_order_items_by_product_and_products_by_category(ddb: Any, shop: str) -> None:
    lines = gsi1(ddb, shop, "OrderItem", "#d = :p", **{":p": S("PRODUCT#p1")})
    assert sorted(i["PK"]["S"] for i in lines) == ["ORDER#o1", "ORDER#o2"]
    assert sum(int(i["Qty"]["N"]) for i in lines) == 3
    books = gsi1(ddb, shop, "Product", "begins_with(#d, :c)", **{":c": S("CATEGORY#books#")})
    assert [i["PK"]["S"] for i in books] == ["PRODUCT#p1"]
    # Every entity type is one partition of the overloaded index; untyped items are in none.
    everything = scan_all(ddb, TableName=shop, IndexName="GSI1")
    assert len(everything) == 10
    assert all("Type" in item for item in everything)


# --- orders: StatusIndex GSI and TimestampIndex LSI -----------------------------------------


@pytest.fixture
def orders(ddb: Any, create_table: TableFactory) -> str:
    name = create_table(
        ("CustomerId", "S"),
        ("OrderId", "S"),
        extra_definitions=defs(Status="S", Timestamp="N"),
        GlobalSecondaryIndexes=[index("StatusIndex", "Status", "Timestamp", "INCLUDE", ["Total"])],
        LocalSecondaryIndexes=[index("TimestampIndex", "CustomerId", "Timestamp", "KEYS_ONLY")],
    )
    statuses = ["PENDING", "SHIPPED", "DELIVERED"]
    for i in range(30):
        ddb.put_item(
            TableName=name,
            Item={
                "CustomerId": S(f"c{i % 3}"),
                "OrderId": S(f"o{i:02d}"),
                "Status": S(statuses[i % 3 if i % 2 else 0]),
                "Timestamp": N(1000 + 10 * i),
                "Total": N(i),
                "Address": S(f"street {i}"),
            },
        )
    return name


def test_pending_orders_in_a_time_window(ddb: Any, orders: str) -> None:
    found = query_all(
        ddb,
        TableName=orders,
        IndexName="StatusIndex",
        KeyConditionExpression="#s = :s AND #t BETWEEN :a AND :b",
        ExpressionAttributeNames={"#s": "Status", "#t": "Timestamp"},
        ExpressionAttributeValues={":s": S("PENDING"), ":a": N(1050), ":b": N(1200)},
    )
    # Even orders are PENDING, and odd ones whose i % 3 == 0.
    expected = [i for i in range(5, 21) if i % 2 == 0 or i % 3 == 0]
    assert [int(item["Timestamp"]["N"]) for item in found] == [1000 + 10 * i for i in expected]
    # INCLUDE Total: keys, index keys and Total; never Address.
    assert set(found[0]) == {"CustomerId", "OrderId", "Status", "Timestamp", "Total"}


def test_status_index_pages_carry_table_and_index_keys(ddb: Any, orders: str) -> None:
    page = ddb.query(
        TableName=orders,
        IndexName="StatusIndex",
        Limit=4,
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "Status"},
        ExpressionAttributeValues={":s": S("PENDING")},
    )
    last = page["LastEvaluatedKey"]
    assert set(last) == {"CustomerId", "OrderId", "Status", "Timestamp"}
    everything = query_all(
        ddb,
        TableName=orders,
        IndexName="StatusIndex",
        Limit=4,
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "Status"},
        ExpressionAttributeValues={":s": S("PENDING")},
    )
    counted = ddb.query(
        TableName=orders,
        IndexName="StatusIndex",
        Select="COUNT",
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "Status"},
        ExpressionAttributeValues={":s": S("PENDING")},
    )["Count"]
    assert len(everything) == counted == 20


def test_latest_orders_of_a_customer_from_the_lsi(ddb: Any, orders: str) -> None:
    page = ddb.query(
        TableName=orders,
        IndexName="TimestampIndex",
        ScanIndexForward=False,
        Limit=3,
        KeyConditionExpression="CustomerId = :c",
        ExpressionAttributeValues={":c": S("c1")},
    )
    assert [item["OrderId"]["S"] for item in page["Items"]] == ["o28", "o25", "o22"]
    assert set(page["Items"][0]) == {"CustomerId", "OrderId", "Timestamp"}  # KEYS_ONLY
    # An LSI may return attributes it does not project: they are read from the table.
    full = ddb.query(
        TableName=orders,
        IndexName="TimestampIndex",
        ScanIndexForward=False,
        Limit=1,
        Select="ALL_ATTRIBUTES",
        KeyConditionExpression="CustomerId = :c",
        ExpressionAttributeValues={":c": S("c1")},
    )
    assert full["Items"][0]["Address"] == S("street 28")


def test_shipping_an_order_moves_it_between_status_queries(ddb: Any, orders: str) -> None:
    def count(status: str) -> int:
        return int(
            ddb.query(
                TableName=orders,
                IndexName="StatusIndex",
                Select="COUNT",
                KeyConditionExpression="#s = :s",
                ExpressionAttributeNames={"#s": "Status"},
                ExpressionAttributeValues={":s": S(status)},
            )["Count"]
        )

    before = (count("PENDING"), count("SHIPPED"))
    ddb.update_item(
        TableName=orders,
        Key={"CustomerId": S("c0"), "OrderId": S("o00")},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "Status"},
        ExpressionAttributeValues={":s": S("SHIPPED")},
    )
    assert (count("PENDING"), count("SHIPPED")) == (before[0] - 1, before[1] + 1)
    ddb.delete_item(TableName=orders, Key={"CustomerId": S("c0"), "OrderId": S("o00")})
    assert count("SHIPPED") == before[1]


# --- sparse index ------------------------------------------------------------------------


def test_sparse_index_holds_only_flagged_items(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(
        ("TaskId", "S"),
        extra_definitions=defs(Queue="S", OpenSince="N"),
        GlobalSecondaryIndexes=[index("OpenTasks", "Queue", "OpenSince", "KEYS_ONLY")],
    )
    for i in range(40):
        item: Item = {"TaskId": S(f"t{i:02d}"), "Queue": S("q"), "Title": S(f"task {i}")}
        if i % 5 == 0:
            item["OpenSince"] = N(i)  # only open tasks carry the index key
        ddb.put_item(TableName=name, Item=item)
    open_tasks = query_all(
        ddb,
        TableName=name,
        IndexName="OpenTasks",
        KeyConditionExpression="Queue = :q",
        ExpressionAttributeValues={":q": S("q")},
    )
    assert [i["TaskId"]["S"] for i in open_tasks] == [f"t{i:02d}" for i in range(0, 40, 5)]
    assert len(scan_all(ddb, TableName=name, IndexName="OpenTasks")) == 8
    # Closing a task (REMOVE the key) takes it out of the index; reopening puts it back.
    ddb.update_item(TableName=name, Key={"TaskId": S("t05")}, UpdateExpression="REMOVE OpenSince")
    ddb.update_item(
        TableName=name,
        Key={"TaskId": S("t07")},
        UpdateExpression="SET OpenSince = :n",
        ExpressionAttributeValues={":n": N(99)},
    )
    open_tasks = query_all(
        ddb,
        TableName=name,
        IndexName="OpenTasks",
        KeyConditionExpression="Queue = :q AND OpenSince < :n",
        ExpressionAttributeValues={":q": S("q"), ":n": N(100)},
    )
    assert [i["TaskId"]["S"] for i in open_tasks] == [
        "t00",
        "t10",
        "t15",
        "t20",
        "t25",
        "t30",
        "t35",
        "t07",
    ]
    [gsi] = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
    assert gsi["ItemCount"] == 8


# --- online index add while writers run -----------------------------------------------------


def test_gsi_added_while_writers_run_matches_the_table(
    ddb: Any, create_table: TableFactory, server: Any
) -> None:
    name = create_table(("pk", "S"))
    for i in range(800):
        ddb.put_item(TableName=name, Item={"pk": S(f"k{i}"), "grp": S(f"g{i % 4}"), "n": N(i)})
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        client = make_client(server.endpoint)
        i = offset
        try:
            while not stop.is_set():
                key = S(f"k{(i * 37) % 1000}")
                if i % 5 == 0:
                    client.delete_item(TableName=name, Key={"pk": key})
                elif i % 5 == 1:
                    client.update_item(
                        TableName=name, Key={"pk": key}, UpdateExpression="REMOVE grp"
                    )
                else:
                    client.put_item(
                        TableName=name, Item={"pk": key, "grp": S(f"g{i % 6}"), "n": N(i)}
                    )
                i += 7
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.2)
        ddb.update_table(
            TableName=name,
            AttributeDefinitions=defs(grp="S", n="N"),
            GlobalSecondaryIndexUpdates=[{"Create": index("ByGroup", "grp", "n")}],
        )
        wait_until_active(ddb, name, timeout=60)
        time.sleep(0.2)  # writes keep landing on the ACTIVE index too
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors
    table = scan_all(ddb, TableName=name)
    expected = sorted((i["pk"]["S"], i["grp"]["S"], i["n"]["N"]) for i in table if "grp" in i)
    indexed = scan_all(ddb, TableName=name, IndexName="ByGroup")
    assert sorted((i["pk"]["S"], i["grp"]["S"], i["n"]["N"]) for i in indexed) == expected
    for group in ("g0", "g5"):
        got = query_all(
            ddb,
            TableName=name,
            IndexName="ByGroup",
            KeyConditionExpression="grp = :g",
            ExpressionAttributeValues={":g": S(group)},
        )
        assert [int(i["n"]["N"]) for i in got] == sorted(
            int(n) for _, g, n in expected if g == group
        )
