"""TagResource, UntagResource, ListTagsOfResource."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import TableFactory, error_of, make_client
from tests.servers import RunningServer

ACCOUNT_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/"


def arn_of(ddb: Any, name: str) -> str:
    return str(ddb.describe_table(TableName=name)["Table"]["TableArn"])


def tags_of(ddb: Any, arn: str) -> list[dict[str, str]]:
    return list(ddb.list_tags_of_resource(ResourceArn=arn)["Tags"])


@pytest.fixture(scope="module")
def raw(server: RunningServer) -> Any:
    """A client that sends what it is given (botocore would refuse short strings itself)."""
    return make_client(server.endpoint, parameter_validation=False)


# A table created with Tags lists them; a table without lists none.
def test_create_table_tags_are_listed(ddb: Any, create_table: TableFactory) -> None:
    tagged = create_table(Tags=[{"Key": "team", "Value": "core"}])
    plain = create_table()
    assert tags_of(ddb, arn_of(ddb, tagged)) == [{"Key": "team", "Value": "core"}]
    assert ddb.list_tags_of_resource(ResourceArn=arn_of(ddb, plain))["Tags"] == []


# Tagging merges: new keys are added, a key given again takes the new value, untagging removes
# keys and ignores keys the table does not carry.
def test_tag_merge_and_untag(ddb: Any, create_table: TableFactory) -> None:
    arn = arn_of(ddb, create_table())
    ddb.tag_resource(
        ResourceArn=arn,
        Tags=[
            {"Key": "env", "Value": "test"},
            {"Key": "project", "Value": "ddblite"},
        ],
    )
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "platform"}])
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "production"}])
    assert sorted(tags_of(ddb, arn), key=lambda t: t["Key"]) == [
        {"Key": "env", "Value": "production"},
        {"Key": "project", "Value": "ddblite"},
        {"Key": "team", "Value": "platform"},
    ]
    ddb.untag_resource(ResourceArn=arn, TagKeys=["team", "not-there"])
    assert sorted(t["Key"] for t in tags_of(ddb, arn)) == ["env", "project"]
    ddb.untag_resource(ResourceArn=arn, TagKeys=["env", "project"])
    assert tags_of(ddb, arn) == []


# An empty value is a value; keys and values allow letters, digits, spaces and _.:/=+-@.
def test_value_and_key_characters(ddb: Any, create_table: TableFactory) -> None:
    arn = arn_of(ddb, create_table())
    tags = [{"Key": "k", "Value": ""}, {"Key": "Ünïcode 9 _.:/=+-@", "Value": "ok ß 7 @"}]
    ddb.tag_resource(ResourceArn=arn, Tags=tags)
    assert tags_of(ddb, arn) == tags


# Refused tags: a character outside the set, the reserved aws: prefix, a key given twice.
def test_refused_tags(ddb: Any, create_table: TableFactory) -> None:
    arn = arn_of(ddb, create_table())
    cases = [
        ([{"Key": "a*b", "Value": "v"}], "The Tag Key provided is invalid, Key: a*b"),
        ([{"Key": "k", "Value": "v#"}], "The Tag Value provided is invalid, Value: v#"),
        (
            [{"Key": "aws:cost", "Value": "v"}],
            "Tag Key cannot be prefixed with aws:, Key: aws:cost",
        ),
        (
            [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}],
            "Duplicate Tag Keys provided as input: Duplicate Tag Key found k",
        ),
    ]
    for tags, message in cases:
        assert error_of(ddb.tag_resource, ResourceArn=arn, Tags=tags) == (
            "ValidationException",
            message,
        )
    assert tags_of(ddb, arn) == []


# Tags do not change the table's description.
def test_tags_leave_table_alone(ddb: Any, create_table: TableFactory) -> None:
    name = create_table()
    before = ddb.describe_table(TableName=name)["Table"]
    ddb.tag_resource(ResourceArn=before["TableArn"], Tags=[{"Key": "a", "Value": "b"}])
    after = ddb.describe_table(TableName=name)["Table"]
    assert after == before


# A resource carries at most 50 tags, counted after the merge: replacing a key adds nothing.
def test_fifty_tag_limit(ddb: Any, create_table: TableFactory) -> None:
    arn = arn_of(ddb, create_table())
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(49)])
    ddb.tag_resource(
        ResourceArn=arn, Tags=[{"Key": "k0", "Value": "w"}, {"Key": "last", "Value": "v"}]
    )
    assert len(tags_of(ddb, arn)) == 50
    one_more = [{"Key": "one-more", "Value": "v"}]
    assert error_of(ddb.tag_resource, ResourceArn=arn, Tags=one_more) == (
        "ValidationException",
        "Number of Tags exceed the current limit for the provided ResourceArn",
    )
    assert len(tags_of(ddb, arn)) == 50  # nothing of the refused request was kept


# Keys are 1..128 characters and values 0..256: the limits pass, one past them fails.
def test_key_and_value_lengths(ddb: Any, raw: Any, create_table: TableFactory) -> None:
    arn = arn_of(ddb, create_table())
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "k" * 128, "Value": "v" * 256}])
    assert tags_of(ddb, arn) == [{"Key": "k" * 128, "Value": "v" * 256}]
    assert error_of(raw.tag_resource, ResourceArn=arn, Tags=[{"Key": "k" * 129, "Value": ""}]) == (
        "ValidationException",
        f"1 validation error detected: Value '{'k' * 129}' at 'tags.1.member.key' failed to "
        "satisfy constraint: Member must have length less than or equal to 128",
    )
    assert error_of(raw.tag_resource, ResourceArn=arn, Tags=[{"Key": "k", "Value": "v" * 257}]) == (
        "ValidationException",
        f"1 validation error detected: Value '{'v' * 257}' at 'tags.1.member.value' failed to "
        "satisfy constraint: Member must have length less than or equal to 256",
    )
    assert error_of(raw.tag_resource, ResourceArn=arn, Tags=[{"Key": "", "Value": "v"}]) == (
        "ValidationException",
        "1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1",
    )


INVALID = "One or more parameter values were invalid: "


# The ARN is checked in DynamoDB's order: an ARN at all, DynamoDB's, a table (or stream) ARN,
# this region, a valid table name; before the table is looked up.
@pytest.mark.parametrize(
    ("arn", "message"),
    [
        ("not-a-valid-arn", INVALID + "ARNs must start with 'arn:': not-a-valid-arn"),
        ("a:b:c:d:e:f/g", INVALID + "ARNs must start with 'arn:': a:b:c:d:e:f/g"),
        (
            "arn:aws:s3:us-east-1:000000000000:table/abc",
            INVALID + "Provided Arn is not a DynamoDB resource arn: "
            "arn:aws:s3:us-east-1:000000000000:table/abc",
        ),
        (
            "arn:aws:dynamodb:us-east-1:000000000000:table/abc/index/gsi",
            INVALID + "Invalid resource arn provided, only table or stream is accepted. Provided "
            "resource arn: arn:aws:dynamodb:us-east-1:000000000000:table/abc/index/gsi",
        ),
        (
            "arn:aws:dynamodb:eu-west-1:000000000000:table/abc",
            "Invalid TableArn: Invalid ResourceArn provided as input "
            "arn:aws:dynamodb:eu-west-1:000000000000:table/abc",
        ),
        (
            "arn:aws:dynamodb:us-east-1:000000000000:table/ab",
            "Invalid TableArn: Invalid ResourceArn provided as input "
            "arn:aws:dynamodb:us-east-1:000000000000:table/ab",
        ),
    ],
)
def test_invalid_arn(ddb: Any, arn: str, message: str) -> None:
    expected = ("ValidationException", message)
    tags = [{"Key": "a", "Value": "b"}]
    assert error_of(ddb.tag_resource, ResourceArn=arn, Tags=tags) == expected
    assert error_of(ddb.untag_resource, ResourceArn=arn, TagKeys=["a"]) == expected
    assert error_of(ddb.list_tags_of_resource, ResourceArn=arn) == expected


# The ARN is checked before the (empty) list of tags or keys, which is checked before the table.
def test_empty_tags_and_keys(ddb: Any) -> None:
    arn = ACCOUNT_ARN + "missing_table"
    assert error_of(ddb.tag_resource, ResourceArn=arn, Tags=[]) == (
        "ValidationException",
        "Atleast one Tag needs to be provided as Input.",
    )
    assert error_of(ddb.untag_resource, ResourceArn=arn, TagKeys=[]) == (
        "ValidationException",
        "Atleast one Tag Key needs to be provided as Input.",
    )
    assert error_of(ddb.tag_resource, ResourceArn="bad", Tags=[])[1] == (
        INVALID + "ARNs must start with 'arn:': bad"
    )


# A table that does not exist: each operation says so in its own way (ListTagsOfResource as
# an authorization failure).
def test_missing_table(ddb: Any) -> None:
    arn = ACCOUNT_ARN + "missing_table"
    assert error_of(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "a", "Value": "b"}]) == (
        "ResourceNotFoundException",
        f"Requested resource not found: ResourcArn: {arn} not found",
    )
    assert error_of(ddb.untag_resource, ResourceArn=arn, TagKeys=["a"]) == (
        "ResourceNotFoundException",
        "Requested resource not found",
    )
    assert error_of(ddb.list_tags_of_resource, ResourceArn=arn) == (
        "AccessDeniedException",
        "User: arn:aws:iam::000000000000:root is not authorized to perform: "
        f"dynamodb:ListTagsOfResource on resource: {arn}",
    )


# An ARN naming the table in another account names nothing this caller may see.
def test_other_account(ddb: Any, create_table: TableFactory) -> None:
    arn = f"arn:aws:dynamodb:us-east-1:111111111111:table/{create_table()}"
    assert error_of(ddb.list_tags_of_resource, ResourceArn=arn)[0] == "AccessDeniedException"
    tags = [{"Key": "a", "Value": "b"}]
    assert error_of(ddb.tag_resource, ResourceArn=arn, Tags=tags)[0] == "ResourceNotFoundException"


# A stream ARN names its table.
def test_stream_arn_names_the_table(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(Tags=[{"Key": "a", "Value": "b"}])
    arn = arn_of(ddb, name) + "/stream/2024-01-01T00:00:00.000"
    assert tags_of(ddb, arn) == [{"Key": "a", "Value": "b"}]


# A deleted table's tags go with it: a new table of the same name starts untagged.
def test_recreated_table_is_untagged(ddb: Any, create_table: TableFactory) -> None:
    name = create_table(Tags=[{"Key": "a", "Value": "b"}])
    ddb.delete_table(TableName=name)
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert tags_of(ddb, arn_of(ddb, name)) == []


# CreateTable's Tags follow the same rules, before the table is created.
def test_create_table_tag_rules(ddb: Any, table_name: str) -> None:
    base = {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    }
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert error_of(ddb.create_table, **base, Tags=too_many) == (
        "ValidationException",
        "Number of Tags exceed the current limit for the provided ResourceArn",
    )
    assert error_of(ddb.create_table, **base, Tags=[{"Key": "aws:x", "Value": "v"}]) == (
        "ValidationException",
        "Tag Key cannot be prefixed with aws:, Key: aws:x",
    )
    assert table_name not in ddb.list_tables()["TableNames"]
    ddb.create_table(**base, Tags=too_many[:50])
    assert len(tags_of(ddb, arn_of(ddb, table_name))) == 50
    ddb.delete_table(TableName=table_name)
