"""The order-preserving key encoding: byte order is DynamoDB's order."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ddblite.model import keycodec, numbers

# Numbers DynamoDB can store: up to 38 significant digits, exponent within range.
dynamo_numbers = st.builds(
    lambda digits, exponent, negative: Decimal(f"{'-' if negative else ''}{digits}E{exponent}"),
    st.integers(min_value=0, max_value=10**38 - 1),
    st.integers(min_value=-130, max_value=88),
    st.booleans(),
)


@given(dynamo_numbers, dynamo_numbers)
def test_number_encoding_preserves_order(a: Decimal, b: Decimal) -> None:
    ea = keycodec.encode({"N": numbers.canonical(a)})
    eb = keycodec.encode({"N": numbers.canonical(b)})
    assert (ea < eb) == (a < b)
    assert (ea == eb) == (a == b)


@given(dynamo_numbers)
def test_number_encoding_round_trips(a: Decimal) -> None:
    text = numbers.canonical(a)
    assert keycodec.decode("N", keycodec.encode({"N": text})) == {"N": text}


def test_the_worked_example_in_the_module_docstring() -> None:
    # The bytes keycodec's docstring shows, so the documentation cannot drift from the code.
    assert keycodec.encode_number("0") == bytes.fromhex("80")
    assert keycodec.encode_number("1.5") == bytes.fromhex("C0 82") + b"15"
    assert keycodec.encode_number("12") == bytes.fromhex("C0 83") + b"12"
    assert keycodec.encode_number("-1.5") == bytes.fromhex("40 7D") + b"84" + bytes.fromhex("FF")
    assert keycodec.encode_number("-12") == bytes.fromhex("40 7C") + b"87" + bytes.fromhex("FF")
    assert keycodec.encode_number("-1.25") < keycodec.encode_number("-1.2")


def test_equal_numbers_encode_alike() -> None:
    spellings = ["1", "1.0", "01.00", "1e0", "0.1E1", "+1"]
    assert len({keycodec.encode({"N": numbers.normalize(s)}) for s in spellings}) == 1


@given(st.text(min_size=1), st.text(min_size=1))
def test_string_encoding_is_utf8_order(a: str, b: str) -> None:
    assert (keycodec.encode({"S": a}) < keycodec.encode({"S": b})) == (a.encode() < b.encode())


@given(st.binary(min_size=1), st.binary(min_size=1))
def test_binary_encoding_is_byte_order(a: bytes, b: bytes) -> None:
    ea = keycodec.encode({"B": base64.b64encode(a).decode()})
    eb = keycodec.encode({"B": base64.b64encode(b).decode()})
    assert (ea < eb) == (a < b)
    assert keycodec.decode("B", ea) == {"B": base64.b64encode(a).decode()}


# Pinned: a change would reorder every Scan, move every parallel-scan segment boundary and every
# Citus shard of an existing database.
@pytest.mark.parametrize(
    ("pk", "expected"),
    [
        (b"", 8238016292129134938),
        (b"\x00", 5367003119948742948),
        (b"a", 2340832890917691671),
        (b"b", 4771952420932724666),
        (b"user#1", 8834244130050160178),
    ],
)
def test_pk_hash_is_pinned(pk: bytes, expected: int) -> None:
    assert keycodec.pk_hash(pk) == expected


# 63 bits, never 2**63 - 1 (the exclusive bound every scan passes to storage).
@given(st.binary(max_size=64))
def test_pk_hash_stays_below_the_scan_bound(pk: bytes) -> None:
    assert 0 <= keycodec.pk_hash(pk) < 2**63 - 1
