"""DynamoDB's Number: grammar, 38 digits, range, canonical spelling."""

from __future__ import annotations

import pytest

from ddblite.errors import ValidationException
from ddblite.model import numbers


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("1", "1"),
        ("1.0", "1"),
        ("01.00", "1"),
        ("+5", "5"),
        ("5.", "5"),
        (".5", "0.5"),
        ("-0", "0"),
        ("0.000", "0"),
        ("1e3", "1000"),
        ("1.5E+3", "1500"),
        ("-12.340", "-12.34"),
        ("1E-130", "0." + "0" * 129 + "1"),
        ("9.9999999999999999999999999999999999999E+125", "9" * 38 + "0" * 88),
        ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
    ],
)
def test_canonical_spelling(text: str, canonical: str) -> None:
    assert numbers.normalize(text) == canonical


@pytest.mark.parametrize(
    "text",
    [
        *("", "abc", " 5", "5 ", "1e", ".", "+e2", "1.2.3", "++5", "NaN", "Infinity", "0x10"),
        "1_000",
        # Exponents past Java's int: BigDecimal (and Python's Decimal) cannot read them.
        "1e9223372036854775808",
        "1e-9223372036854775809",
        "0e2147483648",
        "1E+2147483648",
        "1e" + "9" * 5000,
    ],
)
def test_not_a_number(text: str) -> None:
    with pytest.raises(ValidationException) as info:
        numbers.parse(text)
    expected = "The parameter cannot be converted to a numeric value"
    assert info.value.message == (expected if not text else f"{expected}: {text}")


# Boundaries: the limit passes, one past it fails with DynamoDB's message.
def test_38_digits_pass_39_fail() -> None:
    numbers.parse("1" * 38)
    with pytest.raises(ValidationException) as info:
        numbers.parse("1" * 39)
    assert info.value.message == "Attempting to store more than 38 significant digits in a Number"


def test_trailing_zeros_are_not_significant() -> None:
    assert numbers.normalize("1" + "0" * 100) == "1" + "0" * 100


def test_overflow_and_underflow() -> None:
    numbers.parse("9.9999999999999999999999999999999999999E+125")
    with pytest.raises(ValidationException) as info:
        numbers.parse("1E+126")
    assert info.value.message == (
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )
    numbers.parse("-1E-130")
    with pytest.raises(ValidationException) as info:
        numbers.parse("1E-131")
    assert info.value.message == (
        "Number underflow. Attempting to store a number with magnitude smaller than supported range"
    )


def test_an_exponent_java_can_hold_is_a_range_error() -> None:
    for text in ("1e2147483647", "1E+0000000000000000002147483647"):
        with pytest.raises(ValidationException) as info:
            numbers.parse(text)
        assert info.value.message.startswith("Number overflow.")
    with pytest.raises(ValidationException) as info:
        numbers.parse("1e-2147483647")
    assert info.value.message.startswith("Number underflow.")


def test_arithmetic_is_exact_to_38_digits() -> None:
    assert numbers.add("0.1", "0.2") == "0.3"
    assert numbers.add("9" * 37, "1") == "1" + "0" * 37
    assert numbers.subtract("1", "3") == "-2"
    with pytest.raises(ValidationException):
        numbers.add("9.9999999999999999999999999999999999999E+125", "1E+125")


NOT_NUMERIC = "The parameter cannot be converted to a numeric value: {}"
TOO_MANY_DIGITS = "Attempting to store more than 38 significant digits in a Number"


# normalize() skips the Decimal round trip for plain integers; both paths must give DynamoDB's
# canonical form (no sign on zero, no leading zeros or "+"), at the edges of the pattern too.
# Unicode decimal digits read as digits: Java's BigDecimal, which DynamoDB's number type
# follows, reads them through Character.digit as Python's Decimal does.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", "0"),
        ("-0", "0"),
        ("00", "0"),
        ("7", "7"),
        ("-7", "-7"),
        ("100", "100"),
        ("-100", "-100"),
        ("0100", "100"),
        ("+5", "5"),
        ("1٣", "13"),
        ("٣", "3"),
        ("9" * 38, "99999999999999999999999999999999999999"),
        ("-" + "9" * 38, "-99999999999999999999999999999999999999"),
        ("1" + "0" * 38, "100000000000000000000000000000000000000"),
    ],
)
def test_integer_shortcut_and_full_path_give_the_canonical_form(text: str, expected: str) -> None:
    assert numbers.normalize(text) == expected
    assert numbers.canonical(numbers.parse(text)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1\n", NOT_NUMERIC.format("1\n")),
        ("1" * 39, TOO_MANY_DIGITS),
    ],
)
def test_integer_shortcut_and_full_path_refuse_alike(text: str, message: str) -> None:
    for read in (numbers.normalize, numbers.parse):
        with pytest.raises(ValidationException) as raised:
            read(text)
        assert raised.value.message == message


# A written zero keeps its exponent, as Java's BigDecimal does: 0e126 overflows, 0e-131 underflows.
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0e126", numbers.OVERFLOW),
        ("-0E+999999", numbers.OVERFLOW),
        ("0e-131", numbers.UNDERFLOW),
        ("0.0e-130", numbers.UNDERFLOW),
    ],
)
def test_zero_with_an_exponent_out_of_range(text: str, message: str) -> None:
    with pytest.raises(ValidationException) as info:
        numbers.parse(text)
    assert info.value.message == message


def test_zero_with_an_exponent_in_range_is_zero() -> None:
    assert numbers.normalize("0e125") == "0"
    assert numbers.normalize("0e-130") == "0"
