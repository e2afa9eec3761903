"""The slow pass: DynamoDB's ValidationException text for a request that broke a constraint.

Only requests the fast pass (``shapes_fast``) flagged come here, so this walks the body plainly
and spends what it likes on wording. It reproduces the service's conventions:

- one problem per broken constraint, ``Value '<v>' at '<path>' failed to satisfy constraint:
  <rule>`` (``Value null at ...`` for a missing required member), at most 10 of them;
- paths in lowerCamel: ``keySchema.1.member.keyType`` (list elements 1-based with ``.member``),
  ``requestItems.<table>.member.keys`` (map values by key, with ``.member``);
- within a structure, members in DynamoDB's order (``shapes_quirks.MEMBER_ORDER``); within a
  member, its own constraints (enum, pattern, min, max) before its children;
- a map's key and value constraints are reported at the map, once per offending entry, listing
  every constraint of the key (value) shape: ``Map keys must satisfy constraint: [Member must
  have length less than or equal to 255, Member must have length greater than or equal to 3, ...]``;
- the value printed the way the service's Java objects print themselves: lists ``[a, b]``, maps
  ``{k=v}``, structures ``KeySchemaElement(attributeName=pk, keyType=HASH)``.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ddblite.protocol.shapes import quirks
from ddblite.protocol.shapes.fast import blob_length, java_length
from ddblite.protocol.shapes.model import Node


class _Full(Exception):  # control flow, not an error
    """Raised once MAX_PROBLEMS problems are collected."""


# --- rendering ------------------------------------------------------------------------------------


def render(node: Node, value: Any) -> str:
    """``value`` as DynamoDB's Java model object would print it (toString)."""
    if value is None:
        return "null"
    kind = node.kind
    if kind == "structure" and type(value) is dict:
        inner = ", ".join(
            f"{m.path_name}={render(m.node, value.get(m.name))}" for m in node.members.values()
        )
        return f"{node.name}({inner})"
    if kind == "list" and type(value) is list:
        assert node.element is not None
        element = node.element
        return "[" + ", ".join(render(element, item) for item in value) + "]"
    if kind == "map" and type(value) is dict:
        assert node.value is not None
        value_node = node.value
        return "{" + ", ".join(f"{k}={render(value_node, v)}" for k, v in value.items()) + "}"
    if kind == "blob" and type(value) is str:
        size = blob_length(value) if value else 0
        return f"java.nio.HeapByteBuffer[pos=0 lim={size} cap={size}]"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def problem(value_text: str | None, path: str, rule: str) -> str:
    """One entry of the envelope; value_text None prints ``Value null``."""
    shown = "null" if value_text is None else f"'{value_text}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: {rule}"


# --- constraint wording ---------------------------------------------------------------------------


def _size(node: Node, value: Any) -> int | float:
    if node.kind == "string":
        return java_length(value)
    if node.kind == "blob":
        return blob_length(value) if value else 0
    if node.kind in ("list", "map"):
        return len(value)
    return value  # type: ignore[no-any-return]


def _noun(node: Node) -> str:
    return "value" if node.kind in ("integer", "long", "double", "float", "timestamp") else "length"


def _fmt(bound: int | float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def violations(node: Node, value: Any) -> list[tuple[str, str]]:
    """The constraints of ``node`` that ``value`` breaks, as (kind, rule text), in report order."""
    out: list[tuple[str, str]] = []
    if node.enum and value not in node.enum_set:
        out.append(("enum", "Member must satisfy enum value set: [" + ", ".join(node.enum) + "]"))
    if node.pattern is not None and node.pattern.fullmatch(value) is None:
        rule = f"Member must satisfy regular expression pattern: {node.pattern_text}"
        out.append(("pattern", rule))
    if node.min is None and node.max is None:
        return out
    size = _size(node, value)
    noun = _noun(node)
    if node.min is not None and size < node.min:
        out.append(("min", f"Member must have {noun} greater than or equal to {_fmt(node.min)}"))
    if node.max is not None and size > node.max:
        out.append(("max", f"Member must have {noun} less than or equal to {_fmt(node.max)}"))
    return out


def all_rules(node: Node) -> str:
    """Every constraint of ``node``, as listed inside "Map keys/value must satisfy constraint"."""
    noun = _noun(node)
    rules = []
    if node.max is not None:
        rules.append(f"Member must have {noun} less than or equal to {_fmt(node.max)}")
    if node.min is not None:
        rules.append(f"Member must have {noun} greater than or equal to {_fmt(node.min)}")
    if node.pattern is not None:
        rules.append(f"Member must satisfy regular expression pattern: {node.pattern_text}")
    if node.enum:
        rules.append("Member must satisfy enum value set: [" + ", ".join(node.enum) + "]")
    return ", ".join(rules)


# --- the walk -------------------------------------------------------------------------------------


class Reporter:
    """Collects the problems of one request, in DynamoDB's order, up to MAX_PROBLEMS."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def collect(self, root: Node, body: dict[str, Any], skip: str | None = None) -> list[str]:
        with contextlib.suppress(_Full):
            self._structure(root, body, "", "", skip)
        return self.problems

    def _add(self, text: str) -> None:
        self.problems.append(text)
        if len(self.problems) >= quirks.MAX_PROBLEMS:
            raise _Full

    def _structure(
        self, node: Node, value: dict[str, Any], path: str, map_key: str, skip: str | None = None
    ) -> None:
        for member in node.order:
            if member.name == skip:
                continue
            item = value.get(member.name)
            member_path = f"{path}.{member.path_name}" if path else member.path_name
            if item is None:
                if member.required:
                    self._add(problem(None, member_path, "Member must not be null"))
                continue
            self._own(member.node, item, member_path, map_key, (node.name, member.name))
            self._children(member.node, item, member_path, map_key)

    def _own(
        self, node: Node, value: Any, path: str, map_key: str, owner: tuple[str, str] | None
    ) -> None:
        if not node.has_own_constraints:
            return
        for kind, rule in violations(node, value):
            hidden = quirks.HIDDEN_VALUE_PATHS.get((*owner, kind)) if owner else None
            if hidden is not None:
                shown = hidden.format(key=map_key)
                self._add(f"Value at '{shown}' failed to satisfy constraint: {rule}")
            else:
                self._add(problem(render(node, value), path, rule))

    def _children(self, node: Node, value: Any, path: str, map_key: str) -> None:
        if node.kind == "structure":
            self._structure(node, value, path, map_key)
        elif node.kind == "list":
            assert node.element is not None
            for index, item in enumerate(value, 1):
                if item is not None:
                    item_path = f"{path}.{index}.member"
                    self._own(node.element, item, item_path, map_key, None)
                    self._children(node.element, item, item_path, map_key)
        elif node.kind == "map":
            self._map(node, value, path)

    def _map(self, node: Node, value: dict[str, Any], path: str) -> None:
        assert node.key is not None and node.value is not None
        key_node, value_node = node.key, node.value
        if key_node.has_own_constraints:
            for key in value:
                if violations(key_node, key):
                    rule = f"Map keys must satisfy constraint: [{all_rules(key_node)}]"
                    self._add(problem(render(node, value), path, rule))
        if value_node.has_own_constraints:
            for item in value.values():
                if item is not None and violations(value_node, item):
                    rule = f"Map value must satisfy constraint: [{all_rules(value_node)}]"
                    self._add(problem(render(node, value), path, rule))
        for key, item in value.items():
            if item is not None:
                self._children(value_node, item, f"{path}.{key}.member", key)
