"""A partition's packed float32 rows: growth, replacement, swap-removal, scores."""

from __future__ import annotations

import numpy as np
import pytest

from ddblite.engine.vectors.entries import Vector
from ddblite.engine.vectors.matrix import Partition
from ddblite.model.table_record import DistanceFunction


def v(*values: float) -> Vector:
    return np.asarray(values, np.float32)


def test_rows_stay_packed_through_growth_replacement_and_removal() -> None:
    partition = Partition(2, DistanceFunction.DOT_PRODUCT)
    for i in range(40):  # past the initial capacity of 16, twice
        partition.put((b"k%d" % i, b""), v(i, 0), {"f": {"S": str(i)}})
    partition.put((b"k3", b""), v(-1, 0), {})  # replaced in place
    partition.remove((b"k0", b""))  # the last row moves into its place
    partition.remove((b"missing", b""))
    assert partition.count == 39
    assert len(partition.rows) == 64
    assert partition.keys[0] == (b"k39", b"")
    assert partition.filters[0] == {"f": {"S": "39"}}
    assert partition.filters[3] == {}
    scores = dict(zip(partition.keys, partition.scores(v(1, 0)).tolist(), strict=True))
    assert scores[(b"k3", b"")] == -1.0
    assert scores[(b"k39", b"")] == 39.0
    assert (b"k0", b"") not in scores
    assert partition.nbytes == 39 * 2 * 4


@pytest.mark.parametrize(
    ("distance", "expected"),
    [
        (DistanceFunction.COSINE, [0.0, 1.0, 2.0, 1.0]),
        (DistanceFunction.EUCLIDEAN, [2.0, 5**0.5, 4.0, 1.0]),
        (DistanceFunction.DOT_PRODUCT, [3.0, 0.0, -3.0, 0.0]),
    ],
)
def test_scores_per_distance_function(distance: DistanceFunction, expected: list[float]) -> None:
    partition = Partition(2, distance)
    for i, row in enumerate([v(3, 0), v(0, 2), v(-3, 0), v(0, 0)]):
        partition.put((b"%d" % i, b""), row, {})
    query = v(1, 0)
    assert partition.scores(query).tolist() == pytest.approx(expected, abs=1e-6)
    exact = partition.exact_scores(np.arange(4), query).tolist()
    assert exact == pytest.approx(expected, abs=1e-12)
