"""Where DynamoDB's request validation differs from what botocore's service model says.

The model (botocore ``service-2.json``) gives every shape's type, required members, lengths,
ranges, patterns and enums, and ``protocol.shapes`` is driven by it. Real DynamoDB was recorded
answering a few things differently; each table below lists those differences as data, with the
evidence. Nothing here is a guess about *whether* DynamoDB rejects a request: that is always the
model's call. These tables only fix *how* the rejection reads (order, wording, path) and the one
place where the service checks more than the model says (plain table names, see TABLE_NAME_RULE).

Evidence, in order of weight: the nubo-db conformance suite (tests recorded against DynamoDB,
2024-2026), dynoxide (passes all of that suite), dynalite's test suite (recorded against DynamoDB
in October 2018, its ``validations/*.js`` list members in the order AWS reported them).
"""

from __future__ import annotations

from typing import Final

# --- order in which problems are reported ------------------------------------------------------
#
# DynamoDB lists the problems of one structure in a fixed order that is neither the model's member
# order nor alphabetical (it looks like the iteration order of a hash map inside the service).
# Members named here come first, in this order; members not named follow in model order.
# Source: dynalite validations/*.js and the multi-error messages in dynalite's tests.
MEMBER_ORDER: Final[dict[str, tuple[str, ...]]] = {
    "CreateTableInput": (
        "AttributeDefinitions",
        "TableName",
        "BillingMode",
        "ProvisionedThroughput",
        "KeySchema",
        "LocalSecondaryIndexes",
        "GlobalSecondaryIndexes",
    ),
    "UpdateTableInput": (
        "TableName",
        "ProvisionedThroughput",
        "BillingMode",
        "GlobalSecondaryIndexUpdates",
    ),
    "PutItemInput": (
        "ReturnConsumedCapacity",
        "TableName",
        "Item",
        "ConditionalOperator",
        "Expected",
        "ReturnValues",
        "ReturnItemCollectionMetrics",
        "ConditionExpression",
        "ExpressionAttributeValues",
        "ExpressionAttributeNames",
    ),
    "DeleteItemInput": (
        "ReturnConsumedCapacity",
        "TableName",
        "ReturnValues",
        "ReturnItemCollectionMetrics",
        "Key",
        "ConditionalOperator",
        "Expected",
        "ConditionExpression",
        "ExpressionAttributeValues",
        "ExpressionAttributeNames",
    ),
    "UpdateItemInput": (
        "ReturnConsumedCapacity",
        "TableName",
        "ReturnItemCollectionMetrics",
        "ReturnValues",
        "Key",
        "ConditionalOperator",
        "Expected",
        "AttributeUpdates",
        "ConditionExpression",
        "UpdateExpression",
        "ExpressionAttributeValues",
        "ExpressionAttributeNames",
    ),
    "GetItemInput": (
        "ReturnConsumedCapacity",
        "AttributesToGet",
        "TableName",
        "Key",
        "ProjectionExpression",
        "ExpressionAttributeNames",
    ),
    "QueryInput": (
        "Select",
        "IndexName",
        "ReturnConsumedCapacity",
        "QueryFilter",
        "TableName",
        "ConditionalOperator",
        "AttributesToGet",
        "Limit",
        "KeyConditions",
        "ExclusiveStartKey",
        "KeyConditionExpression",
        "FilterExpression",
        "ProjectionExpression",
        "ExpressionAttributeValues",
        "ExpressionAttributeNames",
    ),
    "ScanInput": (
        "Select",
        "IndexName",
        "TotalSegments",
        "ReturnConsumedCapacity",
        "TableName",
        "ConditionalOperator",
        "ScanFilter",
        "Segment",
        "Limit",
        "AttributesToGet",
        "ExclusiveStartKey",
        "FilterExpression",
        "ProjectionExpression",
        "ExpressionAttributeValues",
        "ExpressionAttributeNames",
    ),
    "BatchGetItemInput": ("ReturnConsumedCapacity", "RequestItems"),
    "BatchWriteItemInput": (
        "ReturnConsumedCapacity",
        "ReturnItemCollectionMetrics",
        "RequestItems",
    ),
    "ListTablesInput": ("Limit", "ExclusiveStartTableName"),
    # Nested structures.
    "ProvisionedThroughput": ("WriteCapacityUnits", "ReadCapacityUnits"),
    "CreateGlobalSecondaryIndexAction": (
        "Projection",
        "IndexName",
        "ProvisionedThroughput",
        "KeySchema",
    ),
    "Condition": ("ComparisonOperator", "AttributeValueList"),
}

# --- constraints the service has and the model lost -----------------------------------------------
#
# The model's KeySchema shape is shared by tables and GSIs and, since GSIs accept multi-attribute
# keys, no longer has a maximum; a table's KeySchema still takes at most 2 elements and DynamoDB
# says so with the model-style message "Value '[KeySchemaElement(...), ...]' at 'keySchema' failed
# to satisfy constraint: Member must have length less than or equal to 2" (conformance
# createTable.test.ts, "three KeySchema elements"). Keyed by (structure shape, member).
EXTRA_MAX: Final[dict[tuple[str, str], int]] = {
    ("CreateTableInput", "KeySchema"): 2,
}

# Members the service needs that the model no longer marks required: botocore's CreateTable
# requires only TableName since 2025, but a table needs a key schema and its attribute types.
# DynamoDB's recorded answer for a CreateTable without them (dynalite's createTable tests, when
# the model still required them) is the model-style "Value null at 'attributeDefinitions' ...
# Member must not be null" (without this, a crash and a 500).
EXTRA_REQUIRED: Final[frozenset[tuple[str, str]]] = frozenset(
    {("CreateTableInput", "AttributeDefinitions"), ("CreateTableInput", "KeySchema")}
)

# --- enum value sets as DynamoDB prints them ---------------------------------------------------
#
# "Member must satisfy enum value set: [...]" lists the values in the service's own order, which
# differs from the model's for these shapes (recorded in the conformance suite, dynoxide and
# dynalite). Other enums print in model order, which matches every recorded message we have.
ENUM_ORDER: Final[dict[str, tuple[str, ...]]] = {
    "Select": ("SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"),
    "ComparisonOperator": (
        "IN",
        "NULL",
        "BETWEEN",
        "LT",
        "NOT_CONTAINS",
        "EQ",
        "GT",
        "NOT_NULL",
        "NE",
        "LE",
        "BEGINS_WITH",
        "GE",
        "CONTAINS",
    ),
    "ReturnValue": ("ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"),
    "ScalarAttributeType": ("B", "N", "S"),
    "ConditionalOperator": ("OR", "AND"),
    "ProjectionType": ("ALL", "INCLUDE", "KEYS_ONLY"),
}

# DynamoDB reports at most this many problems in one ValidationException (dynalite's recorded
# Query test lists 10 of 11 problems; dynoxide truncates at 10).
MAX_PROBLEMS: Final = 10

# --- the table name --------------------------------------------------------------------------
#
# Since DynamoDB accepted table ARNs, the model types TableName as ``TableArn`` (length 1..1024,
# no pattern). The service still checks a plain name (anything not starting with "arn:")
# against the old TableName rules, and it checks the table name on its own, before any other
# member: with an invalid name, nothing else is reported (conformance validation-ordering
# tests). How it words the result depends on the operation:
#
# "data" (the default):  null -> "Value null at 'tableName' ... Member must not be null";
#     '' -> "... length greater than or equal to 1"; a plain name breaking the pattern or longer
#     than 255 -> those constraints, in the usual envelope. A 1- or 2-character name passes here
#     (the table then does not exist). Recorded for PutItem in the conformance suite.
# "create" (CreateTable): missing -> the bare "The parameter 'TableName' is required but was not
#     present in the request"; otherwise pattern, length >= 3, length <= 255 in the envelope.
# "control" (DeleteTable, DescribeTable, UpdateTable, DescribeTimeToLive): missing -> the same
#     bare sentence; a plain name outside 3..255 -> the bare "TableName must be at least 3
#     characters long and at most 255 characters long"; a bad pattern -> the envelope.
TABLE_NAME_RULE: Final[dict[str, str]] = {
    "CreateTable": "create",
    "DeleteTable": "control",
    "DescribeTable": "control",
    "UpdateTable": "control",
    "DescribeTimeToLive": "control",
}
TABLE_NAME_PATTERN: Final = "[a-zA-Z0-9_.-]+"
TABLE_NAME_REQUIRED: Final = (
    "The parameter 'TableName' is required but was not present in the request"
)
TABLE_NAME_LENGTH: Final = (
    "TableName must be at least 3 characters long and at most 255 characters long"
)

# An empty RequestItems map is answered with a bare sentence, not the model's "length greater
# than or equal to 1" (conformance: batchGetItem / batchWriteItem error-messages tests).
EMPTY_REQUEST_ITEMS: Final[dict[str, str]] = {
    "BatchGetItem": "The requestItems parameter is required for BatchGetItem",
    "BatchWriteItem": "The requestItems parameter is required for BatchWriteItem",
}

# --- problems DynamoDB words by hand -----------------------------------------------------------
#
# A few constraints are checked by hand-written code inside DynamoDB that prints the path its own
# way and leaves the value out ("Value at '<path>' ..."). Keyed by (structure shape, member,
# constraint) where constraint is "min" or "max"; the value is the printed path, in which "{key}"
# stands for the enclosing map key. Sources: conformance query.test.ts ("Limit of 0") and
# batchGetItem.test.ts ("> 100 keys"); the min-1 Keys wording is dynoxide's.
HIDDEN_VALUE_PATHS: Final[dict[tuple[str, str, str], str]] = {
    ("QueryInput", "Limit", "min"): "Limit",
    ("KeysAndAttributes", "Keys", "max"): "RequestItems.{key}.member.Keys",
    ("KeysAndAttributes", "Keys", "min"): "requestItems.{key}.member.keys",
}
