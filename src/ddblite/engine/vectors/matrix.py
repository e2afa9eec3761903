"""One partition of a vector index in memory: a contiguous float32 matrix and its keys.

Rows are packed: a removed row is replaced by the last one, so a search is one
matrix-vector product over ``rows[:count]`` followed by ``argpartition`` for the TopK, exact
(recall 1.0). The matrix doubles its capacity when full, so an insert is amortised O(1).

COSINE rows are stored normalised to unit length (a zero vector stays zero), so the cosine
distance is ``1 - rows @ unit(query)``; EUCLIDEAN keeps each row's squared norm beside it, so
the distance is ``sqrt(|row|^2 - 2 row.query + |query|^2)``; DOT_PRODUCT is ``rows @ query``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ddblite.engine.vectors.entries import Vector
from ddblite.model.table_record import DistanceFunction
from ddblite.model.values import Item

# (pk, sk) of the item an entry belongs to.
RowKey = tuple[bytes, bytes]
Scores = npt.NDArray[np.float32]
_INITIAL_ROWS = 16


def unit(vector: Vector) -> Vector:
    """``vector`` scaled to length 1 (zero stays zero); in float64, where the squares of tiny
    float32 components do not underflow."""
    wide = vector.astype(np.float64)
    norm = float(np.linalg.norm(wide))
    return vector if norm == 0.0 else (wide / norm).astype(np.float32)


def _dots(rows: npt.NDArray[np.float32], query: Vector) -> Scores:
    """``rows @ query`` on this thread: einsum's own SIMD loop, not BLAS, whose thread pool
    spins against the server's threads on a small machine (measured on 2 busy cores at
    2,000 x 768: 8 ms through BLAS, 0.2 ms here; the same at 100,000, memory-bound)."""
    dots: Scores = np.einsum("ij,j->i", rows, query)
    return dots


class Partition:
    __slots__ = ("_position", "count", "distance", "filters", "keys", "rows", "square_norms")

    def __init__(self, dimensions: int, distance: DistanceFunction) -> None:
        self.distance = distance
        self.rows: npt.NDArray[np.float32] = np.empty((_INITIAL_ROWS, dimensions), np.float32)
        self.square_norms: npt.NDArray[np.float32] = np.empty(_INITIAL_ROWS, np.float32)
        self.count = 0
        self.keys: list[RowKey] = []
        self.filters: list[Item] = []
        self._position: dict[RowKey, int] = {}

    def put(self, key: RowKey, vector: Vector, filters: Item) -> None:
        if self.distance is DistanceFunction.COSINE:
            vector = unit(vector)
        at = self._position.get(key)
        if at is None:
            if self.count == len(self.rows):
                self._grow()
            at = self.count
            self.count += 1
            self._position[key] = at
            self.keys.append(key)
            self.filters.append(filters)
        else:
            self.filters[at] = filters
        self.rows[at] = vector
        self.square_norms[at] = float(np.dot(vector, vector))

    def remove(self, key: RowKey) -> None:
        at = self._position.pop(key, None)
        if at is None:
            return
        last = self.count - 1
        if at != last:
            moved = self.keys[last]
            self.rows[at] = self.rows[last]
            self.square_norms[at] = self.square_norms[last]
            self.keys[at] = moved
            self.filters[at] = self.filters[last]
            self._position[moved] = at
        self.keys.pop()
        self.filters.pop()
        self.count = last

    def _grow(self) -> None:
        capacity = len(self.rows) * 2
        rows = np.empty((capacity, self.rows.shape[1]), np.float32)
        rows[: self.count] = self.rows[: self.count]
        norms = np.empty(capacity, np.float32)
        norms[: self.count] = self.square_norms[: self.count]
        self.rows, self.square_norms = rows, norms

    def scores(self, query: Vector) -> Scores:
        """The score of every row against ``query`` (as the service defines it per distance
        function), float32."""
        rows = self.rows[: self.count]
        if self.distance is DistanceFunction.COSINE:
            return np.float32(1.0) - _dots(rows, unit(query))
        dots = _dots(rows, query)
        if self.distance is DistanceFunction.DOT_PRODUCT:
            return dots
        squared = self.square_norms[: self.count] - 2 * dots + np.float32(np.dot(query, query))
        distances: Scores = np.sqrt(np.maximum(squared, np.float32(0.0)))
        return distances

    def exact_scores(self, at: npt.NDArray[np.intp], query: Vector) -> npt.NDArray[np.float64]:
        """The scores of rows ``at`` computed in float64 from their stored float32 values
        (what Score reports: the float32 pass only chooses the candidates)."""
        rows = self.rows[at].astype(np.float64)
        q = query.astype(np.float64)
        if self.distance is DistanceFunction.COSINE:
            norm = float(np.linalg.norm(q))
            dots = rows @ (q / norm if norm else q)
            return np.asarray(1.0 - dots, np.float64)
        if self.distance is DistanceFunction.DOT_PRODUCT:
            return np.asarray(rows @ q, np.float64)
        return np.asarray(np.linalg.norm(rows - q, axis=1), np.float64)

    @property
    def nbytes(self) -> int:
        """The bytes the index's vectors hold (what IndexSizeBytes reports)."""
        return self.count * int(self.rows.shape[1]) * 4
