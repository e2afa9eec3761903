"""An acknowledged write survives a restart (and a crash: SIGKILL right after the answer)."""

from __future__ import annotations

import itertools
import os
import random
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

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


# Crash rounds (DDBLITE_SLOW=1): a real server on one SQLite file under 4 concurrent writers
# is killed with SIGKILL at a random moment, ROUNDS times; after each restart every write that
# was acknowledged before the kill is there, and at the end SQLite's integrity check is ok.
# DDBLITE_CRASH_ROUNDS runs fewer rounds (a quick look that the test works).
ROUNDS = int(os.environ.get("DDBLITE_CRASH_ROUNDS", "20"))
WRITERS = 4


def _write_until_refused(endpoint: str, writer: int, round_: int, acked: list[str]) -> None:
    client = make_client(endpoint)  # one attempt: a retry could land after the kill
    for n in itertools.count():
        pk = f"r{round_:02}w{writer}n{n:06}"
        try:
            client.put_item(TableName="crash", Item={"pk": {"S": pk}, "n": {"N": str(n)}})
        except Exception:  # the server is gone: nothing after this is acknowledged
            return
        acked.append(pk)


def _stored_keys(endpoint: str) -> set[str]:
    client = make_client(endpoint)
    keys: set[str] = set()
    for page in client.get_paginator("scan").paginate(TableName="crash"):
        keys.update(item["pk"]["S"] for item in page["Items"])
    return keys


@pytest.mark.slow
def test_acknowledged_writes_survive_repeated_kill_9(tmp_path: Path) -> None:
    db = str(tmp_path / "crash.db")
    acked: list[str] = []
    rng = random.Random(13)
    for round_ in range(ROUNDS):
        server = start_server(db, tmp_path)
        try:
            if round_ == 0:
                make_client(server.endpoint).create_table(
                    TableName="crash",
                    KeySchema=KEYS,
                    AttributeDefinitions=DEFS,
                    BillingMode="PAY_PER_REQUEST",
                )
            missing = set(acked) - _stored_keys(server.endpoint)
            assert missing == set(), f"round {round_}: {len(missing)} acknowledged writes lost"
            writers = [
                threading.Thread(
                    target=_write_until_refused, args=(server.endpoint, w, round_, acked)
                )
                for w in range(WRITERS)
            ]
            for thread in writers:
                thread.start()
            time.sleep(rng.uniform(0.5, 2.0))
        finally:
            server.stop(signal.SIGKILL)
        for thread in writers:
            thread.join()
    server = start_server(db, tmp_path)
    try:
        assert set(acked) - _stored_keys(server.endpoint) == set()
    finally:
        server.stop(signal.SIGTERM)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert len(acked) > ROUNDS * WRITERS  # every round wrote
