"""protocol.shapes: request shapes checked against DynamoDB's service model, DynamoDB's words.

Expected messages come from DynamoDB's recorded answers (the nubo-db conformance suite, dynoxide,
dynalite's suite recorded against DynamoDB); a test says so where the expectation is only what
the model implies.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ddblite.errors import SerializationException, UnknownOperationException, ValidationException
from ddblite.protocol.shapes import check as shapes
from ddblite.protocol.shapes.check import check_request, known_operations, known_stream_operations
from ddblite.protocol.shapes.model import load_service

CAST = (
    "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class "
    "java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and "
    "java.lang.Class are in module java.base of loader 'bootstrap')"
)
START_MAP = "Start of structure or map found where not expected"
AV_MAP = "java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"
KEY = {"pk": {"S": "a"}}
KEY_SCHEMA = [{"AttributeName": "pk", "KeyType": "HASH"}]
ATTRS = [{"AttributeName": "pk", "AttributeType": "S"}]


def serialization(operation: str, body: Any) -> str:
    with pytest.raises(SerializationException) as info:
        check_request(operation, body)
    assert info.value.message is not None
    return info.value.message


def validation(operation: str, body: Any) -> str:
    with pytest.raises(ValidationException) as info:
        check_request(operation, body)
    assert info.value.message is not None
    return info.value.message


def one(problem: str) -> str:
    return "1 validation error detected: " + problem


def put(**extra: Any) -> dict[str, Any]:
    return {"TableName": "tbl", "Item": {"pk": {"S": "a"}}, **extra}


# --- valid requests pass, normalised --------------------------------------------------------------


def test_valid_requests_pass_unchanged() -> None:
    body = put(
        ConditionExpression="attribute_not_exists(pk)",
        ExpressionAttributeValues={":v": {"L": [{"M": {"x": {"NS": ["1", "2"]}}}, {"NULL": True}]}},
        ReturnValues="ALL_OLD",
    )
    expected = copy.deepcopy(body)
    assert check_request("PutItem", body) is body
    assert body == expected


def test_unknown_members_are_ignored() -> None:
    # DynamoDB's deserializer skips members it does not know, whatever their JSON type.
    body = {"TableName": "tbl", "Key": KEY, "Bogus": [1, {"x": None}], "tablename": 5}
    assert check_request("GetItem", body) == body


def test_null_members_read_as_absent_and_unknown_ones_are_skipped() -> None:
    body = {"TableName": "tbl", "Key": KEY, "ConsistentRead": None, "Limit": None, "X": 1}
    assert check_request("GetItem", body) == {"TableName": "tbl", "Key": KEY}


def test_a_null_required_member_is_missing() -> None:
    assert validation("GetItem", {"TableName": "tbl", "Key": None}) == one(
        "Value null at 'key' failed to satisfy constraint: Member must not be null"
    )


def test_boolean_strings_convert_like_dynamodb() -> None:
    # dynalite (recorded): "true"/"false"/"1"/"0"/"yes"/"no", any case, deserialize as booleans.
    body = {"TableName": "tbl", "Key": {"pk": {"BOOL": "Yes"}, "n": {"NULL": "TRUE"}}}
    body["ConsistentRead"] = "0"
    assert check_request("GetItem", body) == {
        "TableName": "tbl",
        "Key": {"pk": {"BOOL": True}, "n": {"NULL": True}},
        "ConsistentRead": False,
    }


def test_a_fractional_integer_is_truncated() -> None:
    body = check_request("Scan", {"TableName": "tbl", "Limit": 10.9, "Segment": 0.5})
    assert body["Limit"] == 10 and type(body["Limit"]) is int and body["Segment"] == 0


def test_a_fraction_below_the_minimum_is_reported_as_the_truncated_value() -> None:
    assert validation("Scan", {"TableName": "tbl", "Limit": 0.5}) == one(
        "Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_a_json_null_body_is_an_empty_request() -> None:
    assert validation("GetItem", None) == one(
        "Value null at 'tableName' failed to satisfy constraint: Member must not be null"
    )


@pytest.mark.parametrize(
    "value",
    [{}, {"S": "x", "N": "1"}, {"NULL": False}, {"N": "abc"}, {"SS": []}, {"NS": ["1", "1"]}],
)
def test_attribute_value_semantics_are_left_to_the_engine(value: dict[str, Any]) -> None:
    # The boundary: shapes checks JSON types only; empty / multi-type / NULL false / bad numbers
    # / empty or duplicate sets are the engine's ValidationExceptions, raised after this.
    request = put(Item={"pk": {"S": "a"}, "v": value})
    assert check_request("PutItem", request) == {
        "TableName": "tbl",
        "Item": {"pk": {"S": "a"}, "v": value},
    }


def test_cross_member_rules_are_left_to_the_operations() -> None:
    # PutItem only accepts NONE/ALL_OLD, but the model's ReturnValue enum allows all five; Segment
    # without TotalSegments is a parameter rule. Both are answered by the operation modules.
    assert check_request("PutItem", put(ReturnValues="UPDATED_NEW")) == {
        "TableName": "tbl",
        "Item": {"pk": {"S": "a"}},
        "ReturnValues": "UPDATED_NEW",
    }
    assert check_request("Scan", {"TableName": "tbl", "Segment": 3}) == {
        "TableName": "tbl",
        "Segment": 3,
    }


# --- SerializationException: DynamoDB's deserializer messages ----------------------------------
#
# The 2018+ messages recorded in dynalite's assertType helper (and used by dynoxide).


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "TRUE_VALUE cannot be converted to String"),
        (False, "FALSE_VALUE cannot be converted to String"),
        (23, "NUMBER_VALUE cannot be converted to String"),
        (-2147483648, "NUMBER_VALUE cannot be converted to String"),
        (34.56, "DECIMAL_VALUE cannot be converted to String"),
        ([], "Unrecognized collection type class java.lang.String"),
        ({}, START_MAP),
    ],
)
def test_string_member_of_wrong_type(value: Any, message: str) -> None:
    assert serialization("PutItem", put(TableName=value)) == message
    assert serialization("PutItem", put(ConditionExpression=value)) == message
    assert serialization("Query", {"TableName": "t", "Select": value}) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("23", "STRING_VALUE cannot be converted to Integer"),
        (True, "TRUE_VALUE cannot be converted to Integer"),
        (False, "FALSE_VALUE cannot be converted to Integer"),
        ([], "Unrecognized collection type class java.lang.Integer"),
        ({}, START_MAP),
    ],
)
def test_integer_member_of_wrong_type(value: Any, message: str) -> None:
    assert serialization("ListTables", {"Limit": value}) == message
    assert serialization("Query", {"TableName": "t", "Limit": value}) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("23", "STRING_VALUE cannot be converted to Long"),
        (True, "TRUE_VALUE cannot be converted to Long"),
        ([], "Unrecognized collection type class java.lang.Long"),
        ({}, START_MAP),
    ],
)
def test_long_member_of_wrong_type(value: Any, message: str) -> None:
    body = {"TableName": "tbl", "ProvisionedThroughput": {"ReadCapacityUnits": value}}
    assert serialization("UpdateTable", body) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("23", "Unexpected token received from parser"),
        (23, "NUMBER_VALUE cannot be converted to Boolean"),
        (2147483648, "NUMBER_VALUE cannot be converted to Boolean"),
        (34.56, "DECIMAL_VALUE cannot be converted to Boolean"),
        ([], "Unrecognized collection type class java.lang.Boolean"),
        ({}, START_MAP),
    ],
)
def test_boolean_member_of_wrong_type(value: Any, message: str) -> None:
    assert (
        serialization("GetItem", {"TableName": "t", "Key": KEY, "ConsistentRead": value}) == message
    )
    assert serialization("PutItem", put(Item={"b": {"BOOL": value}})) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "only base-64-encoded strings are convertible to bytes"),
        (23, "only base-64-encoded strings are convertible to bytes"),
        (34.56, "only base-64-encoded strings are convertible to bytes"),
        ([], "Unrecognized collection type class java.nio.ByteBuffer"),
        ({}, START_MAP),
        ("23456", "Base64 encoded length is expected a multiple of 4 bytes but found: 5"),
        ("=+/=", "Invalid last non-pad Base64 character dectected"),
        ("+/+=", "Invalid last non-pad Base64 character dectected"),
        ("ab!=", "Invalid last non-pad Base64 character dectected"),
    ],
)
def test_blob_of_wrong_type_or_not_base64(value: Any, message: str) -> None:
    assert serialization("PutItem", put(Item={"b": {"B": value}})) == message
    assert serialization("PutItem", put(Item={"b": {"BS": ["AAAA", value]}})) == message


def test_canonical_base64_passes() -> None:
    item = {"b": {"B": ""}, "c": {"BS": ["Zm9v", "Zm8=", "Zg=="]}}
    assert check_request("PutItem", put(Item=item)) == {
        "TableName": "tbl",
        "Item": {"b": {"B": ""}, "c": {"BS": ["Zm9v", "Zm8=", "Zg=="]}},
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # A structure as a member ("field") vs. as a list element or map value ("value").
        ({"ProvisionedThroughput": 5}, "Unexpected field type"),
        ({"ProvisionedThroughput": "x"}, "Unexpected field type"),
        (
            {"ProvisionedThroughput": []},
            "Unrecognized collection type class "
            "com.amazonaws.dynamodb.v20120810.ProvisionedThroughput",
        ),
        ({"KeySchema": [True]}, "Unexpected value type in payload"),
        (
            {"KeySchema": [[]]},
            "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.KeySchemaElement",
        ),
        # A list as a member.
        ({"KeySchema": "x"}, "Unexpected field type"),
        ({"KeySchema": 1.5}, "Unexpected field type"),
        ({"KeySchema": {}}, START_MAP),
        (
            {"LocalSecondaryIndexes": [{"Projection": {"NonKeyAttributes": [1]}}]},
            "NUMBER_VALUE cannot be converted to String",
        ),
        (
            {"GlobalSecondaryIndexes": [{"Projection": []}]},
            "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.Projection",
        ),
    ],
)
def test_create_table_structures_and_lists_of_wrong_type(
    body: dict[str, Any], message: str
) -> None:
    assert serialization("CreateTable", {"TableName": "tbl", **body}) == message


@pytest.mark.parametrize(
    ("item", "message"),
    [
        # The Item map itself.
        ("x", "Unexpected field type"),
        (3, "Unexpected field type"),
        ([], f"Unrecognized collection type {AV_MAP}"),
        # An attribute value inside it.
        ({"a": "x"}, "Unexpected value type in payload"),
        ({"a": 1}, "Unexpected value type in payload"),
        (
            {"a": []},
            "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue",
        ),
        # Inside the attribute value.
        ({"a": {"S": 1}}, "NUMBER_VALUE cannot be converted to String"),
        ({"a": {"N": 1.5}}, "DECIMAL_VALUE cannot be converted to String"),
        ({"a": {"SS": "x"}}, "Unexpected field type"),
        ({"a": {"NS": {}}}, START_MAP),
        ({"a": {"SS": ["x", True]}}, "TRUE_VALUE cannot be converted to String"),
        ({"a": {"L": [1]}}, "Unexpected value type in payload"),
        (
            {"a": {"L": [{"M": {"b": []}}]}},
            "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue",
        ),
        ({"a": {"M": []}}, f"Unrecognized collection type {AV_MAP}"),
        (
            {"a": {"M": {"b": {"M": {"c": {"BS": [1]}}}}}},
            "only base-64-encoded strings are convertible to bytes",
        ),
    ],
)
def test_item_of_wrong_type(item: Any, message: str) -> None:
    assert serialization("PutItem", put(Item=item)) == message


@pytest.mark.parametrize(
    ("request_items", "message"),
    [
        (
            [],
            "Unrecognized collection type java.util.Map<java.lang.String, "
            "java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>>",
        ),
        ("x", "Unexpected field type"),
        # A list as a map value: a scalar there leaks the service's ClassCastException.
        ({"tbl": "x"}, CAST),
        ({"tbl": 1}, CAST),
        ({"tbl": {}}, START_MAP),
        ({"tbl": [1]}, "Unexpected value type in payload"),
        (
            {"tbl": [[]]},
            "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.WriteRequest",
        ),
        ({"tbl": [{"PutRequest": 1}]}, "Unexpected field type"),
        (
            {"tbl": [{"DeleteRequest": []}]},
            "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.DeleteRequest",
        ),
        ({"tbl": [{"DeleteRequest": {"Key": []}}]}, f"Unrecognized collection type {AV_MAP}"),
        ({"tbl": [{"PutRequest": {"Item": {"a": True}}}]}, "Unexpected value type in payload"),
    ],
)
def test_batch_write_request_items_of_wrong_type(request_items: Any, message: str) -> None:
    assert serialization("BatchWriteItem", {"RequestItems": request_items}) == message


@pytest.mark.parametrize(
    ("keys_and_attributes", "message"),
    [
        ("x", "Unexpected value type in payload"),
        ({"Keys": [1]}, CAST),  # a map as a list element
        ({"Keys": ["x"]}, CAST),
        ({"Keys": [[]]}, f"Unrecognized collection type {AV_MAP}"),
        ({"Keys": [{"pk": 1}]}, "Unexpected value type in payload"),
        (
            {"Keys": [KEY], "ExpressionAttributeNames": []},
            "Unrecognized collection type java.util.Map<java.lang.String, java.lang.String>",
        ),
        (
            {"Keys": [KEY], "ExpressionAttributeNames": {"#a": 1}},
            "NUMBER_VALUE cannot be converted to String",
        ),
    ],
)
def test_batch_get_request_items_of_wrong_type(keys_and_attributes: Any, message: str) -> None:
    assert serialization("BatchGetItem", {"RequestItems": {"tbl": keys_and_attributes}}) == message


def test_query_conditions_of_wrong_type() -> None:
    body = {"TableName": "t", "KeyConditions": {"pk": {"AttributeValueList": {}}}}
    assert serialization("Query", body) == START_MAP
    body = {"TableName": "t", "QueryFilter": {"pk": []}}
    assert serialization("Query", body) == (
        "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.Condition"
    )


def test_the_first_wrong_type_in_document_order_is_reported() -> None:
    # The deserializer reads front to back and stops at the first mistake.
    assert serialization("Query", {"Limit": "x", "TableName": 1}) == (
        "STRING_VALUE cannot be converted to Integer"
    )
    assert serialization("Query", {"TableName": 1, "Limit": "x"}) == (
        "NUMBER_VALUE cannot be converted to String"
    )


def test_a_wrong_type_wins_over_every_constraint_problem() -> None:
    # Deserialization finishes before validation starts.
    body = {"TableName": "", "Select": "BAD", "Limit": 0, "ExclusiveStartKey": {"a": {"S": 5}}}
    assert serialization("Query", body) == "NUMBER_VALUE cannot be converted to String"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # Unverified against DynamoDB: read as the root structure in "field" position.
        ([], "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.PutItemInput"),
        ("x", "Unexpected field type"),
        (5, "Unexpected field type"),
        (True, "Unexpected field type"),
    ],
)
def test_a_body_that_is_not_an_object(body: Any, message: str) -> None:
    assert serialization("PutItem", body) == message


# --- ValidationException: the model's constraints -----------------------------------------------


def test_missing_required_members() -> None:
    # conformance putItem.test.ts "missing table name: full validation error string"
    assert validation("PutItem", {"Item": KEY}) == one(
        "Value null at 'tableName' failed to satisfy constraint: Member must not be null"
    )
    assert validation("PutItem", {"TableName": "tbl"}) == one(
        "Value null at 'item' failed to satisfy constraint: Member must not be null"
    )
    assert validation("BatchWriteItem", {}) == one(
        "Value null at 'requestItems' failed to satisfy constraint: Member must not be null"
    )


def test_put_item_table_name_constraints() -> None:
    # conformance putItem.test.ts, the four table-name tests.
    assert validation("PutItem", put(TableName="")) == one(
        "Value '' at 'tableName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )
    name = "a" * 256
    assert validation("PutItem", put(TableName=name)) == one(
        f"Value '{name}' at 'tableName' failed to satisfy constraint: "
        "Member must have length less than or equal to 255"
    )
    assert validation("PutItem", put(TableName="bad table!@#")) == one(
        "Value 'bad table!@#' at 'tableName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
    )


def test_short_table_names_and_arns_pass_for_item_operations() -> None:
    # A 1-character name is only "not found" later; an ARN is a valid table reference.
    check_request("PutItem", put(TableName="a"))
    check_request("PutItem", put(TableName="arn:aws:dynamodb:us-east-1:000000000000:table/t"))
    arn = "arn:" + "x" * 1021
    assert validation("GetItem", {"TableName": arn, "Key": KEY}) == one(
        f"Value '{arn}' at 'tableName' failed to satisfy constraint: "
        "Member must have length less than or equal to 1024"
    )


def test_the_table_name_is_reported_alone() -> None:
    # conformance validation-ordering: an invalid name stops validation there.
    body = {"TableName": "", "ReturnValues": "INVALID", "Item": {}}
    assert validation("PutItem", body) == one(
        "Value '' at 'tableName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )
    body = {"TableName": "x!", "KeySchema": [], "AttributeDefinitions": []}
    assert validation("CreateTable", body) == (
        "2 validation errors detected: "
        "Value 'x!' at 'tableName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; "
        "Value 'x!' at 'tableName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 3"
    )


def test_create_table_table_name() -> None:
    # conformance createTable.test.ts: missing and 2-character names.
    body = {"AttributeDefinitions": ATTRS, "KeySchema": KEY_SCHEMA}
    assert validation("CreateTable", body) == (
        "The parameter 'TableName' is required but was not present in the request"
    )
    assert validation("CreateTable", {**body, "TableName": "ab"}) == one(
        "Value 'ab' at 'tableName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 3"
    )


@pytest.mark.parametrize(
    "operation", ["DeleteTable", "DescribeTable", "UpdateTable", "DescribeTimeToLive"]
)
def test_table_operations_word_the_table_name_their_own_way(operation: str) -> None:
    # dynalite (recorded) deleteTable/describeTable/updateTable/describeTimeToLive tests.
    assert validation(operation, {}) == (
        "The parameter 'TableName' is required but was not present in the request"
    )
    for short in ("", "a;", "a" * 256):
        assert validation(operation, {"TableName": short}) == (
            "TableName must be at least 3 characters long and at most 255 characters long"
        )
    assert validation(operation, {"TableName": "abc;"}) == one(
        "Value 'abc;' at 'tableName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
    )


def test_numeric_ranges() -> None:
    # dynalite listTables (recorded) and conformance scan.test.ts "Limit of 0".
    assert validation("ListTables", {"Limit": 0}) == one(
        "Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )
    assert validation("ListTables", {"Limit": 101}) == one(
        "Value '101' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 100"
    )
    assert validation("Scan", {"TableName": "tbl", "Limit": 0}) == one(
        "Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_query_limit_is_worded_by_hand() -> None:
    # conformance query.test.ts "Limit of 0": no value, capital L.
    body = {"TableName": "tbl", "KeyConditionExpression": "pk = :v", "Limit": 0}
    assert validation("Query", body) == one(
        "Value at 'Limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_list_tables_multiple_problems_in_dynamodbs_order() -> None:
    # dynalite listTables (recorded): limit before exclusiveStartTableName, pattern before length.
    assert validation("ListTables", {"ExclusiveStartTableName": "a;", "Limit": 500}) == (
        "3 validation errors detected: "
        "Value '500' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 100; "
        "Value 'a;' at 'exclusiveStartTableName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; "
        "Value 'a;' at 'exclusiveStartTableName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 3"
    )


def test_enums_print_in_dynamodbs_order() -> None:
    # conformance query.test.ts "invalid Select".
    assert validation("Query", {"TableName": "tbl", "Select": "INVALID_VALUE"}) == one(
        "Value 'INVALID_VALUE' at 'select' failed to satisfy constraint: Member must satisfy enum "
        "value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]"
    )


def test_create_table_nested_paths() -> None:
    # conformance createTable.test.ts "invalid KeyType" / "invalid AttributeType".
    body = {"TableName": "tbl", "BillingMode": "PAY_PER_REQUEST"}
    keys = [{"AttributeName": "pk", "KeyType": "INVALID"}]
    assert validation(
        "CreateTable", {**body, "AttributeDefinitions": ATTRS, "KeySchema": keys}
    ) == one(
        "Value 'INVALID' at 'keySchema.1.member.keyType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [HASH, RANGE]"
    )
    attrs = [{"AttributeName": "pk", "AttributeType": "INVALID"}]
    assert validation(
        "CreateTable", {**body, "AttributeDefinitions": attrs, "KeySchema": KEY_SCHEMA}
    ) == one(
        "Value 'INVALID' at 'attributeDefinitions.1.member.attributeType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [B, N, S]"
    )


def test_create_table_key_schema_length_prints_the_list() -> None:
    # conformance createTable.test.ts (three KeySchema elements) and dynalite (recorded).
    body = {
        "TableName": "tbl",
        "AttributeDefinitions": [],
        "KeySchema": [
            {"KeyType": "HASH"},
            {"AttributeName": "a"},
            {"KeyType": "Woop", "AttributeName": "a"},
        ],
        "ProvisionedThroughput": {
            "ReadCapacityUnits": 1000000000001,
            "WriteCapacityUnits": 1000000000001,
        },
    }
    assert validation("CreateTable", body) == (
        "4 validation errors detected: "
        "Value '[KeySchemaElement(attributeName=null, keyType=HASH), "
        "KeySchemaElement(attributeName=a, keyType=null), "
        "KeySchemaElement(attributeName=a, keyType=Woop)]' at 'keySchema' failed to satisfy "
        "constraint: Member must have length less than or equal to 2; "
        "Value null at 'keySchema.1.member.attributeName' failed to satisfy constraint: "
        "Member must not be null; "
        "Value null at 'keySchema.2.member.keyType' failed to satisfy constraint: "
        "Member must not be null; "
        "Value 'Woop' at 'keySchema.3.member.keyType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [HASH, RANGE]"
    )


def test_create_table_problems_in_dynamodbs_order() -> None:
    # dynalite createTable (recorded) "low ProvisionedThroughput.WriteCapacityUnits": billingMode,
    # writeCapacityUnits before readCapacityUnits, then keySchema.
    body = {
        "TableName": "abc",
        "AttributeDefinitions": [],
        "KeySchema": [],
        "ProvisionedThroughput": {"ReadCapacityUnits": -1, "WriteCapacityUnits": -1},
        "BillingMode": "A",
    }
    assert validation("CreateTable", body) == (
        "4 validation errors detected: "
        "Value 'A' at 'billingMode' failed to satisfy constraint: "
        "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]; "
        "Value '-1' at 'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1; "
        "Value '-1' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1; "
        "Value '[]' at 'keySchema' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_update_table_nested_problems() -> None:
    # dynalite updateTable (recorded) "bad IndexName and ProvisionedThroughput".
    body = {
        "TableName": "abc",
        "GlobalSecondaryIndexUpdates": [
            {"Update": {"IndexName": "a", "ProvisionedThroughput": {}}},
            {
                "Update": {
                    "IndexName": "abc;",
                    "ProvisionedThroughput": {
                        "ReadCapacityUnits": 1000000000001,
                        "WriteCapacityUnits": 0,
                    },
                }
            },
        ],
    }
    prefix = "globalSecondaryIndexUpdates"
    assert validation("UpdateTable", body) == (
        "5 validation errors detected: "
        f"Value 'a' at '{prefix}.1.member.update.indexName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 3; "
        f"Value null at '{prefix}.1.member.update.provisionedThroughput.writeCapacityUnits' "
        "failed to satisfy constraint: Member must not be null; "
        f"Value null at '{prefix}.1.member.update.provisionedThroughput.readCapacityUnits' "
        "failed to satisfy constraint: Member must not be null; "
        f"Value 'abc;' at '{prefix}.2.member.update.indexName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; "
        f"Value '0' at '{prefix}.2.member.update.provisionedThroughput.writeCapacityUnits' "
        "failed to satisfy constraint: Member must have value greater than or equal to 1"
    )


def test_query_reports_at_most_ten_problems_in_dynamodbs_order() -> None:
    # dynalite query (recorded) "incorrect attributes": 11 problems, 10 reported, in this order.
    body = {
        "TableName": "abc",
        "ReturnConsumedCapacity": "hi",
        "AttributesToGet": [],
        "IndexName": "abc;",
        "Select": "hi",
        "Limit": -1,
        "KeyConditions": {"a": {}, "b": {"ComparisonOperator": ""}},
        "ConditionalOperator": "AN",
        "QueryFilter": {"a": {}, "b": {"ComparisonOperator": ""}},
        "ExclusiveStartKey": {"a": {"S": "x"}},
    }
    operators = (
        "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"
    )
    message = validation("Query", body)
    assert message.split("; ") == [
        "10 validation errors detected: Value 'hi' at 'select' failed to satisfy constraint: "
        "Member must satisfy enum value set: "
        "[SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
        "Value 'abc;' at 'indexName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        "Value 'hi' at 'returnConsumedCapacity' failed to satisfy constraint: "
        "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]",
        "Value null at 'queryFilter.a.member.comparisonOperator' failed to satisfy constraint: "
        "Member must not be null",
        "Value '' at 'queryFilter.b.member.comparisonOperator' failed to satisfy constraint: "
        f"Member must satisfy enum value set: {operators}",
        "Value 'AN' at 'conditionalOperator' failed to satisfy constraint: "
        "Member must satisfy enum value set: [OR, AND]",
        "Value '[]' at 'attributesToGet' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
        "Value at 'Limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
        "Value null at 'keyConditions.a.member.comparisonOperator' failed to satisfy constraint: "
        "Member must not be null",
        "Value '' at 'keyConditions.b.member.comparisonOperator' failed to satisfy constraint: "
        f"Member must satisfy enum value set: {operators}",
    ]


def test_put_item_reports_every_bad_enum() -> None:
    # conformance validation-ordering putItem: all three Return* problems together.
    body = put(ReturnConsumedCapacity="I", ReturnItemCollectionMetrics="I", ReturnValues="I")
    assert validation("PutItem", body) == (
        "3 validation errors detected: "
        "Value 'I' at 'returnConsumedCapacity' failed to satisfy constraint: "
        "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; "
        "Value 'I' at 'returnValues' failed to satisfy constraint: "
        "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]; "
        "Value 'I' at 'returnItemCollectionMetrics' failed to satisfy constraint: "
        "Member must satisfy enum value set: [SIZE, NONE]"
    )


def test_batch_write_item_map_constraints() -> None:
    # conformance batchWriteItem.test.ts: empty RequestItems, more than 25 requests.
    assert validation("BatchWriteItem", {"RequestItems": {}}) == (
        "The requestItems parameter is required for BatchWriteItem"
    )
    requests = [{"PutRequest": {"Item": {"pk": {"S": f"bw-{i}"}}}} for i in range(26)]
    message = validation("BatchWriteItem", {"RequestItems": {"tbl": requests}})
    assert re.fullmatch(
        r"1 validation error detected: Value '\{tbl=\[.+\]\}' at 'requestItems' failed to satisfy "
        r"constraint: Map value must satisfy constraint: \[Member must have length less than or "
        r"equal to 25, Member must have length greater than or equal to 1\]",
        message,
    )
    assert message.startswith(
        "1 validation error detected: Value '{tbl=[WriteRequest(putRequest=PutRequest(item="
        "{pk=AttributeValue(s=bw-0, n=null, b=null, sS=null, nS=null, bS=null, m=null, l=null, "
        "nULL=null, bOOL=null)}), deleteRequest=null), "
    )


def test_batch_write_item_nested_paths() -> None:
    # dynalite batchWriteItem (recorded) "incorrect attributes": map keys then list positions.
    body = {
        "RequestItems": {"aa;": [{"PutRequest": {}, "DeleteRequest": {}}]},
        "ReturnConsumedCapacity": "hi",
        "ReturnItemCollectionMetrics": "hi",
    }
    assert validation("BatchWriteItem", body) == (
        "4 validation errors detected: "
        "Value 'hi' at 'returnConsumedCapacity' failed to satisfy constraint: "
        "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; "
        "Value 'hi' at 'returnItemCollectionMetrics' failed to satisfy constraint: "
        "Member must satisfy enum value set: [SIZE, NONE]; "
        "Value null at 'requestItems.aa;.member.1.member.putRequest.item' failed to satisfy "
        "constraint: Member must not be null; "
        "Value null at 'requestItems.aa;.member.1.member.deleteRequest.key' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_map_key_constraints_list_every_rule() -> None:
    # Model-driven (the model types table keys as TableArn, 1..1024): the wording follows
    # dynalite's recorded "Map keys must satisfy constraint: [...]" form.
    body = {"RequestItems": {"": [{"DeleteRequest": {"Key": KEY}}]}}
    assert validation("BatchWriteItem", body) == one(
        "Value '{=[WriteRequest(putRequest=null, deleteRequest=DeleteRequest(key={pk="
        "AttributeValue(s=a, n=null, b=null, sS=null, nS=null, bS=null, m=null, l=null, "
        "nULL=null, bOOL=null)}))]}' at 'requestItems' failed to satisfy constraint: Map keys "
        "must satisfy constraint: [Member must have length less than or equal to 1024, "
        "Member must have length greater than or equal to 1]"
    )


def test_batch_get_item_constraints() -> None:
    # conformance batchGetItem.test.ts: empty RequestItems, more than 100 keys.
    assert validation("BatchGetItem", {"RequestItems": {}}) == (
        "The requestItems parameter is required for BatchGetItem"
    )
    keys = [{"pk": {"S": f"bg-{i}"}} for i in range(101)]
    assert validation("BatchGetItem", {"RequestItems": {"tbl": {"Keys": keys}}}) == one(
        "Value at 'RequestItems.tbl.member.Keys' failed to satisfy constraint: "
        "Member must have length less than or equal to 100"
    )
    assert validation("BatchGetItem", {"RequestItems": {"tbl": {"Keys": []}}}) == one(
        "Value at 'requestItems.tbl.member.keys' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_transact_items_length() -> None:
    # conformance transactWriteItems / transactGetItems error-messages tests.
    assert validation("TransactWriteItems", {"TransactItems": []}) == one(
        "Value '[]' at 'transactItems' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )
    items = [{"Get": {"TableName": "tbl", "Key": KEY}}] * 101
    assert re.fullmatch(
        r"1 validation error detected: Value '\[.+\]' at 'transactItems' failed to satisfy "
        r"constraint: Member must have length less than or equal to 100",
        validation("TransactGetItems", {"TransactItems": items}),
    )


def test_string_lengths_count_utf16_units_like_java() -> None:
    # AttributeName max 65535: one supplementary character is two Java chars.
    name = "\U0001f600" * 32768  # 32768 code points, 65536 UTF-16 units
    message = validation("GetItem", {"TableName": "tbl", "Key": KEY, "AttributesToGet": [name]})
    assert message == one(
        f"Value '{name}' at 'attributesToGet.1.member' failed to satisfy constraint: "
        "Member must have length less than or equal to 65535"
    )
    check_request("GetItem", {"TableName": "tbl", "Key": KEY, "AttributesToGet": [name[1:]]})


def test_streams_operations_are_checked_against_the_streams_model() -> None:
    assert validation("GetRecords", {"ShardIterator": ""}) == one(
        "Value '' at 'shardIterator' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )
    assert serialization("GetRecords", {"ShardIterator": "x", "Limit": "10"}) == (
        "STRING_VALUE cannot be converted to Integer"
    )


# --- the model as a whole -----------------------------------------------------------------------


def test_known_operations() -> None:
    names = known_operations()
    assert {"PutItem", "GetItem", "CreateTable", "TransactWriteItems", "ExecuteStatement"} <= names
    assert known_stream_operations() == {
        "DescribeStream",
        "GetRecords",
        "GetShardIterator",
        "ListStreams",
    }


def test_unknown_operation() -> None:
    with pytest.raises(UnknownOperationException):
        check_request("Frobnicate", {})


@pytest.mark.parametrize("operation", sorted(known_operations() | known_stream_operations()))
def test_every_operation_compiles_and_reports_missing_members(operation: str) -> None:
    # An empty body is valid exactly when the model requires nothing; otherwise the answer is a
    # non-empty ValidationException (fast pass and report walk agree).
    service = load_service(
        "dynamodbstreams" if operation in known_stream_operations() else "dynamodb"
    )
    root = service.input_node(operation)
    if root.required:
        assert validation(operation, {})
    else:
        assert check_request(operation, {}) == {}


def test_every_model_pattern_compiles() -> None:
    for service_name in ("dynamodb", "dynamodbstreams"):
        service = load_service(service_name)
        for operation in service.operation_names:
            seen: set[int] = set()
            stack = [service.input_node(operation)]
            while stack:
                node = stack.pop()
                if id(node) in seen:
                    continue
                seen.add(id(node))
                if node.pattern_text is not None:
                    assert node.pattern is not None
                stack.extend(m.node for m in node.members.values())
                stack.extend(n for n in (node.element, node.key, node.value) if n is not None)


# --- robustness: any JSON gets a DynamoDB answer, never a crash ----------------------------------

_MEMBER_NAMES = [
    "TableName", "Item", "Key", "S", "N", "B", "L", "M", "SS", "BS", "BOOL", "NULL",
    "ConditionExpression", "ReturnValues", "Expected", "Value", "Exists", "ComparisonOperator",
    "AttributeValueList", "RequestItems", "PutRequest", "DeleteRequest", "Keys", "KeySchema",
    "AttributeName", "KeyType", "ProvisionedThroughput", "ReadCapacityUnits", "Limit", "x", "",
]  # fmt: skip
_SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 2)


# A named function, not a lambda: hypothesis reads the source of ``extend`` to check that it
# uses its argument, and a multi-line lambda's source cannot always be found (the check then
# warns, and warnings are errors here).
def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(_MEMBER_NAMES), inner, max_size=4
    )


_json = st.recursive(
    _SCALARS | st.sampled_from(["", "a", "AA==", "NONE", "HASH", "tbl", "arn:x"]),
    _containers,
    max_leaves=14,
)


@pytest.mark.parametrize("operation", ["PutItem", "BatchWriteItem", "CreateTable", "Query"])
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_json)
def test_any_json_gets_a_dynamodb_answer(operation: str, body: Any) -> None:
    before = shapes.disagreements
    try:
        check_request(operation, body)
    except (SerializationException, ValidationException) as error:
        assert error.message
    assert shapes.disagreements == before  # the fast pass never flags what the report misses
