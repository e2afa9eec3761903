"""Online GSI changes: UpdateTable's rules, the chunked backfill (writes during it are kept),
dropping a deleted index, restarting interrupted work, and the background runner."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from ddblite.engine import indexes
from ddblite.engine.backfill import CHUNK
from ddblite.engine.database import Database
from ddblite.engine.scheduler import Scheduler
from ddblite.model.keycodec import encode, pk_hash
from ddblite.storage.sqlite.backend import SqliteBackend
from tests.engine.test_indexes import CALLER, Client, definitions, gsi, key_schema, n, s
from tests.pg_server import pg_server

__all__ = ["pg_server"]  # the session fixture, for the PostgreSQL cases

Item = dict[str, Any]


def create_users(client: Client, count: int, billing: str = "PAY_PER_REQUEST") -> None:
    extra: dict[str, Any] = {"BillingMode": billing}
    if billing == "PROVISIONED":
        extra["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    client(
        "CreateTable",
        TableName="users",
        AttributeDefinitions=definitions(pk="S"),
        KeySchema=key_schema("pk"),
        **extra,
    )
    for i in range(count):
        item: Item = {"pk": s(f"u{i}"), "n": n(str(i))}
        if i % 3:
            item["team"] = s(f"t{i % 7}")  # a third of the users are in no team (sparse)
        client("PutItem", TableName="users", Item=item)


def add_team_index(client: Client, projection: str = "KEYS_ONLY", **extra: Any) -> dict[str, Any]:
    return client(
        "UpdateTable",
        TableName="users",
        AttributeDefinitions=definitions(team="S", n="N"),
        GlobalSecondaryIndexUpdates=[
            {"Create": {**gsi("by_team", "team", "n", projection), **extra}}
        ],
    )


def table_items(client: Client) -> list[Item]:
    items: list[Item] = []
    request: dict[str, Any] = {"TableName": "users"}
    while True:
        page = client("Scan", **request)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def expected_rows(client: Client, index_name: str) -> list[bytes]:
    table = client.table("users")
    index = table.index(index_name)
    assert index is not None
    rows = [
        indexes.project(table, index, item)
        for item in table_items(client)
        if indexes.entry_key(index, item) is not None
    ]
    return sorted(orjson.dumps(row, option=orjson.OPT_SORT_KEYS) for row in rows)


def stored_rows(client: Client, index_name: str) -> list[bytes]:
    return sorted(
        orjson.dumps(row, option=orjson.OPT_SORT_KEYS) for row in client.rows("users", index_name)
    )


def gsi_description(client: Client, name: str) -> dict[str, Any]:
    table = client("DescribeTable", TableName="users")["Table"]
    found: dict[str, Any] = next(
        g for g in table.get("GlobalSecondaryIndexes", ()) if g["IndexName"] == name
    )
    return found


@pytest.fixture
def client() -> Client:
    c = Client()
    c.db.background.inline = False  # the test runs the background steps itself
    return c


# --- backfill ----------------------------------------------------------------------------


def test_new_gsi_backfills_in_chunks_and_keeps_writes_made_meanwhile(client: Client) -> None:
    create_users(client, 3 * CHUNK)
    answer = add_team_index(client)["TableDescription"]
    assert answer["TableStatus"] == "UPDATING"
    created = answer["GlobalSecondaryIndexes"][0]
    assert (created["IndexStatus"], created["Backfilling"]) == ("CREATING", True)
    assert created["KeySchema"] == key_schema("team", "n")
    assert created["IndexArn"].endswith(":table/users/index/by_team")
    # The new key attributes joined the table's definitions.
    assert answer["AttributeDefinitions"] == definitions(pk="S", team="S", n="N")

    # Reading a backfilling index is refused.
    assert client.error(
        "Query",
        TableName="users",
        IndexName="by_team",
        KeyConditionExpression="team = :t",
        ExpressionAttributeValues={":t": s("t1")},
    ) == ("ValidationException", "Cannot read from backfilling global secondary index: by_team")

    assert client.db.background.step()  # one chunk done, more to go
    assert 0 < len(client.rows("users", "by_team")) < len(expected_rows(client, "by_team"))
    # Writes while it runs: new items, moved keys, deletions, items leaving the index.
    for i in range(0, 3 * CHUNK, 17):
        client(
            "PutItem",
            TableName="users",
            Item={"pk": s(f"u{i}"), "n": n(str(i)), "team": s("moved")},
        )
    for i in range(5, 3 * CHUNK, 23):
        client("DeleteItem", TableName="users", Key={"pk": s(f"u{i}")})
    for i in range(1, 3 * CHUNK, 29):
        client("PutItem", TableName="users", Item={"pk": s(f"u{i}"), "n": n("0")})
    for i in range(40):
        client(
            "PutItem", TableName="users", Item={"pk": s(f"new{i}"), "n": n(str(i)), "team": s("t1")}
        )
    described = gsi_description(client, "by_team")
    assert (described["IndexStatus"], described["Backfilling"]) == ("CREATING", True)

    client.db.background.run_all()
    described = gsi_description(client, "by_team")
    assert described["IndexStatus"] == "ACTIVE"
    assert "Backfilling" not in described
    assert client("DescribeTable", TableName="users")["Table"]["TableStatus"] == "ACTIVE"
    assert stored_rows(client, "by_team") == expected_rows(client, "by_team")
    assert described["ItemCount"] == len(expected_rows(client, "by_team"))
    page = client(
        "Query",
        TableName="users",
        IndexName="by_team",
        KeyConditionExpression="team = :t",
        ExpressionAttributeValues={":t": s("t1")},
    )
    assert page["Count"] == len([r for r in expected_rows(client, "by_team") if b'"t1"' in r])


def test_backfill_skips_items_whose_values_cannot_key_the_index(client: Client) -> None:
    client(
        "CreateTable",
        TableName="users",
        AttributeDefinitions=definitions(pk="S"),
        KeySchema=key_schema("pk"),
        BillingMode="PAY_PER_REQUEST",
    )
    client("PutItem", TableName="users", Item={"pk": s("a"), "team": n("1"), "n": n("1")})
    client("PutItem", TableName="users", Item={"pk": s("b"), "team": s(""), "n": n("1")})
    client("PutItem", TableName="users", Item={"pk": s("c"), "team": s("x"), "n": n("1")})
    add_team_index(client, "ALL")
    client.db.background.run_all()
    assert client.rows("users", "by_team") == [{"pk": s("c"), "team": s("x"), "n": n("1")}]
    # From now on such values are refused.
    assert client.error("PutItem", TableName="users", Item={"pk": s("d"), "team": n("1")}) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key team "
        "Expected: S Actual: N IndexName: by_team",
    )


def test_an_index_can_be_deleted_while_it_backfills(client: Client) -> None:
    create_users(client, 2 * CHUNK)
    add_team_index(client)
    client.db.background.step()
    client(
        "UpdateTable",
        TableName="users",
        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by_team"}}],
    )
    client.db.background.run_all()
    table = client("DescribeTable", TableName="users")["Table"]
    assert "GlobalSecondaryIndexes" not in table
    assert table["TableStatus"] == "ACTIVE"
    assert table["AttributeDefinitions"] == definitions(pk="S")
    with client.db.backend.read() as r:
        assert r.index_stats(1) == (0, 0)


def test_deleted_index_rows_are_dropped_in_chunks(client: Client) -> None:
    create_users(client, 3 * CHUNK)
    add_team_index(client)
    client.db.background.run_all()
    index = client.table("users").index("by_team")
    assert index is not None
    answer = client(
        "UpdateTable",
        TableName="users",
        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by_team"}}],
    )
    deleting = answer["TableDescription"]["GlobalSecondaryIndexes"]
    assert [(g["IndexName"], g["IndexStatus"]) for g in deleting] == [("by_team", "DELETING")]
    # Gone from the catalog at once: reads and writes no longer see it.
    assert "GlobalSecondaryIndexes" not in client("DescribeTable", TableName="users")["Table"]
    assert client.table("users").record.dropping == (index.index_id,)
    with client.db.backend.read() as r:
        before = r.index_stats(index.index_id)[0]
    client.db.background.step()
    with client.db.backend.read() as r:
        assert r.index_stats(index.index_id)[0] == before - CHUNK
    client.db.background.run_all()
    with client.db.backend.read() as r:
        assert r.index_stats(index.index_id) == (0, 0)
    assert client.table("users").record.dropping == ()
    # The name can be used again.
    add_team_index(client, "ALL")
    client.db.background.run_all()
    assert stored_rows(client, "by_team") == expected_rows(client, "by_team")


def test_interrupted_backfill_restarts_on_the_next_describe(tmp_path: Path) -> None:
    path = str(tmp_path / "data.db")
    first = Client(Database(SqliteBackend(path)))
    first.db.background.inline = False
    create_users(first, CHUNK + 10)
    add_team_index(first)
    first.db.background.step()  # part done, then the server stops
    first.db.backend.close()

    second = Client(Database(SqliteBackend(path)))  # inline: work runs when it is found
    assert gsi_description(second, "by_team")["IndexStatus"] == "CREATING"
    assert gsi_description(second, "by_team")["IndexStatus"] == "ACTIVE"
    assert stored_rows(second, "by_team") == expected_rows(second, "by_team")
    second.db.backend.close()


def test_background_runner_serves_jobs_between_requests() -> None:
    work = Scheduler()
    done: list[int] = []
    commits: list[int] = []

    def job(name: int) -> Any:
        for step in range(3):
            done.append(name * 10 + step)
            yield

    async def main() -> None:
        server = asyncio.create_task(work.serve(lambda: commits.append(1), None))
        await asyncio.sleep(0)
        assert not work.inline
        assert work.submit("a", job(1))
        assert work.submit("b", job(2))
        assert not work.submit("a", job(3))  # the same work is never queued twice
        for _ in range(1000):  # busy turns leave the loop to requests for a moment
            if not (work.pending("a") or work.pending("b")):
                break
            await asyncio.sleep(0.001)
        server.cancel()
        with pytest.raises(asyncio.CancelledError):
            await server
        assert work.inline

    asyncio.run(main())
    assert done == [10, 20, 11, 21, 12, 22]  # round robin, one chunk per turn
    assert len(commits) >= 6
    assert not work.pending("a")


def test_inline_runner_finishes_a_job_on_submit() -> None:
    work = Scheduler()
    steps: list[int] = []

    def job() -> Any:
        steps.append(1)
        yield
        steps.append(2)

    work.submit("k", job())
    assert steps == [1, 2]
    assert not work.pending("k")


# --- UpdateTable: GSI updates ------------------------------------------------------------


def update_error(client: Client, *updates: dict[str, Any], **extra: Any) -> tuple[str, str]:
    return client.error(
        "UpdateTable", TableName="users", GlobalSecondaryIndexUpdates=list(updates), **extra
    )


CREATE = {"Create": gsi("by_team", "team")}
DEFS = definitions(team="S")


def test_update_table_index_request_rules(client: Client) -> None:
    # Checked before the table is looked up (this table does not exist).
    assert client.error("UpdateTable", TableName="nope", GlobalSecondaryIndexUpdates=[]) == (
        "ValidationException",
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
        "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required",
    )
    assert client.error("UpdateTable", TableName="nope", GlobalSecondaryIndexUpdates=[{}]) == (
        "ValidationException",
        "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, "
        "GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null",
    )
    both = {"Delete": {"IndexName": "abc"}, "Create": gsi("abc", "team")}
    assert client.error("UpdateTable", TableName="nope", GlobalSecondaryIndexUpdates=[both]) == (
        "ValidationException",
        "One or more parameter values were invalid: Only one global secondary index action is "
        "allowed per GlobalSecondaryIndexUpdate object",
    )
    twice = [{"Delete": {"IndexName": "abc"}}, {"Delete": {"IndexName": "abc"}}]
    assert client.error("UpdateTable", TableName="nope", GlobalSecondaryIndexUpdates=twice) == (
        "ValidationException",
        "One or more parameter values were invalid: Only one global secondary index update "
        "per index is allowed simultaneously. Index: abc",
    )
    assert client.error(
        "UpdateTable",
        TableName="nope",
        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "abc"}}],
    ) == ("ResourceNotFoundException", "Requested resource not found: Table: nope not found")


def test_update_table_create_rules(client: Client) -> None:
    create_users(client, 3)
    limit = (
        "LimitExceededException",
        "Subscriber limit exceeded: Only 1 online index can be created or deleted "
        "simultaneously per table",
    )
    second = {"Create": gsi("by_n", "n")}
    assert update_error(client, CREATE, second, AttributeDefinitions=DEFS) == limit
    assert update_error(client, CREATE) == (
        "ValidationException",
        "One or more parameter values were invalid: AttributeDefinitions is not specified "
        "for index: by_team",
    )
    assert update_error(client, CREATE, AttributeDefinitions=definitions(other="S")) == (
        "ValidationException",
        "One or more parameter values were invalid: Some index key attributes are not defined "
        "in AttributeDefinitions. Keys: [team], AttributeDefinitions: [other]",
    )
    bad_projection = {"Create": gsi("by_team", "team", projection="KEYS_ONLY", include=["a"])}
    assert update_error(client, bad_projection, AttributeDefinitions=DEFS) == (
        "ValidationException",
        "One or more parameter values were invalid: ProjectionType is KEYS_ONLY, but "
        "NonKeyAttributes is specified",
    )
    throughput = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    with_throughput = {"Create": {**gsi("by_team", "team"), "ProvisionedThroughput": throughput}}
    assert update_error(client, with_throughput, AttributeDefinitions=DEFS) == (
        "ValidationException",
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
        "WriteCapacityUnits can be specified for index: by_team when BillingMode is "
        "PAY_PER_REQUEST",
    )
    client.db.background.inline = True
    client(
        "UpdateTable",
        TableName="users",
        AttributeDefinitions=DEFS,
        GlobalSecondaryIndexUpdates=[CREATE],
    )
    assert update_error(client, CREATE, AttributeDefinitions=DEFS) == (
        "ValidationException",
        "Attempting to create an index which already exists",
    )


def test_one_online_index_change_at_a_time(client: Client) -> None:
    create_users(client, 3)
    add_team_index(client)  # CREATING until the background runs
    limit = (
        "LimitExceededException",
        "Subscriber limit exceeded: Only 1 online index can be created or deleted "
        "simultaneously per table",
    )
    assert (
        update_error(client, {"Create": gsi("by_n", "n")}, AttributeDefinitions=definitions(n="N"))
        == limit
    )
    client.db.background.run_all()
    client(
        "UpdateTable",
        TableName="users",
        AttributeDefinitions=definitions(n="N"),
        GlobalSecondaryIndexUpdates=[{"Create": gsi("by_n", "n")}],
    )
    assert update_error(client, {"Delete": {"IndexName": "by_team"}}) == limit
    many = [{"Delete": {"IndexName": f"ix{i}"}} for i in range(6)]
    assert update_error(client, *many) == limit


def test_update_table_delete_and_update_rules(client: Client) -> None:
    client(
        "CreateTable",
        TableName="users",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=definitions(pk="S", sk="S", team="S"),
        KeySchema=key_schema("pk", "sk"),
        LocalSecondaryIndexes=[
            {
                "IndexName": "local",
                "KeySchema": key_schema("pk", "team"),
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        GlobalSecondaryIndexes=[gsi("by_team", "team")],
    )
    assert update_error(client, {"Delete": {"IndexName": "ghost"}}) == (
        "ResourceNotFoundException",
        "Requested resource not found: Index ghost for table users",
    )
    assert update_error(client, {"Delete": {"IndexName": "local"}}) == (
        "ValidationException",
        "Cannot delete an index that is not a GlobalSecondaryIndex: local",
    )
    throughput = {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}
    assert update_error(
        client, {"Update": {"IndexName": "ghost", "ProvisionedThroughput": throughput}}
    ) == ("ResourceNotFoundException", "Requested resource not found: Index ghost for table users")
    huge = {"ReadCapacityUnits": 1_000_000_000_001, "WriteCapacityUnits": 1}
    assert update_error(
        client, {"Update": {"IndexName": "ghost", "ProvisionedThroughput": huge}}
    ) == (
        "ValidationException",
        "This operation cannot be performed with given input values. Please contact DynamoDB "
        "service team for more info: Action Blocked: IndexUpdate",
    )
    assert update_error(
        client, {"Update": {"IndexName": "by_team", "ProvisionedThroughput": throughput}}
    ) == (
        "ValidationException",
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
        "WriteCapacityUnits can be specified for index: by_team when BillingMode is "
        "PAY_PER_REQUEST",
    )
    assert update_error(client, {"Update": {"IndexName": "by_team"}}) == (
        "ValidationException",
        "One or more parameter values were invalid: The only Updates for index: by_team when "
        "TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput",
    )


def test_provisioned_gsi_throughput_updates(client: Client) -> None:
    create_users(client, 2, billing="PROVISIONED")
    throughput = {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4}
    assert update_error(client, CREATE, AttributeDefinitions=DEFS) == (
        "ValidationException",
        "One or more parameter values were invalid: ProvisionedThroughput must be specified "
        "for index: by_team",
    )
    client.db.background.inline = True
    client(
        "UpdateTable",
        TableName="users",
        AttributeDefinitions=DEFS,
        GlobalSecondaryIndexUpdates=[
            {"Create": {**gsi("by_team", "team"), "ProvisionedThroughput": throughput}}
        ],
    )
    assert gsi_description(client, "by_team")["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0,
        **throughput,
    }
    assert update_error(
        client, {"Update": {"IndexName": "by_team", "ProvisionedThroughput": throughput}}
    ) == (
        "ValidationException",
        "The provisioned throughput for the index by_team will not change. The requested "
        "value equals the current value. Current ReadCapacityUnits provisioned for the index "
        "by_team: 3. Requested ReadCapacityUnits: 3. Current WriteCapacityUnits provisioned "
        "for the index by_team: 4. Requested WriteCapacityUnits: 4. Refer to the Amazon "
        "DynamoDB Developer Guide for current limits and how to request higher limits.",
    )
    lower = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 4}
    client(
        "UpdateTable",
        TableName="users",
        GlobalSecondaryIndexUpdates=[
            {"Update": {"IndexName": "by_team", "ProvisionedThroughput": lower}}
        ],
    )
    described = gsi_description(client, "by_team")["ProvisionedThroughput"]
    assert (described["ReadCapacityUnits"], described["NumberOfDecreasesToday"]) == (1, 1)
    assert update_error(
        client,
        {"Delete": {"IndexName": "by_team"}},
        ProvisionedThroughput={"ReadCapacityUnits": 9, "WriteCapacityUnits": 9},
    ) == (
        "ValidationException",
        "One or more parameter values were invalid: You cannot create or delete index while "
        "updating table IOPS",
    )


def test_billing_switches_carry_gsi_throughput(client: Client) -> None:
    create_users(client, 2)
    client.db.background.inline = True
    add_team_index(client)
    switch = {
        "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    }
    assert client.error("UpdateTable", TableName="users", **switch) == (
        "ValidationException",
        "One or more parameter values were invalid: ProvisionedThroughput must be specified "
        "for index: by_team",
    )
    client(
        "UpdateTable",
        TableName="users",
        **switch,
        GlobalSecondaryIndexUpdates=[
            {
                "Update": {
                    "IndexName": "by_team",
                    "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3},
                }
            }
        ],
    )
    throughput = gsi_description(client, "by_team")["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (2, 3)
    client("UpdateTable", TableName="users", BillingMode="PAY_PER_REQUEST")
    throughput = gsi_description(client, "by_team")["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (0, 0)


def test_index_rows_use_the_index_key_hash(client: Client) -> None:
    # The partition hash of an index row is that of its index key, so Scan over an index walks
    # ix_hash order and Query finds the partition.
    create_users(client, 3)
    client.db.background.inline = True
    add_team_index(client)
    table = client.table("users")
    index = table.index("by_team")
    assert index is not None
    with client.db.backend.read() as r:
        for row in indexes.rows_of(r, index):
            assert row.ix_hash == pk_hash(row.ix_pk)
            assert row.ix_pk == encode(orjson.loads(row.body)["team"])
    assert client.db.find_table(CALLER, "users") is table


# --- backfill racing concurrent writers, on every backend ----------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "postgres", "postgres_serializable"])
def test_backfill_races_concurrent_writers(kind: str, request: pytest.FixtureRequest) -> None:
    """Writer threads change items while the backfill runs chunk by chunk in another thread;
    on PostgreSQL they really run at the same time (READ COMMITTED with key locks, or
    SERIALIZABLE with retries). The index must end up equal to the projection of the table."""
    if kind == "sqlite":
        db = Database(SqliteBackend())
    else:
        from ddblite.storage.postgres.backend import PostgresBackend
        from tests.pg_server import PgServer

        server: PgServer = request.getfixturevalue("pg_server")
        url = server.fresh_database()
        isolation = "serializable" if kind == "postgres_serializable" else "read_committed"
        db = Database(PostgresBackend(url, pool_size=8, isolation=isolation))
    client = Client(db)
    client.db.background.inline = False
    try:
        create_users(client, 2 * CHUNK)
        add_team_index(client, "ALL")
        stop = threading.Event()
        failures: list[str] = []

        def writer(seed: int) -> None:
            i = seed
            while not stop.is_set():
                key = f"u{(i * 31) % (2 * CHUNK + 50)}"
                if i % 4 == 0:
                    status, body = client.raw("DeleteItem", TableName="users", Key={"pk": s(key)})
                else:
                    item: Item = {"pk": s(key), "n": n(str(i))}
                    if i % 4 != 1:
                        item["team"] = s(f"t{i % 5}")
                    status, body = client.raw("PutItem", TableName="users", Item=item)
                if status != 200 and "TransactionConflict" not in str(body):
                    failures.append(str(body))
                i += 3

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        try:
            while client.db.background.step():
                time.sleep(0.001)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        assert not failures, failures[:3]
        assert gsi_description(client, "by_team")["IndexStatus"] == "ACTIVE"
        assert stored_rows(client, "by_team") == expected_rows(client, "by_team")
    finally:
        db.backend.close()


def test_index_changes_do_not_combine_with_stream_changes(client: Client) -> None:
    create_users(client, 1)
    assert update_error(
        client,
        CREATE,
        AttributeDefinitions=DEFS,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    ) == (
        "ValidationException",
        "One or more parameter values were invalid: You cannot create or delete index while "
        "changing stream status",
    )
