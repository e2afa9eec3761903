"""Attribute values in their wire form, validated and measured as DynamoDB does.

A value is a one-key dict, exactly as on the wire (``{"S": "x"}``, ``{"N": "1.5"}``,
``{"B": "<base64>"}``, ``{"L": [...]}``, ...); an item is a dict of names to values. Keeping the
wire form in memory means a stored body is one ``orjson.dumps`` away and a response needs no
conversion. B/BS stay base64 text; they are decoded only to compare, measure or encode keys.

``check_item`` / ``check_value`` apply DynamoDB's semantic checks (the JSON types were already
checked against the service model by ``protocol.shapes``) and rewrite numbers into their
canonical spelling in place, so stored numbers are always canonical.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ddblite.errors import BASE64_LENGTH, INVALID, SerializationException, ValidationException
from ddblite.limits import MAX_NESTING
from ddblite.model import numbers

Value = dict[str, Any]
Item = dict[str, Value]

TYPES = frozenset(("S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"))
EMPTY_VALUE = (
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
)
MANY_TYPES = (
    "Supplied AttributeValue has more than one datatypes set, "
    "must contain exactly one of the supported datatypes"
)
NESTING = (
    "Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)


def decode_binary(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SerializationException(BASE64_LENGTH.format(len(text))) from None


def check_item(item: Item) -> None:
    """Validate every attribute of an item (in place: numbers become canonical)."""
    for value in item.values():
        check_value(value, 0)


def check_value(value: Value, depth: int) -> None:
    """DynamoDB's semantic checks of one value; numbers are rewritten canonical in place."""
    if depth >= MAX_NESTING:
        raise ValidationException(NESTING)
    if not value:
        # Also a JSON null where a value belongs (the shape check lets null through).
        raise ValidationException(EMPTY_VALUE)
    if len(value) != 1:
        _check_malformed(value)
    kind, inner = next(iter(value.items()))
    if kind == "S" or kind == "BOOL":
        return
    if kind == "N":
        value["N"] = numbers.normalize(inner)
    elif kind == "M" or kind == "L":
        for member in inner.values() if kind == "M" else inner:
            check_value(member, depth + 1)
    elif kind == "NULL":
        if inner is not True:
            raise ValidationException(
                INVALID + "Null attribute value types must have the value of true"
            )
    elif kind == "B":
        decode_binary(inner)
    else:
        _check_set(value, kind, inner)


def _check_malformed(value: Value) -> None:
    present = [kind for kind in value if kind in TYPES]
    if not present:
        raise ValidationException(EMPTY_VALUE)
    # DynamoDB checks the numbers before it notices the extra types.
    for kind in present:
        if kind == "N":
            numbers.parse(value["N"])
        elif kind == "NS":
            for text in value["NS"]:
                numbers.parse(text)
    raise ValidationException(MANY_TYPES)


def _check_set(value: Value, kind: str, members: list[str]) -> None:
    if kind == "SS":
        if not members:
            raise ValidationException(INVALID + "An string set  may not be empty")
        if len(set(members)) != len(members):
            raise ValidationException(
                INVALID + f"Input collection [{', '.join(members)}] contains duplicates."
            )
    elif kind == "NS":
        if not members:
            raise ValidationException(INVALID + "An number set  may not be empty")
        canon = [numbers.normalize(text) for text in members]
        if len(set(canon)) != len(canon):
            raise ValidationException("Input collection contains duplicates")
        value["NS"] = canon
    else:  # BS
        if not members:
            raise ValidationException(INVALID + "Binary sets should not be empty")
        raw = [decode_binary(text) for text in members]
        if len(set(raw)) != len(raw):
            raise ValidationException(
                INVALID + f"Input collection [{', '.join(members)}]of type BS contains duplicates."
            )


# --- size -------------------------------------------------------------------------------------


def item_size(item: Item) -> int:
    """Bytes DynamoDB counts for an item: UTF-8 names plus value sizes."""
    # A plain loop, and ASCII names measured without encoding: every write sizes its item.
    total = 0
    for name, value in item.items():
        total += (len(name) if name.isascii() else len(name.encode())) + value_size(value)
    return total


def value_size(value: Value) -> int:
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(inner.encode()) if not inner.isascii() else len(inner)
    if kind == "N":
        return number_size(inner)
    if kind == "B":
        return binary_size(inner)
    if kind == "BOOL" or kind == "NULL":
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(number_size(n) for n in inner)
    if kind == "BS":
        return sum(binary_size(b) for b in inner)
    if kind == "L":
        # 3 bytes for the list plus 1 per element.
        return 3 + len(inner) + sum(value_size(v) for v in inner)
    # M: 3 bytes for the map plus, per entry, its name and 1 byte.
    return 3 + sum(len(k.encode()) + 1 + value_size(v) for k, v in inner.items())


def binary_size(text: str) -> int:
    """Decoded length of base64 text without decoding it."""
    length = len(text)
    if not length:
        return 0
    return length * 3 // 4 - text.count("=", length - 2)


def number_size(text: str) -> int:
    """Size of a canonical number. DynamoDB stores numbers in base 100 around the decimal
    point: a byte per digit pair on each side of it (leading and trailing zeros dropped), one
    byte of exponent, and one more byte for a negative number."""
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    whole = whole.lstrip("0")
    if fraction:
        fraction = fraction.rstrip("0")
        if not whole:
            fraction = fraction.lstrip("0")
    else:
        # An integer's trailing zeros are carried by the exponent.
        whole = whole.rstrip("0")
    if not whole and not fraction:
        return 1
    return (len(whole) + 1) // 2 + (len(fraction) + 1) // 2 + 1 + negative


def type_of(value: Value) -> str:
    return next(iter(value))
