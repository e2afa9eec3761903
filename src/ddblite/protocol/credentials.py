"""The keys ``--auth sigv4`` accepts, read from a file in the AWS shared-credentials format.

Each profile (INI section) with an ``aws_access_key_id`` is one key: its
``aws_secret_access_key``, an optional ``aws_session_token`` (then requests must carry exactly
that token) and an optional ``aws_account_id`` naming the account whose tables the key sees
(default 000000000000). Profiles without a key (SSO, role chains) are skipped.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass

from ddblite.errors import ExitCode, StartupError
from ddblite.protocol.auth import DEFAULT_ACCOUNT


class CredentialsError(StartupError, ValueError):
    """A credentials file that cannot be used; the message names the file and the problem."""

    exit_code = ExitCode.CREDENTIALS


@dataclass(frozen=True)
class Principal:
    access_key: str
    secret_key: str
    session_token: str | None
    account: str


def load_credentials(path: str | os.PathLike[str]) -> Mapping[str, Principal]:
    """Access key id -> Principal for every key in the file."""
    where = os.fspath(path)
    parser = configparser.RawConfigParser()
    try:
        with open(os.path.expanduser(where), encoding="utf-8") as source:
            parser.read_file(source)
    except (OSError, UnicodeDecodeError, configparser.Error) as error:
        raise CredentialsError(f"cannot read credentials file {where}: {error}") from None
    keys: dict[str, Principal] = {}
    for profile in parser.sections():
        principal = _principal(where, profile, parser[profile])
        if principal is None:
            continue
        known = keys.setdefault(principal.access_key, principal)
        if known != principal:
            raise CredentialsError(
                f"{where}: access key {principal.access_key} appears twice with different "
                f"secrets, tokens or accounts (profile [{profile}])"
            )
    if not keys:
        raise CredentialsError(f"{where}: no profile has an aws_access_key_id")
    return keys


def _principal(where: str, profile: str, values: Mapping[str, str]) -> Principal | None:
    access_key = values.get("aws_access_key_id", "").strip()
    if not access_key:
        return None
    secret = values.get("aws_secret_access_key", "").strip()
    if not secret:
        raise CredentialsError(f"{where}: profile [{profile}] has no aws_secret_access_key")
    account = values.get("aws_account_id", "").strip() or DEFAULT_ACCOUNT
    if len(account) != 12 or not account.isdigit():
        raise CredentialsError(
            f"{where}: profile [{profile}] has aws_account_id {account!r}, not 12 digits"
        )
    token = values.get("aws_session_token", "").strip() or None
    return Principal(access_key, secret, token, account)
