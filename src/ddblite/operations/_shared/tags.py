"""The table-ARN parsing and tag rules the three tag operations (and CreateTable's Tags) share.

A tag operation names its table by ARN, ``arn:aws:dynamodb:<region>:<account>:table/<name>``.
DynamoDB checks, in order: the ARN's form (``parse_table_arn``), the request's own rules (at
least one tag; each tag's characters), then the table (each operation words its absence
differently), then the 50-tag limit on the merged set.
"""

from __future__ import annotations

import re

from ddblite.engine.database import Caller, Database
from ddblite.errors import INVALID, ValidationException
from ddblite.limits import MAX_TAGS
from ddblite.model.schema import TableSchema

NO_TAGS = "Atleast one Tag needs to be provided as Input."
TOO_MANY = "Number of Tags exceed the current limit for the provided ResourceArn"
_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
# Tag keys and values: letters, digits, white space and _ . : / = + - @ (Unicode classes).
_TAG_SYMBOLS = frozenset("_.:/=+-@")


def parse_table_arn(arn: str, caller: Caller) -> str:
    """The table name a tag operation's ARN names, or the ValidationException DynamoDB gives,
    in its order: not an ARN, not DynamoDB's, not a table (or stream), not this region."""
    if not arn.startswith("arn:"):
        raise ValidationException(INVALID + f"ARNs must start with 'arn:': {arn}")
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "dynamodb" or not parts[1].startswith("aws"):
        raise ValidationException(INVALID + f"Provided Arn is not a DynamoDB resource arn: {arn}")
    region, resource = parts[3], parts[5]
    kind, _, rest = resource.partition("/")
    name, _, tail = rest.partition("/")
    if kind != "table" or (tail and not tail.startswith("stream/")):
        raise ValidationException(
            INVALID + "Invalid resource arn provided, only table or stream is accepted. "
            f"Provided resource arn: {arn}"
        )
    if region != caller.region or not parts[4].isdigit() or not _TABLE_NAME.fullmatch(name):
        raise ValidationException(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
    return name


def find_table(db: Database, caller: Caller, arn: str) -> TableSchema | None:
    """The table an ARN names; None when it is not in the caller's account (a stream ARN
    names its table)."""
    name = parse_table_arn(arn, caller)
    if arn.split(":", 5)[4] != caller.account:
        return None
    return db.find_table(caller, name)


def _valid_text(text: str) -> bool:
    return all(c.isalnum() or c.isspace() or c in _TAG_SYMBOLS for c in text)


def check_tags(tags: list[dict[str, str]]) -> None:
    """Each tag's characters and prefix, and no key twice (CreateTable's Tags too)."""
    if len(tags) > MAX_TAGS:
        raise ValidationException(TOO_MANY)
    seen: set[str] = set()
    for tag in tags:
        key, value = tag["Key"], tag["Value"]
        if not _valid_text(key):
            raise ValidationException(f"The Tag Key provided is invalid, Key: {key}")
        if not _valid_text(value):
            raise ValidationException(f"The Tag Value provided is invalid, Value: {value}")
        if key.startswith("aws:"):
            raise ValidationException(f"Tag Key cannot be prefixed with aws:, Key: {key}")
        if key in seen:
            raise ValidationException(
                f"Duplicate Tag Keys provided as input: Duplicate Tag Key found {key}"
            )
        seen.add(key)
