"""In-process mode's environment: fake credentials and a region when none are configured,
and DynamoDB's endpoint variables pointed back at AWS while a mock is active."""

from __future__ import annotations

import configparser
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_REGION = "us-east-1"
FAKE_KEY = "ddblite"
FAKE_SECRET = "ddblite"

_CREDENTIAL_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)
_ENDPOINT_ENV = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
)
_AWS_ENDPOINTS = {
    "AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.us-east-1.amazonaws.com",
    "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": "https://streams.dynamodb.us-east-1.amazonaws.com",
}
_CREDENTIAL_KEYS = frozenset(
    {
        "aws_access_key_id",
        "credential_process",
        "role_arn",
        "sso_session",
        "sso_start_url",
        "web_identity_token_file",
        "credential_source",
    }
)


class Overlay:
    """Values put into ``os.environ`` and what they replaced, until ``restore()``."""

    def __init__(self, values: dict[str, str]) -> None:
        self._replaced = {key: os.environ.get(key) for key in values}
        os.environ.update(values)

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self._replaced)

    def restore(self) -> None:
        for key, value in self._replaced.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._replaced = {}


class Environment:
    """Fake credentials and a region in ``os.environ`` while any mock is active, only where the
    user configured none (so botocore never walks to the instance-metadata endpoint, and real
    credentials keep working for the other services), and DynamoDB's endpoint variables
    overridden if some endpoint is configured there; restored when the last mock ends, when
    boto3's default session also forgets the fake credentials it may have picked up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._overlay = Overlay({})
        self._default_session: object = None

    def acquire(self, on_first: Callable[[], None]) -> None:
        """Enter; the first active mock also runs ``on_first`` (routing the default session)."""
        with self._lock:
            self._depth += 1
            if self._depth == 1:
                self._overlay = Overlay(missing_identity() | _endpoint_overrides())
                self._default_session = _boto3_default_session()
                on_first()

    def release(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                faked = "AWS_ACCESS_KEY_ID" in self._overlay.keys
                self._overlay.restore()
                if faked:
                    _forget_fake_credentials(before=self._default_session)
                self._default_session = None


environment = Environment()


def missing_identity() -> dict[str, str]:
    """Fake credentials and a region, for what the environment does not configure."""
    out: dict[str, str] = {}
    if not credentials_configured():
        out["AWS_ACCESS_KEY_ID"] = FAKE_KEY
        out["AWS_SECRET_ACCESS_KEY"] = FAKE_SECRET
        if os.environ.get("AWS_SESSION_TOKEN") is not None:
            out["AWS_SESSION_TOKEN"] = ""
    if configured_region() is None:
        out["AWS_DEFAULT_REGION"] = DEFAULT_REGION
    return out


def _endpoint_overrides() -> dict[str, str]:
    # An endpoint configured in the environment (LocalStack, DynamoDB Local) would take
    # DynamoDB's calls elsewhere; the service-specific variables win over the global one, so
    # pointing them at AWS's hosts (which are never reached) keeps DynamoDB in process and
    # leaves every other service's endpoint as configured.
    env = os.environ
    return dict(_AWS_ENDPOINTS) if any(env.get(name) for name in _ENDPOINT_ENV) else {}


def _boto3_default_session() -> object:
    return getattr(sys.modules.get("boto3"), "DEFAULT_SESSION", None)


def _forget_fake_credentials(before: Any) -> None:
    """botocore resolves a session's credentials once and keeps them, so a boto3 default
    session first used inside a mock would go on signing every service's requests with the
    fake key. One made inside the mock is dropped (boto3 makes a new one when next asked); one
    that existed before forgets its credentials if they are the fake ones."""
    boto3 = sys.modules.get("boto3")
    session = getattr(boto3, "DEFAULT_SESSION", None)
    if session is None:
        return
    if session is not before:
        boto3.DEFAULT_SESSION = None  # type: ignore[union-attr]
        return
    core = session._session
    # There is no public way to unset them: botocore keeps what it resolved in _credentials.
    cached = getattr(core, "_credentials", None)
    if getattr(cached, "access_key", None) == FAKE_KEY:
        core._credentials = None


def _profile_name() -> str:
    env = os.environ
    return env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE") or "default"


def _config() -> dict[str, str]:
    path = os.environ.get("AWS_CONFIG_FILE", "~/.aws/config")
    return _profile(path, _profile_name(), config_file=True)


def credentials_configured() -> bool:
    """Whether botocore would find credentials without asking the instance-metadata endpoint."""
    env = os.environ
    if any(env.get(key) for key in _CREDENTIAL_ENV):
        return True
    path = env.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")
    shared = _profile(path, _profile_name())
    return bool(_CREDENTIAL_KEYS & shared.keys() or _CREDENTIAL_KEYS & _config().keys())


def configured_region() -> str | None:
    # botocore reads AWS_DEFAULT_REGION and the profile; AWS_REGION is other SDKs' variable.
    return os.environ.get("AWS_DEFAULT_REGION") or _config().get("region") or None


_profile_cache: dict[tuple[str, str, bool], tuple[int, dict[str, str]]] = {}


def _profile(path: str, name: str, config_file: bool = False) -> dict[str, str]:
    """The keys of one profile of an AWS config or credentials file ({} if absent)."""
    full = Path(path).expanduser()
    try:
        stamp = full.stat().st_mtime_ns
    except OSError:
        return {}
    cache_key = (str(full), name, config_file)
    cached = _profile_cache.get(cache_key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    parser = configparser.RawConfigParser()
    try:
        parser.read(full)
    except (configparser.Error, UnicodeDecodeError):
        return {}
    section = f"profile {name}" if config_file and name != "default" else name
    found = dict(parser.items(section)) if parser.has_section(section) else {}
    _profile_cache[cache_key] = (stamp, found)
    return found
