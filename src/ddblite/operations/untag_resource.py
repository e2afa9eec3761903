"""UntagResource: removing a key the table does not carry is not an error."""

from __future__ import annotations

import copy
from typing import Any

from ddblite.engine import catalog
from ddblite.engine.database import Caller, Database
from ddblite.errors import ResourceNotFoundException, ValidationException
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
        raise ResourceNotFoundException("Requested resource not found")
    stored = copy.deepcopy(table.stored)
    tags = stored.get("tags") or []
    kept = [tag for tag in tags if tag["Key"] not in keys]
    if len(kept) != len(tags):
        stored["tags"] = kept
        catalog.save(db, table, stored, table.status)
    return {}
