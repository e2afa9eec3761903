"""The table catalog: the one place that creates a table's record, changes it and stores it.

Operations and the other engine modules ask for a change with a typed request
(``catalog.requests``); the record itself (``model.table_record``) and its stored form
(``model.table_codec``) never leave this package as something to edit.
"""

from ddblite.engine.catalog.changes import (
    activate_index,
    activate_table,
    finish_enabling_ttl,
    forget_dropped_index,
    set_point_in_time_recovery,
    set_tags,
    set_ttl,
    start_backup,
    stop_copying,
    update_table,
)
from ddblite.engine.catalog.requests import (
    Capacity,
    NewIndex,
    NewTable,
    StreamChange,
    TableUpdate,
    attribute_definitions,
)
from ddblite.engine.catalog.store import finish_backup, table_not_found
from ddblite.engine.catalog.tables import (
    create_table,
    delete_table,
    describe,
    describe_created,
    list_tables,
    require,
)
from ddblite.engine.catalog.vector_indexes import (
    activate_vector_index,
    add_vector_index,
    drop_vector_index,
)

__all__ = [
    "Capacity",
    "NewIndex",
    "NewTable",
    "StreamChange",
    "TableUpdate",
    "activate_index",
    "activate_table",
    "activate_vector_index",
    "add_vector_index",
    "attribute_definitions",
    "create_table",
    "delete_table",
    "describe",
    "describe_created",
    "drop_vector_index",
    "finish_backup",
    "finish_enabling_ttl",
    "forget_dropped_index",
    "list_tables",
    "require",
    "set_point_in_time_recovery",
    "set_tags",
    "set_ttl",
    "start_backup",
    "stop_copying",
    "table_not_found",
    "update_table",
]
