"""On-demand backups, restore and the point-in-time recovery setting, through boto3."""

from __future__ import annotations

import re
import time
from typing import Any

from tests.api.conftest import TableFactory, error_of

ARN = re.compile(
    r"arn:aws:dynamodb:us-east-1:\d{12}:table/(?P<table>[^/]+)/backup/\d{13}-[0-9a-f]{8}"
)


def _fill(ddb: Any, name: str, count: int) -> None:
    for i in range(count):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "g": {"S": f"g{i % 3}"}})


def _available(ddb: Any, arn: str) -> dict[str, Any]:
    """The backup's BackupDetails once its background copy is done (CREATING until then)."""
    deadline = time.monotonic() + 30
    while True:
        details: dict[str, Any] = ddb.describe_backup(BackupArn=arn)["BackupDescription"][
            "BackupDetails"
        ]
        if details["BackupStatus"] != "CREATING":
            return details
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _backup(ddb: Any, name: str, backup_name: str) -> str:
    """A backup of the table, AVAILABLE; its ARN."""
    arn: str = ddb.create_backup(TableName=name, BackupName=backup_name)["BackupDetails"][
        "BackupArn"
    ]
    _available(ddb, arn)
    return arn


def _active(ddb: Any, name: str) -> None:
    """Wait for a restored table's background copy (CREATING until it is done)."""
    deadline = time.monotonic() + 30
    while ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "CREATING":
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _restored_name(name: str) -> str:
    return name + "_r"


# CreateBackup answers BackupDetails at once: an ARN under the table's, status CREATING, type
# USER; the backup is AVAILABLE, with its size, once the background copy is done.
def test_create_and_describe(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    _fill(ddb, name, 3)
    details = ddb.create_backup(TableName=name, BackupName="bk1")["BackupDetails"]
    match = ARN.fullmatch(details["BackupArn"])
    assert match is not None and match["table"] == name
    assert details["BackupName"] == "bk1"
    assert details["BackupStatus"] == "CREATING"
    assert details["BackupType"] == "USER"
    assert details["BackupSizeBytes"] == 0
    available = _available(ddb, details["BackupArn"])
    assert available["BackupStatus"] == "AVAILABLE"
    assert available["BackupSizeBytes"] == 3 * 7  # "pk" + "k0", "g" + "g0": 4 + 3 bytes each
    described = ddb.describe_backup(BackupArn=details["BackupArn"])["BackupDescription"]
    assert described["BackupDetails"]["BackupArn"] == details["BackupArn"]
    source = described["SourceTableDetails"]
    assert source["TableName"] == name
    assert source["ItemCount"] == 3
    assert source["BillingMode"] == "PAY_PER_REQUEST"
    assert source["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    ddb.delete_backup(BackupArn=details["BackupArn"])


# Backup operations name missing tables and backups with their own error types.
def test_errors(ddb: Any, create_table: TableFactory) -> None:
    assert error_of(ddb.create_backup, TableName="nope_backups", BackupName="bkp") == (
        "TableNotFoundException",
        "Table not found: nope_backups",
    )
    name = create_table()
    arn = _backup(ddb, name, "bkp")
    missing = arn[:-8] + "00000000"
    assert error_of(ddb.describe_backup, BackupArn=missing) == (
        "BackupNotFoundException",
        f"Backup not found: {missing}",
    )
    assert error_of(ddb.restore_table_from_backup, TargetTableName=name, BackupArn=arn) == (
        "TableAlreadyExistsException",
        f"Table already exists: {name}",
    )
    assert error_of(ddb.describe_continuous_backups, TableName="nope_backups") == (
        "TableNotFoundException",
        "Table not found: nope_backups",
    )
    deleted = ddb.delete_backup(BackupArn=arn)["BackupDescription"]
    assert deleted["BackupDetails"]["BackupStatus"] == "DELETED"
    assert error_of(ddb.delete_backup, BackupArn=arn) == (
        "BackupNotFoundException",
        f"Backup not found: {arn}",
    )


# A restored table has the backup's items and indexes, answers CREATING (RestoreInProgress)
# and is ACTIVE once its items are in; it carries a RestoreSummary; the backup outlives its
# source table.
def test_restore(ddb: Any, create_table: TableFactory) -> None:
    gsi = {
        "IndexName": "by_g",
        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    }
    name = create_table(
        extra_definitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[gsi],
    )
    _fill(ddb, name, 7)
    arn = _backup(ddb, name, "bkp")
    ddb.put_item(TableName=name, Item={"pk": {"S": "later"}, "g": {"S": "g0"}})
    ddb.delete_table(TableName=name)
    target = _restored_name(name)
    try:
        table = ddb.restore_table_from_backup(TargetTableName=target, BackupArn=arn)[
            "TableDescription"
        ]
        assert table["TableStatus"] == "CREATING"
        assert table["RestoreSummary"]["SourceBackupArn"] == arn
        assert table["RestoreSummary"]["RestoreInProgress"] is True
        assert [ix["IndexName"] for ix in table["GlobalSecondaryIndexes"]] == ["by_g"]
        _active(ddb, target)
        described = ddb.describe_table(TableName=target)["Table"]
        assert described["TableStatus"] == "ACTIVE"
        assert described["RestoreSummary"]["RestoreInProgress"] is False
        assert ddb.scan(TableName=target)["Count"] == 7
        page = ddb.query(
            TableName=target,
            IndexName="by_g",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "g0"}},
        )
        assert sorted(i["pk"]["S"] for i in page["Items"]) == ["k0", "k3", "k6"]
        described = ddb.describe_table(TableName=target)["Table"]
        assert described["RestoreSummary"]["SourceTableArn"].endswith(f":table/{name}")
        assert described["ItemCount"] == 7
    finally:
        ddb.delete_table(TableName=target)
        ddb.delete_backup(BackupArn=arn)


# A backup of a table of many items (1_234: more than any internal read batch, which a small
# table would fit in) restores every item, each with all its attributes.
def test_restore_a_large_table_keeps_every_item(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    items = [
        {"pk": {"S": f"k{i:04}"}, "n": {"N": str(i)}, "s": {"S": "v" * (i % 50)}}
        for i in range(1_234)
    ]
    for start in range(0, len(items), 25):
        ddb.batch_write_item(
            RequestItems={name: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
        )
    arn = _backup(ddb, name, "big")
    described = ddb.describe_backup(BackupArn=arn)["BackupDescription"]
    assert described["SourceTableDetails"]["ItemCount"] == 1_234
    target = _restored_name(name)
    try:
        ddb.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
        _active(ddb, target)
        restored = [
            item
            for page in ddb.get_paginator("scan").paginate(TableName=target)
            for item in page["Items"]
        ]
        assert sorted(restored, key=lambda i: i["pk"]["S"]) == items
        assert ddb.describe_table(TableName=target)["Table"]["ItemCount"] == 1_234
    finally:
        ddb.delete_table(TableName=target)
        ddb.delete_backup(BackupArn=arn)


# Overrides: billing mode and throughput, and an empty GSI override drops the indexes.
def test_restore_overrides(ddb: Any, create_table: TableFactory) -> None:
    gsi = {
        "IndexName": "by_g",
        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }
    name = create_table(
        extra_definitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[gsi],
    )
    _fill(ddb, name, 2)
    arn = _backup(ddb, name, "bkp")
    target = _restored_name(name)
    try:
        table = ddb.restore_table_from_backup(
            TargetTableName=target,
            BackupArn=arn,
            BillingModeOverride="PROVISIONED",
            ProvisionedThroughputOverride={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
            GlobalSecondaryIndexOverride=[],
        )["TableDescription"]
        assert "GlobalSecondaryIndexes" not in table
        assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
        assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
        _active(ddb, target)
        assert ddb.scan(TableName=target)["Count"] == 2
    finally:
        ddb.delete_table(TableName=target)
        ddb.delete_backup(BackupArn=arn)


# ListBackups filters by table and creation time (lower bound inclusive, upper exclusive) and
# pages with ExclusiveStartBackupArn / LastEvaluatedBackupArn.
def test_list(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    start = time.time() - 1
    arns = [_backup(ddb, name, f"bk{i}") for i in range(3)]
    try:
        listed = ddb.list_backups(TableName=name)["BackupSummaries"]
        assert sorted(b["BackupArn"] for b in listed) == sorted(arns)
        assert {b["TableName"] for b in listed} == {name}
        assert all(b["BackupStatus"] == "AVAILABLE" for b in listed)
        first = ddb.list_backups(TableName=name, Limit=2)
        assert len(first["BackupSummaries"]) == 2
        rest = ddb.list_backups(
            TableName=name, Limit=2, ExclusiveStartBackupArn=first["LastEvaluatedBackupArn"]
        )
        assert "LastEvaluatedBackupArn" not in rest
        paged = [b["BackupArn"] for b in first["BackupSummaries"] + rest["BackupSummaries"]]
        assert sorted(paged) == sorted(arns)
        assert ddb.list_backups(TableName=name, TimeRangeUpperBound=start)["BackupSummaries"] == []
        assert (
            len(ddb.list_backups(TableName=name, TimeRangeLowerBound=start)["BackupSummaries"]) == 3
        )
        assert ddb.list_backups(TableName=name, BackupType="SYSTEM")["BackupSummaries"] == []
        assert len(ddb.list_backups(TableName=name, BackupType="ALL")["BackupSummaries"]) == 3
    finally:
        for arn in arns:
            ddb.delete_backup(BackupArn=arn)
    assert ddb.list_backups(TableName=name)["BackupSummaries"] == []


# Continuous backups are always ENABLED; PITR is DISABLED until switched on.
def test_continuous_backups(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    described = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert described == {
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
    }
    on = ddb.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )["ContinuousBackupsDescription"]
    pitr = on["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"
    assert pitr["RecoveryPeriodInDays"] == 35
    assert pitr["EarliestRestorableDateTime"] <= pitr["LatestRestorableDateTime"]
    again = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert again["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    off = ddb.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )["ContinuousBackupsDescription"]
    assert off["PointInTimeRecoveryDescription"] == {"PointInTimeRecoveryStatus": "DISABLED"}
