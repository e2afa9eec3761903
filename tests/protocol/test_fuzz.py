"""Request bodies of every implemented operation, fuzzed: never a 500, and a rejected request
changes nothing stored.

Bodies are drawn from DynamoDB's service model (``protocol.shapes``): every member of the
operation's input, each value either of the model's type (names, expressions and keys from a
small pool that hits the fixture's tables, so requests reach the operations and the engine) or
hostile (a wrong JSON type, null, an unknown member, an AttributeValue with an unknown type key,
nested 40 levels deep, a number past DynamoDB's range). Each body goes through
``protocol.dispatch.handle`` on a fresh in-memory database holding two tables, a GSI, items, a
backup and tags; after a 400 the database must read back exactly as before.

The default run draws 40 bodies per operation (1,440 in all); ``DDBLITE_SLOW=1`` draws a
million (``SLOW_CASES``).
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from typing import Any

import hypothesis.strategies as st
import orjson
import pytest
from hypothesis import HealthCheck, given, settings

from ddblite.clock import ManualClock
from ddblite.engine.database import Database
from ddblite.operations import REGISTRY
from ddblite.protocol.dispatch import STREAMS_TARGET, handle
from ddblite.protocol.shapes.check import known_stream_operations
from ddblite.protocol.shapes.model import Node, load_service
from ddblite.storage.sqlite.backend import SqliteBackend

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAFUZZ/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
NOW = 1_700_000_000.0
OPERATIONS = sorted(REGISTRY)
# The slow run's total over all operations; DDBLITE_FUZZ_CASES sets another (a quick look).
SLOW_CASES = int(os.environ.get("DDBLITE_FUZZ_CASES", "1000000"))
DEFAULT_EXAMPLES = 40

TABLES = ["fuzz", "fuzz_gsi", "missing", "f", "", "x" * 300]
ATTRIBUTE_NAMES = ["pk", "sk", "g", "a", "n", "s", "#n", "", "pk.x", "a[0]"]
PLACEHOLDER_VALUES = [":v", ":w", ":missing", "v", ""]
PLACEHOLDER_NAMES = ["#n", "#m", "n", ""]
EXPRESSIONS = [
    "pk = :v",
    "pk = :v AND sk > :w",
    "pk = :v AND begins_with(sk, :w)",
    "attribute_exists(a)",
    "attribute_not_exists(pk) OR #n = :v",
    "size(a) > :w",
    "SET a = :v",
    "SET #n = :v, n = n + :w",
    "SET a = list_append(a, :v)",
    "REMOVE a",
    "ADD n :w",
    "DELETE s :v",
    "a, #n, pk",
    "a[0].b",
    "",
    " ",
    "((((",
    "SET",
    ":v = :v",
]
STATEMENTS = [
    'SELECT * FROM "fuzz"',
    'SELECT * FROM "fuzz" WHERE pk = ?',
    'SELECT pk, a FROM "fuzz_gsi"."by_g" WHERE g = ?',
    "INSERT INTO \"fuzz\" VALUE {'pk': ?, 'sk': ?}",
    'UPDATE "fuzz" SET a = ? WHERE pk = ? AND sk = ?',
    'DELETE FROM "fuzz" WHERE pk = ? AND sk = ?',
    'SELECT * FROM "fu\x00zz"',
    "EXISTS(SELECT * FROM \"fuzz\" WHERE pk = 'p')",
    "SELECT",
    "",
]
NUMBERS = [
    "1",
    "-0",
    "1.50",
    "1e2",
    "1e9223372036854775808",
    "1e-9223372036854775809",
    "9.9999999999999999999999999999999999999E+125",
    "1E+126",
    "1E-131",
    "123456789012345678901234567890123456789",
    "NaN",
    "Infinity",
    " 1",
    "",
    "0x10",
]
STRINGS = ["p", "q", "", "\x00", "é", "a" * 2000]
TABLE_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/"
JUNK_RATE = 1 / 50  # how often a member is any JSON rather than of its type
HOSTILE_RATE = 1 / 6  # how often an attribute value is a bad one
KEY_MEMBERS = frozenset({"Key", "ExclusiveStartKey", "Keys"})


class BodyMaker:
    """Request bodies from the service model, driven by one seeded ``random.Random`` (Hypothesis
    owns the seed: a failure is reported with it and replays exactly).

    Mostly of the model's types, with the fixture's names, so a request gets past the first
    check and into the operation; now and then one member is junk or one value is hostile.
    """

    def __init__(self, rng: random.Random, arns: Sequence[str]) -> None:
        self.rng = rng
        self.arns = arns  # of the fixture's tables, stream and backup

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def pick(self, choices: Sequence[Any]) -> Any:
        return self.rng.choice(choices)

    def value(self, node: Node, member: str = "", depth: int = 0) -> Any:
        if depth and self.chance(JUNK_RATE):
            return self.junk()
        if node.name == "AttributeValue" or depth > 6:
            return self.attribute_value()
        if node.kind == "structure":
            return self.structure(node, depth)
        if node.kind == "list":
            assert node.element is not None
            element = node.element
            return [self.value(element, member, depth + 1) for _ in range(self.size())]
        if node.kind == "map":
            if member == "Item":
                return self.item()
            if member in KEY_MEMBERS:
                return self.key()
            assert node.value is not None
            value_node = node.value
            keys = self.map_keys(member)
            return {self.pick(keys): self.value(value_node, member, depth + 1) for _ in keys[:2]}
        return self.scalar(node, member)

    def size(self) -> int:
        return self.pick((0, 1, 1, 1, 2, 3))

    def structure(self, node: Node, depth: int) -> dict[str, Any]:
        """The required members (mostly) and up to two others (or an unknown one)."""
        chosen = list(node.required) if not self.chance(1 / 20) else []
        others = [*node.members, "Unknown"]
        for _ in range(self.pick((0, 1, 1, 2))):
            name = self.pick(others)
            if name not in chosen:
                chosen.append(name)
        return {
            name: self.junk()
            if name == "Unknown"
            else self.value(node.members[name].node, name, depth + 1)
            for name in chosen
        }

    def scalar(self, node: Node, member: str) -> Any:
        kind = node.kind
        if kind == "string":
            return self.string(node, member)
        if kind in ("integer", "long"):
            return self.pick((0, 1, 2, 5, 25, 100, -1, 2**31, 2**63, 2**70))
        if kind in ("double", "float", "timestamp"):
            return self.pick((0, 1.5, NOW, -1, 1e308))
        if kind == "boolean":
            return self.pick((True, False, "true", "no", "maybe"))
        return self.pick(("YQ==", "", "YQ"))  # blob

    def string(self, node: Node, member: str) -> str:
        """From the pool the member's name suggests, else the model's enum, else a name."""
        lowered = member.lower()
        if node.enum:
            return str(self.pick([*node.enum, "BAD"]))
        if lowered in ("tablename", "sourcetablename", "targettablename", "resourcearn"):
            if self.chance(4 / 5):
                return str(self.pick(TABLES[:2]))
            arns = [f"{TABLE_ARN}{name}" for name in TABLES[:2]]
            return str(self.pick([*TABLES, *arns, "by_g"]))
        if lowered == "indexname":
            return str(self.pick(["by_g", "by_g", "missing", ""]))
        if lowered == "statement":
            return str(self.pick(STATEMENTS))
        if lowered.endswith("expression"):
            return str(self.pick(EXPRESSIONS))
        if "arn" in lowered:
            return str(self.pick([*self.arns, *self.arns, "", f"{TABLE_ARN}fuzz/x", "\x00"]))
        if lowered in ("clientrequesttoken", "shardid", "sharditerator"):
            return str(self.pick(["", "\x00", "token", "shardId-00000001"]))
        return str(self.pick([*ATTRIBUTE_NAMES, "v", "fuzz-backup", "\x00", "é" * 3]))

    def map_keys(self, member: str) -> list[str]:
        if member == "ExpressionAttributeValues":
            return PLACEHOLDER_VALUES
        if member == "ExpressionAttributeNames":
            return PLACEHOLDER_NAMES
        if member == "RequestItems":
            return [TABLES[0], TABLES[0], TABLES[1], TABLES[2]]
        return ATTRIBUTE_NAMES

    def key(self) -> dict[str, Any]:
        """A key of the fixture's tables: pk and sk right, mostly."""
        if self.chance(1 / 10):
            return {self.pick(ATTRIBUTE_NAMES): self.attribute_value() for _ in range(self.size())}
        key = {"pk": self.attribute_value() if self.chance(1 / 6) else {"S": self.pick("pq")}}
        if self.chance(4 / 5):
            key["sk"] = self.attribute_value() if self.chance(1 / 6) else {"N": self.pick("12")}
        return key

    def item(self) -> dict[str, Any]:
        item = self.key()
        for name in ("a", "g", "n")[: self.size()]:
            item[name] = self.attribute_value()
        return item

    def attribute_value(self, depth: int = 0) -> Any:
        if self.chance(HOSTILE_RATE):
            return self.hostile_value()
        kind = self.pick(("S", "S", "N", "N", "SS", "BOOL", "L", "M") if depth < 2 else "SN")
        if kind == "S":
            return {"S": self.pick(["p", "q", "v", "x"])}
        if kind == "N":
            return {"N": self.pick(["1", "2", "1.5"])}
        if kind == "SS":
            return {"SS": ["v", "w"]}
        if kind == "BOOL":
            return {"BOOL": True}
        if kind == "L":
            return {"L": [self.attribute_value(depth + 1) for _ in range(self.size())]}
        names = ATTRIBUTE_NAMES
        return {"M": {self.pick(names): self.attribute_value(depth + 1) for _ in names[:2]}}

    def hostile_value(self) -> Any:
        choice = self.rng.randrange(14)
        if choice == 0:
            return {"S": self.pick(STRINGS)}
        if choice == 1:
            return {"N": self.pick(NUMBERS)}
        if choice == 2:
            return {"B": self.pick(["YQ==", "", "YQ", "!!!!"])}
        if choice == 3:
            return {self.pick(["BOOL", "NULL"]): self.junk()}
        if choice == 4:
            return {self.pick(["SS", "NS", "BS"]): [self.pick([*STRINGS, *NUMBERS])] * self.size()}
        if choice == 5:
            # No datatype DynamoDB knows: an unknown key, an empty one, one beside a known one.
            return {self.pick(["X", "", "s", "Ss"]): self.junk()}
        if choice == 6:
            return self.pick([{}, {"S": "a", "N": "1"}, {"S": "a", "X": 5}])
        if choice == 7:
            value: Any = {"S": "deep"}
            for _ in range(self.rng.randrange(28, 40)):
                value = {"L": [value]} if self.chance(0.5) else {"M": {"a": value}}
            return value
        return self.junk()

    def junk(self) -> Any:
        return self.pick(
            [None, True, False, 0, -1, 2**64, 1.5, "", "x", [], [None], {}, {"X": 5}, {"S": 1}]
        )


def _input_node(operation: str) -> Node:
    service = "dynamodbstreams" if operation in known_stream_operations() else "dynamodb"
    return load_service(service).input_node(operation)


def _target(operation: str) -> str:
    if operation in known_stream_operations():
        return STREAMS_TARGET + operation
    return "DynamoDB_20120810." + operation


# --- the database under fire ----------------------------------------------------------------------


def call(db: Database, operation: str, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, body = handle(db, _target(operation), AUTH, orjson.dumps(request))
    return status, orjson.loads(body)


def ok(db: Database, operation: str, request: dict[str, Any]) -> dict[str, Any]:
    status, body = call(db, operation, request)
    assert status == 200, body
    return body


def seeded() -> Database:
    """Two tables (one with a GSI and a stream), items, a backup, tags."""
    db = Database(SqliteBackend(), clock=ManualClock(NOW).now)
    key_schema = [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    ok(
        db,
        "CreateTable",
        {
            "TableName": "fuzz",
            "KeySchema": key_schema,
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "Tags": [{"Key": "team", "Value": "fuzz"}],
        },
    )
    ok(
        db,
        "CreateTable",
        {
            "TableName": "fuzz_gsi",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "by_g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    for pk in ("p", "q"):
        for sk in ("1", "2"):
            item = {"pk": {"S": pk}, "sk": {"N": sk}, "a": {"L": [{"S": "x"}]}, "n": {"N": "5"}}
            item["s"] = {"SS": ["v", "w"]}
            ok(db, "PutItem", {"TableName": "fuzz", "Item": item})
        ok(db, "PutItem", {"TableName": "fuzz_gsi", "Item": {"pk": {"S": pk}, "g": {"S": "v"}}})
    ok(db, "CreateBackup", {"TableName": "fuzz", "BackupName": "fuzz-backup"})
    return db


def arns_of(db: Database) -> list[str]:
    """The fixture's table, stream and backup ARNs (the same in every seeded database but the
    backup's, which names its creation time: the fixture's clock stands still)."""
    described = ok(db, "DescribeTable", {"TableName": "fuzz_gsi"})["Table"]
    backups = ok(db, "ListBackups", {})["BackupSummaries"]
    return [described["TableArn"], described["LatestStreamArn"], backups[0]["BackupArn"]]


def snapshot(db: Database) -> list[Any]:
    """Everything a client can read back of the database."""
    state: list[Any] = []
    tables = ok(db, "ListTables", {})["TableNames"]
    state.append(tables)
    for name in tables:
        described = ok(db, "DescribeTable", {"TableName": name})["Table"]
        items = ok(db, "Scan", {"TableName": name, "ConsistentRead": True})["Items"]
        arn = described["TableArn"]
        state += [
            described,
            sorted(orjson.dumps(item, option=orjson.OPT_SORT_KEYS) for item in items),
            ok(db, "DescribeTimeToLive", {"TableName": name}),
            ok(db, "ListTagsOfResource", {"ResourceArn": arn}),
            ok(db, "DescribeContinuousBackups", {"TableName": name}),
        ]
    state.append(ok(db, "ListBackups", {}))
    return state


# Operations whose success changes nothing: the database is seeded again only after a
# successful request of another operation.
READS = frozenset(
    {
        "BatchGetItem",
        "DescribeBackup",
        "DescribeContinuousBackups",
        "DescribeEndpoints",
        "DescribeLimits",
        "DescribeStream",
        "DescribeTable",
        "DescribeTimeToLive",
        "GetItem",
        "GetRecords",
        "GetShardIterator",
        "ListBackups",
        "ListStreams",
        "ListTables",
        "ListTagsOfResource",
        "Query",
        "Scan",
        "TransactGetItems",
    }
)


class Target:
    """The seeded database and what it read back as, renewed after a successful write."""

    def __init__(self) -> None:
        self.db = seeded()
        self.state = snapshot(self.db)
        self.arns = arns_of(self.db)

    def renew(self) -> None:
        self.db.close()
        self.db = seeded()
        self.state = snapshot(self.db)


def fuzz(operation: str, examples: int) -> None:
    target = Target()
    node = _input_node(operation)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(rng=st.randoms(use_true_random=False))
    def check(rng: random.Random) -> None:
        maker = BodyMaker(rng, target.arns)
        body = maker.value(node) if not maker.chance(1 / 50) else maker.junk()
        # json, not orjson: a client may send integers past 64 bits.
        raw = json.dumps(body).encode()
        status, answer = handle(target.db, _target(operation), AUTH, raw)
        assert status != 500, (raw, answer)
        if status != 200:
            assert snapshot(target.db) == target.state, raw
        elif operation not in READS:
            target.renew()

    try:
        check()
    finally:
        target.db.close()


@pytest.mark.parametrize("operation", OPERATIONS)
def test_no_request_body_gets_a_500_or_changes_data_when_refused(operation: str) -> None:
    fuzz(operation, DEFAULT_EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_million_request_bodies(operation: str) -> None:
    fuzz(operation, max(1, SLOW_CASES // len(OPERATIONS)))
