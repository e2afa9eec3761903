"""ddblite.mock(): which botocore calls it answers, with which database, in which environment."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import unittest
import zlib
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

import ddblite
from ddblite.embedded.engine import EVENTS, Engine, _route, route
from tests.embedded.conftest import create_table

pytestmark = pytest.mark.usefixtures("aws_home")

ITEM = {"pk": {"S": "a"}, "n": {"N": "1"}}


def table_names() -> list[str]:
    names: list[str] = boto3.client("dynamodb").list_tables()["TableNames"]
    return names


# --- what gets routed --------------------------------------------------------------------------


def test_a_client_made_inside_reaches_the_engine() -> None:
    with ddblite.mock() as engine:
        client = boto3.client("dynamodb")
        create_table(client)
        client.put_item(TableName="items", Item=ITEM)
        assert client.get_item(TableName="items", Key={"pk": {"S": "a"}})["Item"] == ITEM
        assert isinstance(engine, Engine)


def test_resource_and_errors_come_through_botocore_as_from_a_server() -> None:
    with ddblite.mock():
        table = boto3.resource("dynamodb").create_table(
            TableName="items",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        table.put_item(Item={"pk": "a", "n": 1})
        assert table.get_item(Key={"pk": "a"})["Item"] == {"pk": "a", "n": 1}
        client = boto3.client("dynamodb")
        with pytest.raises(client.exceptions.ResourceNotFoundException) as info:
            client.get_item(TableName="missing", Key={"pk": {"S": "a"}})
        assert info.value.response["Error"] == {
            "Code": "ResourceNotFoundException",
            "Message": "Requested resource not found",
        }
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_response_metadata_carries_the_servers_headers() -> None:
    with ddblite.mock():
        metadata = boto3.client("dynamodb").list_tables()["ResponseMetadata"]
    headers = metadata["HTTPHeaders"]
    assert sorted(headers) == ["content-length", "content-type", "x-amz-crc32", "x-amzn-requestid"]
    assert headers["content-type"] == "application/x-amz-json-1.0"
    assert headers["x-amz-crc32"] == str(zlib.crc32(b'{"TableNames":[]}'))
    assert metadata["RequestId"] == headers["x-amzn-requestid"]
    assert len(metadata["RequestId"]) == 52
    assert metadata["HTTPStatusCode"] == 200
    assert metadata["RetryAttempts"] == 0


def test_a_client_made_before_entering_is_routed_too() -> None:
    # Credentials and region are fixed when a client is made: outside the mock they must come
    # from the caller.
    client = boto3.client(
        "dynamodb", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    )
    with ddblite.mock():
        create_table(client)
        assert client.list_tables()["TableNames"] == ["items"]


def test_default_session_made_before_ddblite_was_imported_is_routed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    core = botocore.session.Session()
    for event in EVENTS:
        core.unregister(event, _route)  # as if created before the handler existed
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", boto3.Session(botocore_session=core))
    with ddblite.mock():
        assert boto3.client("dynamodb").list_tables()["TableNames"] == []


def test_route_gives_an_unrouted_client_the_handler_once(seen: list[Any]) -> None:
    core = botocore.session.Session()
    for event in EVENTS:
        core.unregister(event, _route)
    client = core.create_client(
        "dynamodb", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    )
    assert route(client) is client
    route(client)  # twice: still one handler, so one request per call
    with ddblite.mock() as engine:
        client.list_tables()
    assert seen == [(id(engine), "DynamoDB_20120810.ListTables")]


def test_streams_calls_are_routed(seen: list[Any]) -> None:
    with ddblite.mock() as engine:
        streams = boto3.client("dynamodbstreams")
        # Whether ListStreams is served yet is not this test's business.
        with contextlib.suppress(ClientError):
            streams.list_streams()
    assert seen == [(id(engine), "DynamoDBStreams_20120810.ListStreams")]


def test_endpoint_discovery_stays_in_process(seen: list[Any]) -> None:
    # The discovered address is an AWS host, so the discovered endpoint is routed as well.
    with ddblite.mock() as engine:
        client = boto3.client("dynamodb", config=Config(endpoint_discovery_enabled=True))
        create_table(client)
        assert client.list_tables()["TableNames"] == ["items"]
    assert seen == [
        (id(engine), "DynamoDB_20120810.DescribeEndpoints"),
        (id(engine), "DynamoDB_20120810.CreateTable"),
        (id(engine), "DynamoDB_20120810.ListTables"),
    ]


def test_calls_from_other_threads_are_routed() -> None:
    results: list[list[str]] = []
    with ddblite.mock():
        client = boto3.client("dynamodb")
        create_table(client)
        worker = threading.Thread(target=lambda: results.append(table_names()))
        worker.start()
        worker.join()
    assert results == [["items"]]


# --- what is left alone ------------------------------------------------------------------------


def canned(body: bytes, status: int = 200) -> Any:
    def answer(request: Any, **kwargs: Any) -> AWSResponse:
        class Raw:
            def stream(self, **kw: Any) -> Any:
                yield body

        headers = {
            "content-type": "application/x-amz-json-1.0",
            "x-amz-crc32": str(zlib.crc32(body)),
        }
        return AWSResponse(request.url, status, headers, Raw())

    return answer


def test_an_explicit_endpoint_url_is_left_alone(seen: list[Any]) -> None:
    with ddblite.mock():
        client = boto3.client(
            "dynamodb",
            endpoint_url="http://127.0.0.1:9",
            config=Config(retries={"max_attempts": 1}, connect_timeout=1),
        )
        with pytest.raises(EndpointConnectionError):
            client.list_tables()
    assert seen == []


@pytest.mark.parametrize(
    ("variable", "s3_endpoint"),
    [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_ENDPOINT_URL_DYNAMODB", "https://s3.amazonaws.com"),
    ],
)
def test_an_endpoint_in_the_environment_does_not_take_dynamodb_away(
    variable: str, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, "http://127.0.0.1:9")
    with ddblite.mock():
        create_table(boto3.client("dynamodb"))
        assert table_names() == ["items"]
        assert boto3.client("dynamodbstreams").list_streams()["Streams"] == []
        # Other services keep the configured endpoint.
        assert boto3.client("s3").meta.endpoint_url == s3_endpoint
    assert os.environ[variable] == "http://127.0.0.1:9"
    assert "AWS_ENDPOINT_URL_DYNAMODB_STREAMS" not in os.environ
    after = boto3.client("dynamodb", region_name="us-east-1")
    assert after.meta.endpoint_url == "http://127.0.0.1:9"


def test_other_services_are_left_alone(seen: list[Any]) -> None:
    with ddblite.mock():
        sts = boto3.client("sts")
        sts.meta.events.register_last(
            "before-send.sts",
            canned(
                b"<GetCallerIdentityResponse><GetCallerIdentityResult><Account>111122223333"
                b"</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"
            ),
        )
        assert sts.get_caller_identity()["Account"] == "111122223333"
    assert seen == []


def test_nothing_is_routed_after_the_mock_ends(seen: list[Any]) -> None:
    with ddblite.mock():
        client = boto3.client("dynamodb", config=Config(retries={"max_attempts": 1}))
        client.meta.events.register_last("before-send.dynamodb", canned(b'{"TableNames":["x"]}'))
        assert client.list_tables()["TableNames"] == []
    assert client.list_tables()["TableNames"] == ["x"]
    assert len(seen) == 1


# --- which database ----------------------------------------------------------------------------


def test_every_mock_starts_with_a_fresh_database() -> None:
    with ddblite.mock():
        create_table(boto3.client("dynamodb"))
        assert table_names() == ["items"]
    with ddblite.mock():
        assert table_names() == []


def test_a_file_database_is_kept(tmp_path: Path) -> None:
    path = str(tmp_path / "data.db")
    with ddblite.mock(db=path):
        client = boto3.client("dynamodb")
        create_table(client)
        client.put_item(TableName="items", Item=ITEM)
    with ddblite.mock(db=path):
        item = boto3.client("dynamodb").get_item(TableName="items", Key={"pk": {"S": "a"}})
        assert item["Item"] == ITEM


def test_nested_mocks_route_to_the_innermost() -> None:
    with ddblite.mock():
        create_table(boto3.client("dynamodb"), "outer")
        with ddblite.mock():
            assert table_names() == []
        assert table_names() == ["outer"]


def test_a_given_engine_is_used_and_left_open() -> None:
    with Engine() as engine:
        with ddblite.mock(engine=engine):
            create_table(boto3.client("dynamodb"))
        with engine.mock():
            assert table_names() == ["items"]
        assert engine.client().list_tables()["TableNames"] == ["items"]


def test_decorator_gives_each_call_a_fresh_database() -> None:
    @ddblite.mock()
    def make_and_list(name: str) -> list[str]:
        create_table(boto3.client("dynamodb"), name)
        return table_names()

    assert make_and_list.__name__ == "make_and_list"
    assert make_and_list("first") == ["first"]
    assert make_and_list("second") == ["second"]


def test_decorator_on_a_coroutine_function() -> None:
    @ddblite.mock()
    async def tables() -> list[str]:
        create_table(boto3.client("dynamodb"))
        await asyncio.sleep(0)
        return table_names()

    assert asyncio.run(tables()) == ["items"]


def test_decorator_on_a_test_class_wraps_each_test() -> None:
    @ddblite.mock()
    class Suite:
        def test_one(self) -> list[str]:
            create_table(boto3.client("dynamodb"), "one")
            return table_names()

        def helper(self) -> list[str]:
            return []

    suite = Suite()
    assert suite.test_one() == ["one"]
    assert suite.test_one() == ["one"]
    assert suite.helper() == []


def test_decorator_on_a_testcase_shares_one_database_from_setup_to_teardown() -> None:
    observed: list[list[str]] = []

    @ddblite.mock()
    class Case(unittest.TestCase):
        def setUp(self) -> None:
            create_table(boto3.client("dynamodb"))

        def test_sees_setup(self) -> None:
            observed.append(table_names())

        def tearDown(self) -> None:
            observed.append(table_names())

    result = unittest.TestResult()
    Case("test_sees_setup").run(result)
    Case("test_sees_setup").run(result)
    assert result.errors == [] and result.failures == []
    assert observed == [["items"], ["items"], ["items"], ["items"]]


def test_start_and_stop() -> None:
    mock = ddblite.mock()
    engine = mock.start()
    try:
        create_table(engine.client())
        assert table_names() == ["items"]
    finally:
        mock.stop()
    with pytest.raises(RuntimeError, match=r"^mock\.stop\(\) called without a matching start\(\)$"):
        mock.stop()


# --- the environment ---------------------------------------------------------------------------


def test_fake_credentials_and_region_only_while_active() -> None:
    with ddblite.mock():
        assert os.environ["AWS_ACCESS_KEY_ID"] == "ddblite"
        assert os.environ["AWS_SECRET_ACCESS_KEY"] == "ddblite"
        assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
        with ddblite.mock():
            assert os.environ["AWS_ACCESS_KEY_ID"] == "ddblite"
        assert os.environ["AWS_ACCESS_KEY_ID"] == "ddblite"
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        assert name not in os.environ


def test_configured_credentials_and_region_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # A 12-digit access key names the account (LocalStack's convention), so the ARN shows
    # which credentials signed the request.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "123456789012")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with ddblite.mock():
        client = boto3.client("dynamodb")
        create_table(client)
        arn = client.describe_table(TableName="items")["Table"]["TableArn"]
    assert arn == "arn:aws:dynamodb:eu-west-1:123456789012:table/items"
    assert os.environ["AWS_ACCESS_KEY_ID"] == "123456789012"
    assert os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"


def test_credentials_and_region_from_files_are_kept(aws_home: Path) -> None:
    (aws_home / "credentials").write_text(
        "[default]\naws_access_key_id = 210987654321\naws_secret_access_key = s\n"
    )
    (aws_home / "config").write_text("[default]\nregion = ap-south-1\n")
    with ddblite.mock():
        assert "AWS_ACCESS_KEY_ID" not in os.environ
        assert "AWS_DEFAULT_REGION" not in os.environ
        client = boto3.client("dynamodb")
        create_table(client)
        arn = client.describe_table(TableName="items")["Table"]["TableArn"]
    assert arn == "arn:aws:dynamodb:ap-south-1:210987654321:table/items"


def test_a_named_profile_region_counts(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (aws_home / "config").write_text(
        "[profile work]\nregion = sa-east-1\naws_access_key_id = k\naws_secret_access_key = s\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "work")
    with ddblite.mock():
        assert "AWS_ACCESS_KEY_ID" not in os.environ
        assert "AWS_DEFAULT_REGION" not in os.environ
        assert boto3.client("dynamodb").meta.region_name == "sa-east-1"
