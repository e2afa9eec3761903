"""Two stateless ``ddblite serve`` processes on one PostgreSQL, driven through boto3.

What DynamoDB promises across clients must hold across servers: conditional writes stay
atomic when the writers are on different servers, and a table changed through one server is
never written through the other under the old schema (a deleted table refuses writes, a new
GSI is maintained by writes that arrive through the other server at once).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.conftest import make_client
from tests.pg_server import PgServer
from tests.servers import RunningServer, start_server

pytestmark = pytest.mark.postgres

THREADS = 8
ROUNDS = 10
KEYS = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEFS = [{"AttributeName": "pk", "AttributeType": "S"}]
_names = itertools.count()


@pytest.fixture(scope="module")
def servers(
    pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningServer, RunningServer]]:
    url = pg_server.fresh_database("multi")
    work: Path = tmp_path_factory.mktemp("multiserver")
    first = start_server(url, work)
    try:
        second = start_server(url, work)
    except BaseException:
        first.stop()
        raise
    yield first, second
    for server in (first, second):
        server.stop()


@pytest.fixture
def clients(servers: tuple[RunningServer, RunningServer]) -> tuple[Any, Any]:
    return make_client(servers[0].endpoint), make_client(servers[1].endpoint)


def new_table(client: Any) -> str:
    name = f"multi_{next(_names)}"
    client.create_table(
        TableName=name, KeySchema=KEYS, AttributeDefinitions=DEFS, BillingMode="PAY_PER_REQUEST"
    )
    return name


def code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


def test_conditional_writers_on_two_servers_never_lose_an_update(
    servers: tuple[RunningServer, RunningServer], clients: tuple[Any, Any]
) -> None:
    table = new_table(clients[0])
    key = {"pk": {"S": "hot"}}
    failures: list[BaseException] = []
    acknowledged = [0]
    lock = threading.Lock()

    def increment(n: int) -> None:
        client = make_client(servers[n % 2].endpoint)
        try:
            for _ in range(ROUNDS):
                while not conditional_increment(client, table, key):
                    pass
                with lock:
                    acknowledged[0] += 1
        except BaseException as error:  # pragma: no cover  (reported below)
            failures.append(error)

    threads = [threading.Thread(target=increment, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert acknowledged[0] == THREADS * ROUNDS
    for client in clients:
        item = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
        assert item["n"] == {"N": str(THREADS * ROUNDS)}


def conditional_increment(client: Any, table: str, key: dict[str, Any]) -> bool:
    """Read, then write n + 1 only if n is still what was read; False when refused."""
    item = client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item", {})
    seen = item.get("n", {}).get("N")
    values: dict[str, Any] = {":new": {"N": str(int(seen or 0) + 1)}}
    if seen is None:
        condition = "attribute_not_exists(n)"
    else:
        condition = "n = :seen"
        values[":seen"] = {"N": seen}
    try:
        client.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET n = :new",
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
        )
    except ClientError as error:
        if code(error) in ("ConditionalCheckFailedException", "TransactionConflictException"):
            return False
        raise
    return True


def test_a_table_deleted_on_one_server_refuses_writes_on_the_other(
    clients: tuple[Any, Any],
) -> None:
    first, second = clients
    table = new_table(first)
    second.put_item(TableName=table, Item={"pk": {"S": "a"}})  # the second server caches it
    first.delete_table(TableName=table)
    with pytest.raises(ClientError) as info:
        second.put_item(TableName=table, Item={"pk": {"S": "b"}})
    assert code(info.value) == "ResourceNotFoundException"
    assert info.value.response["Error"]["Message"] == "Requested resource not found"
    # Recreated with the same name: writes through either server land in the new table.
    first.create_table(
        TableName=table, KeySchema=KEYS, AttributeDefinitions=DEFS, BillingMode="PAY_PER_REQUEST"
    )
    second.put_item(TableName=table, Item={"pk": {"S": "c"}})
    scanned = first.scan(TableName=table, ConsistentRead=True)["Items"]
    assert scanned == [{"pk": {"S": "c"}}]


def test_a_gsi_added_on_one_server_is_maintained_by_writes_on_the_other(
    clients: tuple[Any, Any],
) -> None:
    first, second = clients
    table = new_table(first)
    second.put_item(TableName=table, Item={"pk": {"S": "before"}, "g": {"S": "x"}})
    first.update_table(
        TableName=table,
        AttributeDefinitions=[*DEFS, {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "by_g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )
    # At once, through the server that still caches the table without the index.
    second.put_item(TableName=table, Item={"pk": {"S": "after"}, "g": {"S": "x"}})
    waiter = first.get_waiter("table_exists")
    waiter.wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    for _ in range(60):
        status = first.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0]
        if status["IndexStatus"] == "ACTIVE":
            break
        threading.Event().wait(0.25)
    found = first.query(
        TableName=table,
        IndexName="by_g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "x"}},
    )["Items"]
    assert sorted(item["pk"]["S"] for item in found) == ["after", "before"]
