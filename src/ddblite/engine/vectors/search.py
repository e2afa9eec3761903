"""SearchVectors in the engine: the exact TopK of one partition of a vector index.

Exact k-NN: every vector of the partition is scored (one matrix-vector product) and
``argpartition`` picks the TopK, so recall is 1.0 and results are deterministic. Ties are
broken by the item's key (encoded partition key, then sort key), also at the TopK boundary:
every row scoring as well as the k-th is a candidate before the cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import orjson

from ddblite.engine.database import Database
from ddblite.engine.vectors.entries import RowFilter, Vector
from ddblite.engine.vectors.matrix import Partition, RowKey
from ddblite.model.keycodec import pk_hash
from ddblite.model.schema import TableSchema
from ddblite.model.table_record import DistanceFunction, VectorIndex
from ddblite.model.values import Item


@dataclass(frozen=True, slots=True)
class Hit:
    item: Item
    score: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[Hit]
    examined_bytes: int  # the vector bytes scored


def search(
    db: Database,
    table: TableSchema,
    index: VectorIndex,
    query: Vector,
    top_k: int,
    partition_key: bytes,
    row_filter: RowFilter | None,
) -> SearchResult:
    partition = db.vectors.index(table, index).partitions.get(partition_key)
    if partition is None or partition.count == 0:
        return SearchResult([], 0)
    chosen = _top(partition, query, top_k, row_filter)
    hits: list[Hit] = []
    with db.backend.read() as r:
        for (pk, sk), score in chosen:
            body = r.get_item(table.table_id, pk_hash(pk), pk, sk)
            if body is not None:
                hits.append(Hit(orjson.loads(body), score))
    return SearchResult(hits, partition.count * index.dimensions * 4)


def _top(
    partition: Partition, query: Vector, top_k: int, row_filter: RowFilter | None
) -> list[tuple[RowKey, float]]:
    scores = partition.scores(query)
    # Smallest first: distances as they are, DOT_PRODUCT (largest first) negated.
    order = (-scores if partition.distance is DistanceFunction.DOT_PRODUCT else scores).astype(
        np.float64
    )
    if row_filter is not None:
        passes = np.fromiter((row_filter(f) for f in partition.filters), bool, partition.count)
        order[~passes] = np.inf
    finite = int(np.count_nonzero(np.isfinite(order)))
    k = min(top_k, finite)
    if k == 0:
        return []
    if k < len(order):
        boundary = order[np.argpartition(order, k - 1)[k - 1]]
        candidates = np.flatnonzero(order <= boundary)
    else:
        candidates = np.flatnonzero(np.isfinite(order))
    exact = partition.exact_scores(candidates, query)
    sign = -1.0 if partition.distance is DistanceFunction.DOT_PRODUCT else 1.0
    ranked = sorted(
        (sign * score, partition.keys[i], score)
        for i, score in zip(candidates.tolist(), exact.tolist(), strict=True)
    )
    return [(key, score) for _, key, score in ranked[:k]]
