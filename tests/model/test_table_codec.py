"""model/table_codec.py: the stored JSON of a table's record, as main has always written it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson

from ddblite.model import table_codec
from ddblite.model.table_record import (
    AttributeDefinition,
    Billing,
    BillingMode,
    DistanceFunction,
    IndexStatus,
    KeyElement,
    KeyType,
    PointInTimeRecovery,
    Projection,
    ProjectionType,
    Replica,
    RestoreSummary,
    ScalarAttributeType,
    SearchSchemaElement,
    SearchSchemaElementType,
    SecondaryIndex,
    Stream,
    Streams,
    StreamViewType,
    TableClass,
    TableRecord,
    Tag,
    Throughput,
    VectorIndex,
)

ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/events"
FIRST = "2023-11-14T22:13:20.000"
SECOND = "2023-11-14T22:13:50.000"
HASH_PK = {"AttributeName": "pk", "KeyType": "HASH"}

# Written by main before the typed record (bd164a4): a provisioned table with an LSI, tags,
# a table class, deletion protection, a throughput increase, a stream disabled then enabled
# again, TTL and PITR. Member order as it was written.
PROVISIONED: dict[str, Any] = {
    "wire": {
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "at", "AttributeType": "N"},
        ],
        "TableName": "events",
        "KeySchema": [HASH_PK, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "TableStatus": "ACTIVE",
        "CreationDateTime": 1700000000.0,
        "ProvisionedThroughput": {
            "NumberOfDecreasesToday": 0,
            "ReadCapacityUnits": 3,
            "WriteCapacityUnits": 2,
            "LastIncreaseDateTime": 1700000010.0,
        },
        "TableArn": ARN,
        "TableId": "ea23fdfd-4323-4ee3-8d9f-c3ceb72c31ce",
        "DeletionProtectionEnabled": True,
        "TableClassSummary": {"TableClass": "STANDARD_INFREQUENT_ACCESS"},
        "LocalSecondaryIndexes": [
            {
                "IndexName": "by_at",
                "KeySchema": [HASH_PK, {"AttributeName": "at", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "IndexArn": f"{ARN}/index/by_at",
            }
        ],
        "LatestStreamLabel": SECOND,
        "LatestStreamArn": f"{ARN}/stream/{SECOND}",
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    },
    "indexes": {"by_at": 1},
    "tags": [{"Key": "env", "Value": "test"}],
    "stream_request": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    "closed_streams": [
        {
            "arn": f"{ARN}/stream/{FIRST}",
            "label": FIRST,
            "view": "NEW_IMAGE",
            "created": 1700000000.0,
            "start": 1,
            "end": 0,
            "closed": 1700000020.0,
        }
    ],
    "stream": {
        "arn": f"{ARN}/stream/{SECOND}",
        "label": SECOND,
        "view": "KEYS_ONLY",
        "created": 1700000030.0,
        "start": 1,
    },
    "ttl": "expires",
    "pitr": {"since": 1700000030.0, "days": 35},
}

PROVISIONED_RECORD = TableRecord(
    name="events",
    arn=ARN,
    table_uuid="ea23fdfd-4323-4ee3-8d9f-c3ceb72c31ce",
    created_at=1700000000.0,
    attributes=(
        AttributeDefinition("pk", ScalarAttributeType.S),
        AttributeDefinition("sk", ScalarAttributeType.N),
        AttributeDefinition("at", ScalarAttributeType.N),
    ),
    key_schema=(KeyElement("pk", KeyType.HASH), KeyElement("sk", KeyType.RANGE)),
    billing=Billing(BillingMode.PROVISIONED),
    throughput=Throughput(3, 2, 0, last_increase=1700000010.0),
    local_indexes=(
        SecondaryIndex(
            "by_at",
            (KeyElement("pk", KeyType.HASH), KeyElement("at", KeyType.RANGE)),
            Projection(ProjectionType.KEYS_ONLY),
            1,
        ),
    ),
    streams=Streams(
        enabled=Stream(f"{ARN}/stream/{SECOND}", SECOND, StreamViewType.KEYS_ONLY, 1700000030.0, 1),
        closed=(
            Stream(
                f"{ARN}/stream/{FIRST}",
                FIRST,
                StreamViewType.NEW_IMAGE,
                1700000000.0,
                1,
                end=0,
                closed=1700000020.0,
            ),
        ),
        latest_label=SECOND,
        latest_arn=f"{ARN}/stream/{SECOND}",
    ),
    ttl_attribute="expires",
    tags=(Tag("env", "test"),),
    point_in_time_recovery=PointInTimeRecovery(1700000030.0, 35),
    table_class=TableClass.STANDARD_INFREQUENT_ACCESS,
    deletion_protection=True,
)

# An on-demand table restored from a backup, with a GSI being backfilled and a deleted one
# whose rows are still being dropped.
ON_DEMAND: dict[str, Any] = {
    "wire": {
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "team", "AttributeType": "B"},
        ],
        "TableName": "events",
        "KeySchema": [HASH_PK],
        "TableStatus": "ACTIVE",
        "CreationDateTime": 1700000000.0,
        "ProvisionedThroughput": {
            "NumberOfDecreasesToday": 0,
            "ReadCapacityUnits": 0,
            "WriteCapacityUnits": 0,
        },
        "TableArn": ARN,
        "TableId": "0c1d",
        "DeletionProtectionEnabled": False,
        "BillingModeSummary": {
            "BillingMode": "PAY_PER_REQUEST",
            "LastUpdateToPayPerRequestDateTime": 1700000000.0,
        },
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "by_team",
                "KeySchema": [{"AttributeName": "team", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name"]},
                "IndexArn": f"{ARN}/index/by_team",
                "IndexStatus": "CREATING",
                "ProvisionedThroughput": {
                    "NumberOfDecreasesToday": 0,
                    "ReadCapacityUnits": 0,
                    "WriteCapacityUnits": 0,
                },
                "Backfilling": True,
            }
        ],
        "RestoreSummary": {
            "SourceBackupArn": f"{ARN}/backup/01",
            "SourceTableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/source",
            "RestoreDateTime": 1700000000.0,
            "RestoreInProgress": False,
        },
    },
    "indexes": {"by_team": 7},
    "tags": [],
    "dropping": [3],
}

ON_DEMAND_RECORD = TableRecord(
    name="events",
    arn=ARN,
    table_uuid="0c1d",
    created_at=1700000000.0,
    attributes=(
        AttributeDefinition("pk", ScalarAttributeType.S),
        AttributeDefinition("team", ScalarAttributeType.B),
    ),
    key_schema=(KeyElement("pk", KeyType.HASH),),
    billing=Billing(BillingMode.PAY_PER_REQUEST, 1700000000.0, reported=True),
    throughput=Throughput(),
    global_indexes=(
        SecondaryIndex(
            "by_team",
            (KeyElement("team", KeyType.HASH),),
            Projection(ProjectionType.INCLUDE, ("name",)),
            7,
            IndexStatus.CREATING,
            backfilling=True,
            throughput=Throughput(),
        ),
    ),
    restored_from=RestoreSummary(
        f"{ARN}/backup/01", "arn:aws:dynamodb:us-east-1:000000000000:table/source", 1700000000.0
    ),
    dropping=(3,),
)


def test_main_stored_form_decodes_to_the_record() -> None:
    assert table_codec.decode(orjson.dumps(PROVISIONED)) == PROVISIONED_RECORD
    assert table_codec.decode(orjson.dumps(ON_DEMAND)) == ON_DEMAND_RECORD


def test_records_are_stored_in_main_form() -> None:
    # CreateTable's StreamSpecification was stored and never read: it is not kept.
    expected = {k: v for k, v in PROVISIONED.items() if k != "stream_request"}
    assert table_codec.to_stored(PROVISIONED_RECORD) == expected
    assert table_codec.to_stored(ON_DEMAND_RECORD) == ON_DEMAND


def test_round_trip() -> None:
    room = replace(ON_DEMAND_RECORD, replicas=(Replica("eu-west-1"),))
    vectors = replace(
        ON_DEMAND_RECORD,
        vector_indexes=(
            VectorIndex(
                "plain",
                "embedding",
                768,
                DistanceFunction.DOT_PRODUCT,
                (),
                Projection(ProjectionType.KEYS_ONLY),
            ),
            VectorIndex(
                "by_tenant",
                "embedding",
                768,
                DistanceFunction.COSINE,
                (
                    SearchSchemaElement("tenant", SearchSchemaElementType.HASH),
                    SearchSchemaElement("kind", SearchSchemaElementType.INLINE_FILTER),
                ),
                Projection(ProjectionType.INCLUDE, ("title",)),
                IndexStatus.CREATING,
            ),
        ),
    )
    for record in (PROVISIONED_RECORD, ON_DEMAND_RECORD, room, vectors):
        assert table_codec.decode(table_codec.encode(record)) == record


def test_description_member_order() -> None:
    """The order DescribeTable has always answered a table created with these settings in."""
    assert list(table_codec.description(PROVISIONED_RECORD)) == [
        "AttributeDefinitions",
        "TableName",
        "KeySchema",
        "TableStatus",
        "CreationDateTime",
        "ProvisionedThroughput",
        "TableArn",
        "TableId",
        "DeletionProtectionEnabled",
        "TableClassSummary",
        "LocalSecondaryIndexes",
        "StreamSpecification",
        "LatestStreamLabel",
        "LatestStreamArn",
    ]
    assert list(table_codec.description(ON_DEMAND_RECORD)["GlobalSecondaryIndexes"][0]) == [
        "IndexName",
        "KeySchema",
        "Projection",
        "IndexArn",
        "IndexStatus",
        "ProvisionedThroughput",
        "Backfilling",
    ]


def test_a_table_created_provisioned_reports_no_billing_summary() -> None:
    assert "BillingModeSummary" not in table_codec.description(PROVISIONED_RECORD)
    switched = replace(PROVISIONED_RECORD, billing=Billing(BillingMode.PROVISIONED, reported=True))
    assert table_codec.description(switched)["BillingModeSummary"] == {"BillingMode": "PROVISIONED"}
