"""DescribeContinuousBackups: continuous backups are always on; PITR as last set."""

from __future__ import annotations

from typing import Any

from ddblite.engine import backups
from ddblite.engine.database import Caller, Database


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    table = backups.require_table(db, caller, request["TableName"])
    return {"ContinuousBackupsDescription": backups.continuous_description(db, table)}
