"""ListBackups: the caller's backups, filtered by table, creation time (lower bound
inclusive, upper bound exclusive) and type, paged by backup ARN."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ddblite.engine import backups
from ddblite.engine.database import Caller, Database
from ddblite.limits import MAX_LIST_BACKUPS


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    table_name = request.get("TableName")
    low = _epoch(request.get("TimeRangeLowerBound"))
    high = _epoch(request.get("TimeRangeUpperBound"))
    wanted = request.get("BackupType", "USER")
    start = request.get("ExclusiveStartBackupArn")
    limit = request.get("Limit", MAX_LIST_BACKUPS)
    page: list[dict[str, Any]] = []
    more = False
    for backup in backups.list_all(db, caller):
        if start is not None and backup.arn <= start:
            continue
        created = backup.details["BackupCreationDateTime"]
        if table_name is not None and backup.source["TableName"] != table_name:
            continue
        if (low is not None and created < low) or (high is not None and created >= high):
            continue
        if wanted != "ALL" and backup.details["BackupType"] != wanted:
            continue
        if len(page) == limit:
            more = True
            break
        page.append(backup.summary())
    out: dict[str, Any] = {"BackupSummaries": page}
    if more:
        out["LastEvaluatedBackupArn"] = page[-1]["BackupArn"]
    return out
