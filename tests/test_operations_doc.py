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


def test_operations_doc_is_current() -> None:
    expected = _script().render()
    current = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert current == expected, "docs/operations.md is stale: run scripts/operations_table.py"


def test_every_registered_operation_is_in_the_service_model() -> None:
    from ddblite.operations import REGISTRY
    from ddblite.protocol.shapes import known_operations, known_stream_operations

    assert set(REGISTRY) <= known_operations() | known_stream_operations()
