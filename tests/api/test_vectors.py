"""Vector indexes and SearchVectors through boto3: against a real server (every backend) and
in process (``Engine``), with the service's documented rules and messages pinned."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ddblite.embedded.engine import Engine
from tests.api.conftest import BACKENDS, error_of, make_client, start_backend
from tests.api.test_backups import _backup

_names = itertools.count()
INVALID = "One or more parameter values were invalid: "


@pytest.fixture(scope="module", params=[*BACKENDS, "in-process"])
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """boto3 against a server on each backend, and against an in-process Engine."""
    if request.param == "in-process":
        with Engine() as engine:
            yield engine.client()
        return
    running = start_backend(request.param, request, tmp_path_factory)
    yield make_client(running.endpoint)
    running.stop()


def vector_index(
    name: str = "vec",
    dimensions: int = 3,
    distance: str = "COSINE",
    schema: list[dict[str, str]] | None = None,
    projection: dict[str, Any] | None = None,
    attribute: str = "v",
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "IndexName": name,
        "VectorAttribute": {"AttributeName": attribute},
        "Projection": projection or {"ProjectionType": "ALL"},
        "Dimensions": dimensions,
        "DistanceFunction": distance,
    }
    if schema is not None:
        out["SearchSchema"] = schema
    return out


def hash_on(attr: str) -> dict[str, str]:
    return {"AttributeName": attr, "SearchSchemaElementType": "HASH"}


def filter_on(attr: str) -> dict[str, str]:
    return {"AttributeName": attr, "SearchSchemaElementType": "INLINE_FILTER"}


def create(client: Any, *indexes: dict[str, Any], defs: tuple[str, ...] = (), **extra: Any) -> str:
    name = f"vt{next(_names)}"
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            *({"AttributeName": d, "AttributeType": "S"} for d in defs),
        ],
        "BillingMode": "PAY_PER_REQUEST",
        **extra,
    }
    if indexes:
        request["VectorIndexes"] = list(indexes)
    client.create_table(**request)
    return name


def vec(*values: float) -> dict[str, Any]:
    return {"L": [{"N": repr(v)} for v in values]}


def search(client: Any, table: str, query: list[float], top_k: int = 10, **extra: Any) -> Any:
    return client.search_vectors(
        TableName=table,
        IndexName=extra.pop("IndexName", "vec"),
        SearchVector=[{"N": repr(v)} for v in query],
        TopK=top_k,
        **extra,
    )


def keys_of(answer: Any) -> list[str]:
    return [r["Item"]["pk"]["S"] for r in answer["SearchResults"]]


# --- lifecycle and DescribeTable ------------------------------------------------------------


def test_describe_shows_the_index_as_the_service_does(client: Any) -> None:
    schema = [hash_on("cat"), filter_on("brand")]
    projection = {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]}
    name = f"vt{next(_names)}"
    created = client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "cat", "AttributeType": "S"},
            {"AttributeName": "brand", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        VectorIndexes=[vector_index(dimensions=4, schema=schema, projection=projection)],
    )["TableDescription"]
    arn = created["TableArn"]
    assert created["VectorIndexes"] == [
        {
            "IndexName": "vec",
            "SearchSchema": schema,
            "Projection": projection,
            "VectorAttribute": {"AttributeName": "v"},
            "Dimensions": 4,
            "DistanceFunction": "COSINE",
            "IndexStatus": "CREATING",
            "IndexSizeBytes": 0,
            "ItemCount": 0,
            "IndexArn": f"{arn}/index/vec",
        }
    ]
    client.put_item(
        TableName=name, Item={"pk": {"S": "a"}, "cat": {"S": "c"}, "v": vec(1, 2, 3, 4)}
    )
    client.put_item(TableName=name, Item={"pk": {"S": "b"}, "v": vec(1, 2, 3, 4)})  # no HASH
    described = client.describe_table(TableName=name)["Table"]["VectorIndexes"][0]
    assert described["IndexStatus"] == "ACTIVE"
    assert "Backfilling" not in described
    assert (described["ItemCount"], described["IndexSizeBytes"]) == (1, 16)


def test_create_table_rules(client: Any) -> None:
    def refused(*indexes: dict[str, Any], defs: tuple[str, ...] = (), **extra: Any) -> str:
        code, message = error_of(lambda: create(client, *indexes, defs=defs, **extra))
        assert code == "ValidationException"
        return message

    assert refused(vector_index(schema=[hash_on("cat")])) == (
        INVALID + "One element in SearchSchema is not defined in attribute definitions"
    )
    assert refused(
        vector_index(),
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    ) == INVALID + (
        "Vector indexes are only supported on tables whose BillingMode is PAY_PER_REQUEST"
    )
    assert refused(*(vector_index(f"vec{i}") for i in range(6))) == (
        INVALID + "VectorIndex count exceeds the per-table limit of 5"
    )
    assert refused(vector_index(dimensions=4097)) == (
        INVALID + "Dimensions for vector index: vec must be between 1 and 4096, but was 4097"
    )
    assert refused(vector_index(schema=[hash_on("a"), hash_on("b")]), defs=("a", "b")) == (
        INVALID + "SearchSchema of vector index: vec can have at most one HASH element"
    )
    filters = [filter_on(f"f{i}") for i in range(19)]
    assert refused(vector_index(schema=filters), defs=tuple(f"f{i}" for i in range(19))) == (
        INVALID + "SearchSchema of vector index: vec can have at most 18 INLINE_FILTER elements"
    )
    assert refused(vector_index(), vector_index()) == INVALID + "Duplicate index name: vec"
    gsi = {
        "IndexName": "vec",
        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    }
    assert refused(vector_index(), defs=("g",), GlobalSecondaryIndexes=[gsi]) == (
        INVALID + "Duplicate index name: vec"
    )
    assert refused(vector_index("one", 3), vector_index("two", 4)) == (
        INVALID + "Vector indexes of attribute v must all have the same Dimensions: 3 and 4"
    )
    assert refused(vector_index(attribute="pk")) == (
        INVALID + "VectorAttribute of vector index: vec cannot be a table key: pk"
    )
    assert refused(vector_index(projection={"ProjectionType": "INCLUDE"})) == (
        INVALID + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"
    )
    # A defined attribute no key or search schema uses is still refused.
    assert refused(vector_index(), defs=("unused",)) == INVALID + (
        "Number of attributes in KeySchema does not exactly match number of attributes "
        "defined in AttributeDefinitions"
    )


# --- writes ---------------------------------------------------------------------------------


def test_writes_are_checked_against_the_index(client: Any) -> None:
    name = create(client, vector_index(schema=[hash_on("cat")]), defs=("cat",))
    put = client.put_item
    assert error_of(put, TableName=name, Item={"pk": {"S": "a"}, "v": vec(1, 2)}) == (
        "ValidationException",
        INVALID + "Invalid size for parameter v, Expected: 3, Actual: 2. IndexName: vec",
    )
    assert error_of(put, TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "x"}}) == (
        "ValidationException",
        INVALID + "Type mismatch for vector attribute v Expected: L Actual: S IndexName: vec",
    )
    bad = {"L": [{"N": "1"}, {"S": "2"}, {"N": "3"}]}
    assert error_of(put, TableName=name, Item={"pk": {"S": "a"}, "v": bad})[1] == (
        INVALID + "Invalid element for parameter v: every element must be a number that fits "
        "a 32-bit float. IndexName: vec"
    )
    assert error_of(put, TableName=name, Item={"pk": {"S": "a"}, "v": vec(1e39, 0, 0)})[0] == (
        "ValidationException"
    )
    assert error_of(put, TableName=name, Item={"pk": {"S": "a"}, "cat": {"N": "1"}}) == (
        "ValidationException",
        INVALID + "Type mismatch for Index Key cat Expected: S Actual: N IndexName: vec",
    )
    assert error_of(put, TableName=name, Item={"pk": {"S": "a"}, "cat": {"S": ""}})[1] == (
        "One or more parameter values are not valid. A value specified for a secondary index "
        "key is not supported. The AttributeValue for a key attribute cannot contain an empty "
        "string value. IndexName: vec, IndexKey: cat"
    )
    assert client.scan(TableName=name)["Count"] == 0
    # Without its HASH attribute an item is stored but left out of the index.
    put(TableName=name, Item={"pk": {"S": "x"}, "v": vec(1, 0, 0)})
    put(TableName=name, Item={"pk": {"S": "y"}, "cat": {"S": "c"}, "v": vec(1, 0, 0)})
    found = search(
        client,
        name,
        [1, 0, 0],
        SearchConditionExpression="cat = :c",
        ExpressionAttributeValues={":c": {"S": "c"}},
    )
    assert keys_of(found) == ["y"]
    # Updates move the entry; removing the vector (or the item) leaves the index.
    client.update_item(
        TableName=name,
        Key={"pk": {"S": "x"}},
        UpdateExpression="SET cat = :c",
        ExpressionAttributeValues={":c": {"S": "c"}},
    )
    client.update_item(TableName=name, Key={"pk": {"S": "y"}}, UpdateExpression="REMOVE v")
    found = search(
        client,
        name,
        [1, 0, 0],
        SearchConditionExpression="cat = :c",
        ExpressionAttributeValues={":c": {"S": "c"}},
    )
    assert keys_of(found) == ["x"]
    client.delete_item(TableName=name, Key={"pk": {"S": "x"}})
    found = search(
        client,
        name,
        [1, 0, 0],
        SearchConditionExpression="cat = :c",
        ExpressionAttributeValues={":c": {"S": "c"}},
    )
    assert found["SearchResults"] == []


def test_a_refused_transaction_leaves_the_index_as_it_was(client: Any) -> None:
    name = create(client, vector_index())
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": vec(1, 0, 0)})
    search(client, name, [1, 0, 0])  # builds the matrix
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "b"}, "v": vec(1, 0, 0)}}},
                {
                    "ConditionCheck": {
                        "TableName": name,
                        "Key": {"pk": {"S": "none"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    assert keys_of(search(client, name, [1, 0, 0])) == ["a"]


# --- SearchVectors --------------------------------------------------------------------------


def test_scores_and_order_per_distance_function(client: Any) -> None:
    # The service's own example: [10,0,0,0] ties first under COSINE and is last under
    # EUCLIDEAN for the query [1,0,0,0].
    stored = {"near": (1, 0, 0, 0), "far": (10, 0, 0, 0), "side": (0, 1, 0, 0)}
    expected = {
        "COSINE": [("far", 0.0), ("near", 0.0), ("side", 1.0)],
        "EUCLIDEAN": [("near", 0.0), ("side", math.sqrt(2)), ("far", 9.0)],
        "DOT_PRODUCT": [("far", 10.0), ("near", 1.0), ("side", 0.0)],
    }
    for distance, want in expected.items():
        name = create(client, vector_index(dimensions=4, distance=distance))
        for key, values in stored.items():
            client.put_item(TableName=name, Item={"pk": {"S": key}, "v": vec(*values)})
        answer = search(client, name, [1, 0, 0, 0])
        got = [(r["Item"]["pk"]["S"], r["Score"]) for r in answer["SearchResults"]]
        assert [k for k, _ in got] == [k for k, _ in want], distance
        assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-6)


def test_search_errors(client: Any) -> None:
    name = create(client, vector_index(schema=[hash_on("cat"), filter_on("b")]), defs=("cat", "b"))
    assert error_of(lambda: search(client, name, [1, 0, 0], top_k=101)) == (
        "ValidationException",
        "Provided TopK value '101' is out of valid range. The value must be between 1 and 100 "
        "inclusive",
    )
    assert error_of(lambda: search(client, name, [1, 0, 0], IndexName="nope")) == (
        "ValidationException",
        "The table does not have the specified index: nope",
    )
    assert error_of(lambda: search(client, name, [1, 0, 0, 0])) == (
        "ValidationException",
        "Input search vector dimension 4 does not match vector index dimension 3",
    )
    assert error_of(lambda: search(client, name, [1, 0, 0])) == (
        "ValidationException",
        "SearchConditionExpression must be provided when SearchSchema has a HASH key",
    )
    values = {":c": {"S": "x"}}
    assert error_of(
        lambda: search(
            client,
            name,
            [1, 0, 0],
            SearchConditionExpression="cat <> :c",
            ExpressionAttributeValues=values,
        )
    ) == (
        "ValidationException",
        "Invalid SearchConditionExpression: Invalid comparator used in SearchConditionExpression",
    )
    code, message = error_of(
        lambda: search(
            client,
            name,
            [1, 0, 0],
            SearchConditionExpression="cat = :c",
            ExpressionAttributeValues={**values, ":unused": {"S": "y"}},
        )
    )
    assert (code, message) == (
        "ValidationException",
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}",
    )
    assert error_of(
        lambda: search(
            client,
            name,
            [1, 0, 0],
            SearchConditionExpression="cat = :c AND colour = :c",
            ExpressionAttributeValues=values,
        )
    )[1] == (
        "Invalid SearchConditionExpression: attribute colour is not in the SearchSchema of the "
        "vector index"
    )
    missing = client.exceptions.ResourceNotFoundException
    with pytest.raises(missing):
        search(client, "no_such_table", [1, 0, 0])


def test_partitions_filters_and_projection(client: Any) -> None:
    projection = {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]}
    name = create(
        client,
        vector_index(schema=[hash_on("cat"), filter_on("brand")], projection=projection),
        defs=("cat", "brand"),
    )
    rows = [
        ("a", "shoes", "acme", (1, 0, 0)),
        ("b", "shoes", "other", (0.9, 0.1, 0)),
        ("c", "shoes", None, (0.8, 0.2, 0)),
        ("d", "hats", "acme", (1, 0, 0)),
    ]
    for key, cat, brand, values in rows:
        item = {"pk": {"S": key}, "cat": {"S": cat}, "v": vec(*values), "title": {"S": key * 2}}
        item["secret"] = {"S": "not projected"}
        if brand is not None:
            item["brand"] = {"S": brand}
        client.put_item(TableName=name, Item=item)
    shoes = {":c": {"S": "shoes"}}
    answer = search(
        client,
        name,
        [1, 0, 0],
        SearchConditionExpression="cat = :c",
        ExpressionAttributeValues=shoes,
    )
    assert keys_of(answer) == ["a", "b", "c"]
    # The vector attribute and unprojected attributes are left out.
    assert answer["SearchResults"][0]["Item"] == {
        "pk": {"S": "a"},
        "cat": {"S": "shoes"},
        "brand": {"S": "acme"},
        "title": {"S": "aa"},
    }
    answer = search(
        client,
        name,
        [1, 0, 0],
        SearchConditionExpression="#c = :c AND brand = :b",
        ExpressionAttributeNames={"#c": "cat"},
        ExpressionAttributeValues={**shoes, ":b": {"S": "acme"}},
    )
    assert keys_of(answer) == ["a"]
    # An explicit projection returns the vector; unprojected attributes stay out, silently.
    answer = search(
        client,
        name,
        [1, 0, 0],
        top_k=1,
        SearchConditionExpression="cat = :c",
        ExpressionAttributeValues=shoes,
        ProjectionExpression="pk, v, secret",
    )
    assert answer["SearchResults"][0]["Item"] == {"pk": {"S": "a"}, "v": vec(1, 0, 0)}
    # A value of another type than declared matches nothing.
    answer = search(
        client,
        name,
        [1, 0, 0],
        SearchConditionExpression="cat = :c",
        ExpressionAttributeValues={":c": {"N": "1"}},
    )
    assert answer["SearchResults"] == []


def test_ties_are_ordered_by_key(client: Any) -> None:
    name = create(client, vector_index(distance="EUCLIDEAN"))
    for key in ("d", "b", "a", "c", "e"):
        client.put_item(TableName=name, Item={"pk": {"S": key}, "v": vec(1, 1, 1)})
    assert keys_of(search(client, name, [0, 0, 0], top_k=3)) == ["a", "b", "c"]


def test_consumed_capacity(client: Any) -> None:
    name = create(client, vector_index(dimensions=100, distance="DOT_PRODUCT"))
    for i in range(5):
        client.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "v": vec(*[i] * 100)})
    answer = search(
        client, name, [1] * 100, top_k=2, ReturnConsumedCapacity="TOTAL", ProjectionExpression="pk"
    )
    # 5 vectors of 100 float32 scored (2,000 bytes) plus the two items returned (4 bytes each).
    assert answer["ConsumedCapacity"] == {"VectorSearchRequestBytes": 2008.0}
    small = create(client, vector_index())
    answer = search(client, small, [1, 0, 0], ReturnConsumedCapacity="INDEXES")
    assert answer["ConsumedCapacity"] == {"VectorSearchRequestBytes": 1024.0}
    assert "ConsumedCapacity" not in search(client, small, [1, 0, 0])


def test_table_arn_and_backup_restore(client: Any) -> None:
    name = create(client, vector_index())
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": vec(0, 1, 0)})
    arn = client.describe_table(TableName=name)["Table"]["TableArn"]
    assert keys_of(search(client, arn, [0, 1, 0])) == ["a"]
    backup = _backup(client, name, "vbackup")
    target = f"{name}_restored"
    restored = client.restore_table_from_backup(TargetTableName=target, BackupArn=backup)
    assert restored["TableDescription"]["VectorIndexes"][0]["IndexName"] == "vec"
    deadline = time.monotonic() + 30
    while client.describe_table(TableName=target)["Table"]["TableStatus"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert keys_of(search(client, target, [0, 1, 0])) == ["a"]


# --- exactness against a brute-force reference ------------------------------------------------


def reference(distance: str, rows: list[list[float]], query: list[float]) -> list[float]:
    q = np.asarray(query, np.float32).astype(np.float64)
    out = []
    for row in rows:
        r = np.asarray(row, np.float32).astype(np.float64)
        if distance == "DOT_PRODUCT":
            out.append(float(r @ q))
        elif distance == "EUCLIDEAN":
            out.append(float(np.linalg.norm(r - q)))
        else:
            norms = float(np.linalg.norm(r) * np.linalg.norm(q))
            out.append(1.0 - (float(r @ q) / norms if norms else 0.0))
    return out


finite = st.floats(-100, 100, allow_nan=False, width=32)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    dimensions=st.integers(1, 8),
    count=st.integers(1, 30),
    top_k=st.integers(1, 40),
    distance=st.sampled_from(["COSINE", "EUCLIDEAN", "DOT_PRODUCT"]),
)
def test_results_are_the_exact_top_k(
    data: st.DataObject, dimensions: int, count: int, top_k: int, distance: str
) -> None:
    rows = [
        data.draw(st.lists(finite, min_size=dimensions, max_size=dimensions)) for _ in range(count)
    ]
    query = data.draw(st.lists(finite, min_size=dimensions, max_size=dimensions))
    with Engine() as engine:
        client = engine.client()
        name = create(client, vector_index(dimensions=dimensions, distance=distance))
        for i, row in enumerate(rows):
            client.put_item(TableName=name, Item={"pk": {"S": f"k{i:03}"}, "v": vec(*row)})
        answer = search(client, name, query, top_k=top_k)
    scores = reference(distance, rows, query)
    best_first = sorted(scores, reverse=distance == "DOT_PRODUCT")[:top_k]
    got = [r["Score"] for r in answer["SearchResults"]]
    assert got == pytest.approx(best_first, rel=1e-4, abs=1e-3)
    for result in answer["SearchResults"]:
        i = int(result["Item"]["pk"]["S"][1:])
        assert result["Score"] == pytest.approx(scores[i], rel=1e-4, abs=1e-3)


def test_index_survives_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "vectors.db")
    with Engine(db=path) as engine:
        client = engine.client()
        name = create(client, vector_index(distance="EUCLIDEAN"))
        for i in range(4):
            client.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "v": vec(i, 0, 0)})
    with Engine(db=path) as engine:
        client = engine.client()
        assert keys_of(search(client, name, [2.2, 0, 0], top_k=2)) == ["k2", "k3"]
        described = client.describe_table(TableName=name)["Table"]["VectorIndexes"][0]
        assert (described["IndexStatus"], described["ItemCount"]) == ("ACTIVE", 4)


# --- UpdateTable VectorIndexUpdates -------------------------------------------------------------


def until_active(client: Any, name: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        table: dict[str, Any] = client.describe_table(TableName=name)["Table"]
        if table["TableStatus"] == "ACTIVE":
            return table
        assert any(ix["IndexStatus"] == "CREATING" for ix in table["VectorIndexes"])
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_create_on_a_populated_table_and_delete(client: Any) -> None:
    name = create(client)
    items = [{"pk": {"S": f"k{i:03}"}, "cat": {"S": "c"}, "v": vec(i, 1, 0)} for i in range(300)]
    items.append({"pk": {"S": "short"}, "cat": {"S": "c"}, "v": vec(1, 0)})  # left out
    items.append({"pk": {"S": "no-cat"}, "v": vec(1, 0, 0)})  # left out: no HASH value
    for start in range(0, len(items), 25):
        client.batch_write_item(
            RequestItems={name: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
        )
    answer = client.update_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "cat", "AttributeType": "S"}],
        VectorIndexUpdates=[
            {"Create": vector_index(distance="EUCLIDEAN", schema=[hash_on("cat")])}
        ],
    )["TableDescription"]
    assert answer["TableStatus"] == "UPDATING"
    assert answer["VectorIndexes"][0]["IndexStatus"] == "CREATING"
    assert {"AttributeName": "cat", "AttributeType": "S"} in answer["AttributeDefinitions"]
    table = until_active(client, name)
    assert table["VectorIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert table["VectorIndexes"][0]["ItemCount"] == 300
    values = {":c": {"S": "c"}}
    found = search(
        client,
        name,
        [7, 1, 0],
        top_k=3,
        SearchConditionExpression="cat = :c",
        ExpressionAttributeValues=values,
    )
    assert keys_of(found) == ["k007", "k006", "k008"]
    deleted = client.update_table(
        TableName=name, VectorIndexUpdates=[{"Delete": {"IndexName": "vec"}}]
    )["TableDescription"]
    assert deleted["VectorIndexes"][0]["IndexStatus"] == "DELETING"
    table = client.describe_table(TableName=name)["Table"]
    assert "VectorIndexes" not in table
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert error_of(lambda: search(client, name, [1, 0, 0])) == (
        "ValidationException",
        "The table does not have the specified index: vec",
    )


def test_update_rules(client: Any) -> None:
    name = create(client, vector_index())
    update = client.update_table
    two = [{"Create": vector_index("one")}, {"Create": vector_index("two")}]
    assert error_of(update, TableName=name, VectorIndexUpdates=two) == (
        "LimitExceededException",
        "Subscriber limit exceeded: Only 1 online index can be created or deleted "
        "simultaneously per table",
    )
    assert error_of(
        update,
        TableName=name,
        DeletionProtectionEnabled=True,
        VectorIndexUpdates=[{"Create": vector_index("one")}],
    ) == (
        "ValidationException",
        INVALID + "VectorIndexUpdates cannot be combined with other changes in one UpdateTable "
        "request",
    )
    assert error_of(update, TableName=name, VectorIndexUpdates=[{"Create": vector_index()}]) == (
        "ValidationException",
        "Attempting to create an index which already exists",
    )
    assert error_of(
        update, TableName=name, VectorIndexUpdates=[{"Create": vector_index("wider", 4)}]
    ) == (
        "ValidationException",
        INVALID + "Vector indexes of attribute v must all have the same Dimensions: 3 and 4",
    )
    assert error_of(
        update, TableName=name, VectorIndexUpdates=[{"Delete": {"IndexName": "nope"}}]
    ) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Index nope for table {name}",
    )
    assert error_of(
        update,
        TableName=name,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    ) == (
        "ValidationException",
        INVALID + "Vector indexes are only supported on tables whose BillingMode is "
        "PAY_PER_REQUEST",
    )
    plain = create(
        client,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    )
    assert error_of(update, TableName=plain, VectorIndexUpdates=[{"Create": vector_index()}]) == (
        "ValidationException",
        INVALID + "Vector indexes are only supported on tables whose BillingMode is "
        "PAY_PER_REQUEST",
    )
    # A second vector index on a table that has one: both searchable.
    update(TableName=name, VectorIndexUpdates=[{"Create": vector_index("dots", 3, "DOT_PRODUCT")}])
    until_active(client, name)
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": vec(1, 2, 3)})
    assert keys_of(search(client, name, [1, 0, 0], IndexName="dots")) == ["a"]
    assert keys_of(search(client, name, [1, 0, 0])) == ["a"]
