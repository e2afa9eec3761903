"""SigV4 ``Authorization`` header parsing: who is calling, from where.

No signature check yet (see docs/compatibility.md): the header must be present and shaped like
SigV4, and its credential scope names the account and region. A 12-digit access key is the
account id (LocalStack's convention); any other key is account 000000000000.
"""

from __future__ import annotations

from functools import lru_cache

from ddblite.errors import IncompleteSignatureException, MissingAuthenticationTokenException

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"


def caller_of(authorization: str) -> tuple[str, str]:
    """(account, region) from an Authorization header value."""
    if not authorization.startswith("AWS4-"):
        raise MissingAuthenticationTokenException()
    start = authorization.find("Credential=")
    if start < 0:
        raise IncompleteSignatureException(
            f"Authorization header requires 'Credential' parameter. Authorization={authorization}"
        )
    end = authorization.find(",", start)
    return _scope_of(authorization[start + 11 : end if end >= 0 else None])


# Cached on the credential, not on the whole header: the signature differs on every request,
# so a cache keyed on the header never hits; the credential changes once a day per client.
@lru_cache(maxsize=1024)
def _scope_of(credential: str) -> tuple[str, str]:
    parts = credential.strip().split("/")
    access_key = parts[0]
    region = parts[2] if len(parts) >= 3 and parts[2] else DEFAULT_REGION
    account = access_key if len(access_key) == 12 and access_key.isdigit() else DEFAULT_ACCOUNT
    return account, region
