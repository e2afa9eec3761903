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
    ["", "abc", " 5", "5 ", "1e", ".", "+e2", "1.2.3", "++5", "NaN", "Infinity", "0x10", "1_000"],
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


def test_arithmetic_is_exact_to_38_digits() -> None:
    assert numbers.add("0.1", "0.2") == "0.3"
    assert numbers.add("9" * 37, "1") == "1" + "0" * 37
    assert numbers.subtract("1", "3") == "-2"
    with pytest.raises(ValidationException):
        numbers.add("9.9999999999999999999999999999999999999E+125", "1E+125")


# normalize() skips the Decimal round trip for plain integers; the shortcut must answer exactly
# what the full path does, at the edges of the pattern too.
@pytest.mark.parametrize(
    "text",
    [
        "0",
        "-0",
        "00",
        "7",
        "-7",
        "100",
        "-100",
        "0100",
        "+5",
        "1٣",
        "٣",
        "1\n",
        "9" * 38,
        "-" + "9" * 38,
        "1" * 39,
        "1" + "0" * 38,
    ],
)
def test_integer_shortcut_matches_full_path(text: str) -> None:
    try:
        expected = numbers.canonical(numbers.parse(text))
    except ValidationException as error:
        with pytest.raises(ValidationException) as raised:
            numbers.normalize(text)
        assert raised.value.message == error.message
    else:
        assert numbers.normalize(text) == expected
