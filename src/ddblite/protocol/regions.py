"""Which regions a caller may name, and whose tables a caller sees.

A request signed for a region DynamoDB does not have (``mars-1``) gets what the real service
answers a credential scoped to a region it does not serve: InvalidSignatureException
"Credential should be scoped to a valid region, not 'mars-1'. " (the trailing space is
DynamoDB's). The known regions are botocore's endpoint data for ``dynamodb``, every partition;
``--allow-any-region`` accepts any.

``--shared-db`` puts every caller in one namespace (account 000000000000, region us-east-1),
as DynamoDB Local's ``-sharedDb``: tables made with one key or region are listed with any
other, at the price of ARNs that always say us-east-1 and one account.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import orjson

from ddblite.errors import InvalidSignatureException
from ddblite.protocol.auth import DEFAULT_ACCOUNT, DEFAULT_REGION, Identify
from ddblite.protocol.shapes.model import botocore_data_dir

_SHARED = (DEFAULT_ACCOUNT, DEFAULT_REGION)


@lru_cache(maxsize=1)
def dynamodb_regions() -> frozenset[str]:
    """Every region botocore's endpoint data lists for DynamoDB (``local`` included: DynamoDB
    Local's own pseudo-region, which SDK samples use)."""
    with open(os.path.join(botocore_data_dir(), "endpoints.json"), "rb") as fh:
        data = orjson.loads(fh.read())
    regions: set[str] = set()
    for partition in data["partitions"]:
        regions.update(partition.get("services", {}).get("dynamodb", {}).get("endpoints", {}))
    return frozenset(regions)


@dataclass(frozen=True)
class CallerPolicy:
    allow_any_region: bool = False
    shared_db: bool = False

    def apply(self, identify: Identify) -> Identify:
        """``identify`` with the region check and the shared namespace applied."""
        if self.allow_any_region and not self.shared_db:
            return identify
        known = None if self.allow_any_region else dynamodb_regions()
        shared = self.shared_db

        def checked(authorization: str) -> tuple[str, str]:
            caller = identify(authorization)
            if known is not None and caller[1] not in known:
                raise InvalidSignatureException(
                    f"Credential should be scoped to a valid region, not '{caller[1]}'. "
                )
            return _SHARED if shared else caller

        return checked
