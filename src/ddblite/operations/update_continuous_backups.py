"""UpdateContinuousBackups: turn point-in-time recovery on or off.

Enabling keeps the earliest restorable time of a window already open; RecoveryPeriodInDays
defaults to 35 (the maximum). ddblite records the setting only: it keeps no history to restore
from (RestoreTableToPointInTime is not implemented, docs/operations.md).
"""

from __future__ import annotations

from typing import Any

from ddblite.engine import backups
from ddblite.engine.database import Caller, Database
from ddblite.errors import ValidationException


def handle(db: Database, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
    spec = request["PointInTimeRecoverySpecification"]
    enabled = bool(spec["PointInTimeRecoveryEnabled"])
    days = spec.get("RecoveryPeriodInDays")
    if days is not None and not enabled:
        raise ValidationException(
            "RecoveryPeriodInDays can only be set when PointInTimeRecoveryEnabled is true"
        )
    description = backups.set_pitr(db, caller, request["TableName"], enabled, days)
    return {"ContinuousBackupsDescription": description}
