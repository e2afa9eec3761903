"""ddblite.Engine: an engine in this process, for scripts and notebooks."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

import ddblite
from ddblite.clock import ManualClock
from ddblite.embedded.engine import Engine
from tests.embedded.conftest import create_table

pytestmark = pytest.mark.usefixtures("aws_home")


def test_bound_client_resource_and_streams_reach_their_engine(seen: list[Any]) -> None:
    with Engine() as engine:
        client = engine.client()
        create_table(client)
        engine.resource().Table("items").put_item(Item={"pk": "a"})
        assert client.get_item(TableName="items", Key={"pk": {"S": "a"}})["Item"] == {
            "pk": {"S": "a"}
        }
        streams = engine.streams()
        assert streams.meta.service_model.service_name == "dynamodbstreams"
        with contextlib.suppress(streams.exceptions.ClientError):
            streams.list_streams()  # served or not, it reached the engine (below)
    targets = [target for _, target in seen]
    assert targets == [
        "DynamoDB_20120810.CreateTable",
        "DynamoDB_20120810.PutItem",
        "DynamoDB_20120810.GetItem",
        "DynamoDBStreams_20120810.ListStreams",
    ]
    assert {engine_id for engine_id, _ in seen} == {id(engine)}


def test_a_bound_client_ignores_mocks_and_endpoints(
    seen: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
    with Engine() as mine:
        client = mine.client()
        with ddblite.mock() as other:
            create_table(client)
            create_table(boto3.client("dynamodb"), "other")
        assert client.list_tables()["TableNames"] == ["items"]
    assert [engine_id for engine_id, _ in seen] == [id(mine), id(other), id(mine)]


def test_only_dynamodb_and_streams_clients() -> None:
    with (
        Engine() as engine,
        pytest.raises(ValueError, match=r"^ddblite serves dynamodb and dynamodbstreams, not 's3'$"),
    ):
        engine.client("s3")


def test_client_defaults_to_us_east_1_and_account_000000000000() -> None:
    with Engine() as engine:
        client = engine.client()
        create_table(client)
        table = client.describe_table(TableName="items")["Table"]
    assert client.meta.region_name == "us-east-1"
    assert table["TableArn"] == "arn:aws:dynamodb:us-east-1:000000000000:table/items"


def test_the_engine_reads_the_time_from_its_clock() -> None:
    clock = ManualClock(1_700_000_000.0)
    with Engine(clock=clock) as engine:
        client = engine.client()
        create_table(client, "first")
        clock.advance(3_600)
        create_table(client, "second")
        engine.clock = ManualClock(1_800_000_000.0)
        create_table(client, "third")
        times = [
            client.describe_table(TableName=name)["Table"]["CreationDateTime"]
            for name in ("first", "second", "third")
        ]
    assert times == [
        datetime.fromtimestamp(1_700_000_000, UTC),
        datetime.fromtimestamp(1_700_003_600, UTC),
        datetime.fromtimestamp(1_800_000_000, UTC),
    ]


def test_ttl_expiry_and_stream_retention_follow_the_clock() -> None:
    # The server sweeps every second in the background; in-process, the first request after
    # the clock moves does the sweeping the server would have done meanwhile.
    clock = ManualClock(1_700_000_000.0)
    with Engine(clock=clock) as engine:
        client = engine.client()
        client.create_table(
            TableName="items",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        )
        client.update_time_to_live(
            TableName="items",
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"},
        )
        key = {"pk": {"S": "a"}}
        client.put_item(TableName="items", Item={**key, "expires": {"N": "1700000100"}})
        clock.advance(100)  # expires at 1700000100: still there at that second
        assert "Item" in client.get_item(TableName="items", Key=key)
        clock.advance(1)
        assert "Item" not in client.get_item(TableName="items", Key=key)

        streams = engine.streams()

        def events() -> list[str]:
            arn = client.describe_table(TableName="items")["Table"]["LatestStreamArn"]
            shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
            iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            return [r["eventName"] for r in streams.get_records(ShardIterator=iterator)["Records"]]

        assert events() == ["INSERT", "REMOVE"]
        clock.advance(24 * 3600 - 102)  # the INSERT is 24 hours old less a second
        assert events() == ["INSERT", "REMOVE"]
        clock.advance(2)
        assert events() == ["REMOVE"]
        clock.advance(24 * 3600)
        assert events() == []


def test_tick_sweeps_between_the_seconds() -> None:
    clock = ManualClock(1_700_000_000.5)
    with Engine(clock=clock) as engine:
        client = engine.client()
        create_table(client)
        client.update_time_to_live(
            TableName="items",
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"},
        )
        key = {"pk": {"S": "a"}}
        client.put_item(TableName="items", Item={**key, "expires": {"N": "1700000001"}})
        clock.advance(0.6)  # expired, but the last sweep was less than a second ago
        assert "Item" in client.get_item(TableName="items", Key=key)
        engine.tick()
        assert "Item" not in client.get_item(TableName="items", Key=key)


def test_a_body_over_16_mib_is_refused_before_parsing() -> None:
    with Engine() as engine:
        status, body = engine.handle(
            "DynamoDB_20120810.ListTables", None, b"{" + b" " * (16 * 1024 * 1024) + b"}"
        )
    assert status == 413
    assert json.loads(body) == {"__type": "com.amazon.coral.service#RequestEntityTooLarge"}


def test_serve_shares_the_engines_database() -> None:
    with Engine() as engine:
        create_table(engine.client())
        with engine.serve() as server:
            assert server.endpoint_url == f"http://127.0.0.1:{server.port}"
            remote = server.client()
            assert remote.meta.endpoint_url == server.endpoint_url
            assert remote.list_tables()["TableNames"] == ["items"]
            remote.put_item(TableName="items", Item={"pk": {"S": "over http"}})
            item = engine.client().get_item(TableName="items", Key={"pk": {"S": "over http"}})
            assert item["Item"] == {"pk": {"S": "over http"}}
            # The engine's upkeep (TTL) runs for requests over HTTP too.
            remote.update_time_to_live(
                TableName="items",
                TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"},
            )
            now = int(engine.clock.now())
            remote.put_item(
                TableName="items", Item={"pk": {"S": "old"}, "expires": {"N": str(now + 1)}}
            )
            engine.clock = ManualClock(now + 3)
            assert "Item" not in remote.get_item(TableName="items", Key={"pk": {"S": "old"}})


def test_pynamodb_models_are_routed() -> None:
    from pynamodb.attributes import NumberAttribute, UnicodeAttribute
    from pynamodb.models import Model

    class Thing(Model):
        class Meta:
            table_name = "things"
            region = "us-east-1"

        name = UnicodeAttribute(hash_key=True)
        stock = NumberAttribute(default=0)

    with ddblite.mock() as engine:
        Thing.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
        Thing("lamp", stock=3).save()
        assert Thing.get("lamp").stock == 3
        assert engine.client().list_tables()["TableNames"] == ["things"]


def test_import_ddblite_loads_neither_botocore_nor_the_engine() -> None:
    probe = (
        "import sys, ddblite; before = sorted(m for m in ('botocore', 'ddblite.embedded.engine', "
        "'ddblite.engine.database') if m in sys.modules); ddblite.mock; "
        "print(before, 'ddblite.embedded.engine' in sys.modules, ddblite.__all__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out == "[] True ['Engine', '__version__', 'mock']\n"
    assert ddblite.Engine is Engine
    with pytest.raises(AttributeError, match=r"^module 'ddblite' has no attribute 'nope'$"):
        ddblite.nope  # noqa: B018


def test_serve_has_the_servers_http_limits() -> None:
    import socket

    with Engine() as engine, engine.serve() as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(
                b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
                b"Upgrade: websocket\r\n\r\n"
            )
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK\r\n")  # no websocket 500
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 17_000)
            assert sock.recv(65536).startswith(b"HTTP/1.1 431 ")
