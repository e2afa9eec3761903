"""Vector index changes to a table's record: UpdateTable's Create and Delete, and the
backfill's activation. Each is one ``store.change``."""

from __future__ import annotations

from dataclasses import replace

from ddblite.engine.catalog.store import change
from ddblite.engine.database import Database
from ddblite.model.schema import TableSchema
from ddblite.model.table_record import (
    AttributeDefinition,
    IndexStatus,
    TableRecord,
    VectorIndex,
)
from ddblite.storage.base import Writer


def add_vector_index(
    db: Database,
    table: TableSchema,
    index: VectorIndex,
    definitions: tuple[AttributeDefinition, ...],
) -> None:
    """A new vector index, CREATING until its backfill is done; the request's new
    AttributeDefinitions are added."""

    def edit(record: TableRecord, w: Writer, table_id: int) -> TableRecord:
        known = {d.name for d in record.attributes}
        return replace(
            record,
            attributes=(*record.attributes, *(d for d in definitions if d.name not in known)),
            vector_indexes=(
                *record.vector_indexes,
                replace(index, status=IndexStatus.CREATING),
            ),
        )

    change(db, table, edit)


def activate_vector_index(db: Database, table: TableSchema, name: str) -> None:
    """A backfilled vector index becomes ACTIVE (unless it was deleted meanwhile)."""

    def edit(record: TableRecord, w: Writer, table_id: int) -> TableRecord:
        return replace(
            record,
            vector_indexes=tuple(
                replace(ix, status=IndexStatus.ACTIVE) if ix.name == name else ix
                for ix in record.vector_indexes
            ),
        )

    change(db, table, edit, missing_ok=True)


def drop_vector_index(db: Database, table: TableSchema, name: str) -> VectorIndex:
    """Remove a vector index (its entries are derived from the items: nothing to drop) and
    the AttributeDefinitions only its search schema used; returns it as it was."""
    deleted: list[VectorIndex] = []

    def edit(record: TableRecord, w: Writer, table_id: int) -> TableRecord:
        deleted.extend(ix for ix in record.vector_indexes if ix.name == name)
        kept = tuple(ix for ix in record.vector_indexes if ix.name != name)
        used = {e.name for e in record.key_schema}
        for ix in (*record.local_indexes, *record.global_indexes):
            used.update(e.name for e in ix.key_schema)
        for vector_index in kept:
            used.update(e.name for e in vector_index.search_schema)
        return replace(
            record,
            attributes=tuple(d for d in record.attributes if d.name in used),
            vector_indexes=kept,
        )

    change(db, table, edit)
    db.vectors.forget(table.table_id)
    return deleted[0]
