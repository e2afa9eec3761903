"""One module per API operation; REGISTRY maps the wire name to its handler.

Each handler is a short script: check the request's parameter rules, find every input error,
then call the engine and shape the response.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ddblite.engine.database import Caller, Database
from ddblite.operations import (
    batch_execute_statement,
    batch_get_item,
    batch_write_item,
    create_backup,
    create_table,
    delete_backup,
    delete_item,
    delete_table,
    describe_backup,
    describe_continuous_backups,
    describe_endpoints,
    describe_limits,
    describe_stream,
    describe_table,
    describe_time_to_live,
    execute_statement,
    execute_transaction,
    get_item,
    get_records,
    get_shard_iterator,
    list_backups,
    list_streams,
    list_tables,
    list_tags_of_resource,
    put_item,
    query,
    restore_table_from_backup,
    scan,
    search_vectors,
    tag_resource,
    transact_get_items,
    transact_write_items,
    untag_resource,
    update_continuous_backups,
    update_item,
    update_table,
    update_time_to_live,
)

Handler = Callable[[Database, Caller, dict[str, Any]], dict[str, Any]]

REGISTRY: dict[str, Handler] = {
    "BatchExecuteStatement": batch_execute_statement.handle,
    "BatchGetItem": batch_get_item.handle,
    "BatchWriteItem": batch_write_item.handle,
    "CreateBackup": create_backup.handle,
    "CreateTable": create_table.handle,
    "DeleteBackup": delete_backup.handle,
    "DeleteItem": delete_item.handle,
    "DeleteTable": delete_table.handle,
    "DescribeBackup": describe_backup.handle,
    "DescribeContinuousBackups": describe_continuous_backups.handle,
    "DescribeEndpoints": describe_endpoints.handle,
    "DescribeLimits": describe_limits.handle,
    "DescribeStream": describe_stream.handle,
    "DescribeTable": describe_table.handle,
    "DescribeTimeToLive": describe_time_to_live.handle,
    "ExecuteStatement": execute_statement.handle,
    "ExecuteTransaction": execute_transaction.handle,
    "GetItem": get_item.handle,
    "GetRecords": get_records.handle,
    "GetShardIterator": get_shard_iterator.handle,
    "ListBackups": list_backups.handle,
    "ListStreams": list_streams.handle,
    "ListTables": list_tables.handle,
    "ListTagsOfResource": list_tags_of_resource.handle,
    "PutItem": put_item.handle,
    "Query": query.handle,
    "RestoreTableFromBackup": restore_table_from_backup.handle,
    "Scan": scan.handle,
    "SearchVectors": search_vectors.handle,
    "TagResource": tag_resource.handle,
    "TransactGetItems": transact_get_items.handle,
    "TransactWriteItems": transact_write_items.handle,
    "UntagResource": untag_resource.handle,
    "UpdateContinuousBackups": update_continuous_backups.handle,
    "UpdateItem": update_item.handle,
    "UpdateTable": update_table.handle,
    "UpdateTimeToLive": update_time_to_live.handle,
}
