"""DescribeBackup."""

from __future__ import annotations

from typing import Any

from ddblite.engine import backups
from ddblite.engine.database import Caller, Database


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    return {"BackupDescription": backups.describe(db, caller, request["BackupArn"]).description()}
