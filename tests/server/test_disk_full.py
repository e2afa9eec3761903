"""Disk full during COMMIT: DynamoDB's JSON InternalServerError, and service again once space
returns. The server's file-size limit (RLIMIT_FSIZE, set from outside with prlimit) stands in
for a full disk: SQLite gets the same write error at COMMIT."""

from __future__ import annotations

import resource
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.conftest import make_client
from tests.servers import start_server

ITEM_PADDING = "x" * 300_000


def put(client: Any, key: str) -> None:
    client.put_item(TableName="full", Item={"pk": {"S": key}, "pad": {"S": ITEM_PADDING}})


@pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs prlimit (Linux)")
def test_a_commit_on_a_full_disk_is_an_internal_server_error_and_the_server_recovers(
    tmp_path: Path,
) -> None:
    db = tmp_path / "full.db"
    server = start_server(str(db), tmp_path)
    try:
        client = make_client(server.endpoint)
        client.create_table(
            TableName="full",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        put(client, "before")
        pid = server.process.pid
        unlimited = resource.prlimit(pid, resource.RLIMIT_FSIZE)
        largest = max(path.stat().st_size for path in tmp_path.glob("full.db*"))
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (largest, unlimited[1]))
        refused: list[str] = []
        for attempt in range(60):  # until a COMMIT has to grow a file past the limit
            try:
                put(client, f"lost-{attempt}")
            except ClientError as error:
                refused.append(f"lost-{attempt}")
                assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 500
                assert error.response["Error"] == {
                    "Code": "InternalServerError",
                    "Message": "Internal server error",
                }
                break
        assert refused
        resource.prlimit(pid, resource.RLIMIT_FSIZE, unlimited)
        put(client, "after")
        keys = {
            item["pk"]["S"]
            for item in client.scan(TableName="full", ProjectionExpression="pk")["Items"]
        }
        assert "before" in keys and "after" in keys
        assert refused[0] not in keys
    finally:
        server.stop()
