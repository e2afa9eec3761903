"""SearchVectors: the TopK items of a vector index most similar to a search vector.

Checks in this order: TopK's range, the table (name or ARN) and its index (which must be
ACTIVE), the search vector's length and elements, the expressions (placeholders, syntax,
unused placeholders), then the SearchConditionExpression's shape: equality on search-schema
attributes joined by AND, the HASH attribute's value required when the schema has one.

Results carry the index's projected attributes (the table keys, the search-schema attributes
and, per ProjectionType, the NonKeyAttributes or everything) except the vector attribute,
which only an explicit ProjectionExpression returns; a ProjectionExpression naming an
attribute the index does not project gets nothing for it, without an error (as the service).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ddblite import expressions
from ddblite.engine import catalog
from ddblite.engine.database import Caller, Database
from ddblite.engine.vectors.availability import require_numpy
from ddblite.errors import ValidationException
from ddblite.expressions import ast
from ddblite.expressions.resolve import Resolver
from ddblite.limits import MAX_TOP_K, MIN_VECTOR_REQUEST_BYTES
from ddblite.model.keycodec import encode
from ddblite.model.request_enums import ReturnConsumedCapacity
from ddblite.model.schema import TableSchema
from ddblite.model.table_record import IndexStatus, ProjectionType, VectorIndex
from ddblite.model.values import Item, Value, item_size

if TYPE_CHECKING:
    from ddblite.engine.vectors.entries import RowFilter
    from ddblite.engine.vectors.search import SearchResult

NO_INDEX = "The table does not have the specified index: {}"
BACKFILLING = "Cannot search backfilling vector index: {}"
TOP_K_RANGE = (
    "Provided TopK value '{}' is out of valid range. The value must be between 1 and "
    f"{MAX_TOP_K} inclusive"
)
DIMENSION = "Input search vector dimension {} does not match vector index dimension {}"
NOT_NUMBERS = "Every element of SearchVector must be a number that fits a 32-bit float"
HASH_REQUIRED = "SearchConditionExpression must be provided when SearchSchema has a HASH key"
BAD_COMPARATOR = (
    "Invalid SearchConditionExpression: Invalid comparator used in SearchConditionExpression"
)
ONLY_AND = (
    "Invalid SearchConditionExpression: only equality comparisons joined by AND are supported"
)
NOT_IN_SCHEMA = (
    "Invalid SearchConditionExpression: attribute {} is not in the SearchSchema of the vector index"
)


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    require_numpy()
    # Here and not at the top: numpy (the ``vectors`` extra) loads with the first search.
    from ddblite.engine.vectors import entries
    from ddblite.engine.vectors.search import SearchResult, search

    top_k = request["TopK"]
    if top_k > MAX_TOP_K:
        raise ValidationException(TOP_K_RANGE.format(top_k))
    table = catalog.require(db, caller, request["TableName"])
    index = table.record.vector_index(request["IndexName"])
    if index is None:
        raise ValidationException(NO_INDEX.format(request["IndexName"]))
    if index.status is not IndexStatus.ACTIVE:
        raise ValidationException(BACKFILLING.format(index.name))
    values = request["SearchVector"]
    if len(values) != index.dimensions:
        raise ValidationException(DIMENSION.format(len(values), index.dimensions))
    query = entries.vector_of(values)
    if query is None:
        raise ValidationException(NOT_NUMBERS)
    context = expressions.ExpressionContext(
        request.get("ExpressionAttributeNames"), request.get("ExpressionAttributeValues")
    )
    text = request.get("SearchConditionExpression")
    condition = context.condition(text, "SearchConditionExpression") if text is not None else None
    projection_text = request.get("ProjectionExpression")
    projection = context.projection(projection_text) if projection_text is not None else None
    context.check_unused()
    equalities = _equalities(condition.tree, context.resolver, index) if condition else {}
    partition: bytes | None = b""
    if index.hash_attribute is not None:
        hash_value = equalities.get(index.hash_attribute)
        if hash_value is None:
            raise ValidationException(HASH_REQUIRED)
        partition = _typed_key(table, index.hash_attribute, hash_value)
    filters = {
        name: _typed_key(table, name, value)
        for name, value in equalities.items()
        if name != index.hash_attribute
    }
    result = (
        search(db, table, index, query, top_k, partition, _row_filter(filters) if filters else None)
        if partition is not None and None not in filters.values()
        else SearchResult([], 0)  # a value of another type than declared matches nothing
    )
    names = _projected(table, index)
    out: dict[str, Any] = {"SearchResults": []}
    returned = 0
    for hit in result.hits:
        if projection is not None:
            item = expressions.project(projection, hit.item)
            item = {k: v for k, v in item.items() if names is None or k in names}
        else:
            item = {
                k: v
                for k, v in hit.item.items()
                if k != index.vector_attribute and (names is None or k in names)
            }
        returned += item_size(item)
        out["SearchResults"].append({"Item": item, "Score": hit.score})
    if ReturnConsumedCapacity.of(request) is not ReturnConsumedCapacity.NONE:
        out["ConsumedCapacity"] = {"VectorSearchRequestBytes": _search_bytes(result, returned)}
    return out


def _equalities(tree: ast.Cond | None, resolver: Resolver, index: VectorIndex) -> dict[str, Value]:
    """The ``attribute = :value`` terms of a SearchConditionExpression, by attribute."""
    schema = {e.name for e in index.search_schema}
    out: dict[str, Value] = {}
    pending: list[Any] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.And):
            pending += [node.right, node.left]
            continue
        if isinstance(node, (ast.Compare, ast.In, ast.Between)):
            if not isinstance(node, ast.Compare) or node.op != "=":
                raise ValidationException(BAD_COMPARATOR)
            path, ref = node.left, node.right
            if isinstance(path, ast.ValueRef):
                path, ref = ref, path
            if not isinstance(path, ast.Path) or not isinstance(ref, ast.ValueRef):
                raise ValidationException(ONLY_AND)
            name = str(resolver.path(path)[0])
            if len(path.elements) != 1 or name not in schema:
                raise ValidationException(NOT_IN_SCHEMA.format(name))
            out[name] = resolver.value(ref)
            continue
        raise ValidationException(ONLY_AND)
    return out


def _typed_key(table: TableSchema, name: str, value: Value) -> bytes | None:
    """The key bytes of a searched value, None if it is not of the attribute's declared type
    (stored values always are: writes refuse others)."""
    kind = next(iter(value))
    if kind != table.record.attribute_type(name).value:
        return None
    return encode(value)


def _row_filter(filters: dict[str, bytes | None]) -> RowFilter:
    def passes(row: Item) -> bool:
        for name, wanted in filters.items():
            value = row.get(name)
            if value is None or encode(value) != wanted:
                return False
        return True

    return passes


def _projected(table: TableSchema, index: VectorIndex) -> frozenset[str] | None:
    """The attributes the index projects (None: all of them)."""
    if index.projection.type is ProjectionType.ALL:
        return None
    return frozenset(
        (
            *table.keys.names,
            *(e.name for e in index.search_schema),
            index.vector_attribute,
            *index.projection.non_key_attributes,
        )
    )


def _search_bytes(result: SearchResult, returned: int) -> float:
    """The vector bytes scored plus the bytes returned, at least 1 KB (the service meters
    what its approximate search examines, which an exact search cannot reproduce)."""
    return float(max(MIN_VECTOR_REQUEST_BYTES, result.examined_bytes + returned))
