"""UntagResource: removing a key the table does not carry is not an error."""

from __future__ import annotations

from typing import Any

from ddblite.engine import catalog
from ddblite.engine.database import Caller, Database
from ddblite.errors import NOT_FOUND, ResourceNotFoundException, ValidationException
from ddblite.operations._shared.tags import find_table, parse_table_arn

NO_KEYS = "Atleast one Tag Key needs to be provided as Input."


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    arn = request["ResourceArn"]
    parse_table_arn(arn, caller)
    keys = set(request["TagKeys"])
    if not keys:
        raise ValidationException(NO_KEYS)
    table = find_table(db, caller, arn)
    if table is None:
        # Unlike TagResource's, this message does not name the ARN.
        raise ResourceNotFoundException(NOT_FOUND)
    tags = table.record.tags
    kept = tuple(tag for tag in tags if tag.key not in keys)
    if len(kept) != len(tags):
        catalog.set_tags(db, table, kept)
    return {}
