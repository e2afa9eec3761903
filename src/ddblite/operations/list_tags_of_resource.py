"""ListTagsOfResource: every tag in one page (at most 50 exist, so no NextToken)."""

from __future__ import annotations

from typing import Any

from ddblite.engine.database import Caller, Database
from ddblite.errors import AccessDeniedException
from ddblite.operations._shared.tags import find_table, parse_table_arn


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    arn = request["ResourceArn"]
    parse_table_arn(arn, caller)
    table = find_table(db, caller, arn)
    if table is None:
        # DynamoDB authorizes before it looks: a table that does not exist is one the caller
        # is not allowed to read the tags of.
        raise AccessDeniedException(
            f"User: arn:aws:iam::{caller.account}:root is not authorized to perform: "
            f"dynamodb:ListTagsOfResource on resource: {arn}"
        )
    return {"Tags": [{"Key": tag.key, "Value": tag.value} for tag in table.record.tags]}
