"""JSON in and out, and the single place that renders an error.

DynamoDB answers ``application/x-amz-json-1.0`` with an ``x-amz-crc32`` header (botocore checks
it and retries on a mismatch) and an ``x-amzn-RequestId``.
"""

from __future__ import annotations

import zlib

import orjson

from ddblite.errors import DynamoDBError

CONTENT_TYPE = b"application/x-amz-json-1.0"


def render_error(error: DynamoDBError) -> tuple[int, bytes]:
    """(HTTP status, body) for any DynamoDB error."""
    return error.status, orjson.dumps(error.body())


def crc32(body: bytes) -> bytes:
    return str(zlib.crc32(body)).encode()
