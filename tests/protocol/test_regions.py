"""protocol/regions.py: unknown regions refused as DynamoDB refuses them; --shared-db."""

from __future__ import annotations

import pytest

from ddblite.errors import InvalidSignatureException
from ddblite.protocol.auth import caller_of
from ddblite.protocol.regions import CallerPolicy, dynamodb_regions


def header(key: str, region: str) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential={key}/20260101/{region}/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=x"
    )


def test_botocores_regions_are_known() -> None:
    assert {"us-east-1", "eu-west-1", "ap-southeast-2", "local"} <= dynamodb_regions()
    assert "mars-1" not in dynamodb_regions()


def test_an_unknown_region_gets_dynamodbs_answer() -> None:
    identify = CallerPolicy().apply(caller_of)
    assert identify(header("AKIAFAKE", "eu-west-1")) == ("000000000000", "eu-west-1")
    with pytest.raises(InvalidSignatureException) as raised:
        identify(header("AKIAFAKE", "mars-1"))
    assert raised.value.body() == {
        "__type": "com.amazon.coral.service#InvalidSignatureException",
        "message": "Credential should be scoped to a valid region, not 'mars-1'. ",
    }


def test_allow_any_region() -> None:
    identify = CallerPolicy(allow_any_region=True).apply(caller_of)
    assert identify is caller_of
    assert identify(header("123456789012", "mars-1")) == ("123456789012", "mars-1")


@pytest.mark.parametrize("allow_any_region", [False, True])
def test_shared_db_puts_every_caller_in_one_namespace(allow_any_region: bool) -> None:
    identify = CallerPolicy(allow_any_region=allow_any_region, shared_db=True).apply(caller_of)
    assert identify(header("123456789012", "eu-west-1")) == ("000000000000", "us-east-1")
    assert identify(header("AKIAOTHER", "ap-south-1")) == ("000000000000", "us-east-1")
    if not allow_any_region:
        with pytest.raises(InvalidSignatureException):
            identify(header("AKIAFAKE", "mars-1"))
