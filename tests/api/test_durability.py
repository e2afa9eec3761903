"""An acknowledged write survives a restart (and a crash: SIGKILL right after the answer)."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.api.conftest import make_client
from tests.servers import start_server

KEYS = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEFS = [{"AttributeName": "pk", "AttributeType": "S"}]


def test_data_survives_restart_and_kill(tmp_path: Path) -> None:
    db = str(tmp_path / "data.db")
    first = start_server(db, tmp_path)
    try:
        client = make_client(first.endpoint)
        client.create_table(
            TableName="durable",
            KeySchema=KEYS,
            AttributeDefinitions=DEFS,
            BillingMode="PAY_PER_REQUEST",
        )
        for i in range(50):
            client.put_item(TableName="durable", Item={"pk": {"S": f"k{i}"}, "n": {"N": str(i)}})
    finally:
        # SIGKILL: no shutdown hook runs; only what was committed before each answer remains.
        first.stop(signal.SIGKILL)
    second = start_server(db, tmp_path)
    try:
        client = make_client(second.endpoint)
        assert client.describe_table(TableName="durable")["Table"]["ItemCount"] == 50
        assert client.get_item(TableName="durable", Key={"pk": {"S": "k49"}})["Item"] == {
            "pk": {"S": "k49"},
            "n": {"N": "49"},
        }
    finally:
        # uvicorn shuts down cleanly, then re-raises the signal as its exit status.
        assert second.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
