"""pytest fixtures for code that talks to DynamoDB (loaded automatically once ddblite is installed).

In-process, no socket, a fresh database for every test:

- ``ddb``: a boto3 DynamoDB client; ``ddb_resource``: the boto3 service resource;
  ``ddb_streams``: a DynamoDB Streams client;
- ``ddblite_engine``: the ``ddblite.Engine`` behind them. While it is alive every botocore
  DynamoDB call of the test (the code under test's own clients, PynamoDB, ...) goes to it;
- ``ddb_clock``: a ``ManualClock`` the engine reads the time from (TTL, stream retention,
  idempotency windows), moved with ``.advance(seconds)`` / ``.set(t)``;
- ``ddblite_session_engine``: one engine shared by the whole session, for suites that would
  rather create their tables once. Setting the ini option ``ddblite_scope = session`` (or
  ``--ddblite-scope=session``) instead makes ``ddblite_engine`` and the fixtures above share one;
- ``ddblite_server``: a real ``ddblite serve`` subprocess on a free port (one per session), for
  other languages' SDKs and the AWS CLI: ``.endpoint_url``, ``.env``, ``.client()``.

This module is imported by every pytest run in an environment where ddblite is installed, so
it imports nothing heavy until a fixture is used; the one exception is the routing hook,
installed at start-up (ini ``ddblite_route_early = false`` turns that off) so that clients
created at import time of the code under test are routed too. For the same clients, where the
environment configures no AWS credentials or region, the session gets fake ones and us-east-1
(ini ``ddblite_fake_aws = false`` turns that off).
"""

from __future__ import annotations

import http.client
import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ddblite.embedded.environment import (
    DEFAULT_REGION,
    FAKE_KEY,
    FAKE_SECRET,
    Overlay,
    missing_identity,
)

if TYPE_CHECKING:
    from ddblite.clock import ManualClock
    from ddblite.embedded.engine import Engine

SCOPES = ("function", "class", "module", "package", "session")
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": FAKE_KEY,
    "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
    "AWS_DEFAULT_REGION": DEFAULT_REGION,
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ddblite")
    group.addoption(
        "--ddblite-scope",
        choices=SCOPES,
        default=None,
        help="scope of the ddblite in-process database behind ddb/ddb_resource/ddb_streams "
        "(default: the ddblite_scope ini option, else function: a fresh database per test)",
    )
    parser.addini(
        "ddblite_scope",
        "scope of the ddblite in-process database (default: function)",
        default="function",
    )
    parser.addini(
        "ddblite_fake_aws",
        "for the whole session, put a region and fake credentials in the environment where "
        "none are configured, so clients made at import time can be made (default: true)",
        type="bool",
        default=True,
    )
    parser.addini(
        "ddblite_route_early",
        "install ddblite's botocore hook at start-up, so clients created while test modules "
        "are imported are routed too (default: true)",
        type="bool",
        default=True,
    )


_FAKE_AWS = pytest.StashKey[Overlay]()


def pytest_configure(config: pytest.Config) -> None:
    if config.getini("ddblite_fake_aws"):
        # Before collection: code under test that builds boto3.resource("dynamodb") when it is
        # imported would otherwise fail there in a bare CI (NoRegionError, NoCredentialsError).
        # Configured credentials and regions are never replaced.
        config.stash[_FAKE_AWS] = Overlay(missing_identity())
    if config.getini("ddblite_route_early") and importlib.util.find_spec("botocore"):
        import ddblite.embedded.engine  # noqa: F401  (appends the routed handler to botocore's list)


def pytest_unconfigure(config: pytest.Config) -> None:
    overlay = config.stash.get(_FAKE_AWS, None)
    if overlay is not None:
        overlay.restore()


def _engine_scope(fixture_name: str, config: pytest.Config) -> Any:
    scope = config.getoption("ddblite_scope") or config.getini("ddblite_scope")
    if scope not in SCOPES:
        raise pytest.UsageError(f"ddblite_scope must be one of {', '.join(SCOPES)}: {scope!r}")
    return scope


# --- in-process fixtures -----------------------------------------------------------------------


def _mocked_engine() -> Iterator[Engine]:
    from ddblite.embedded.engine import Engine

    with Engine() as engine, engine.mock():
        yield engine


@pytest.fixture(scope=_engine_scope)
def ddblite_engine() -> Iterator[Engine]:
    """A fresh in-memory ddblite engine that every botocore DynamoDB call of the test reaches."""
    yield from _mocked_engine()


@pytest.fixture(scope="session")
def ddblite_session_engine() -> Iterator[Engine]:
    """One in-memory engine for the whole session, routed like ``ddblite_engine`` (which, when
    a test uses both, is the one routed calls reach; this one stays reachable through its own
    ``.client()`` and ``.resource()``)."""
    yield from _mocked_engine()


@pytest.fixture
def ddb(ddblite_engine: Engine) -> Any:
    """A boto3 DynamoDB client answered by ``ddblite_engine``."""
    return _shared("dynamodb")


@pytest.fixture
def ddb_resource(ddblite_engine: Engine) -> Any:
    """A boto3 DynamoDB service resource answered by ``ddblite_engine``."""
    return _shared("resource")


@pytest.fixture
def ddb_streams(ddblite_engine: Engine) -> Any:
    """A boto3 DynamoDB Streams client answered by ``ddblite_engine``."""
    return _shared("dynamodbstreams")


@pytest.fixture
def ddb_clock(ddblite_engine: Engine) -> Iterator[ManualClock]:
    """The time as ``ddblite_engine`` sees it, standing still until moved; the engine's own
    clock comes back after the test."""
    from ddblite.clock import ManualClock

    clock = ManualClock()
    previous = ddblite_engine.clock
    ddblite_engine.clock = clock
    yield clock
    ddblite_engine.clock = previous


_shared_objects: dict[tuple[str, ...], Any] = {}
_CLIENT_ENV = ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION")


def _shared(kind: str) -> Any:
    """Clients are made once per process (making one costs milliseconds; the engine behind the
    routed handler changes per test anyway), and again only if the credentials or region in
    the environment change, so they always agree with the code under test's own clients."""
    key = (kind, *(os.environ.get(name, "") for name in _CLIENT_ENV))
    found = _shared_objects.get(key)
    if found is None:
        from ddblite.embedded.engine import routed_session

        session = routed_session()
        found = session.resource("dynamodb") if kind == "resource" else session.client(kind)
        _shared_objects[key] = found
    return found


# --- a real server -----------------------------------------------------------------------------


class DdbliteServer:
    """A ``python -m ddblite serve --in-memory`` subprocess on a free local port."""

    def __init__(self, log_dir: Path, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
        self.host = host
        self.port = _free_port(host)
        self.endpoint_url = f"http://{host}:{self.port}"
        self.log_path = log_dir / f"ddblite-{self.port}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ddblite",
                "serve",
                "--host",
                host,
                "--port",
                str(self.port),
                "--in-memory",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait(timeout)
        except BaseException:
            self.stop()
            raise

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point an SDK or the AWS CLI at this server."""
        return {
            **FAKE_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ENDPOINT_URL_DYNAMODB": self.endpoint_url,
            "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": self.endpoint_url,
        }

    def client(self, service_name: str = "dynamodb", **kwargs: Any) -> Any:
        """A boto3 client for this server (fake credentials, us-east-1, unless given)."""
        return self._session().client(service_name, **self._defaults(kwargs))

    def resource(self, **kwargs: Any) -> Any:
        return self._session().resource("dynamodb", **self._defaults(kwargs))

    def _defaults(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        out = {
            "endpoint_url": self.endpoint_url,
            "region_name": FAKE_CREDENTIALS["AWS_DEFAULT_REGION"],
            "aws_access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        }
        out.update(kwargs)
        return out

    @staticmethod
    def _session() -> Any:
        from ddblite.embedded.engine import routed_session

        # Routed or not makes no difference here: the routed handler leaves explicit
        # endpoints alone.
        return routed_session()

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"ddblite serve exited with {self.process.returncode}: "
                    + self.log_path.read_text(errors="replace")[-2000:]
                )
            if _healthy(self.host, self.port):
                return
            time.sleep(0.02)
        raise RuntimeError(f"ddblite serve did not answer on {self.endpoint_url} in {timeout}s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __repr__(self) -> str:
        return f"DdbliteServer({self.endpoint_url!r})"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _healthy(host: str, port: int) -> bool:
    connection = http.client.HTTPConnection(host, port, timeout=1)
    try:
        connection.request("GET", "/")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@pytest.fixture(scope="session")
def ddblite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DdbliteServer]:
    """A real ddblite server (in memory) shared by the session; ``.endpoint_url`` for any SDK,
    ``.env`` for a subprocess such as the AWS CLI, ``.client()`` for boto3."""
    server = DdbliteServer(tmp_path_factory.mktemp("ddblite-server"))
    yield server
    server.stop()
