"""Compressed bodies: decoding requests, gzip answers."""

from __future__ import annotations

import gzip
import zlib

import pytest

from ddblite.errors import SerializationException
from ddblite.limits import MAX_REQUEST_BYTES
from ddblite.protocol import encoding


@pytest.mark.parametrize(
    ("body", "coding"),
    [
        (gzip.compress(b"{}"), b"gzip"),
        (gzip.compress(b"{}"), b" GZIP "),
        (zlib.compress(b"{}"), b"deflate"),
        (b"{}", None),
        (b"{}", b"identity"),
    ],
    ids=["gzip", "gzip-spaced", "deflate", "none", "identity"],  # gzip output holds a timestamp
)
def test_decode(body: bytes, coding: bytes | None) -> None:
    assert encoding.decode_request(body, coding) == b"{}"


def test_truncated_and_broken_bodies() -> None:
    whole = gzip.compress(b'{"Limit": 1}')
    for broken in (whole[:-6], b"junk"):
        with pytest.raises(SerializationException):
            encoding.decode_request(broken, b"gzip")


def test_decoding_stops_at_the_request_limit() -> None:
    encoding.decode_request(gzip.compress(b" " * MAX_REQUEST_BYTES), b"gzip")
    with pytest.raises(encoding.TooLarge):
        encoding.decode_request(gzip.compress(b" " * (MAX_REQUEST_BYTES + 1)), b"gzip")


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        (b"gzip", True),
        (b"deflate, gzip;q=0.5", True),
        (b"gzip;q=0", False),
        (b"identity", False),
        (None, False),
    ],
)
def test_accepts_gzip(header: bytes | None, accepted: bool) -> None:
    assert encoding.accepts_gzip(header) is accepted


def test_small_answers_stay_plain() -> None:
    small = b"x" * (encoding.GZIP_MIN_BYTES - 1)
    assert encoding.encode_response(small, b"gzip") is None
    large = b"x" * encoding.GZIP_MIN_BYTES
    compressed = encoding.encode_response(large, b"gzip")
    assert compressed is not None and gzip.decompress(compressed) == large
