"""Request-shape validation driven by DynamoDB's service model.

``check_request("PutItem", body)`` answers a decoded request body the way DynamoDB's front end
does, before any DynamoDB semantics:

1. The body must be a JSON object (JSON null counts as ``{}``), and every member the model knows
   must have the right JSON type; the first wrong one in document order raises
   SerializationException with the deserializer's message (``NUMBER_VALUE cannot be converted to
   String``, ``Unexpected field type``, ...). Unknown members are ignored.
2. The table name is checked on its own (``shapes_quirks.TABLE_NAME_RULE``).
3. Every other constraint of the model (required members, lengths, ranges, patterns, enums,
   list/map sizes, map key/value rules) is checked and all problems are reported in one
   ValidationException, ``N validation error(s) detected: ...``, in DynamoDB's order.

Everything cross-member ("Can not use both expression and non-expression parameters", Segment
without TotalSegments, BillingMode vs ProvisionedThroughput, ...) and everything about attribute
values themselves (see the boundary note in ``shapes_fast``) belongs to the operations and the
engine, which run after this.

Cost: the model is read on the first request (~4 ms); each operation's checker is compiled on its
first use and cached. A valid request is one walk over the body; see benchmarks/shape_check.py.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any, Final

from ddblite.errors import DynamoDBError, UnknownOperationException, ValidationException
from ddblite.errors import validation_errors as envelope
from ddblite.limits import TABLE_NAME_MAX
from ddblite.model.values import NESTING
from ddblite.protocol.shapes import quirks
from ddblite.protocol.shapes.fast import (
    Checker,
    Compiler,
    container_type_error,
    java_length,
    scalar_type_error,
)
from ddblite.protocol.shapes.model import Node, ServiceModel, load_service
from ddblite.protocol.shapes.report import Reporter, problem, violations

__all__ = ["check_request", "known_operations", "known_stream_operations"]

_STREAM_OPERATIONS: Final = frozenset(
    {"DescribeStream", "GetRecords", "GetShardIterator", "ListStreams"}
)
_NAME_PATTERN: Final = re.compile(quirks.TABLE_NAME_PATTERN)
_NAME_CACHE_LIMIT: Final = 4096

RequestCheck = Callable[[Any], dict[str, Any]]
_checks: dict[str, RequestCheck] = {}
disagreements = 0  # requests the fast pass flagged but the report walk found nothing in
_compile_lock = threading.Lock()
_compiler = Compiler()


def check_request(operation: str, body: object) -> dict[str, Any]:
    """Raise SerializationException / ValidationException as DynamoDB would; return body as a dict.

    ``body`` is the result of ``orjson.loads`` on the request; it is normalised in place (null
    members dropped, Boolean strings and fractional Integers converted) and returned.
    """
    check = _checks.get(operation)
    if check is None:
        check = _compile(operation)
    return check(body)


def known_operations() -> frozenset[str]:
    """The DynamoDB_20120810 operation names in the service model."""
    return load_service("dynamodb").operation_names


def known_stream_operations() -> frozenset[str]:
    """The DynamoDBStreams_20120810 operation names in the service model."""
    return load_service("dynamodbstreams").operation_names


# --- compilation ----------------------------------------------------------------------------------


def _service_for(operation: str) -> ServiceModel:
    service = load_service("dynamodbstreams" if operation in _STREAM_OPERATIONS else "dynamodb")
    if operation not in service.operation_names:
        raise UnknownOperationException()
    return service


def _compile(operation: str) -> RequestCheck:
    with _compile_lock:
        found = _checks.get(operation)
        if found is not None:
            return found
        check = _build(operation, _service_for(operation).input_node(operation))
        _checks[operation] = check
        return check


def _table_name_member(root: Node) -> Node | None:
    """The TableName member subject to the table-name rules (a name or a table ARN)."""
    member = root.members.get("TableName")
    if member is not None and member.node.name == "TableArn":
        return member.node
    return None


def _build(operation: str, root: Node) -> RequestCheck:
    name_node = _table_name_member(root)
    rule = quirks.TABLE_NAME_RULE.get(operation, "data")
    overrides = {"TableName": _table_name_checker(name_node, rule)} if name_node else None
    fast = _compiler.structure(root, overrides=overrides)
    skip = "TableName" if name_node else None

    def check(body: Any) -> dict[str, Any]:
        if type(body) is not dict:
            if body is not None:
                raise container_type_error(root, body, in_collection=False)
            body = {}  # a JSON null body reads as an empty request
        request: dict[str, Any] = body
        try:
            if fast(request):
                _report(operation, root, request, name_node, rule, skip)
        except RecursionError:
            # Only AttributeValue nests without bound (L and M, up to JSON's own depth limit);
            # DynamoDB refuses anything past 32 levels with this message.
            raise ValidationException(NESTING) from None
        return request

    return check


def _report(
    operation: str,
    root: Node,
    body: dict[str, Any],
    name_node: Node | None,
    rule: str,
    skip: str | None,
) -> None:
    """Raise the ValidationException for a body the fast pass flagged."""
    if name_node is not None:
        error = _table_name_error(name_node, rule, body.get("TableName"), root)
        if error is not None:
            raise error
    empty_message = quirks.EMPTY_REQUEST_ITEMS.get(operation)
    if empty_message is not None and body.get("RequestItems") == {}:
        raise ValidationException(empty_message)
    problems = Reporter().collect(root, body, skip)
    if problems:
        raise envelope(problems)
    # The fast pass and this walk disagree only if a checker has a bug; let the request through
    # rather than fail it with an empty message, and count it (the tests assert it stays 0).
    global disagreements
    disagreements += 1


# --- the table name -------------------------------------------------------------------------------


def _name_ok(rule: str, name: str) -> bool:
    if name.startswith("arn:"):
        return java_length(name) <= 1024
    low = 1 if rule == "data" else 3
    return low <= len(name) <= TABLE_NAME_MAX and _NAME_PATTERN.fullmatch(name) is not None


def _table_name_checker(node: Node, rule: str) -> Checker:
    good: set[str] = set()  # names already seen valid: most requests repeat a few tables

    def check(value: Any) -> bool:
        if type(value) is not str:
            raise scalar_type_error(node, value)
        if value in good:
            return False
        if not _name_ok(rule, value):
            return True
        if len(good) >= _NAME_CACHE_LIMIT:
            good.clear()
        good.add(value)
        return False

    return check


def _table_name_error(node: Node, rule: str, name: Any, root: Node) -> DynamoDBError | None:
    """The error for an invalid table name, reported before (and instead of) anything else."""
    if name is None:
        if rule != "data":
            return ValidationException(quirks.TABLE_NAME_REQUIRED)
        if root.members["TableName"].required:
            return envelope([problem(None, "tableName", "Member must not be null")])
        return None
    if name.startswith("arn:") or rule == "data":
        # The model's own TableArn constraints (length 1..1024) come first.
        found = [problem(name, "tableName", text) for _, text in violations(node, name)]
        if found or name.startswith("arn:"):
            return envelope(found) if found else None
    elif rule == "control" and not 3 <= len(name) <= TABLE_NAME_MAX:
        return ValidationException(quirks.TABLE_NAME_LENGTH)
    rules = []
    if _NAME_PATTERN.fullmatch(name) is None:
        rules.append(f"Member must satisfy regular expression pattern: {quirks.TABLE_NAME_PATTERN}")
    if rule == "create" and len(name) < 3:
        rules.append("Member must have length greater than or equal to 3")
    if len(name) > TABLE_NAME_MAX:
        rules.append(f"Member must have length less than or equal to {TABLE_NAME_MAX}")
    return envelope([problem(name, "tableName", text) for text in rules]) if rules else None
