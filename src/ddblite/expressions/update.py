"""Applying an UpdateExpression to an item.

Every value is worked out from the item as it was before the update (``SET a = :v, b = a``
gives ``b`` the old ``a``), and list positions are those the list had before the update:
``REMOVE l[1], l[2]`` removes two of the original elements, and entries set past the end of a
list are appended in the order of their indexes.

The input item is never modified. The result shares untouched values with it (they are never
mutated); every container on a written path, and every value written, is a fresh copy.

Only problems that depend on the stored item can happen here, each a ValidationException, in
DynamoDB's order: a path whose parent exists but is not the map/list the path needs; a value of
the wrong type (``+`` on a non-number, list_append on a non-list, ADD/DELETE on a different
type); then, clause by clause from the last, a path that cannot be written (its parent is
missing) and an attribute a SET reads that does not exist; finally numbers out of range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

from ddblite.errors import ValidationException
from ddblite.expressions import ast
from ddblite.expressions.attrs import Item, Value, binary, get_path, number, set_contains, type_of
from ddblite.expressions.resolve import ResolvedPath, Resolver
from ddblite.model import numbers

WRONG_TYPE = "An operand in the update expression has an incorrect data type"
MISSING = "The provided expression refers to an attribute that does not exist in the item"
BAD_PATH = "The document path provided in the update expression is invalid for update"
LEGACY_WRONG_TYPE = "Type mismatch for attribute to update"

# Exact for any two storable numbers; the result's range is checked afterwards.
_EXACT = Context(prec=400, Emax=999999, Emin=-999999)


class _Missing(Exception):
    """A SET read an attribute the item lacks; reported only after the type checks."""


Compute = Callable[[Item], Value | None]


@dataclass(frozen=True, slots=True)
class UpdateAction:
    keyword: str  # SET REMOVE ADD DELETE
    clause: int  # index of the clause it belongs to
    path: ResolvedPath
    compute: Compute | None = None  # SET: the value, from the old item
    operand: Value | None = None  # ADD/DELETE: the :value


@dataclass(frozen=True, slots=True)
class Update:
    """A checked UpdateExpression bound to one request's placeholders."""

    text: str
    tree: ast.UpdateExpr
    actions: tuple[UpdateAction, ...]
    # AttributeUpdates: ADD may also append to a list, and a type clash has its own message.
    legacy: bool = False

    @property
    def paths(self) -> tuple[ResolvedPath, ...]:
        return tuple(action.path for action in self.actions)

    @property
    def only_removes(self) -> bool:
        """Whether every action takes something away (REMOVE, DELETE from a set)."""
        return all(action.keyword in ("REMOVE", "DELETE") for action in self.actions)


@dataclass(frozen=True, slots=True)
class UpdatedPaths:
    """The document paths an update wrote; ``updated_attributes`` projects an item (old or
    new) onto them to build UPDATED_OLD / UPDATED_NEW."""

    paths: tuple[ResolvedPath, ...]


# --- compiling SET values ---------------------------------------------------------------------


class _ValueCompiler:
    def __init__(self, resolver: Resolver) -> None:
        self.r = resolver

    def value(self, node: ast.Operand) -> Compute:
        """A function computing the value of ``node`` from the old item; it raises _Missing
        for an attribute that is not there (reported after the type checks)."""
        if isinstance(node, ast.ValueRef):
            value = self.r.values[node.name]
            return lambda item: value
        if isinstance(node, ast.Path):
            path = self.r.path(node)

            def read(item: Item) -> Value | None:
                found = get_path(item, path)
                if found is None:
                    raise _Missing()
                return found

            return read
        if isinstance(node, ast.Arith):
            return self.arith(node)
        assert isinstance(node, ast.Call)
        if node.name == "if_not_exists":
            assert isinstance(node.args[0], ast.Path)
            probe = self.r.path(node.args[0])
            fallback = self.value(node.args[1])

            def if_not_exists(item: Item) -> Value | None:
                found = get_path(item, probe)
                return found if found is not None else fallback(item)

            return if_not_exists
        return self.list_append(node)

    def arith(self, node: ast.Arith) -> Compute:
        left, right = self.value(node.left), self.value(node.right)
        subtract = node.op == "-"

        def compute(item: Item) -> Value | None:
            a, b = _operands(left, right, item, "N")
            x, y = number(a["N"]), number(b["N"])
            result = _EXACT.subtract(x, y) if subtract else _EXACT.add(x, y)
            return {"N": _number_text(result)}

        return compute

    def list_append(self, node: ast.Call) -> Compute:
        first, second = self.value(node.args[0]), self.value(node.args[1])

        def compute(item: Item) -> Value | None:
            a, b = _operands(first, second, item, "L")
            return {"L": [*a["L"], *b["L"]]}

        return compute


def _operands(first: Compute, second: Compute, item: Item, kind: str) -> tuple[Value, Value]:
    """Both operands of ``+``/``-`` or list_append, each of ``kind``; either one missing fails
    the update, after both types were checked."""
    a, missing_a = _typed(first, item, kind)
    b, missing_b = _typed(second, item, kind)
    if missing_a or missing_b:
        raise _Missing()
    assert a is not None and b is not None
    return a, b


def _typed(compute: Compute, item: Item, kind: str) -> tuple[Value | None, bool]:
    """Evaluate an operand that must be of ``kind``: a wrong type fails at once, a missing
    attribute is reported back so the other operand's type is still checked first."""
    try:
        value = compute(item)
    except _Missing:
        return None, True
    if value is None or type_of(value) != kind:
        raise ValidationException(WRONG_TYPE)
    return value, False


def _number_text(value: Decimal) -> str:
    # Out-of-range results are caught after the path checks (see _check); until then the
    # exact value travels as text.
    return numbers.canonical(value)


def compile_update(
    text: str, tree: ast.UpdateExpr, targets: list[ResolvedPath], resolver: Resolver
) -> Update:
    compiler = _ValueCompiler(resolver)
    actions: list[UpdateAction] = []
    position = 0
    for index, clause in enumerate(tree.clauses):
        for action in clause.actions:
            path = targets[position]
            position += 1
            if clause.keyword == "SET":
                assert action.value is not None
                actions.append(UpdateAction("SET", index, path, compiler.value(action.value)))
            elif clause.keyword == "REMOVE":
                actions.append(UpdateAction("REMOVE", index, path))
            else:
                assert isinstance(action.value, ast.ValueRef)
                operand = resolver.values[action.value.name]
                actions.append(UpdateAction(clause.keyword, index, path, operand=operand))
    return Update(text, tree, tuple(actions))


# --- applying ------------------------------------------------------------------------------


def _fits(parent: Value, step: str | int) -> bool:
    return type_of(parent) == ("L" if isinstance(step, int) else "M")


def _writable(path: ResolvedPath, item: Item) -> bool:
    if len(path) == 1:
        return True
    parent = get_path(item, path[:-1])
    return parent is not None and _fits(parent, path[-1])


def _add_compatible(current: Value, operand: Value, legacy: bool) -> bool:
    kind, other = type_of(current), type_of(operand)
    if other == "L" and not legacy:
        return False
    return kind == other


def _check(update: Update, old: Item) -> dict[int, Value | None]:
    """Every item-dependent check, in DynamoDB's order; returns the SET values."""
    actions = update.actions
    for action in actions:
        if len(action.path) > 1:
            parent = get_path(old, action.path[:-1])
            if parent is not None and not _fits(parent, action.path[-1]):
                raise ValidationException(BAD_PATH)
    values, missing = _set_values(update, old)
    for clause in sorted({action.clause for action in actions}, reverse=True):
        mine = [i for i, action in enumerate(actions) if action.clause == clause]
        for i in mine:
            if not _writable(actions[i].path, old):
                raise ValidationException(BAD_PATH)
        for i in mine:
            if i in missing:
                raise ValidationException(MISSING)
    for value in values.values():
        if value is not None and "N" in value:
            numbers.check_range(Decimal(value["N"]))
    return values


def _set_values(update: Update, old: Item) -> tuple[dict[int, Value | None], set[int]]:
    """The SET values (and which SETs read a missing attribute), checking operand types,
    including ADD/DELETE's, in action order."""
    values: dict[int, Value | None] = {}
    missing: set[int] = set()
    for i, action in enumerate(update.actions):
        if action.keyword == "SET":
            assert action.compute is not None
            try:
                values[i] = action.compute(old)
            except _Missing:
                missing.add(i)
        elif action.operand is not None:
            _check_operand(update, action, old)
    return values, missing


def _check_operand(update: Update, action: UpdateAction, old: Item) -> None:
    """ADD/DELETE: the stored value, if any, must be of the operand's type."""
    operand = action.operand
    assert operand is not None
    current = get_path(old, action.path) if _writable(action.path, old) else None
    if current is None:
        return
    if action.keyword == "ADD":
        compatible = _add_compatible(current, operand, update.legacy)
    else:
        compatible = type_of(current) == type_of(operand)
    if not compatible:
        raise ValidationException(LEGACY_WRONG_TYPE if update.legacy else WRONG_TYPE)
    if action.keyword == "ADD" and type_of(current) == "N":
        numbers.add(current["N"], operand["N"])


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _union(current: Value, operand: Value) -> Value:
    kind = type_of(current)
    members = list(current[kind])
    for element in operand[kind]:
        if not set_contains(kind, members, element):
            members.append(element)
    return {kind: members}


def _minus(current: Value, operand: Value) -> list[str]:
    kind = type_of(current)
    remove = operand[kind]
    if kind == "SS":
        gone = set(remove)
        return [m for m in current[kind] if m not in gone]
    if kind == "NS":
        gone_numbers = {number(m) for m in remove}
        return [m for m in current[kind] if number(m) not in gone_numbers]
    gone_bytes = {binary(m) for m in remove}
    return [m for m in current[kind] if binary(m) not in gone_bytes]


def _writes(
    update: Update, old: Item, values: dict[int, Value | None]
) -> list[tuple[ResolvedPath, Value | None]]:
    """(path, new value or None to remove) for every action, worked out from ``old``."""
    writes: list[tuple[ResolvedPath, Value | None]] = []
    for i, action in enumerate(update.actions):
        if action.keyword == "SET":
            writes.append((action.path, _copy(values[i])))
        elif action.keyword == "REMOVE":
            writes.append((action.path, None))
        else:
            operand = action.operand
            assert operand is not None
            current = get_path(old, action.path)
            if action.keyword == "ADD":
                if current is None:
                    writes.append((action.path, _copy(operand)))
                elif type_of(current) == "N":
                    writes.append((action.path, {"N": numbers.add(current["N"], operand["N"])}))
                elif type_of(current) == "L":
                    writes.append((action.path, {"L": [*current["L"], *_copy(operand["L"])]}))
                else:
                    writes.append((action.path, _union(current, operand)))
            elif current is not None:
                left = _minus(current, operand)
                writes.append((action.path, {type_of(current): left} if left else None))
    return writes


class _Writer:
    """Applies writes to a copy-on-write clone of the item."""

    def __init__(self, old: Item) -> None:
        self.root: Item = dict(old)
        self.fresh: set[int] = set()  # id() of containers already copied
        self.lists: dict[int, tuple[list[Any], list[tuple[int, Value | None]]]] = {}

    def container(self, path: ResolvedPath) -> Any:
        """The (copied) container value at ``path`` inside the new item."""
        holder: Any = self.root
        key: Any = path[0]
        for step in path[1:]:
            value = holder[key]
            kind = type_of(value)
            if id(value) not in self.fresh:
                value = {kind: (dict if kind == "M" else list)(value[kind])}
                self.fresh.add(id(value))
                holder[key] = value
            holder = value[kind]
            key = step
        value = holder[key]
        kind = type_of(value)
        if id(value) not in self.fresh:
            value = {kind: (dict if kind == "M" else list)(value[kind])}
            self.fresh.add(id(value))
            holder[key] = value
        return value[kind]

    def write(self, path: ResolvedPath, value: Value | None) -> None:
        if len(path) == 1:
            name = path[0]
            assert isinstance(name, str)
            if value is None:
                self.root.pop(name, None)
            else:
                self.root[name] = value
            return
        parent = self.container(path[:-1])
        step = path[-1]
        if isinstance(step, str):
            if value is None:
                parent.pop(step, None)
            else:
                parent[step] = value
            return
        # List positions are the original ones: collect and apply once per list.
        entry = self.lists.setdefault(id(parent), (parent, []))
        entry[1].append((step, value))

    def finish(self) -> Item:
        for members, ops in self.lists.values():
            original = len(members)
            removed: set[int] = set()
            appended: list[tuple[int, Value]] = []
            for index, value in ops:
                if value is None:
                    if index < original:
                        removed.add(index)
                elif index < original:
                    members[index] = value
                else:
                    appended.append((index, value))
            appended.sort(key=lambda pair: pair[0])
            kept = [m for i, m in enumerate(members) if i not in removed]
            members[:] = kept + [value for _, value in appended]
        return self.root


def apply_update(
    update: Update, item: Item | None, key: Item | None = None
) -> tuple[Item, UpdatedPaths]:
    """Apply ``update`` to (a copy of) ``item``; ``None`` means no item exists, in which case
    the update starts from ``key`` (the request's Key), as DynamoDB creates the item."""
    old: Item = item if item is not None else dict(key or {})
    values = _check(update, old)
    writer = _Writer(old)
    for path, value in _writes(update, old, values):
        writer.write(path, value)
    return writer.finish(), UpdatedPaths(update.paths)
