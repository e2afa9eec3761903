"""One vector index's partitions in memory, kept in step with its items one put or removal at
a time (imports numpy: the cache and the backfill import it only when an index is used)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ddblite.engine.vectors.entries import entry_of
from ddblite.engine.vectors.matrix import Partition
from ddblite.model.table_record import VectorIndex
from ddblite.model.values import Item


@dataclass(slots=True)
class IndexMatrices:
    """One vector index: its partitions by encoded HASH value (b"" without a HASH)."""

    index: VectorIndex
    partitions: dict[bytes, Partition] = field(default_factory=dict)

    def put(self, key: tuple[bytes, bytes], item: Item) -> None:
        entry = entry_of(self.index, item)
        if entry is None:
            return
        partition = self.partitions.get(entry.partition)
        if partition is None:
            partition = Partition(self.index.dimensions, self.index.distance)
            self.partitions[entry.partition] = partition
        partition.put(key, entry.vector, entry.filters)

    def remove(self, key: tuple[bytes, bytes], item: Item) -> None:
        entry = entry_of(self.index, item)
        if entry is None:
            return
        partition = self.partitions.get(entry.partition)
        if partition is not None:
            partition.remove(key)
            if partition.count == 0:
                del self.partitions[entry.partition]

    @property
    def count(self) -> int:
        return sum(p.count for p in self.partitions.values())

    @property
    def nbytes(self) -> int:
        return sum(p.nbytes for p in self.partitions.values())
