"""PartiQL: ExecuteStatement, BatchExecuteStatement, ExecuteTransaction (black box)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.conftest import TableFactory, error_of, make_client
from tests.servers import RunningServer


@pytest.fixture(scope="module")
def raw(server: RunningServer) -> Any:
    """A client that sends requests botocore would reject locally."""
    return make_client(server.endpoint, parameter_validation=False)


def run(ddb: Any, statement: str, *params: dict[str, Any], **extra: Any) -> Any:
    kwargs: dict[str, Any] = {"Statement": statement, **extra}
    if params:
        kwargs["Parameters"] = list(params)
    return ddb.execute_statement(**kwargs)


def get(ddb: Any, table: str, **key: str) -> Any:
    resp = ddb.get_item(
        TableName=table, Key={k: {"S": v} for k, v in key.items()}, ConsistentRead=True
    )
    return resp.get("Item")


def test_insert_then_select(ddb: Any, create_table: TableFactory) -> None:
    t = create_table()
    out = run(
        ddb,
        f"INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'n': 1, 'ok': true, "
        f"'s': <<'x','y'>>, 'l': [1, 'two', null], 'm': {{'k': 'v'}}}}",
    )
    assert out["Items"] == []
    assert get(ddb, t, pk="a") == {
        "pk": {"S": "a"},
        "n": {"N": "1"},
        "ok": {"BOOL": True},
        "s": {"SS": ["x", "y"]},
        "l": {"L": [{"N": "1"}, {"S": "two"}, {"NULL": True}]},
        "m": {"M": {"k": {"S": "v"}}},
    }
    items = run(ddb, f"SELECT * FROM \"{t}\" WHERE pk = 'a'")["Items"]
    assert len(items) == 1 and items[0]["n"] == {"N": "1"}


def test_insert_duplicate(ddb: Any, create_table: TableFactory) -> None:
    t = create_table()
    run(ddb, f"INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'd': 'first'}}")
    code, message = error_of(
        ddb.execute_statement, Statement=f"INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'd': 'x'}}"
    )
    assert (code, message) == ("DuplicateItemException", "Duplicate primary key exists in table")
    assert get(ddb, t, pk="a")["d"] == {"S": "first"}
    run(ddb, f"DELETE FROM \"{t}\" WHERE pk = 'a'")
    assert get(ddb, t, pk="a") is None
    run(ddb, f"INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'd': 'again'}}")
    assert get(ddb, t, pk="a")["d"] == {"S": "again"}


def test_parameters(ddb: Any, create_table: TableFactory) -> None:
    t = create_table()
    run(ddb, f"INSERT INTO \"{t}\" VALUE {{'pk': ?, 'data': ?}}", {"S": "p"}, {"S": "v"})
    items = run(ddb, f'SELECT * FROM "{t}" WHERE pk = ?', {"S": "p"})["Items"]
    assert items == [{"pk": {"S": "p"}, "data": {"S": "v"}}]
    code, _ = error_of(ddb.execute_statement, Statement=f'SELECT * FROM "{t}" WHERE pk = ?')
    assert code == "ValidationException"


def test_select_filters_and_projection(ddb: Any, create_table: TableFactory) -> None:
    t = create_table()
    ddb.put_item(
        TableName=t,
        Item={
            "pk": {"S": "a"},
            "age": {"N": "30"},
            "extra": {"S": "no"},
            "mymap": {"M": {"nested": {"S": "deep"}}},
        },
    )
    assert len(run(ddb, f"SELECT * FROM \"{t}\" WHERE pk = 'a' AND age > 20")["Items"]) == 1
    assert run(ddb, f"SELECT * FROM \"{t}\" WHERE pk = 'a' AND age > 40")["Items"] == []
    assert run(ddb, f"SELECT mymap.nested FROM \"{t}\" WHERE pk = 'a'")["Items"] == [
        {"nested": {"S": "deep"}}
    ]
    assert run(ddb, f"SELECT pk, mymap FROM \"{t}\" WHERE pk = 'a'")["Items"] == [
        {"pk": {"S": "a"}, "mymap": {"M": {"nested": {"S": "deep"}}}}
    ]
    assert run(ddb, f"SELECT * FROM \"{t}\" WHERE pk = 'zzz'")["Items"] == []
    # scan: no partition key equality
    scanned = run(ddb, f"SELECT pk FROM \"{t}\" WHERE age BETWEEN 10 AND 40 OR pk IN ['q']")
    assert scanned["Items"] == [{"pk": {"S": "a"}}]
    assert run(ddb, f'SELECT pk FROM "{t}" WHERE NOT attribute_exists(age)')["Items"] == []
    assert run(ddb, f'SELECT pk FROM "{t}" WHERE age IS NOT MISSING')["Items"] == [
        {"pk": {"S": "a"}}
    ]


def test_begins_with_on_sort_key(ddb: Any, create_table: TableFactory) -> None:
    t = create_table(range_key=("sk", "S"))
    for sk in ("prefix-alpha", "prefix-beta", "other-gamma"):
        ddb.put_item(TableName=t, Item={"pk": {"S": "p"}, "sk": {"S": sk}})
    items = run(ddb, f"SELECT * FROM \"{t}\" WHERE pk = 'p' AND begins_with(\"sk\", 'prefix-')")
    assert sorted(i["sk"]["S"] for i in items["Items"]) == ["prefix-alpha", "prefix-beta"]


def test_paging(ddb: Any, create_table: TableFactory) -> None:
    t = create_table(range_key=("sk", "N"))
    for n in range(5):
        ddb.put_item(TableName=t, Item={"pk": {"S": "p"}, "sk": {"N": str(n)}})
    seen: list[str] = []
    token = None
    while True:
        extra: dict[str, Any] = {"Limit": 2}
        if token:
            extra["NextToken"] = token
        out = run(ddb, f"SELECT sk FROM \"{t}\" WHERE pk = 'p'", **extra)
        seen += [i["sk"]["N"] for i in out["Items"]]
        token = out.get("NextToken")
        if not token:
            break
    assert seen == ["0", "1", "2", "3", "4"]


def test_update(ddb: Any, create_table: TableFactory) -> None:
    t = create_table()
    ddb.put_item(
        TableName=t, Item={"pk": {"S": "u"}, "a": {"S": "old"}, "b": {"S": "x"}, "n": {"N": "1"}}
    )
    run(ddb, f"UPDATE \"{t}\" SET a = 'new' SET n = n + 2 REMOVE b WHERE pk = 'u'")
    assert get(ddb, t, pk="u") == {"pk": {"S": "u"}, "a": {"S": "new"}, "n": {"N": "3"}}
    code, message = error_of(
        ddb.execute_statement, Statement=f"UPDATE \"{t}\" SET a = 'z' WHERE pk = 'u' AND n > 5"
    )
    assert (code, message) == ("ConditionalCheckFailedException", "The conditional request failed")
    code, message = error_of(
        ddb.execute_statement, Statement=f"UPDATE \"{t}\" SET a = 'z' WHERE a = 'new'"
    )
    assert (code, message) == (
        "ValidationException",
        "Where clause does not contain a mandatory equality on all key attributes",
    )


def test_errors(ddb: Any) -> None:
    code, _ = error_of(ddb.execute_statement, Statement='SELECTT * FROMM "x"')
    assert code == "ValidationException"
    code, _ = error_of(
        ddb.execute_statement, Statement="SELECT * FROM \"_nope_table\" WHERE pk = 'x'"
    )
    assert code == "ResourceNotFoundException"


def test_batch(ddb: Any, raw: Any, create_table: TableFactory) -> None:
    t = create_table()
    ddb.put_item(TableName=t, Item={"pk": {"S": "b1"}, "d": {"S": "one"}})
    ddb.put_item(TableName=t, Item={"pk": {"S": "u1"}, "d": {"S": "before"}})
    out = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f"SELECT * FROM \"{t}\" WHERE pk = 'b1'"},
            {"Statement": "SELECT * FROM \"_nope_table\" WHERE pk = 'x'"},
            {"Statement": f"SELECT * FROM \"{t}\" WHERE d = 'one'"},
        ]
    )["Responses"]
    assert out[0] == {"TableName": t, "Item": {"pk": {"S": "b1"}, "d": {"S": "one"}}}
    assert out[1]["Error"]["Code"] == "ResourceNotFound"
    assert out[2]["Error"]["Code"] == "ValidationError"
    out = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'i1', 'd': 'new'}}"},
            {"Statement": f"UPDATE \"{t}\" SET d = 'after' WHERE pk = 'u1'"},
            {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'b1'}}"},
        ]
    )["Responses"]
    assert out[0] == {"TableName": t} and out[1] == {"TableName": t}
    assert out[2]["Error"] == {
        "Code": "DuplicateItem",
        "Message": "Duplicate primary key exists in table",
    }
    assert get(ddb, t, pk="i1")["d"] == {"S": "new"}
    assert get(ddb, t, pk="u1")["d"] == {"S": "after"}
    assert error_of(raw.batch_execute_statement, Statements=[]) == (
        "ValidationException",
        "1 validation error detected: Value '[]' at 'statements' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1",
    )


def test_transaction(ddb: Any, raw: Any, create_table: TableFactory) -> None:
    t = create_table()
    ddb.put_item(TableName=t, Item={"pk": {"S": "u"}, "d": {"S": "before"}})
    ddb.execute_transaction(
        TransactStatements=[
            {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'i', 'd': 'new'}}"},
            {"Statement": f"UPDATE \"{t}\" SET d = 'after' WHERE pk = 'u'"},
        ]
    )
    assert get(ddb, t, pk="i")["d"] == {"S": "new"}
    assert get(ddb, t, pk="u")["d"] == {"S": "after"}
    with pytest.raises(ClientError) as info:
        ddb.execute_transaction(
            TransactStatements=[
                {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'u', 'd': 'fail'}}"},
                {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'rolled', 'd': 'back'}}"},
            ]
        )
    assert info.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert info.value.response["CancellationReasons"] == [
        {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"},
        {"Code": "None"},
    ]
    assert get(ddb, t, pk="rolled") is None
    assert get(ddb, t, pk="u")["d"] == {"S": "after"}
    reads = ddb.execute_transaction(
        TransactStatements=[
            {"Statement": f"SELECT d FROM \"{t}\" WHERE pk = 'u'"},
            {"Statement": f"SELECT * FROM \"{t}\" WHERE pk = 'missing'"},
        ]
    )["Responses"]
    assert reads == [{"Item": {"d": {"S": "after"}}}, {}]
    code, _ = error_of(raw.execute_transaction, TransactStatements=[])
    assert code == "ValidationException"


def test_update_sets_and_missing_item(ddb: Any, create_table: TableFactory) -> None:
    t = create_table()
    ddb.put_item(TableName=t, Item={"pk": {"S": "s"}, "tags": {"SS": ["a"]}})
    run(ddb, f"UPDATE \"{t}\" SET tags = set_add(tags, <<'b'>>) WHERE pk = 's'")
    assert sorted(get(ddb, t, pk="s")["tags"]["SS"]) == ["a", "b"]
    run(ddb, f"UPDATE \"{t}\" SET tags = set_delete(tags, <<'a'>>) WHERE pk = 's'")
    assert get(ddb, t, pk="s")["tags"] == {"SS": ["b"]}
    code, _ = error_of(
        ddb.execute_statement, Statement=f"UPDATE \"{t}\" SET a = 1 WHERE pk = 'none'"
    )
    assert code == "ConditionalCheckFailedException"
    assert get(ddb, t, pk="none") is None
    code, _ = error_of(
        ddb.execute_statement, Statement=f"DELETE FROM \"{t}\" WHERE pk = 's' AND x = 1"
    )
    assert code == "ConditionalCheckFailedException"
    run(ddb, f"DELETE FROM \"{t}\" WHERE pk = 'absent'")
    run(ddb, f"DELETE FROM \"{t}\" WHERE pk = 'absent' AND x = 1")
    run(ddb, f"DELETE FROM \"{t}\" WHERE pk = 's' AND attribute_exists(tags)")
    assert get(ddb, t, pk="s") is None
