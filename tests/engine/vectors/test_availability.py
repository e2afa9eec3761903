"""numpy is the optional ``vectors`` extra: the server never imports it for tables without
vector indexes, and without it only vector requests are refused, with one clear message."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from ddblite.engine.vectors.availability import NEEDS_NUMPY

SERVER_MODULES = (
    "ddblite.server.serve, ddblite.engine.opening, ddblite.protocol.app, "
    "ddblite.protocol.dispatch, ddblite.operations"
)

# Every operation below runs in a process where ``import numpy`` fails (a None entry in
# sys.modules makes the import system raise ImportError), as without the extra installed.
WITHOUT_NUMPY = textwrap.dedent(
    """
    import json, sys
    sys.modules["numpy"] = None
    from botocore.exceptions import ClientError
    from ddblite.embedded.engine import Engine

    def error(call, **request):
        try:
            call(**request)
        except ClientError as e:
            return [e.response["Error"]["Code"], e.response["Error"]["Message"]]
        return None

    key = {"AttributeName": "pk", "KeyType": "HASH"}
    pk = {"AttributeName": "pk", "AttributeType": "S"}
    index = {
        "IndexName": "vec",
        "VectorAttribute": {"AttributeName": "v"},
        "Projection": {"ProjectionType": "ALL"},
        "Dimensions": 2,
        "DistanceFunction": "COSINE",
    }
    out = {}
    with Engine() as engine:
        c = engine.client()
        c.create_table(TableName="plain", KeySchema=[key], AttributeDefinitions=[pk],
                       BillingMode="PAY_PER_REQUEST")
        item = {"pk": {"S": "a"}, "v": {"L": [{"N": "1"}, {"N": "2"}]}}
        c.put_item(TableName="plain", Item=item)
        out["get"] = c.get_item(TableName="plain", Key={"pk": {"S": "a"}})["Item"] == item
        out["scan"] = c.scan(TableName="plain")["Count"]
        out["create"] = error(c.create_table, TableName="vectors", KeySchema=[key],
                              AttributeDefinitions=[pk], BillingMode="PAY_PER_REQUEST",
                              VectorIndexes=[index])
        out["tables"] = c.list_tables()["TableNames"]
        out["update"] = error(c.update_table, TableName="plain",
                              VectorIndexUpdates=[{"Create": index}])
        out["search"] = error(c.search_vectors, TableName="plain", IndexName="vec",
                              SearchVector=[{"N": "1"}, {"N": "0"}], TopK=1)
        out["described"] = "VectorIndexes" in c.describe_table(TableName="plain")["Table"]
    out["numpy"] = sys.modules["numpy"] is None
    print(json.dumps(out))
    """
)


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout


def test_the_server_starts_without_importing_numpy() -> None:
    code = f"import sys\nimport {SERVER_MODULES}\nprint('numpy' in sys.modules)"
    assert run(code) == "False\n"


def test_without_numpy_only_vector_requests_are_refused() -> None:
    refused = ["ValidationException", NEEDS_NUMPY]
    assert json.loads(run(WITHOUT_NUMPY)) == {
        "get": True,
        "scan": 1,
        "create": refused,
        "tables": ["plain"],
        "update": refused,
        "search": refused,
        "described": False,
        "numpy": True,
    }
