"""CreateBackup: an on-demand (USER) backup of a table's items and schema, answered CREATING
at once; the copy runs in the background (engine.backups) and the backup is AVAILABLE after."""

from __future__ import annotations

from typing import Any

from ddblite.engine import backups
from ddblite.engine.database import Caller, Database


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    backup = backups.create(db, caller, request["TableName"], request["BackupName"])
    return {"BackupDetails": backup.details}
