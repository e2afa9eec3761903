"""Every numeric limit of DynamoDB in one place (the Developer Guide's quotas page).

Most limits are fixed: the pure layers (model, expressions) check them with no Database at
hand, and some of DynamoDB's messages spell the number out. The few a test needs to lower (a
10 GB item collection cannot be filled in a test) are fields of ``Limits``: a ``Database``
holds one (``db.limits``) and every check of those limits reads it there, so lowering a limit
in the ``Limits`` a Database is built with moves every operation together.
"""

from dataclasses import dataclass

# Items and keys.
MAX_ITEM_BYTES = 400 * 1024
MAX_HASH_KEY_BYTES = 2048
MAX_RANGE_KEY_BYTES = 1024
MAX_NESTING = 32
# Numbers: significant digits, and the bounds of the adjusted exponent (the position of the
# most significant digit): magnitudes 1E-130 .. 9.99..E+125.
MAX_NUMBER_DIGITS = 38
MAX_NUMBER_EXPONENT = 125
MIN_NUMBER_EXPONENT = -130
LSI_COLLECTION_BYTES = 10 * 1024 * 1024 * 1024

# Expressions.
MAX_EXPRESSION_BYTES = 4096
MAX_OPERATORS = 300
MAX_PATH_DEPTH = 32
MAX_IN_OPERANDS = 100
MAX_PLACEHOLDER_BYTES = 255

# Requests and responses.
MAX_REQUEST_BYTES = 16 * 1024 * 1024
MAX_PAGE_BYTES = 1024 * 1024
MAX_BATCH_GET_KEYS = 100
MAX_BATCH_GET_RESPONSE_BYTES = 16 * 1024 * 1024
MAX_BATCH_WRITE_REQUESTS = 25
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024
MAX_BATCH_STATEMENTS = 25
MAX_TRANSACTION_STATEMENTS = 100
MAX_LIST_TABLES = 100
MAX_LIST_BACKUPS = 100
MAX_LIST_STREAMS = 100

# Tables.
TABLE_NAME_MAX = 255
MAX_GSIS = 20
MAX_LSIS = 5
MAX_PROJECTED_ATTRIBUTES = 100
MAX_TAGS = 50

# Streams.
STREAM_RETENTION_SECONDS = 24 * 3600
SHARD_ITERATOR_SECONDS = 15 * 60
MAX_STREAM_RECORDS = 1000
MAX_STREAM_RESPONSE_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits a Database enforces that tests lower: build the Database with
    ``Limits(item_bytes=...)`` and PutItem, UpdateItem, BatchWriteItem, TransactWriteItems,
    PartiQL writes and the LSI size checks all follow."""

    item_bytes: int = MAX_ITEM_BYTES
    lsi_collection_bytes: int = LSI_COLLECTION_BYTES


# Vector indexes.
MAX_VECTOR_INDEXES = 5
MAX_VECTOR_DIMENSIONS = 4096
MAX_INLINE_FILTERS = 18
MAX_TOP_K = 100
# Vector search and vector write request bytes are metered with a 1 KB minimum per request.
MIN_VECTOR_REQUEST_BYTES = 1024
