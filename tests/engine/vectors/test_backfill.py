"""The online backfill of a vector index added to a populated table, chunk by chunk."""

from __future__ import annotations

from typing import Any

import numpy as np

from ddblite.engine.chunks import CHUNK
from ddblite.engine.vectors.cache import VectorCache
from ddblite.engine.vectors.index_matrices import IndexMatrices
from tests.engine.test_backfill import client
from tests.engine.test_indexes import Client, s

__all__ = ["client"]


def vector(*values: float) -> dict[str, Any]:
    return {"L": [{"N": repr(v)} for v in values]}


def add_index(client: Client) -> dict[str, Any]:
    return client(
        "UpdateTable",
        TableName="docs",
        AttributeDefinitions=[{"AttributeName": "cat", "AttributeType": "S"}],
        VectorIndexUpdates=[
            {
                "Create": {
                    "IndexName": "vec",
                    "VectorAttribute": {"AttributeName": "v"},
                    "SearchSchema": [{"AttributeName": "cat", "SearchSchemaElementType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                    "Dimensions": 2,
                    "DistanceFunction": "DOT_PRODUCT",
                }
            }
        ],
    )


def contents(matrices: IndexMatrices) -> dict[bytes, dict[tuple[bytes, bytes], list[float]]]:
    return {
        hash_key: {key: partition.rows[i].tolist() for i, key in enumerate(partition.keys)}
        for hash_key, partition in matrices.partitions.items()
    }


def test_backfill_runs_in_chunks_and_keeps_writes_made_meanwhile(client: Client) -> None:
    client(
        "CreateTable",
        TableName="docs",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(3 * CHUNK):
        item = {"pk": s(f"d{i}"), "cat": s(f"c{i % 2}"), "v": vector(i, 1)}
        client("PutItem", TableName="docs", Item=item)
    answer = add_index(client)["TableDescription"]
    assert (answer["TableStatus"], answer["VectorIndexes"][0]["IndexStatus"]) == (
        "UPDATING",
        "CREATING",
    )
    search = {
        "TableName": "docs",
        "IndexName": "vec",
        "SearchVector": [{"N": "1"}, {"N": "0"}],
        "TopK": 3,
        "SearchConditionExpression": "cat = :c",
        "ExpressionAttributeValues": {":c": s("c0")},
    }
    assert client.error("SearchVectors", **search) == (
        "ValidationException",
        "Cannot search backfilling vector index: vec",
    )
    assert client.db.background.step()  # one chunk read, more to go
    counted = client("DescribeTable", TableName="docs")["Table"]["VectorIndexes"][0]
    assert 0 < counted["ItemCount"] < 3 * CHUNK
    # Writes meanwhile: a new best match, a deletion, an item leaving the index.
    client("PutItem", TableName="docs", Item={"pk": s("best"), "cat": s("c0"), "v": vector(1e6, 0)})
    client("DeleteItem", TableName="docs", Key={"pk": s("d766")})
    client("PutItem", TableName="docs", Item={"pk": s("d764"), "v": vector(1, 1)})
    client.db.background.run_all()
    table = client.table("docs")
    index = table.record.vector_index("vec")
    assert index is not None and index.status == "ACTIVE"
    built = client.db.vectors.index(table, index)
    fresh = VectorCache(client.db.backend, enabled=False).index(table, index)
    assert contents(built) == contents(fresh)
    found = client("SearchVectors", **search)["SearchResults"]
    assert [r["Item"]["pk"]["S"] for r in found] == ["best", "d762", "d760"]
    assert np.isclose(found[0]["Score"], 1e6)
