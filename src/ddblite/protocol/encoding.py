"""Compressed HTTP bodies: gzip or deflate requests in, gzip answers out.

botocore compresses request bodies for services that allow it (and the SDKs can be told to),
sending ``Content-Encoding: gzip``; ``deflate`` (zlib) is accepted too. DynamoDB's 16 MB request
limit applies to the decoded body, and decoding stops there, so a small compressed bomb never
costs more than the limit in memory. An answer is gzip-compressed when the client sends
``Accept-Encoding: gzip`` and the body is large enough to gain from it; ``x-amz-crc32`` then
covers the compressed bytes, the ones on the wire (botocore reads the body undecoded and checks
the CRC over what it read).
"""

from __future__ import annotations

import zlib

from ddblite.errors import SerializationException
from ddblite.limits import MAX_REQUEST_BYTES

# Answers smaller than this go uncompressed: gzip's header and trailer would outweigh the gain.
GZIP_MIN_BYTES = 1024
# Level 1: most of the size gain for a fraction of the CPU of the default level 6.
_GZIP_LEVEL = 1
_WBITS = {b"gzip": 16 + zlib.MAX_WBITS, b"x-gzip": 16 + zlib.MAX_WBITS, b"deflate": zlib.MAX_WBITS}


class TooLarge(Exception):
    """The decoded body is over the 16 MB request limit."""


def decode_request(body: bytes, encoding: bytes | None) -> bytes:
    """The request body with its Content-Encoding undone (identity and unknown codings pass
    through). A broken compressed body is a SerializationException; a decoded body over the
    request limit raises TooLarge."""
    if not encoding:
        return body
    wbits = _WBITS.get(encoding.strip().lower())
    if wbits is None:
        return body
    decoder = zlib.decompressobj(wbits)
    try:
        decoded = decoder.decompress(body, MAX_REQUEST_BYTES + 1)
    except zlib.error:
        raise SerializationException() from None
    if len(decoded) > MAX_REQUEST_BYTES or decoder.unconsumed_tail:
        raise TooLarge()
    if not decoder.eof:
        raise SerializationException()  # truncated
    return decoded


def accepts_gzip(accept_encoding: bytes | None) -> bool:
    """Whether an Accept-Encoding header admits gzip (a ``q=0`` refuses it)."""
    if not accept_encoding:
        return False
    for part in accept_encoding.lower().split(b","):
        coding, _, params = part.partition(b";")
        if coding.strip() in (b"gzip", b"x-gzip"):
            return params.replace(b" ", b"") not in (b"q=0", b"q=0.0", b"q=0.00", b"q=0.000")
    return False


def encode_response(body: bytes, accept_encoding: bytes | None) -> bytes | None:
    """The gzip-compressed answer, or None to send ``body`` as it is."""
    if len(body) < GZIP_MIN_BYTES or not accepts_gzip(accept_encoding):
        return None
    compressor = zlib.compressobj(_GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(body) + compressor.flush()
