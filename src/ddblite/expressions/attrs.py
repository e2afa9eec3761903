"""Comparing and measuring attribute values (wire form) the way expressions see them.

- Equality is by value: numbers numerically (``1`` = ``1.0``), binary by its bytes, sets
  unordered, lists in order, maps by their entries. Values of different types are never equal.
- Ordering (``< <= > >=``, BETWEEN) exists only between two S, two N or two B: strings by
  their UTF-8 bytes (the same order as Python's code-point order), binary by unsigned bytes,
  numbers numerically. Anything else cannot be ordered, and the comparison is simply false.
- ``size`` is the length of a string in UTF-16 code units (what DynamoDB reports for text with
  emoji), the byte length of a binary, and the element count of a set, list or map.
"""

from __future__ import annotations

import base64
from decimal import Decimal
from functools import lru_cache
from typing import Any

Value = dict[str, Any]
Item = dict[str, Value]


def type_of(value: Value) -> str:
    return next(iter(value))


@lru_cache(maxsize=8192)
def number(text: str) -> Decimal:
    return Decimal(text)


@lru_cache(maxsize=8192)
def binary(text: str) -> bytes:
    return base64.b64decode(text)


def same_value(a: Value, b: Value) -> bool:
    kind, x = next(iter(a.items()))
    other, y = next(iter(b.items()))
    if kind != other:
        return False
    if kind == "S" or kind == "BOOL" or kind == "NULL":
        return bool(x == y)
    if kind == "N":
        return x == y or number(x) == number(y)
    if kind == "B":
        return x == y or binary(x) == binary(y)
    if kind == "SS":
        return len(x) == len(y) and set(x) == set(y)
    if kind == "NS":
        return len(x) == len(y) and {number(n) for n in x} == {number(n) for n in y}
    if kind == "BS":
        return len(x) == len(y) and {binary(n) for n in x} == {binary(n) for n in y}
    if kind == "L":
        return len(x) == len(y) and all(same_value(p, q) for p, q in zip(x, y, strict=True))
    # M
    if len(x) != len(y):
        return False
    for key, member in x.items():
        twin = y.get(key)
        if twin is None or not same_value(member, twin):
            return False
    return True


def order(a: Value, b: Value) -> int | None:
    """-1, 0 or 1 for two values of one scalar type; None when they cannot be ordered."""
    kind, x = next(iter(a.items()))
    other, y = next(iter(b.items()))
    if kind != other:
        return None
    if kind == "S":
        return int(x > y) - int(x < y)
    if kind == "N":
        p, q = number(x), number(y)
        return (p > q) - (p < q)
    if kind == "B":
        p2, q2 = binary(x), binary(y)
        return (p2 > q2) - (p2 < q2)
    return None


def size_of(value: Value) -> int | None:
    kind, x = next(iter(value.items()))
    if kind == "S":
        text: str = x
        if text.isascii():
            return len(text)
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    if kind == "B":
        return len(binary(x))
    if kind in ("SS", "NS", "BS", "L", "M"):
        return len(x)
    return None


def set_contains(kind: str, members: list[str], element: str) -> bool:
    """Whether a set of ``kind`` (SS, NS, BS) holds ``element`` (its wire text)."""
    if kind == "SS":
        return element in members
    if kind == "NS":
        target = number(element)
        return any(number(m) == target for m in members)
    raw = binary(element)
    return any(binary(m) == raw for m in members)


def contains(container: Value, needle: Value) -> bool:
    """DynamoDB's ``contains``: substring of a string (or of a binary), member of a set of
    the needle's type, or element of a list."""
    kind, x = next(iter(container.items()))
    other, y = next(iter(needle.items()))
    if kind == "S":
        return other == "S" and y in x
    if kind == "B":
        return other == "B" and binary(y) in binary(x)
    if kind in ("SS", "NS", "BS"):
        return other == kind[0] and set_contains(kind, x, y)
    if kind == "L":
        return any(same_value(member, needle) for member in x)
    return False


def begins_with(value: Value, prefix: Value) -> bool:
    kind, x = next(iter(value.items()))
    other, y = next(iter(prefix.items()))
    if kind != other:
        return False
    if kind == "S":
        return bool(x.startswith(y))
    if kind == "B":
        return binary(x).startswith(binary(y))
    return False


def get_path(item: Item, path: tuple[str | int, ...]) -> Value | None:
    """The value at a resolved document path, or None when any step is missing."""
    head = path[0]
    if not isinstance(head, str):
        return None
    current: Any = item.get(head)
    for step in path[1:]:
        if current is None:
            return None
        if isinstance(step, int):
            members = current.get("L")
            current = members[step] if members is not None and step < len(members) else None
        else:
            members = current.get("M")
            current = members.get(step) if members is not None else None
    return current  # type: ignore[no-any-return]
