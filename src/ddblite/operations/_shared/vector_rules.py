"""CreateTable's rules for VectorIndexes (and UpdateTable's for a new vector index).

Messages the service is known to print are quoted verbatim (the search-schema definition
rule, the per-table count in the GSI message's form); where the service's wording is not
published the message says plainly what is wrong (docs/compatibility.md lists them).
"""

from __future__ import annotations

from typing import Any

from ddblite.engine.vectors.availability import require_numpy
from ddblite.limits import MAX_INLINE_FILTERS, MAX_VECTOR_DIMENSIONS, MAX_VECTOR_INDEXES
from ddblite.operations._shared.table_rules import DUPLICATE_INDEX, check_projection, fail

UNDEFINED_SEARCH_SCHEMA = "One element in SearchSchema is not defined in attribute definitions"
VECTOR_COUNT = f"VectorIndex count exceeds the per-table limit of {MAX_VECTOR_INDEXES}"
INDEX_EXISTS = "Attempting to create an index which already exists"
ONLINE_LIMIT = (
    "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously "
    "per table"
)
PROVISIONED = "Vector indexes are only supported on tables whose BillingMode is PAY_PER_REQUEST"


def check_vector_index(
    spec: dict[str, Any], definitions: list[dict[str, Any]], key_names: set[str]
) -> None:
    """One VectorIndex (or CreateVectorIndexAction) against the table's definitions."""
    name = spec["IndexName"]
    dimensions = spec["Dimensions"]
    if dimensions > MAX_VECTOR_DIMENSIONS:
        raise fail(
            f"Dimensions for vector index: {name} must be between 1 and "
            f"{MAX_VECTOR_DIMENSIONS}, but was {dimensions}"
        )
    vector = spec["VectorAttribute"]["AttributeName"]
    if vector in key_names:
        raise fail(f"VectorAttribute of vector index: {name} cannot be a table key: {vector}")
    schema = spec.get("SearchSchema") or []
    defined = {d["AttributeName"] for d in definitions}
    if any(e["AttributeName"] not in defined for e in schema):
        raise fail(UNDEFINED_SEARCH_SCHEMA)
    seen: set[str] = set()
    for element in schema:
        attr = element["AttributeName"]
        if attr in seen:
            raise fail(f"Duplicate attribute in SearchSchema of vector index: {name}: {attr}")
        if attr == vector:
            raise fail(
                f"SearchSchema of vector index: {name} cannot contain its VectorAttribute: {attr}"
            )
        seen.add(attr)
    kinds = [e["SearchSchemaElementType"] for e in schema]
    if kinds.count("HASH") > 1:
        raise fail(f"SearchSchema of vector index: {name} can have at most one HASH element")
    if kinds.count("INLINE_FILTER") > MAX_INLINE_FILTERS:
        raise fail(
            f"SearchSchema of vector index: {name} can have at most {MAX_INLINE_FILTERS} "
            "INLINE_FILTER elements"
        )
    check_projection(spec["Projection"])


def check_vector_indexes(request: dict[str, Any], billing: str) -> None:
    """CreateTable's VectorIndexes: after the LSI and GSI rules."""
    specs = request.get("VectorIndexes")
    if specs is None:
        return
    require_numpy()
    if not specs:
        raise fail("List of VectorIndexes is empty")
    if billing != "PAY_PER_REQUEST":
        raise fail(PROVISIONED)
    definitions = request["AttributeDefinitions"]
    keys = {e["AttributeName"] for e in request["KeySchema"]}
    for spec in specs:
        check_vector_index(spec, definitions, keys)
    taken = {
        ix["IndexName"]
        for group in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes")
        for ix in request.get(group) or ()
    }
    for spec in specs:
        if spec["IndexName"] in taken:
            raise fail(DUPLICATE_INDEX.format(spec["IndexName"]))
        taken.add(spec["IndexName"])
    if len(specs) > MAX_VECTOR_INDEXES:
        raise fail(VECTOR_COUNT)
    check_same_dimensions(specs)


def check_same_dimensions(specs: list[dict[str, Any]]) -> None:
    """Vector indexes of one attribute agree on its number of dimensions."""
    dimensions: dict[str, int] = {}
    for spec in specs:
        attr = spec["VectorAttribute"]["AttributeName"]
        known = dimensions.setdefault(attr, spec["Dimensions"])
        if known != spec["Dimensions"]:
            raise fail(
                f"Vector indexes of attribute {attr} must all have the same Dimensions: "
                f"{known} and {spec['Dimensions']}"
            )


def vector_projected(specs: list[dict[str, Any]]) -> int:
    """What vector indexes add to the table's projected attribute count: each one's
    NonKeyAttributes, its vector attribute and each INLINE_FILTER (HASH elements are free)."""
    return sum(
        len(spec["Projection"].get("NonKeyAttributes") or ())
        + 1
        + sum(
            1
            for e in spec.get("SearchSchema") or ()
            if e["SearchSchemaElementType"] == "INLINE_FILTER"
        )
        for spec in specs
    )
