"""TagResource."""

from __future__ import annotations

from typing import Any

from ddblite.engine import catalog
from ddblite.engine.database import Caller, Database
from ddblite.errors import ResourceNotFoundException, ValidationException
from ddblite.limits import MAX_TAGS
from ddblite.model.table_record import Tag
from ddblite.operations._shared.tags import (
    NO_TAGS,
    TOO_MANY,
    check_tags,
    find_table,
    parse_table_arn,
)


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    arn = request["ResourceArn"]
    parse_table_arn(arn, caller)
    tags: list[dict[str, str]] = request["Tags"]
    if not tags:
        raise ValidationException(NO_TAGS)
    check_tags(tags)
    table = find_table(db, caller, arn)
    if table is None:
        raise ResourceNotFoundException(
            f"Requested resource not found: ResourcArn: {arn} not found"
        )
    merged = {tag.key: tag.value for tag in table.record.tags}
    for tag in tags:  # a key the table carries takes the new value, in place
        merged[tag["Key"]] = tag["Value"]
    if len(merged) > MAX_TAGS:
        raise ValidationException(TOO_MANY)
    catalog.set_tags(db, table, tuple(Tag(key, value) for key, value in merged.items()))
    return {}
