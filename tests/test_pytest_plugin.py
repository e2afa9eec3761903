"""The pytest plugin, exercised the way users meet it: test files run by pytest (pytester)."""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TABLE = """
def make_table(client, name="items"):
    client.create_table(
        TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """An in-process pytest run with only our plugin (autoloading is off, see below)."""
    return pytester.runpytest(
        "-p", "ddblite.embedded.pytest_plugin", "-p", "no:cacheprovider", *args
    )


def test_the_plugin_is_registered_as_an_entry_point() -> None:
    found = [e for e in entry_points(group="pytest11") if e.name == "ddblite"]
    assert [e.value for e in found] == ["ddblite.embedded.pytest_plugin"]


@pytest.fixture(autouse=True)
def no_aws_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # Whatever else this environment has installed (pytest-benchmark, xdist, ...) stays out of
    # in-process runs, where the outer run's warning filters would turn its start-up warnings
    # into errors. The subprocess runs turn autoloading back on: they test the entry point.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def test_fixtures_give_each_test_a_fresh_database(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        TABLE
        + """
def test_first(ddb, ddb_resource):
    make_table(ddb)
    ddb_resource.Table("items").put_item(Item={"pk": "a", "n": 1})
    assert ddb.get_item(TableName="items", Key={"pk": {"S": "a"}})["Item"] == {
        "pk": {"S": "a"}, "n": {"N": "1"}}

def test_second_sees_nothing_of_the_first(ddb):
    assert ddb.list_tables()["TableNames"] == []

def test_streams_client(ddb_streams, ddblite_engine):
    assert ddb_streams.meta.service_model.service_name == "dynamodbstreams"
    assert type(ddblite_engine).__name__ == "Engine"
"""
    )
    result = run(pytester)
    result.assert_outcomes(passed=3)


def test_the_code_under_tests_own_clients_reach_the_same_database(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The client is made while the test module is imported, before any fixture runs: the hook
    # installed at start-up is what routes it. A fresh interpreter proves it.
    pytester.makepyfile(
        app="""
import boto3
client = boto3.client("dynamodb", region_name="us-east-1",
                      aws_access_key_id="k", aws_secret_access_key="s")

def table_names():
    return client.list_tables()["TableNames"]
"""
    )
    pytester.makepyfile(
        TABLE
        + """
import boto3
import app

def test_module_level_client(ddb):
    make_table(ddb)
    assert app.table_names() == ["items"]

def test_client_made_in_the_test(ddb):
    make_table(boto3.client("dynamodb"), "made-here")
    assert ddb.list_tables()["TableNames"] == ["made-here"]
"""
    )
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_ddb_clock_moves_the_engines_time(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        TABLE
        + """
from datetime import datetime, timezone

def test_clock(ddb, ddb_clock, ddblite_engine):
    assert ddblite_engine.clock is ddb_clock
    ddb_clock.set(1_700_000_000)
    ddb_clock.advance(86_400)
    make_table(ddb)
    created = ddb.describe_table(TableName="items")["Table"]["CreationDateTime"]
    assert created == datetime.fromtimestamp(1_700_086_400, timezone.utc)

def test_ttl_follows_the_clock(ddb, ddb_clock):
    make_table(ddb)
    ddb.update_time_to_live(TableName="items", TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expires"})
    expires = str(int(ddb_clock.now()) + 60)
    ddb.put_item(TableName="items", Item={"pk": {"S": "a"}, "expires": {"N": expires}})
    ddb_clock.advance(61)
    assert "Item" not in ddb.get_item(TableName="items", Key={"pk": {"S": "a"}})

def test_the_clock_is_put_back(ddblite_engine):
    assert type(ddblite_engine.clock).__name__ == "SystemClock"
"""
    )
    result = run(pytester)
    result.assert_outcomes(passed=3)


SHARED = (
    TABLE
    + """
def test_first(ddb):
    make_table(ddb)

def test_second_sees_the_first(ddb):
    assert ddb.list_tables()["TableNames"] == ["items"]
"""
)


def test_scope_option_shares_one_database(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SHARED)
    result = run(pytester, "--ddblite-scope=session")
    result.assert_outcomes(passed=2)


def test_scope_ini_shares_one_database(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nddblite_scope = module\n")
    pytester.makepyfile(SHARED)
    result = run(pytester)
    result.assert_outcomes(passed=2)


def test_scope_must_be_a_pytest_scope(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nddblite_scope = forever\n")
    pytester.makepyfile("def test_any(ddb):\n    pass\n")
    result = run(pytester)
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        ["*ddblite_scope must be one of function, class, module, package, session: 'forever'*"]
    )


def test_session_engine_is_shared_and_apart_from_the_fresh_one(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        TABLE
        + """
def test_first(ddblite_session_engine):
    make_table(ddblite_session_engine.client(), "shared")

def test_second(ddblite_session_engine, ddb):
    assert ddblite_session_engine.client().list_tables()["TableNames"] == ["shared"]
    assert ddb.list_tables()["TableNames"] == []
"""
    )
    result = run(pytester)
    result.assert_outcomes(passed=2)


def test_ddblite_server_is_a_real_server(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    pytester.makepyfile(
        TABLE
        + f"""
import urllib.request

def test_server(ddblite_server):
    client = ddblite_server.client()
    make_table(client)
    assert client.list_tables()["TableNames"] == ["items"]
    assert ddblite_server.env["AWS_ENDPOINT_URL"] == ddblite_server.endpoint_url
    assert ddblite_server.endpoint_url == f"http://127.0.0.1:{{ddblite_server.port}}"
    with urllib.request.urlopen(ddblite_server.endpoint_url) as response:
        assert response.status == 200
    open({str(pid_file)!r}, "w").write(str(ddblite_server.process.pid))

def test_same_server_later(ddblite_server, ddb):
    assert ddblite_server.client().list_tables()["TableNames"] == ["items"]
    assert ddb.list_tables()["TableNames"] == []
"""
    )
    result = run(pytester)
    result.assert_outcomes(passed=2)
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # stopped (and reaped) when the session ended


@pytest.mark.parametrize(("option", "imported"), [("true", True), ("false", False)])
def test_route_early_can_be_turned_off(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, option: str, imported: bool
) -> None:
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    pytester.makepyfile(f"""
import sys

def test_hook():
    assert ("ddblite.embedded.engine" in sys.modules) is {imported}
""")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-o", f"ddblite_route_early={option}"
    )
    result.assert_outcomes(passed=1)


# --- a bare CI: no AWS configuration at all -------------------------------------------------


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No AWS variable at all and HOME an empty directory, as on a fresh CI runner; returns
    HOME, for tests that give it an ~/.aws."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def test_a_bare_ci_collects_code_that_makes_its_resource_at_import(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, bare: Path
) -> None:
    # docs/testing.md's pattern: without the session's region and fake key, importing app
    # fails at collection (NoRegionError, then NoCredentialsError).
    pytester.makepyfile(
        app="""
import boto3

table = boto3.resource("dynamodb").Table("users")

def signup(user_id):
    table.put_item(Item={"id": user_id})
""",
        test_app="""
import os

import app

def test_signup(ddb):
    ddb.create_table(
        TableName="users",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    app.signup("u1")
    assert ddb.get_item(TableName="users", Key={"id": {"S": "u1"}})["Item"] == {"id": {"S": "u1"}}

def test_the_session_has_a_region_and_a_fake_key():
    assert [os.environ.get(name) for name in
            ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")] == [
            "ddblite", "ddblite", "us-east-1"]
""",
    )
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_configured_credentials_and_region_are_never_replaced(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, bare: Path
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    (bare / ".aws").mkdir()
    (bare / ".aws" / "config").write_text("[default]\nregion = eu-west-1\n")
    pytester.makepyfile("""
import os

def test_environment_as_configured():
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAIOSFODNN7EXAMPLE"
    assert os.environ["AWS_SECRET_ACCESS_KEY"] == "real-secret"
    assert "AWS_DEFAULT_REGION" not in os.environ
""")
    run(pytester).assert_outcomes(passed=1)


@pytest.mark.parametrize(("option", "inside"), [("true", "ddblite"), ("false", None)])
def test_the_fake_identity_lasts_the_session_and_can_be_turned_off(
    pytester: pytest.Pytester, bare: Path, option: str, inside: str | None
) -> None:
    pytester.makepyfile(f"""
import os

def test_inside():
    assert os.environ.get("AWS_ACCESS_KEY_ID") == {inside!r}
""")
    run(pytester, "-o", f"ddblite_fake_aws={option}").assert_outcomes(passed=1)
    assert "AWS_ACCESS_KEY_ID" not in os.environ
    assert "AWS_DEFAULT_REGION" not in os.environ


MOCK_THEN_S3 = """
import os

import boto3
import ddblite

def use_dynamodb_in_a_mock():
    with ddblite.mock():
        assert boto3.client("dynamodb").list_tables()["TableNames"] == []
        assert boto3.DEFAULT_SESSION.get_credentials().access_key == "ddblite"

def s3_key_with_real_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    boto3.client("s3", region_name="us-east-1")
    return boto3.DEFAULT_SESSION.get_credentials().access_key

def test_default_session_made_in_the_mock(monkeypatch):
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    use_dynamodb_in_a_mock()
    assert s3_key_with_real_credentials(monkeypatch) == "AKIAIOSFODNN7EXAMPLE"

def test_default_session_made_before_the_mock(monkeypatch):
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    boto3.setup_default_session()
    before = boto3.DEFAULT_SESSION
    use_dynamodb_in_a_mock()
    assert boto3.DEFAULT_SESSION is before
    assert s3_key_with_real_credentials(monkeypatch) == "AKIAIOSFODNN7EXAMPLE"
"""


def test_mock_leaves_no_fake_credentials_in_boto3s_default_session(
    pytester: pytest.Pytester, bare: Path
) -> None:
    # The session's own fake identity is off, so the mock is what supplies the fake key; a
    # fresh interpreter, so no default session exists before the test makes one.
    pytester.makepyfile(MOCK_THEN_S3)
    result = pytester.runpytest_subprocess(
        "-p",
        "ddblite.embedded.pytest_plugin",
        "-p",
        "no:cacheprovider",
        "-o",
        "ddblite_fake_aws=false",
    )
    result.assert_outcomes(passed=2)
