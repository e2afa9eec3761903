"""server/serve.py: what the startup line shows of the data's location."""

from __future__ import annotations

import os

import pytest

from ddblite.config import Settings
from ddblite.server.serve import shown_data


@pytest.mark.parametrize(
    ("db", "shown"),
    [
        (":memory:", "in memory"),
        ("data/x.db", os.path.join(os.getcwd(), "data/x.db")),
        ("postgresql://app@db:5432/ddb", "postgresql://app@db:5432/ddb"),
        ("postgresql://app:s3cret@db:5432/ddb", "postgresql://app:***@db:5432/ddb"),
        ("postgres://app:p@ss@db/ddb?sslmode=require", "postgres://app:***@db/ddb?sslmode=require"),
        (
            "postgresql://db/ddb?user=app&password=s3cret",
            "postgresql://db/ddb?user=app&password=***",
        ),
    ],
)
def test_the_startup_line_never_shows_a_password(db: str, shown: str) -> None:
    assert shown_data(Settings(db=db)) == shown
