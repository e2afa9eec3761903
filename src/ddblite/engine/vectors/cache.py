"""The in-memory matrices of every vector index, derived from the table's items.

Why derived and not stored: a vector index holds nothing the items do not (the vector, the
search-schema values, the key), so keeping a second copy in storage (an index_rows-like table
on both backends) would double the bytes written per put and still need loading into memory
to search. Instead each index's partitions are built from one scan of the table on first use
and then kept in step by ``Database.store`` (the one place every item write passes through,
inside the item's storage transaction): the matrix always reflects what storage holds.

A write block that raises (a refused transaction, a failed group commit) drops the whole
cache: it is rebuilt from storage on the next search, never left ahead of what committed. On
a backend several servers share (PostgreSQL) another server's writes are invisible here, so
nothing is cached and each search builds the partitions from storage.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

import orjson

from ddblite.engine.reads import WHOLE_HASH_SPACE
from ddblite.engine.vectors.availability import require_numpy
from ddblite.model.schema import EncodedKey, TableSchema
from ddblite.model.table_record import VectorIndex
from ddblite.model.values import Item
from ddblite.storage.base import StorageBackend

if TYPE_CHECKING:
    from ddblite.engine.vectors.index_matrices import IndexMatrices


class VectorCache:
    def __init__(self, backend: StorageBackend, enabled: bool) -> None:
        self._backend = backend
        self._enabled = enabled
        # table_id -> index name -> matrices
        self._tables: dict[int, dict[str, IndexMatrices]] = {}
        # Tables whose matrices the current write block changed (``block``).
        self._touched: set[int] = set()

    @contextmanager
    def block(self) -> Iterator[None]:
        """Around one storage write block: if it raises (rolled back), the matrices it
        changed are dropped, to be rebuilt from storage."""
        self._touched.clear()
        try:
            yield
        except BaseException:
            for table_id in self._touched:
                self._tables.pop(table_id, None)
            raise
        finally:
            self._touched.clear()

    def index(self, table: TableSchema, index: VectorIndex) -> IndexMatrices:
        """The matrices of ``index``, built from storage unless cached for this definition
        (its status aside: a backfill's matrices serve the index once it is ACTIVE)."""
        built = self._tables.get(table.table_id, {})
        matrices = built.get(index.name)
        if matrices is not None and replace(matrices.index, status=index.status) == index:
            return matrices
        matrices = self._build(table, index)
        if self._enabled:
            self._tables.setdefault(table.table_id, {})[index.name] = matrices
        return matrices

    def install(self, table: TableSchema, matrices: IndexMatrices) -> None:
        """Cache matrices a backfill is filling: writes keep them in step from now on."""
        if self._enabled:
            self._tables.setdefault(table.table_id, {})[matrices.index.name] = matrices

    def stats(self, table: TableSchema, name: str) -> tuple[int, int]:
        """ItemCount and IndexSizeBytes of a vector index: its entries and their vector bytes."""
        index = table.record.vector_index(name)
        assert index is not None
        matrices = self.index(table, index)
        return matrices.count, matrices.nbytes

    def _build(self, table: TableSchema, index: VectorIndex) -> IndexMatrices:
        # Here and not at the top: numpy (the ``vectors`` extra) loads with the first vector
        # index used, not with every server. Without it (a table created where it was
        # installed) DescribeTable and SearchVectors say so instead of failing on the import.
        require_numpy()
        from ddblite.engine.vectors.index_matrices import IndexMatrices

        matrices = IndexMatrices(index)
        with self._backend.read() as r:
            for row in r.scan_items(table.table_id, *WHOLE_HASH_SPACE, None):
                matrices.put((row.pk, row.sk), orjson.loads(row.body))
        return matrices

    def on_store(
        self, table: TableSchema, ek: EncodedKey, old: Item | None, new: Item | None
    ) -> None:
        """Keep the built matrices of ``table`` in step with one item changing."""
        built = self._tables.get(table.table_id)
        if not built:
            return
        self._touched.add(table.table_id)
        key = (ek.pk, ek.sk)
        for matrices in built.values():
            if old is not None:
                matrices.remove(key, old)
            if new is not None:
                matrices.put(key, new)

    def forget(self, table_id: int) -> None:
        self._tables.pop(table_id, None)

    def clear(self) -> None:
        self._tables.clear()
