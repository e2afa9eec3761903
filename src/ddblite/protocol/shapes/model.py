"""The DynamoDB service model as a graph of ``Node`` objects, built lazily per operation.

The model is botocore's own JSON (``botocore/data/<service>/2012-08-10/service-2.json.gz``),
read with orjson straight from botocore's data directory: importing botocore and using its
loader costs ~100 ms, this costs ~4 ms and only on the first request that needs it.

A ``Node`` is one shape with its constraints already in the form the checkers use (compiled
regex, enum as a frozenset and as the tuple DynamoDB prints, member order as DynamoDB reports
problems). Nodes are shared between operations and built once per shape (recursive shapes such
as AttributeValue -> MapAttributeValue -> AttributeValue point back at the same node).
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import re
import threading
from dataclasses import dataclass, field, replace
from typing import Any, Final

import orjson

from ddblite.protocol.shapes import quirks

# The Java package DynamoDB's deserializer names classes with in its messages.
JAVA_PACKAGE: Final = "com.amazonaws.dynamodb.v20120810."

_SCALAR_JAVA: Final[dict[str, str]] = {
    "string": "java.lang.String",
    "integer": "java.lang.Integer",
    "long": "java.lang.Long",
    "boolean": "java.lang.Boolean",
    "double": "java.lang.Double",
    "float": "java.lang.Float",
    "blob": "java.nio.ByteBuffer",
    "timestamp": "java.util.Date",
}


def lower_first(name: str) -> str:
    """DynamoDB's member paths: the member name with its first letter lowered (SSESpecification
    -> sSESpecification, as the service prints it)."""
    return name[:1].lower() + name[1:]


@dataclass(eq=False, slots=True)
class Member:
    name: str
    path_name: str
    node: Node
    required: bool


@dataclass(eq=False, slots=True)
class Node:
    """One model shape with its constraints ready to check."""

    name: str
    kind: str  # the model's type: structure, list, map, string, integer, long, boolean, blob, ...
    min: int | None = None
    max: int | float | None = None
    pattern_text: str | None = None
    pattern: re.Pattern[str] | None = None
    enum: tuple[str, ...] = ()
    enum_set: frozenset[str] = frozenset()
    # structure
    members: dict[str, Member] = field(default_factory=dict)
    order: tuple[Member, ...] = ()
    required: tuple[str, ...] = ()
    # list / map
    element: Node | None = None
    key: Node | None = None
    value: Node | None = None

    @property
    def has_own_constraints(self) -> bool:
        return (
            self.min is not None
            or self.max is not None
            or self.pattern is not None
            or bool(self.enum)
        )

    @property
    def java_type(self) -> str:
        """The Java type DynamoDB's deserializer would name for this shape."""
        if self.kind == "structure":
            return JAVA_PACKAGE + self.name
        if self.kind == "list":
            assert self.element is not None
            return f"java.util.List<{self.element.java_type}>"
        if self.kind == "map":
            assert self.value is not None
            return f"java.util.Map<java.lang.String, {self.value.java_type}>"
        return _SCALAR_JAVA.get(self.kind, "java.lang.Object")


def java_regex_to_python(pattern: str) -> str:
    """Translate the few Java-only regex spellings the model uses.

    Java strings are UTF-16, so the model spells "any supplementary character" as the surrogate
    range ``\\uD800\\uDC00-\\uDBFF\\uDFFF``; Python strings hold code points. ``\\p{Print}`` is
    Java's ASCII printable class.
    """
    out = pattern.replace("\\uD800\\uDC00-\\uDBFF\\uDFFF", "\\U00010000-\\U0010FFFF")
    return out.replace("\\p{Print}", "[\\x20-\\x7E]")


def _compile_pattern(text: str) -> re.Pattern[str]:
    # Checked with fullmatch, as Java's String.matches() anchors at both ends; Java's \w, \d
    # and \s are ASCII-only, hence re.ASCII.
    return re.compile(java_regex_to_python(text), re.ASCII)


class ServiceModel:
    """One service's shapes, turned into Nodes on demand."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self._shapes: dict[str, dict[str, Any]] = raw["shapes"]
        self._operations: dict[str, dict[str, Any]] = raw["operations"]
        self._nodes: dict[str, Node] = {}
        self._lock = threading.Lock()

    @property
    def operation_names(self) -> frozenset[str]:
        return frozenset(self._operations)

    def input_node(self, operation: str) -> Node:
        """The input structure of an operation (an empty one for an operation without input)."""
        spec = self._operations[operation].get("input")
        if spec is None:
            return Node(name=f"{operation}Input", kind="structure")
        with self._lock:
            return self._node(spec["shape"])

    def _node(self, name: str) -> Node:
        node = self._nodes.get(name)
        if node is not None:
            return node
        spec = self._shapes[name]
        node = Node(name=name, kind=spec["type"])
        # Register before filling in children so recursive shapes resolve to this node.
        self._nodes[name] = node
        self._fill(node, spec)
        return node

    def _fill(self, node: Node, spec: dict[str, Any]) -> None:
        if "min" in spec and spec["min"] > 0:
            node.min = int(spec["min"])
        if "max" in spec:
            node.max = spec["max"]
        if "pattern" in spec:
            node.pattern_text = spec["pattern"]
            node.pattern = _compile_pattern(spec["pattern"])
        if "enum" in spec:
            node.enum = quirks.ENUM_ORDER.get(node.name, tuple(spec["enum"]))
            node.enum_set = frozenset(spec["enum"])
        if node.kind == "structure":
            self._fill_structure(node, spec)
        elif node.kind == "list":
            node.element = self._node(spec["member"]["shape"])
        elif node.kind == "map":
            node.key = self._node(spec["key"]["shape"])
            node.value = self._node(spec["value"]["shape"])

    def _fill_structure(self, node: Node, spec: dict[str, Any]) -> None:
        required = set(spec.get("required", ()))
        required.update(member for shape, member in quirks.EXTRA_REQUIRED if shape == node.name)
        for member_name, member_spec in spec.get("members", {}).items():
            member_node = self._node(member_spec["shape"])
            extra_max = quirks.EXTRA_MAX.get((node.name, member_name))
            if extra_max is not None:
                member_node = replace(member_node, max=extra_max)
            node.members[member_name] = Member(
                name=member_name,
                path_name=lower_first(member_name),
                node=member_node,
                required=member_name in required,
            )
        node.required = tuple(name for name in node.members if name in required)
        first = [n for n in quirks.MEMBER_ORDER.get(node.name, ()) if n in node.members]
        rest = [n for n in node.members if n not in first]
        node.order = tuple(node.members[n] for n in first + rest)


# --- loading -------------------------------------------------------------------------------------

_SERVICE_DIRS: Final[dict[str, str]] = {
    "dynamodb": "dynamodb/2012-08-10",
    "dynamodbstreams": "dynamodbstreams/2012-08-10",
}
_models: dict[str, ServiceModel] = {}
_load_lock = threading.Lock()


def botocore_data_dir() -> str:
    # find_spec locates the package without executing botocore/__init__.py.
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed; ddblite reads DynamoDB's model from it")
    return os.path.join(next(iter(spec.submodule_search_locations)), "data")


def load_service(service: str) -> ServiceModel:
    """The parsed model of "dynamodb" or "dynamodbstreams", loaded once per process."""
    model = _models.get(service)
    if model is not None:
        return model
    with _load_lock:
        model = _models.get(service)
        if model is None:
            base = os.path.join(botocore_data_dir(), _SERVICE_DIRS[service], "service-2.json")
            if os.path.exists(base + ".gz"):
                with gzip.open(base + ".gz", "rb") as fh:
                    raw = orjson.loads(fh.read())
            else:  # some distributions ship the models uncompressed
                with open(base, "rb") as fh:
                    raw = orjson.loads(fh.read())
            model = ServiceModel(raw)
            _models[service] = model
    return model
