"""Black-box fixtures: boto3 against a real ``ddblite serve`` process.

Every test here could run against real DynamoDB: it creates its own uniquely named tables and
asserts DynamoDB's documented behaviour. The server fixture is parametrized over backends, so
the whole suite runs on SQLite in memory, on a SQLite file and on a throwaway PostgreSQL
(tests/pg_server.py; where no PostgreSQL can be had it is skipped with the reason printed,
or fails with it when the CI environment variable is set).
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.pg_server import pg_server
from tests.servers import RunningServer, start_server

__all__ = ["pg_server"]

BACKENDS = ["memory", "file", "postgres"]
_names = itertools.count()


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    running = start_backend(request.param, request, tmp_path_factory)
    yield running
    running.stop()


def start_backend(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> RunningServer:
    """A ``ddblite serve`` on one of BACKENDS."""
    work = tmp_path_factory.mktemp(f"server-{backend}")
    if backend == "postgres":
        db = request.getfixturevalue("pg_server").fresh_database("api")
    elif backend == "memory":
        db = ":memory:"
    else:
        db = str(work / "data.db")
    return start_server(db, work)


def make_client(endpoint: str, service: str = "dynamodb", **kwargs: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=kwargs.pop("region_name", "us-east-1"),
        aws_access_key_id=kwargs.pop("aws_access_key_id", "AKIAFAKE"),
        aws_secret_access_key="fake",
        config=Config(retries={"max_attempts": 1}, **kwargs),
    )


@pytest.fixture(scope="session")
def ddb(server: RunningServer) -> Any:
    return make_client(server.endpoint)


@pytest.fixture
def table_name() -> str:
    return f"t{os.getpid()}_{next(_names)}"


TableFactory = Callable[..., str]


@pytest.fixture
def create_table(ddb: Any) -> Iterator[TableFactory]:
    """Create a table (hash key ``pk`` of type S by default, optional range key) and drop it
    after the test."""
    made: list[str] = []

    def create(
        hash_key: tuple[str, str] = ("pk", "S"),
        range_key: tuple[str, str] | None = None,
        **extra: Any,
    ) -> str:
        name = f"t{os.getpid()}_{next(_names)}"
        keys = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
        defs = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
        if range_key is not None:
            keys.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
            defs.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
        for d in extra.pop("extra_definitions", []):
            defs.append(d)
        ddb.create_table(
            TableName=name,
            KeySchema=keys,
            AttributeDefinitions=defs,
            BillingMode="PAY_PER_REQUEST",
            **extra,
        )
        made.append(name)
        return name

    yield create
    for name in made:
        with contextlib.suppress(ddb.exceptions.ResourceNotFoundException):
            ddb.delete_table(TableName=name)


def error_of(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str]:
    """(error code, message) of a call that must fail."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as info:
        call(**kwargs)
    err = info.value.response["Error"]
    return err["Code"], err.get("Message", "")


@pytest.fixture
def tmp_work(tmp_path: Path) -> Path:
    return tmp_path
