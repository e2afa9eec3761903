"""engine.deletion: DeleteTable answers DELETING, the table is gone and its name free at once,
and its rows are deleted a chunk per scheduler step, also after a restart."""

from __future__ import annotations

from pathlib import Path

from ddblite.clock import ManualClock
from ddblite.engine import deletion
from ddblite.engine.background import schedule_standard_jobs
from ddblite.engine.chunks import CHUNK
from ddblite.engine.database import Caller, Database
from ddblite.storage.sqlite.backend import SqliteBackend
from tests.engine.support import call, ok

ITEMS = CHUNK * 2 + 10
CALLER = Caller("000000000000", "us-east-1")


def make_table(db: Database) -> tuple[int, int]:
    """The table with ITEMS items, each in its GSI; the table's and the index's storage ids."""
    ok(
        db,
        "CreateTable",
        TableName="doomed",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(ITEMS):
        item = {"pk": {"S": f"k{i:03}"}, "g": {"S": f"g{i % 5}"}}
        ok(db, "PutItem", TableName="doomed", Item=item)
    table = ok(db, "DescribeTable", TableName="doomed")["Table"]
    assert table["ItemCount"] == ITEMS
    found = db.find_table(CALLER, "doomed")
    assert found is not None
    index = found.index("by_g")
    assert index is not None
    return found.table_id, index.index_id


def left(db: Database, table_id: int, index_id: int) -> tuple[int, int, bool]:
    """(items, index rows, retired catalog row present) of the deleted table."""
    with db.backend.read() as r:
        retired = r.get_table(deletion.ACCOUNT, deletion.REGION, deletion.retired_name(table_id))
        return r.table_stats(table_id)[0], r.index_stats(index_id)[0], retired is not None


def error(db: Database, operation: str, **request: object) -> tuple[int, str, str]:
    code, body = call(db, operation, **request)
    return code, body["__type"].split("#")[-1], body["message"]


# DeleteTable answers DELETING; at once DescribeTable says ResourceNotFoundException and a
# table of the same name can be created (empty); the old rows go a chunk per step.
def test_rows_are_deleted_in_chunks(db: Database) -> None:
    table_id, index_id = make_table(db)
    db.background.inline = False  # the test runs the background steps itself
    answer = ok(db, "DeleteTable", TableName="doomed")["TableDescription"]
    assert (answer["TableStatus"], answer["ItemCount"]) == ("DELETING", ITEMS)
    assert error(db, "DescribeTable", TableName="doomed") == (
        400,
        "ResourceNotFoundException",
        "Requested resource not found: Table: doomed not found",
    )
    assert left(db, table_id, index_id) == (ITEMS, ITEMS, True)
    make_table(db)  # the name is free; the new table has its own rows
    assert db.background.step()  # the index rows, a chunk at a time
    assert left(db, table_id, index_id) == (ITEMS, ITEMS - CHUNK, True)
    db.background.run_all()
    assert left(db, table_id, index_id) == (0, 0, False)
    assert ok(db, "DescribeTable", TableName="doomed")["Table"]["ItemCount"] == ITEMS


# A restart in the middle of a deletion: the periodic job finds the retired table and
# finishes it.
def test_deletion_resumes_after_restart(tmp_path: Path, clock: ManualClock) -> None:
    path = str(tmp_path / "data.db")
    first = Database(SqliteBackend(path), clock=clock.now)
    table_id, index_id = make_table(first)
    first.background.inline = False
    ok(first, "DeleteTable", TableName="doomed")
    first.background.step()  # part done, then the server stops
    first.close()

    second = Database(SqliteBackend(path), clock=clock.now)
    assert left(second, table_id, index_id) == (ITEMS, ITEMS - CHUNK, True)
    schedule_standard_jobs(second)
    second.background.run_due()  # in process: the periodic jobs run before each request
    assert left(second, table_id, index_id) == (0, 0, False)
    second.close()
