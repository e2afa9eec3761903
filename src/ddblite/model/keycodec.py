"""Order-preserving bytes for key values, and the partition hash.

Storage compares keys as raw bytes (SQLite BLOB, PostgreSQL bytea), so each key value is
encoded such that ``enc(a) < enc(b)`` exactly when DynamoDB sorts ``a`` before ``b``:

- S: its UTF-8 bytes (DynamoDB orders strings by UTF-8 bytes).
- B: the raw bytes.
- N: a sign class byte, then the exponent, then the significant digits.

A worked example for N. Every non-zero number is ``±0.d1d2d3... x 10^e`` with ``d1 != 0``;
DynamoDB's range keeps ``e`` in -129..126, so ``e + 129`` fits one byte.

    0        -> 80
    1.5      -> C0 82 '1' '5'          (positive class C0, e=1 -> 130=0x82, digits as ASCII)
    12       -> C0 83 '1' '2'          (e=2 sorts after e=1: 12 > 1.5)
    -1.5     -> 40 7D '8' '4' FF       (negative class 40; exponent and digits inverted)
    -12      -> 40 7C '8' '7' FF       (-12 < -1.5: its inverted exponent is smaller)

Digits of a negative number are inverted (``0x69 - digit byte``: '0'->'9' ... '9'->'0') and
followed by FF, so that a longer mantissa (a more negative number, e.g. -1.25 vs -1.2) sorts
first. Canonical numbers have no trailing zeros, so ``1``, ``1.0`` and ``01.00`` encode alike.
"""

from __future__ import annotations

import base64
import hashlib
from decimal import Decimal
from typing import Any

from ddblite.model.numbers import EXACT, canonical
from ddblite.model.values import decode_binary

_NEG, _ZERO, _POS = b"\x40", b"\x80", b"\xc0"
_EXPONENT_BIAS = 129
_INVERT = bytes.maketrans(b"0123456789", b"9876543210")
HASH_SPACE = 1 << 63  # pk_hash is in [0, 2**63): fits a signed 64-bit column


def encode_number(text: str) -> bytes:
    value = Decimal(text)
    if not value:
        return _ZERO
    sign, digit_tuple, exponent = value.normalize(EXACT).as_tuple()
    digits = "".join(map(str, digit_tuple)).encode()
    # value = 0.digits x 10^e  where e = adjusted() + 1
    e = len(digit_tuple) + int(exponent) + _EXPONENT_BIAS
    if sign:
        return _NEG + bytes((255 - e,)) + digits.translate(_INVERT) + b"\xff"
    return _POS + bytes((e,)) + digits


def encode(value: dict[str, Any]) -> bytes:
    """Key bytes for a validated S, N or B attribute value."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return inner.encode()  # type: ignore[no-any-return]
    if kind == "N":
        return encode_number(inner)
    return decode_binary(inner)


def decode(kind: str, data: bytes) -> dict[str, Any]:
    """The wire value for key bytes of a known type (used to rebuild LastEvaluatedKey)."""
    if kind == "S":
        return {"S": data.decode()}
    if kind == "B":
        return {"B": base64.b64encode(data).decode()}
    return {"N": decode_number(data)}


def decode_number(data: bytes) -> str:
    if data == _ZERO:
        return "0"
    if data[:1] == _POS:
        exponent = data[1] - _EXPONENT_BIAS
        digits = data[2:].decode()
        sign = ""
    else:
        exponent = 255 - data[1] - _EXPONENT_BIAS
        digits = data[2:-1].translate(_INVERT).decode()
        sign = "-"
    return canonical(Decimal(f"{sign}0.{digits}E{exponent}"))


def pk_hash(pk: bytes) -> int:
    """A stable 63-bit hash of the encoded partition key: Scan order, parallel-scan segments
    and the Citus distribution column. Computed here, never by a database, so every backend
    and every version agrees."""
    # Never 2**63 - 1 itself: that value is the exclusive upper bound every scan passes to
    # storage (2**63 does not fit a signed 64-bit column), so no item may sit on it.
    return (int.from_bytes(hashlib.blake2b(pk, digest_size=8).digest(), "big") >> 1) % (
        HASH_SPACE - 1
    )
