"""TagResource, and the table-ARN parsing the three tag operations share.

A tag operation names its table by ARN, ``arn:aws:dynamodb:<region>:<account>:table/<name>``.
DynamoDB checks, in order: the ARN's form (ValidationException "Invalid TableArn: ..."), the
request's own rules (at least one tag), then the table (each operation words its absence
differently: see ``missing``), then the 50-tag limit on the merged set.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ddblite.engine import catalog
from ddblite.engine.database import Caller, Database
from ddblite.errors import ResourceNotFoundException, ValidationException
from ddblite.limits import MAX_TAGS
from ddblite.model.schema import TableSchema

# The partition may be aws, aws-cn, aws-us-gov, ...; the account is digits; the table name is
# a valid table name with nothing after it (an index or stream ARN is not taggable).
_TABLE_ARN = re.compile(
    r"arn:aws[a-z-]*:dynamodb:(?P<region>[^:]+):(?P<account>\d+):table/"
    r"(?P<name>[A-Za-z0-9_.-]{3,255})"
)
NO_TAGS = "Atleast one Tag needs to be provided as Input."
TOO_MANY = f"One or more parameter values were invalid: Too many tags: tag limit is {MAX_TAGS}"


def parse_table_arn(arn: str) -> tuple[str, str, str]:
    """(region, account, table name) of a table ARN, or DynamoDB's ValidationException."""
    match = _TABLE_ARN.fullmatch(arn)
    if match is None:
        raise ValidationException(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
    return match["region"], match["account"], match["name"]


def find_table(db: Database, caller: Caller, arn: str) -> TableSchema | None:
    """The table an already parsed ARN names, looked up in the caller's account and region
    (an ARN naming another account or region names no table this endpoint holds)."""
    region, account, name = parse_table_arn(arn)
    if (region, account) != (caller.region, caller.account):
        return None
    return db.find_table(caller, name)


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    arn = request["ResourceArn"]
    parse_table_arn(arn)
    tags: list[dict[str, str]] = request["Tags"]
    if not tags:
        raise ValidationException(NO_TAGS)
    table = find_table(db, caller, arn)
    if table is None:
        raise ResourceNotFoundException(
            f"Requested resource not found: ResourcArn: {arn} not found"
        )
    stored = copy.deepcopy(table.stored)
    merged = {tag["Key"]: tag["Value"] for tag in stored.get("tags") or ()}
    for tag in tags:  # a key given again replaces its value, in place
        merged[tag["Key"]] = tag["Value"]
    if len(merged) > MAX_TAGS:
        raise ValidationException(TOO_MANY)
    stored["tags"] = [{"Key": key, "Value": value} for key, value in merged.items()]
    catalog.save(db, table, stored, table.status)
    return {}
