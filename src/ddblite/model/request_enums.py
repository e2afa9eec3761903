"""The closed sets of values a request names what it wants back with.

Each enum is named after the request member that holds it, and ``of(request)`` reads that
member (absent: NONE). The protocol layer has already refused values outside the set (the
service model's enums), so reading one never fails.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self


class _RequestMember(StrEnum):
    @classmethod
    def of(cls, request: dict[str, Any]) -> Self:
        return cls(request.get(cls.__name__) or "NONE")


class ReturnValues(_RequestMember):
    NONE = "NONE"
    ALL_OLD = "ALL_OLD"
    UPDATED_OLD = "UPDATED_OLD"
    ALL_NEW = "ALL_NEW"
    UPDATED_NEW = "UPDATED_NEW"


class ReturnValuesOnConditionCheckFailure(_RequestMember):
    NONE = "NONE"
    ALL_OLD = "ALL_OLD"


class ReturnConsumedCapacity(_RequestMember):
    NONE = "NONE"
    TOTAL = "TOTAL"
    INDEXES = "INDEXES"


class ReturnItemCollectionMetrics(_RequestMember):
    NONE = "NONE"
    SIZE = "SIZE"


class Select(StrEnum):
    """Query and Scan; absent, it depends on the projection and the index (read_rules)."""

    ALL_ATTRIBUTES = "ALL_ATTRIBUTES"
    ALL_PROJECTED_ATTRIBUTES = "ALL_PROJECTED_ATTRIBUTES"
    SPECIFIC_ATTRIBUTES = "SPECIFIC_ATTRIBUTES"
    COUNT = "COUNT"
