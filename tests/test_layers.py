"""The layering docs/architecture.md promises, read from the source's own imports and calls.

protocol -> operations -> engine -> storage. ``model/`` and ``expressions/`` are pure: they
import only each other and the leaf modules every layer shares (errors, limits). Only the
catalog module writes a table record. Each rule is checked over the whole tree, so a new file
is covered the day it is added.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "ddblite"

# The modules every layer may import: no I/O, no DynamoDB semantics of their own beyond values.
LEAVES = ("ddblite.errors", "ddblite.limits")
PURE = ("model", "expressions")
# The storage writer's calls that change the catalog; only the catalog module makes them.
CATALOG_WRITES = frozenset({"create_table", "update_table"})


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str


def _package(path: Path) -> str:
    return path.relative_to(SRC).parts[0]


def _sources(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[Import]:
    """Every module a file imports, at the top, inside functions and under TYPE_CHECKING
    alike (a lazy import is still a dependency), with relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = _module_name(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(Import(path, node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*here[: len(here) - node.level + 1], *filter(None, [base])])
            found.append(Import(path, node.lineno, base))
            # ``from ddblite.storage import sqlite`` imports the submodule too.
            found.extend(Import(path, node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def _under(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _violations(packages: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{i.path.relative_to(SRC)}:{i.line} imports {i.module}"
        for package in packages
        for path in _sources(package)
        for i in _imports(path)
        if _under(i.module, *forbidden)
    ]


def test_the_rules_see_imports() -> None:
    """The reader itself: a known import of each kind is found (a broken reader would make
    every rule below pass)."""
    modules = {i.module for i in _imports(SRC / "protocol" / "dispatch.py")}
    assert "ddblite.operations" in modules
    assert "ddblite.operations.REGISTRY" in modules
    assert _violations(("protocol",), ("ddblite.operations",))


def test_protocol_does_not_import_storage() -> None:
    assert _violations(("protocol",), ("ddblite.storage",)) == []


def test_operations_do_not_import_storage() -> None:
    assert _violations(("operations",), ("ddblite.storage",)) == []


@pytest.mark.parametrize("package", ["operations", "protocol"])
def test_operations_and_protocol_do_not_touch_the_backend(package: str) -> None:
    """They go through the Database facade; ``db.backend`` is the engine's own."""
    found = [
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path in _sources(package)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "backend"
    ]
    assert found == []


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_import_no_other_layer(package: str) -> None:
    allowed = tuple(f"ddblite.{p}" for p in PURE) + LEAVES
    found = [
        f"{i.path.relative_to(SRC)}:{i.line} imports {i.module}"
        for path in _sources(package)
        for i in _imports(path)
        if i.module.startswith("ddblite") and not _under(i.module, *allowed)
    ]
    assert found == []


def test_engine_does_not_import_the_layers_above() -> None:
    forbidden = ("ddblite.operations", "ddblite.protocol", "ddblite.server", "ddblite.embedded")
    assert _violations(("engine",), forbidden) == []


def test_storage_imports_no_layer_above_it() -> None:
    forbidden = (
        "ddblite.engine",
        "ddblite.operations",
        "ddblite.protocol",
        "ddblite.expressions",
        "ddblite.server",
        "ddblite.embedded",
    )
    assert _violations(("storage",), forbidden) == []


def _is_catalog(path: Path) -> bool:
    relative = path.relative_to(SRC).with_suffix("")
    return relative.parts[:2] == ("engine", "catalog")


def _writes_a_table_record(node: ast.AST) -> bool:
    """A call of the storage writer's create_table/update_table (``catalog.create_table`` is
    the catalog's own entry point, not a write)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    receiver = node.func.value
    is_catalog = isinstance(receiver, ast.Name) and receiver.id == "catalog"
    return node.func.attr in CATALOG_WRITES and not is_catalog


def test_only_the_catalog_writes_a_table_record() -> None:
    """A table record changes in one module, so every change is typed and cached copies are
    dropped in one place: outside storage (which implements them) nothing else calls the
    storage writer's create/update of a table."""
    found = [
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path in sorted(SRC.rglob("*.py"))
        if not _is_catalog(path) and _package(path) != "storage"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _writes_a_table_record(node)
    ]
    assert found == []


def test_the_catalog_rule_sees_a_write() -> None:
    assert _writes_a_table_record(ast.parse("w.update_table(1, b'', 'ACTIVE')", mode="eval").body)
    assert not _writes_a_table_record(ast.parse("catalog.update_table(db, t, u)", mode="eval").body)


def test_no_untyped_table_record_outside_the_catalog() -> None:
    found = [
        f"{path.relative_to(SRC)}:{number}"
        for path in sorted(SRC.rglob("*.py"))
        if not _is_catalog(path)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "stored[" in line
    ]
    assert found == []
