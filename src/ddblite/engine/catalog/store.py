"""Reading and writing catalog rows: the only code that calls the storage writer's
``create_table`` and ``update_table``.

A change is a read-modify-write of the table's record in one storage write block, so it
applies to the record as stored (not to a cached copy) and nothing is written when the edit
raises.
"""

from __future__ import annotations

from collections.abc import Callable

from ddblite.engine.database import Caller, Database
from ddblite.errors import ResourceNotFoundException
from ddblite.model import table_codec
from ddblite.model.schema import TableSchema
from ddblite.model.table_record import TableRecord
from ddblite.storage.base import Writer

# (the stored record, the write block, the table's storage id) -> the changed record
Edit = Callable[[TableRecord, Writer, int], TableRecord]


def table_not_found(name: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")


def change(db: Database, table: TableSchema, edit: Edit, missing_ok: bool = False) -> None:
    """Apply ``edit`` to the table's stored record and store the result; a table that is
    gone (or was re-created) is ResourceNotFoundException, or left alone if ``missing_ok``."""
    with db.backend.write() as w:
        row = w.get_table(table.account, table.region, table.name)
        if row is None or row.table_id != table.table_id:
            if missing_ok:
                return
            raise table_not_found(table.name)
        record = edit(table_codec.decode(row.description), w, row.table_id)
        w.update_table(row.table_id, table_codec.encode(record), row.status)
    db.forget(Caller(table.account, table.region), table.name)


def finish_backup(db: Database, row_id: int, description: bytes) -> None:
    with db.backend.write() as w:
        w.update_table(row_id, description, "AVAILABLE")
