"""Before-images: what makes a backup copied in chunks the table at one instant.

A backup begins in one write block (``catalog.start_backup``): its row is created and the table
lists it in ``backups_copying``. From then on every item write (``Database.store``, the one path
all item writes take) first makes sure the backup holds the key's value as it was at that
instant: if the backup has nothing for the key yet, the item's old value goes in, or a
tombstone if it had none. The copy job (engine.backups) only adds keys the backup does not
hold, and drops the tombstones at the end. So the first value the backup receives for a key
is always the one it had when the backup began, whichever of the copy and a writer gets there
first.
"""

from __future__ import annotations

import orjson

from ddblite.model.schema import EncodedKey, TableSchema
from ddblite.model.values import Item, item_size
from ddblite.storage.base import Writer

# The body a backup row has for a key the table did not hold when the backup began.
TOMBSTONE = b""


def keep_before_images(w: Writer, table: TableSchema, ek: EncodedKey, old: Item | None) -> None:
    for backup in table.record.backups_copying:
        if w.get_item(backup.row_id, ek.pk_hash, ek.pk, ek.sk) is not None:
            continue
        if old is None:
            w.put_item(backup.row_id, ek.pk_hash, ek.pk, ek.sk, TOMBSTONE, 0, None)
        else:
            body = orjson.dumps(old)
            w.put_item(backup.row_id, ek.pk_hash, ek.pk, ek.sk, body, item_size(old), None)
