"""The per-request pass: JSON types, and a yes/no on the model's constraints.

Every shape compiles once into a checker closure ``check(value) -> bool``:

- a value of the wrong JSON type raises SerializationException at once, with the message DynamoDB's
  Java deserializer gives (it reads the body front to back, so the first wrong type *in document
  order* wins, and wins over every constraint problem: deserialization ends before validation);
- otherwise it returns True when some constraint below it is broken. It does not say which: the
  rare failing request is walked again by ``shapes_report``, which builds DynamoDB's messages in
  DynamoDB's order. A valid request therefore costs one walk with no allocation.

On the way it normalises what DynamoDB's deserializer normalises, in place: a member that is JSON
null is removed (null means absent), a member the model does not know is removed (the
deserializer skips it: ``{"S": "a", "X": 5}`` is the string "a", and ``{"X": 5}`` an empty
AttributeValue), "true"/"false"/"yes"/"no"/"1"/"0" in a Boolean become bools, a fractional number
in an Integer/Long is truncated, and a JSON null where a list element or map value that is itself
a structure, list or map belongs reads as the empty one (so ``{"RequestItems": {"t": null}}`` is
answered like ``{"t": []}`` and ``"TransactItems": [null]`` like ``[{}]``, never with a crash).

Where the type check ends: inside an AttributeValue this pass checks only JSON types (S and N are
strings, B is canonical base64, SS/NS/BS are lists of those, L a list and M a map of
AttributeValues, BOOL/NULL booleans). Whether an AttributeValue is *valid* (exactly one datatype
set, NULL is true, N is a number within DynamoDB's range, sets non-empty and without duplicates,
nesting depth) is the engine's value validation (``model.values``), which runs after this and
words its own ValidationExceptions. A JSON null inside a list or as a map value (e.g. an Item
attribute whose value is null) is passed through as None for that layer to judge.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from typing import Any, Final

from ddblite.errors import BASE64_LENGTH, SerializationException
from ddblite.protocol.shapes.model import Node

Checker = Callable[[Any], bool]

START_OF_MAP: Final = "Start of structure or map found where not expected"
UNEXPECTED_FIELD: Final = "Unexpected field type"
UNEXPECTED_VALUE: Final = "Unexpected value type in payload"
# What DynamoDB says when a generic collection sits inside another (a list as a map value, a map
# as a list element) and the JSON there is a scalar: its deserializer leaks a ClassCastException.
PARAMETERIZED_CAST: Final = (
    "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class "
    "java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and "
    "java.lang.Class are in module java.base of loader 'bootstrap')"
)
BASE64_BAD: Final = "Invalid last non-pad Base64 character dectected"  # sic: DynamoDB's spelling

_TRUE_STRINGS: Final = frozenset({"TRUE", "YES", "1"})
_FALSE_STRINGS: Final = frozenset({"FALSE", "NO", "0"})
_NUMBER_TARGETS: Final[dict[str, str]] = {
    "integer": "Integer",
    "long": "Long",
    "double": "Double",
    "float": "Float",
    "timestamp": "Date",
}


class Replace(Exception):  # control flow, not an error
    """Raised by a scalar checker whose value must be rewritten (e.g. "true" -> True)."""

    def __init__(self, value: Any) -> None:
        self.value = value


def java_length(text: str) -> int:
    """Java's String.length(): UTF-16 code units, so a character outside the BMP counts 2."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _token(value: Any) -> str:
    """The Jackson token name DynamoDB puts in "<TOKEN> cannot be converted to <Type>"."""
    if value is True:
        return "TRUE_VALUE"
    if value is False:
        return "FALSE_VALUE"
    if type(value) is int:
        return "NUMBER_VALUE"
    if type(value) is float:
        return "DECIMAL_VALUE"
    return "STRING_VALUE"


# --- type errors ----------------------------------------------------------------------------------


def scalar_type_error(node: Node, value: Any) -> SerializationException:
    """The message for ``value`` (JSON of the wrong type) where scalar ``node`` was expected."""
    if type(value) is dict:
        return SerializationException(START_OF_MAP)
    if type(value) is list:
        return SerializationException(f"Unrecognized collection type class {node.java_type}")
    kind = node.kind
    if kind == "string":
        return SerializationException(f"{_token(value)} cannot be converted to String")
    if kind == "boolean":
        if type(value) is str:
            return SerializationException("Unexpected token received from parser")
        return SerializationException(f"{_token(value)} cannot be converted to Boolean")
    if kind == "blob":
        return SerializationException("only base-64-encoded strings are convertible to bytes")
    return SerializationException(f"{_token(value)} cannot be converted to {_NUMBER_TARGETS[kind]}")


def container_type_error(node: Node, value: Any, *, in_collection: bool) -> SerializationException:
    """The message for ``value`` where structure/list/map ``node`` was expected.

    DynamoDB words it by where the value sits: a struct member ("field") or an element of a list
    or value of a map ("value"). For lists and maps inside a collection it leaks a cast error.
    """
    kind = node.kind
    if type(value) is dict:  # only reached for lists
        return SerializationException(START_OF_MAP)
    if type(value) is list:
        if kind == "map":
            return SerializationException(f"Unrecognized collection type {node.java_type}")
        return SerializationException(f"Unrecognized collection type class {node.java_type}")
    if kind == "structure":
        return SerializationException(UNEXPECTED_VALUE if in_collection else UNEXPECTED_FIELD)
    return SerializationException(PARAMETERIZED_CAST if in_collection else UNEXPECTED_FIELD)


def check_base64(text: str) -> None:
    """DynamoDB's blob decoder: length a multiple of 4, alphabet, padding, canonical last char."""
    size = len(text)
    if size % 4:
        raise SerializationException(BASE64_LENGTH.format(size))
    if not size:
        return
    try:
        binascii.a2b_base64(text, strict_mode=True)
        tail = text[-4:]
        canonical = binascii.b2a_base64(binascii.a2b_base64(tail), newline=False)
    except (binascii.Error, ValueError):
        raise SerializationException(BASE64_BAD) from None
    if canonical != tail.encode("ascii"):
        raise SerializationException(BASE64_BAD)


def blob_length(text: str) -> int:
    """Decoded size of canonical base64 text."""
    return len(text) // 4 * 3 - text[-2:].count("=")


# --- constraint predicates (True = broken) -------------------------------------------------------


def string_breaks(node: Node) -> Callable[[str], bool] | None:
    """A predicate for a string shape's own constraints, or None when it has none."""
    lo, hi, pattern, enum = node.min, node.max, node.pattern, node.enum_set
    if enum:
        return lambda s: s not in enum
    if pattern is None and lo is None and hi is None:
        return None
    lo_n = lo if lo is not None else 0
    # Python counts code points, Java UTF-16 units: java_length(s) is within [len(s), 2*len(s)].
    hi_half = hi / 2 if hi is not None else float("inf")

    def breaks(s: str) -> bool:
        if pattern is not None and pattern.fullmatch(s) is None:
            return True
        size = len(s)
        if size >= lo_n and size <= hi_half:
            return False
        exact = java_length(s)
        return exact < lo_n or (hi is not None and exact > hi)

    return breaks


def _range_breaks(node: Node) -> Callable[[Any], bool] | None:
    lo, hi = node.min, node.max
    if lo is None and hi is None:
        return None
    if hi is None:
        return lambda n: n < lo
    if lo is None:
        return lambda n: n > hi
    return lambda n: n < lo or n > hi


# --- scalar checkers ------------------------------------------------------------------------------


def check_plain_string(value: Any) -> bool:
    """The checker of every string shape without constraints (structures skip calling it)."""
    if type(value) is str:
        return False
    if type(value) is dict:
        raise SerializationException(START_OF_MAP)
    if type(value) is list:
        raise SerializationException("Unrecognized collection type class java.lang.String")
    raise SerializationException(f"{_token(value)} cannot be converted to String")


def _string_checker(node: Node) -> Checker:
    breaks = string_breaks(node)
    if breaks is None:
        return check_plain_string

    def check(value: Any) -> bool:
        if type(value) is str:
            return breaks(value)
        raise scalar_type_error(node, value)

    return check


def _integer_checker(node: Node) -> Checker:
    breaks = _range_breaks(node)

    def check(value: Any) -> bool:
        if type(value) is int:
            return breaks is not None and breaks(value)
        if type(value) is float:
            raise Replace(int(value))  # the deserializer truncates a decimal toward zero
        raise scalar_type_error(node, value)

    return check


def _decimal_checker(node: Node) -> Checker:
    """Double and timestamp (epoch seconds in DynamoDB's JSON): any JSON number."""
    breaks = _range_breaks(node)

    def check(value: Any) -> bool:
        if type(value) is int or type(value) is float:
            return breaks is not None and breaks(value)
        raise scalar_type_error(node, value)

    return check


def _boolean_checker(node: Node) -> Checker:
    def check(value: Any) -> bool:
        if type(value) is bool:
            return False
        if type(value) is str:
            upper = value.upper()
            if upper in _TRUE_STRINGS:
                raise Replace(True)
            if upper in _FALSE_STRINGS:
                raise Replace(False)
        raise scalar_type_error(node, value)

    return check


def _blob_checker(node: Node) -> Checker:
    breaks = _range_breaks(node)

    def check(value: Any) -> bool:
        if type(value) is not str:
            raise scalar_type_error(node, value)
        check_base64(value)
        return breaks is not None and breaks(blob_length(value))

    return check


_SCALARS: Final[dict[str, Callable[[Node], Checker]]] = {
    "string": _string_checker,
    "integer": _integer_checker,
    "long": _integer_checker,
    "double": _decimal_checker,
    "float": _decimal_checker,
    "timestamp": _decimal_checker,
    "boolean": _boolean_checker,
    "blob": _blob_checker,
}
# Scalars whose checker may raise Replace: their containers need the rewrite-aware loop.
_REWRITING: Final = frozenset({"integer", "long", "boolean"})


# --- containers -----------------------------------------------------------------------------------


def _rewrite(container: Any, key: Any, check: Checker, rewrite: Replace) -> bool:
    """Store a normalised scalar back (same key or index: safe while iterating) and check it."""
    container[key] = rewrite.value
    return check(rewrite.value)


def _drop(value: dict[str, Any], names: list[str]) -> None:
    """Members sent as JSON null read as absent; members the model does not know are skipped."""
    for name in names:
        del value[name]


_EMPTY: Final[dict[str, Callable[[], Any]]] = {"structure": dict, "map": dict, "list": list}


def _fill_nulls(container: Any, kind: str) -> None:
    """A JSON null element (list) or value (map) of a structure, list or map reads as the empty
    one: what a null there would mean to the code behind, which must never crash on it."""
    empty = _EMPTY[kind]
    keys = range(len(container)) if type(container) is list else list(container)
    for key in keys:
        if container[key] is None:
            container[key] = empty()


def _structure_check(
    node: Node, in_collection: bool, members: dict[str, Checker], plain: set[str]
) -> Checker:
    required = node.required

    def check(value: Any) -> bool:
        if type(value) is not dict:
            raise container_type_error(node, value, in_collection=in_collection)
        bad = False
        dropped: list[str] | None = None
        for name, item in value.items():
            if type(item) is str and name in plain:
                continue
            member_check = members.get(name)
            if member_check is None or item is None:
                # Unknown (skipped, as DynamoDB does) or null (absent).
                dropped = [name] if dropped is None else [*dropped, name]
                continue
            try:
                if member_check(item):
                    bad = True
            except Replace as rewrite:
                bad = _rewrite(value, name, member_check, rewrite) or bad
        if dropped is not None:
            _drop(value, dropped)
        for name in required:
            if name not in value:
                return True
        return bad

    return check


class Compiler:
    """Builds checkers for Nodes, once per (shape, position)."""

    def __init__(self) -> None:
        self._memo: dict[tuple[int, bool], Checker] = {}

    def checker(self, node: Node, *, in_collection: bool = False) -> Checker:
        if node.kind not in ("structure", "list", "map"):
            in_collection = False  # scalars read the same anywhere
        memo_key = (id(node), in_collection)
        found = self._memo.get(memo_key)
        if found is not None:
            return found
        if node.kind == "structure":
            return self.structure(node, in_collection=in_collection)
        if node.kind == "list":
            built = self._list(node, in_collection)
        elif node.kind == "map":
            built = self._map(node, in_collection)
        else:
            built = _SCALARS[node.kind](node)
        self._memo[memo_key] = built
        return built

    def structure(
        self,
        node: Node,
        *,
        in_collection: bool = False,
        overrides: dict[str, Checker] | None = None,
    ) -> Checker:
        members: dict[str, Checker] = {}
        # Members that are plain strings (S, N, expressions, ...) are the bulk of every request:
        # a set lookup instead of a call.
        plain: set[str] = set()
        check = _structure_check(node, in_collection, members, plain)
        if overrides is None:
            # Registered before the members are compiled, so recursive shapes find it.
            self._memo[(id(node), in_collection)] = check
        for name, member in node.members.items():
            found = overrides.get(name) if overrides else None
            members[name] = found or self.checker(member.node)
        plain.update(name for name, found in members.items() if found is check_plain_string)
        return check

    def _list(self, node: Node, in_collection: bool) -> Checker:
        assert node.element is not None
        element = node.element
        length_breaks = _range_breaks(node)
        holder: list[Checker] = []

        def check(value: Any) -> bool:
            if type(value) is not list:
                raise container_type_error(node, value, in_collection=in_collection)
            bad = length_breaks is not None and length_breaks(len(value))
            element_check = holder[0]
            for item in value:
                if item is not None and element_check(item):
                    bad = True
            return bad

        def check_rewriting(value: Any) -> bool:
            if type(value) is not list:
                raise container_type_error(node, value, in_collection=in_collection)
            bad = length_breaks is not None and length_breaks(len(value))
            element_check = holder[0]
            for index, item in enumerate(value):
                if item is None:
                    continue
                try:
                    if element_check(item):
                        bad = True
                except Replace as rewrite:
                    bad = _rewrite(value, index, element_check, rewrite) or bad
            return bad

        chosen: Checker = check_rewriting if element.kind in _REWRITING else check
        if element.kind in _EMPTY:
            chosen = _filling_nulls(chosen, element.kind)
        self._memo[(id(node), in_collection)] = chosen
        holder.append(self.checker(element, in_collection=True))
        return chosen

    def _map(self, node: Node, in_collection: bool) -> Checker:
        assert node.key is not None and node.value is not None
        value_node = node.value
        length_breaks = _range_breaks(node)
        key_breaks = string_breaks(node.key)
        holder: list[Checker] = []

        def check(value: Any) -> bool:
            if type(value) is not dict:
                raise container_type_error(node, value, in_collection=in_collection)
            bad = length_breaks is not None and length_breaks(len(value))
            value_check = holder[0]
            for key, item in value.items():
                if key_breaks is not None and key_breaks(key):
                    bad = True
                if item is None:
                    continue
                try:
                    if value_check(item):
                        bad = True
                except Replace as rewrite:
                    bad = _rewrite(value, key, value_check, rewrite) or bad
            return bad

        chosen = _filling_nulls(check, value_node.kind) if value_node.kind in _EMPTY else check
        self._memo[(id(node), in_collection)] = chosen
        holder.append(self.checker(value_node, in_collection=True))
        return chosen


def _filling_nulls(check: Checker, kind: str) -> Checker:
    """``check`` for a list or map of structures / lists / maps, null elements read as empty."""

    def filled(value: Any) -> bool:
        if type(value) is list:
            if None in value:
                _fill_nulls(value, kind)
        elif type(value) is dict and None in value.values():
            _fill_nulls(value, kind)
        return check(value)

    return filled
