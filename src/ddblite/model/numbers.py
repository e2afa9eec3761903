"""DynamoDB's Number: up to 38 significant digits, magnitude 1E-130 .. 9.99..E+125.

DynamoDB accepts ``sign? digits ('.' digits?)? | sign? '.' digits`` with an optional exponent
(``1``, ``+5``, ``5.``, ``.5``, ``1e+2``, ``00042``) and rejects anything else, whitespace
included. It stores the value, not the spelling: ``1``, ``1.0`` and ``01.00`` are one number
(one key), and it answers with the canonical plain spelling (``1``; ``1E+3`` comes back as
``1000``; ``-0`` as ``0``).
"""

from __future__ import annotations

import re
from decimal import Context, Decimal

from ddblite.errors import ValidationException
from ddblite.limits import MAX_NUMBER_DIGITS, MAX_NUMBER_EXPONENT, MIN_NUMBER_EXPONENT

_GRAMMAR = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_JAVA_INT_MAX = 2**31 - 1
# Enough precision that arithmetic on two in-range numbers is exact before we check the result.
EXACT = Context(prec=400, Emax=999999, Emin=-999999)

NOT_A_NUMBER = "The parameter cannot be converted to a numeric value"
OVERFLOW = (
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
)
UNDERFLOW = (
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
)
TOO_PRECISE = "Attempting to store more than 38 significant digits in a Number"


def parse(text: str) -> Decimal:
    """Parse a wire number, raising DynamoDB's ValidationException if it is not storable."""
    if not text:
        raise ValidationException(NOT_A_NUMBER)
    if _GRAMMAR.match(text) is None or not _exponent_fits(text):
        raise ValidationException(f"{NOT_A_NUMBER}: {text}")
    value = Decimal(text)
    if value:
        check_range(value)
    else:
        # A written zero keeps its exponent: DynamoDB refuses 0e126 and 0e-131 as it refuses
        # 1e126 and 1e-131.
        _check_magnitude(value.adjusted())
    return value


def _exponent_fits(text: str) -> bool:
    """DynamoDB reads numbers with Java's BigDecimal, whose exponent is a 32-bit int: past that
    (``1e9223372036854775808``) the text is not a number at all to it (nor to Python's Decimal,
    whose exponent stops near 10**18)."""
    mark = max(text.rfind("e"), text.rfind("E"))
    if mark < 0:
        return True
    digits = text[mark + 1 :].lstrip("+-").lstrip("0")
    return len(digits) <= 10 and int(digits or "0") <= _JAVA_INT_MAX


def check_range(value: Decimal) -> None:
    """Raise DynamoDB's error if a (finite) Decimal cannot be stored as a Number."""
    if not value:
        return
    _check_magnitude(value.adjusted())
    if len(value.normalize(EXACT).as_tuple().digits) > MAX_NUMBER_DIGITS:
        raise ValidationException(TOO_PRECISE)


def _check_magnitude(exponent: int) -> None:
    if exponent > MAX_NUMBER_EXPONENT:
        raise ValidationException(OVERFLOW)
    if exponent < MIN_NUMBER_EXPONENT:
        raise ValidationException(UNDERFLOW)


def canonical(value: Decimal) -> str:
    """The plain spelling DynamoDB answers with: no exponent, no redundant zeros."""
    if not value:
        return "0"
    text = format(value.normalize(EXACT), "f")
    return text


# An integer of at most 38 digits with no "+" and no leading zero is already valid and
# canonical. Most numbers on the wire look like this, and recognising them with one regex
# match is several times cheaper than the Decimal round trip every request would pay.
_CANONICAL_INT = re.compile(r"-?[1-9][0-9]{0,37}\Z|0\Z")  # [0-9]: \d matches any Unicode digit


def normalize(text: str) -> str:
    """Validate a wire number and return its canonical spelling."""
    if _CANONICAL_INT.match(text) is not None:
        return text
    return canonical(parse(text))


def add(left: str, right: str) -> str:
    """DynamoDB's ``+`` / ADD on two stored numbers (38-digit result, range checked)."""
    return _arith(EXACT.add(Decimal(left), Decimal(right)))


def subtract(left: str, right: str) -> str:
    return _arith(EXACT.subtract(Decimal(left), Decimal(right)))


def _arith(result: Decimal) -> str:
    check_range(result)
    return canonical(result)
