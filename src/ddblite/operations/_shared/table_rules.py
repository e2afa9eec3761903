"""CreateTable's parameter rules beyond the request shape, in DynamoDB's order of checking.

Shared by CreateTable (key schema, indexes) and UpdateTable (a new GSI's key schema and
projection), so both report the same messages.
"""

from __future__ import annotations

from typing import Any

from ddblite.errors import INVALID, ValidationException
from ddblite.limits import MAX_GSIS, MAX_LSIS, MAX_PROJECTED_ATTRIBUTES

# The UpdateTable members that change a table's own settings (one of them, or a GSI update, is
# required; a vector-index update must come alone, without any of them).
SETTING_CHANGES = (
    "ProvisionedThroughput",
    "BillingMode",
    "StreamSpecification",
    "SSESpecification",
    "ReplicaUpdates",
    "DeletionProtectionEnabled",
    "TableClass",
    "OnDemandThroughput",
    "WarmThroughput",
)

NO_DEFINITION = "Invalid KeySchema: Some index key attribute have no definition"
DUPLICATE_INDEX = "Duplicate index name: {}"
GSI_COUNT = f"GlobalSecondaryIndex count exceeds the per-table limit of {MAX_GSIS}"
THROUGHPUT_ON_DEMAND = (
    "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is "
    "PAY_PER_REQUEST"
)


def fail(message: str) -> ValidationException:
    return ValidationException(INVALID + message)


def undefined_index_keys(keys: list[str], defined: list[str]) -> ValidationException:
    return fail(
        "Some index key attributes are not defined in AttributeDefinitions. "
        f"Keys: [{', '.join(keys)}], AttributeDefinitions: [{', '.join(defined)}]"
    )


def check_billing(request: dict[str, Any]) -> str:
    """BillingMode and ProvisionedThroughput agree; returns the billing mode."""
    mode = request.get("BillingMode", "PROVISIONED")
    throughput = request.get("ProvisionedThroughput")
    if mode == "PAY_PER_REQUEST" and throughput is not None:
        raise fail(THROUGHPUT_ON_DEMAND)
    if throughput is not None:
        check_throughput(throughput)
    if mode == "PROVISIONED" and throughput is None:
        raise fail(
            "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode "
            "is PROVISIONED"
        )
    return str(mode)


def check_throughput(throughput: dict[str, Any]) -> None:
    for member in ("ReadCapacityUnits", "WriteCapacityUnits"):
        value = throughput.get(member, 0)
        if value > 1_000_000_000_000:
            raise ValidationException(f"Given value {value} for {member} is out of bounds")


def check_key_schema(elements: list[dict[str, Any]]) -> None:
    if elements[0].get("KeyType") != "HASH":
        raise ValidationException(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
        )
    if len(elements) == 2:
        if elements[0]["AttributeName"] == elements[1]["AttributeName"]:
            raise ValidationException(
                "Both the Hash Key and the Range Key element in the KeySchema have the same name"
            )
        if elements[1].get("KeyType") != "RANGE":
            raise ValidationException(
                "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"
            )


def check_table_keys_defined(
    elements: list[dict[str, Any]], definitions: list[dict[str, Any]]
) -> None:
    defined = [d["AttributeName"] for d in definitions]
    missing = [e["AttributeName"] for e in elements if e["AttributeName"] not in defined]
    if not missing:
        # One attribute used as both hash and range key: DynamoDB reports it this way first.
        if len(elements) == 2 and elements[0]["AttributeName"] == elements[1]["AttributeName"]:
            raise ValidationException(NO_DEFINITION)
        return
    if not defined or len(elements) > 1:
        raise ValidationException(NO_DEFINITION)
    raise undefined_index_keys(missing, defined)


def check_projection(projection: dict[str, Any]) -> None:
    kind = projection.get("ProjectionType")
    non_key = projection.get("NonKeyAttributes")
    if kind is None:
        raise fail("Unknown ProjectionType: null")
    if kind in ("ALL", "KEYS_ONLY") and non_key is not None:
        raise fail(f"ProjectionType is {kind}, but NonKeyAttributes is specified")
    if kind == "INCLUDE":
        if non_key is None:
            raise fail("ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
        if not non_key:
            raise fail("NonKeyAttributes must not be empty")
        seen: set[str] = set()
        for name in non_key:
            if name in seen:
                raise fail(f"Duplicate element in NonKeyAttributes: {name}")
            seen.add(name)


def _index_keys_defined(indexes: list[dict[str, Any]], definitions: list[dict[str, Any]]) -> None:
    defined = [d["AttributeName"] for d in definitions]
    keys: list[str] = []
    for index in indexes:
        for element in index["KeySchema"]:
            if element["AttributeName"] not in keys:
                keys.append(element["AttributeName"])
    if any(k not in defined for k in keys):
        raise undefined_index_keys(keys, defined)


def _no_duplicates(indexes: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for index in indexes:
        if index["IndexName"] in seen:
            raise fail(DUPLICATE_INDEX.format(index["IndexName"]))
        seen.add(index["IndexName"])


def check_lsis(
    lsis: list[dict[str, Any]],
    table_keys: list[dict[str, Any]],
    definitions: list[dict[str, Any]],
) -> None:
    if len(table_keys) < 2:
        raise fail(
            "Table KeySchema does not have a range key, which is required when specifying a "
            "LocalSecondaryIndex"
        )
    _index_keys_defined(lsis, definitions)
    table_hash = table_keys[0]["AttributeName"]
    for lsi in lsis:
        check_key_schema(lsi["KeySchema"])
        if len(lsi["KeySchema"]) < 2:
            raise fail(f"Index KeySchema does not have a range key for index: {lsi['IndexName']}")
        lsi_hash = lsi["KeySchema"][0]["AttributeName"]
        if lsi_hash != table_hash:
            raise fail(
                "Index KeySchema does not have the same leading hash key as table KeySchema for "
                f"index: {lsi['IndexName']}. index hash key: {lsi_hash}, table hash key: "
                f"{table_hash}"
            )
        check_projection(lsi["Projection"])
    _no_duplicates(lsis)
    if len(lsis) > MAX_LSIS:
        raise fail("Number of LocalSecondaryIndexes exceeds per-table limit of 5")


def check_gsis(gsis: list[dict[str, Any]], definitions: list[dict[str, Any]], billing: str) -> None:
    _index_keys_defined(gsis, definitions)
    for gsi in gsis:
        check_gsi(gsi)
    _no_duplicates(gsis)
    if len(gsis) > MAX_GSIS:
        raise fail(GSI_COUNT)
    for gsi in gsis:
        if billing == "PAY_PER_REQUEST" and "ProvisionedThroughput" in gsi:
            raise fail(
                f"ProvisionedThroughput should not be specified for index: {gsi['IndexName']} "
                "when BillingMode is PAY_PER_REQUEST"
            )
        if billing == "PROVISIONED" and "ProvisionedThroughput" not in gsi:
            raise fail(f"ProvisionedThroughput is not specified for index: {gsi['IndexName']}")


def check_gsi(gsi: dict[str, Any]) -> None:
    check_key_schema(gsi["KeySchema"])
    check_projection(gsi["Projection"])


def check_unique_definitions(definitions: list[dict[str, Any]]) -> None:
    # Recorded against DynamoDB (scylladb issue 13870): no "One or more parameter values
    # were invalid" prefix here.
    seen: set[str] = set()
    for definition in definitions:
        name = definition["AttributeName"]
        if name in seen:
            raise ValidationException(f"Attribute Name is duplicated: {name}")
        seen.add(name)


def check_attribute_count(request: dict[str, Any]) -> None:
    keys = {e["AttributeName"] for e in request["KeySchema"]}
    for group in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
        for index in request.get(group) or ():
            keys.update(e["AttributeName"] for e in index["KeySchema"])
    for vector_index in request.get("VectorIndexes") or ():
        keys.update(e["AttributeName"] for e in vector_index.get("SearchSchema") or ())
    if len(request["AttributeDefinitions"]) != len(keys):
        raise fail(
            "Number of attributes in KeySchema does not exactly match number of attributes "
            "defined in AttributeDefinitions"
        )


def check_cross_index_names(request: dict[str, Any]) -> None:
    lsis = {i["IndexName"] for i in request.get("LocalSecondaryIndexes") or ()}
    for gsi in request.get("GlobalSecondaryIndexes") or ():
        if gsi["IndexName"] in lsis:
            raise fail(DUPLICATE_INDEX.format(gsi["IndexName"]))


def check_projected_count(indexes: list[dict[str, Any]], existing: int = 0) -> None:
    """At most 100 NonKeyAttributes summed over all of a table's indexes (one attribute
    projected into two indexes counts twice): ``existing`` in the table's indexes, and those
    of the requested ``indexes``."""
    total = existing + sum(len(ix["Projection"].get("NonKeyAttributes") or ()) for ix in indexes)
    if total > MAX_PROJECTED_ATTRIBUTES:
        raise fail(
            "Number of projected attributes in all indexes exceeds limit of "
            f"{MAX_PROJECTED_ATTRIBUTES}"
        )


def check_create_table(request: dict[str, Any]) -> str:
    """All of CreateTable's parameter rules; returns the billing mode."""
    billing = check_billing(request)
    keys = request["KeySchema"]
    definitions = request["AttributeDefinitions"]
    check_unique_definitions(definitions)
    check_table_keys_defined(keys, definitions)
    check_key_schema(keys)
    lsis = request.get("LocalSecondaryIndexes")
    gsis = request.get("GlobalSecondaryIndexes")
    if lsis is not None and not lsis:
        raise fail("List of LocalSecondaryIndexes is empty")
    if gsis is not None and not gsis:
        raise fail("List of GlobalSecondaryIndexes is empty")
    if lsis:
        check_lsis(lsis, keys, definitions)
    if gsis:
        check_gsis(gsis, definitions, billing)
    check_cross_index_names(request)
    # vector_rules builds on this module's rules, hence the import here.
    from ddblite.operations._shared.vector_rules import check_vector_indexes, vector_projected

    check_vector_indexes(request, billing)
    check_projected_count(
        [
            *(request.get("LocalSecondaryIndexes") or ()),
            *(request.get("GlobalSecondaryIndexes") or ()),
        ],
        vector_projected(request.get("VectorIndexes") or []),
    )
    check_attribute_count(request)
    return billing
