"""engine.backups in process: CreateBackup answers CREATING and copies in chunks through the
scheduler, the backup is the table at the instant it began whatever is written meanwhile, and
a copy a restart interrupted finishes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ddblite.clock import ManualClock
from ddblite.engine.chunks import CHUNK
from ddblite.engine.database import Database
from ddblite.storage.sqlite.backend import SqliteBackend
from tests.engine.support import call, ok

ITEMS = CHUNK * 2 + 10


def make_table(db: Database, name: str = "src") -> None:
    ok(
        db,
        "CreateTable",
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def put(db: Database, pk: str, version: int) -> None:
    item = {"pk": {"S": pk}, "v": {"N": str(version)}}
    ok(db, "PutItem", TableName="src", Item=item)


def contents(db: Database, name: str) -> dict[str, str]:
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": name}
    while True:
        page = ok(db, "Scan", **request)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return {item["pk"]["S"]: item["v"]["N"] for item in items}
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def status(db: Database, arn: str) -> str:
    described = ok(db, "DescribeBackup", BackupArn=arn)["BackupDescription"]
    return str(described["BackupDetails"]["BackupStatus"])


def error(db: Database, operation: str, **request: Any) -> tuple[int, str, str]:
    code, body = call(db, operation, **request)
    return code, body["__type"].split("#")[-1], body["message"]


def restore(db: Database, arn: str, target: str) -> None:
    ok(db, "RestoreTableFromBackup", TargetTableName=target, BackupArn=arn)


ORIGINAL = {f"k{i:03}": "0" for i in range(ITEMS)}


# CreateBackup answers CREATING and the copy runs a chunk per scheduler step; meanwhile the
# backup cannot be restored or deleted (BackupInUseException) nor its table deleted. Every item
# is updated, some deleted and new ones written after the first chunk: the backup still holds
# exactly the table as it was when CreateBackup answered.
def test_backup_is_the_table_at_one_instant(db: Database) -> None:
    make_table(db)
    for pk in ORIGINAL:
        put(db, pk, 0)
    db.background.inline = False  # the test runs the background steps itself
    details = ok(db, "CreateBackup", TableName="src", BackupName="bk1")["BackupDetails"]
    arn = details["BackupArn"]
    assert (details["BackupStatus"], details["BackupSizeBytes"]) == ("CREATING", 0)
    assert status(db, arn) == "CREATING"
    listed = ok(db, "ListBackups", TableName="src")["BackupSummaries"]
    assert [b["BackupStatus"] for b in listed] == ["CREATING"]
    assert error(db, "RestoreTableFromBackup", TargetTableName="restored", BackupArn=arn) == (
        400,
        "BackupInUseException",
        f"Backup is being used: {arn}",
    )
    assert error(db, "DeleteBackup", BackupArn=arn) == (
        400,
        "BackupInUseException",
        f"Backup is being used: {arn}",
    )
    assert error(db, "DeleteTable", TableName="src") == (
        400,
        "ResourceInUseException",
        "Table is being backed up: src",
    )
    assert db.background.step()  # the first chunk
    for pk in ORIGINAL:
        put(db, pk, 1)
    for i in range(0, ITEMS, 7):
        ok(db, "DeleteItem", TableName="src", Key={"pk": {"S": f"k{i:03}"}})
    for i in range(20):
        put(db, f"new{i}", 1)
    db.background.run_all()
    assert status(db, arn) == "AVAILABLE"
    size = ok(db, "DescribeBackup", BackupArn=arn)["BackupDescription"]["BackupDetails"]
    assert size["BackupSizeBytes"] == ITEMS * 8  # "pk" + "kNNN" (6), "v" + 0 (2)
    db.background.inline = True
    restore(db, arn, "restored")
    assert contents(db, "restored") == ORIGINAL
    assert len(contents(db, "src")) == ITEMS - len(range(0, ITEMS, 7)) + 20
    ok(db, "DeleteTable", TableName="src")  # the copy is done


# A restart in the middle of the copy (the same SQLite file closed and opened again) with
# writes made before it: the next DescribeBackup finishes the copy, still of the first instant.
def test_backup_copy_resumes_after_restart(tmp_path: Path, clock: ManualClock) -> None:
    path = str(tmp_path / "data.db")
    first = Database(SqliteBackend(path), clock=clock.now)
    make_table(first)
    for pk in ORIGINAL:
        put(first, pk, 0)
    first.background.inline = False
    arn = ok(first, "CreateBackup", TableName="src", BackupName="bk1")["BackupDetails"]["BackupArn"]
    first.background.step()  # part done
    for pk in ORIGINAL:
        put(first, pk, 1)
    first.close()  # then the server stops

    second = Database(SqliteBackend(path), clock=clock.now)  # inline: work runs when found
    assert status(second, arn) == "AVAILABLE"
    restore(second, arn, "restored")
    assert contents(second, "restored") == ORIGINAL
    second.close()


def backup_of_src(db: Database) -> str:
    make_table(db)
    for pk in ORIGINAL:
        put(db, pk, 0)
    arn: str = ok(db, "CreateBackup", TableName="src", BackupName="bk1")["BackupDetails"][
        "BackupArn"
    ]
    return arn


# RestoreTableFromBackup answers the table CREATING with RestoreInProgress; until the chunked
# copy is done DescribeTable says so too, item requests get ResourceNotFoundException and
# DeleteTable ResourceInUseException; then it is ACTIVE with every item.
def test_restore_runs_in_chunks(db: Database) -> None:
    arn = backup_of_src(db)
    db.background.inline = False
    answer = ok(db, "RestoreTableFromBackup", TargetTableName="restored", BackupArn=arn)
    table = answer["TableDescription"]
    assert (table["TableStatus"], table["RestoreSummary"]["RestoreInProgress"]) == (
        "CREATING",
        True,
    )
    assert db.background.step()  # the first chunk
    described = ok(db, "DescribeTable", TableName="restored")["Table"]
    assert (described["TableStatus"], described["ItemCount"]) == ("CREATING", CHUNK)
    assert described["RestoreSummary"]["RestoreInProgress"] is True
    key = {"pk": {"S": "k000"}}
    assert error(db, "GetItem", TableName="restored", Key=key) == (
        400,
        "ResourceNotFoundException",
        "Requested resource not found",
    )
    assert error(db, "PutItem", TableName="restored", Item=key) == (
        400,
        "ResourceNotFoundException",
        "Requested resource not found",
    )
    assert error(db, "DeleteTable", TableName="restored") == (
        400,
        "ResourceInUseException",
        "Attempt to change a resource which is still in use: Table is being created: restored",
    )
    assert error(db, "CreateBackup", TableName="restored", BackupName="bk2") == (
        400,
        "TableInUseException",
        "Table is being created: restored",
    )
    db.background.run_all()
    described = ok(db, "DescribeTable", TableName="restored")["Table"]
    assert (described["TableStatus"], described["ItemCount"]) == ("ACTIVE", ITEMS)
    assert described["RestoreSummary"]["RestoreInProgress"] is False
    assert contents(db, "restored") == ORIGINAL


# A restart in the middle of a restore: the table is still CREATING and the next DescribeTable
# finishes it, with exactly the backup's items.
def test_restore_resumes_after_restart(tmp_path: Path, clock: ManualClock) -> None:
    path = str(tmp_path / "data.db")
    first = Database(SqliteBackend(path), clock=clock.now)
    arn = backup_of_src(first)
    first.background.inline = False
    ok(first, "RestoreTableFromBackup", TargetTableName="restored", BackupArn=arn)
    first.background.step()  # part done, then the server stops
    first.close()

    second = Database(SqliteBackend(path), clock=clock.now)  # inline: work runs when found
    ok(second, "DescribeTable", TableName="restored")
    described = ok(second, "DescribeTable", TableName="restored")["Table"]
    assert (described["TableStatus"], described["ItemCount"]) == ("ACTIVE", ITEMS)
    assert contents(second, "restored") == ORIGINAL
    second.close()
