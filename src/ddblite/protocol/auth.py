"""SigV4 ``Authorization`` header parsing: who is calling, from where.

This is the default, unchecked mode (``--auth sigv4`` verifies instead, in ``sigv4.py``): the
header must be present and shaped like SigV4, and its credential scope names the account and
region. A 12-digit access key is the account id (LocalStack's convention); any other key is
account 000000000000.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from ddblite.config import Auth
from ddblite.errors import IncompleteSignatureException, MissingAuthenticationTokenException

if TYPE_CHECKING:
    from ddblite.protocol.sigv4 import SigV4Verifier

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"

# (account, region) of the caller from the Authorization header value, or a DynamoDB error.
Identify = Callable[[str], tuple[str, str]]


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


def verifier_for(auth: Auth, credentials: str | os.PathLike[str] | None) -> SigV4Verifier | None:
    """The signature verifier an auth mode asks for; None when signatures are not checked.
    Raises CredentialsError for a mode and file that do not go together or a bad file."""
    from ddblite.protocol.credentials import CredentialsError, load_credentials

    if auth is Auth.NONE:
        if credentials is not None:
            raise CredentialsError("--credentials is only read with --auth sigv4")
        return None
    if credentials is None:
        raise CredentialsError("--auth sigv4 needs --credentials FILE (or DDBLITE_CREDENTIALS)")
    # Imported only here: it loads botocore, which the unchecked server never needs.
    from ddblite.protocol.sigv4 import SigV4Verifier

    return SigV4Verifier(load_credentials(credentials))
