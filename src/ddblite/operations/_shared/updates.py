"""The update step UpdateItem and an Update in TransactWriteItems share: keys are never
updated, and the updated item must fit the item limit and the index key rules."""

from __future__ import annotations

from ddblite import expressions
from ddblite.engine.database import Database
from ddblite.engine.indexes import check_index_keys
from ddblite.errors import INVALID, UPDATE_TOO_LARGE, ValidationException
from ddblite.model.schema import TableSchema
from ddblite.model.values import Item, item_size


def refuse_key_updates(table: TableSchema, update: expressions.Update) -> None:
    for name in table.keys.names:
        if name in expressions.top_level_names(update):
            raise ValidationException(
                INVALID + f"Cannot update attribute {name}. This attribute is part of the key"
            )


def updated_item(
    db: Database, table: TableSchema, update: expressions.Update, key: Item, old: Item | None
) -> Item | None:
    """``old`` (None: a new item with ``key``) with ``update`` applied, checked; None when
    there is no item and the update would not create one."""
    if old is None and update.only_removes:
        # DynamoDB does not create an item from an update that only takes attributes away
        # (REMOVE, DELETE, AttributeUpdates DELETE): nothing is written, ALL_NEW returns
        # nothing, no stream record appears, and `REMOVE a.b` is a no-op.
        return None
    new, _ = expressions.apply_update(update, old, key=key)
    if item_size(new) > db.limits.item_bytes:
        raise ValidationException(UPDATE_TOO_LARGE)
    check_index_keys(table, new, old)
    return new
