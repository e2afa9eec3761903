"""docs/operations.md is generated from the service model and the operation registry; this
fails when an operation was added without regenerating it
(run ``python scripts/operations_table.py``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "operations_table", ROOT / "scripts" / "operations_table.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_operations_doc_lists_what_is_implemented() -> None:
    """The "yes" rows are exactly the registered operations. The full page is compared only
    for rows both sides know: a newer botocore may add operations (the page is regenerated
    from whatever botocore is installed), which must not fail a fresh install."""
    from ddblite.operations import REGISTRY

    current = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    implemented = {
        line.split("|")[1].strip()
        for line in current.splitlines()
        if line.startswith("| ") and line.rstrip().endswith("| yes |")
    }
    stale = "docs/operations.md is stale: run scripts/operations_table.py"
    assert implemented == set(REGISTRY), stale
    expected_rows = {line for line in _script().render().splitlines() if line.startswith("| ")}
    current_rows = {line for line in current.splitlines() if line.startswith("| ")}
    known = {row.split("|")[1].strip() for row in current_rows}
    assert {row for row in expected_rows if row.split("|")[1].strip() in known} <= current_rows, (
        stale
    )


def test_every_registered_operation_is_in_the_service_model() -> None:
    from ddblite.operations import REGISTRY
    from ddblite.protocol.shapes.check import known_operations, known_stream_operations

    assert set(REGISTRY) <= known_operations() | known_stream_operations()
