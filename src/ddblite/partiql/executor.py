"""Run parsed PartiQL statements by building the equivalent JSON requests.

Each statement becomes the request the JSON API would take (Query/Scan, GetItem, PutItem,
UpdateItem, DeleteItem, or a TransactWriteItems entry) with generated expression attribute
names and values, so every rule of those operations applies unchanged.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from ddblite.engine.database import Caller, Database
from ddblite.errors import ValidationException
from ddblite.model.schema import KeySchema
from ddblite.partiql import parser as p

KEY_MISSING = "Where clause does not contain a mandatory equality on all key attributes"
DUPLICATE = "Duplicate primary key exists in table"


@dataclass
class Builder:
    """Collects ExpressionAttributeNames/Values while rendering expressions."""

    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    _by_name: dict[str, str] = field(default_factory=dict)

    def name(self, text: str) -> str:
        alias = self._by_name.get(text)
        if alias is None:
            alias = f"#n{len(self._by_name)}"
            self._by_name[text] = alias
            self.names[alias] = text
        return alias

    def value(self, av: dict[str, Any]) -> str:
        alias = f":v{len(self.values)}"
        self.values[alias] = av
        return alias

    def path(self, path: p.Path) -> str:
        out = ""
        for part in path:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                out += ("." if out else "") + self.name(part)
        return out

    def operand(self, expr: p.Expr) -> str:
        if isinstance(expr, p.Lit):
            return self.value(expr.value)
        if isinstance(expr, p.Ref):
            return self.path(expr.path)
        if isinstance(expr, p.Call):
            return f"{expr.name}({', '.join(self.operand(a) for a in expr.args)})"
        if isinstance(expr, p.Arith):
            return f"{self.operand(expr.left)} {expr.op} {self.operand(expr.right)}"
        raise ValidationException(p.SYNTAX + "Unsupported expression")

    def condition(self, expr: p.Expr) -> str:
        if isinstance(expr, p.Logic):
            return f"({self.condition(expr.left)} {expr.op} {self.condition(expr.right)})"
        if isinstance(expr, p.Not):
            return f"(NOT {self.condition(expr.operand)})"
        if isinstance(expr, p.Compare):
            return f"{self.operand(expr.left)} {expr.op} {self.operand(expr.right)}"
        if isinstance(expr, p.Between):
            return (
                f"{self.operand(expr.subject)} BETWEEN {self.operand(expr.low)}"
                f" AND {self.operand(expr.high)}"
            )
        if isinstance(expr, p.In):
            options = ", ".join(self.operand(o) for o in expr.options)
            return f"{self.operand(expr.subject)} IN ({options})"
        if isinstance(expr, p.Missing):
            fn = "attribute_exists" if expr.negated else "attribute_not_exists"
            return f"{fn}({self.operand(expr.subject)})"
        if isinstance(expr, p.Call):
            return self.operand(expr)
        raise ValidationException(p.SYNTAX + "Unsupported condition")

    def attach(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.names:
            request["ExpressionAttributeNames"] = self.names
        if self.values:
            request["ExpressionAttributeValues"] = self.values
        return request


def conjuncts(expr: p.Expr | None) -> list[p.Expr]:
    if expr is None:
        return []
    if isinstance(expr, p.Logic) and expr.op == "AND":
        return conjuncts(expr.left) + conjuncts(expr.right)
    return [expr]


def _key_equality(expr: p.Expr) -> tuple[str, dict[str, Any]] | None:
    if isinstance(expr, p.Compare) and expr.op == "=":
        left, right = expr.left, expr.right
        if isinstance(right, p.Ref) and isinstance(left, p.Lit):
            left, right = right, left
        if isinstance(left, p.Ref) and len(left.path) == 1 and isinstance(right, p.Lit):
            name = left.path[0]
            if isinstance(name, str):
                return name, right.value
    return None


def split_key(keys: KeySchema, where: p.Expr | None) -> tuple[dict[str, Any] | None, list[p.Expr]]:
    """The full primary key named by equalities in ``where`` and the remaining conjuncts."""
    wanted = [keys.hash_name] + ([keys.range_name] if keys.range_name else [])
    key: dict[str, Any] = {}
    rest: list[p.Expr] = []
    for term in conjuncts(where):
        found = _key_equality(term)
        if found is not None and found[0] in wanted and found[0] not in key:
            key[found[0]] = found[1]
        else:
            rest.append(term)
    if len(key) != len(wanted):
        return None, rest
    return key, rest


def _and(terms: list[p.Expr]) -> p.Expr | None:
    out: p.Expr | None = None
    for term in terms:
        out = term if out is None else p.Logic("AND", out, term)
    return out


def table_keys(db: Database, caller: Caller, table: str, index: str | None = None) -> KeySchema:
    schema = db.table(caller, table)
    if index is None:
        return schema.keys
    for ix in schema.indexes:
        if ix.name == index:
            return ix.keys
    raise ValidationException(f"The table does not have the specified index: {index}")


# --- requests -----------------------------------------------------------------------------


def write_request(db: Database, caller: Caller, stmt: p.Statement) -> tuple[str, dict[str, Any]]:
    """The (operation, request) a write statement becomes."""
    keys = table_keys(db, caller, stmt.table)
    b = Builder()
    if isinstance(stmt, p.Insert):
        cond = f"attribute_not_exists({b.name(keys.hash_name)})"
        return "PutItem", b.attach(
            {"TableName": stmt.table, "Item": stmt.item, "ConditionExpression": cond}
        )
    if isinstance(stmt, p.Update):
        return "UpdateItem", _update(b, keys, stmt)
    if isinstance(stmt, p.Delete):
        key, rest = split_key(keys, stmt.where)
        if key is None:
            raise ValidationException(KEY_MISSING)
        request: dict[str, Any] = {"TableName": stmt.table, "Key": key}
        extra = _and(rest)
        if extra is not None:
            # A missing item is a silent no-op; the condition only judges a present one.
            absent = f"attribute_not_exists({b.name(keys.hash_name)})"
            request["ConditionExpression"] = f"{absent} OR {b.condition(extra)}"
        return "DeleteItem", b.attach(request)
    raise ValidationException("Unsupported statement")


def _update(b: Builder, keys: KeySchema, stmt: p.Update) -> dict[str, Any]:
    key, rest = split_key(keys, stmt.where)
    if key is None:
        raise ValidationException(KEY_MISSING)
    sets: list[str] = []
    adds: list[str] = []
    deletes: list[str] = []
    for path, value in stmt.sets:
        if isinstance(value, p.Call) and value.name in ("set_add", "set_delete"):
            if len(value.args) != 2:
                raise ValidationException(p.SYNTAX + f"Wrong number of arguments: {value.name}")
            target = adds if value.name == "set_add" else deletes
            target.append(f"{b.path(path)} {b.operand(value.args[1])}")
        else:
            sets.append(f"{b.path(path)} = {b.operand(value)}")
    parts = []
    if sets:
        parts.append("SET " + ", ".join(sets))
    if stmt.removes:
        parts.append("REMOVE " + ", ".join(b.path(r) for r in stmt.removes))
    if adds:
        parts.append("ADD " + ", ".join(adds))
    if deletes:
        parts.append("DELETE " + ", ".join(deletes))
    cond = f"attribute_exists({b.name(keys.hash_name)})"
    extra = _and(rest)
    if extra is not None:
        cond += " AND " + b.condition(extra)
    return b.attach(
        {
            "TableName": stmt.table,
            "Key": key,
            "UpdateExpression": " ".join(parts),
            "ConditionExpression": cond,
        }
    )


def project(item: dict[str, Any], projection: list[p.Path] | None) -> dict[str, Any]:
    if projection is None:
        return item
    out: dict[str, Any] = {}
    for path in projection:
        head = path[0]
        value: Any = item.get(head) if isinstance(head, str) else None
        for part in path[1:]:
            if value is None:
                break
            if isinstance(part, int):
                items = value.get("L")
                value = items[part] if items is not None and part < len(items) else None
            else:
                members = value.get("M")
                value = members.get(part) if members is not None else None
        if value is not None:
            last = path[-1]
            out[last if isinstance(last, str) else str(head)] = value
    return out


def read_request(db: Database, caller: Caller, stmt: p.Select) -> tuple[str, dict[str, Any]]:
    """The Query (partition key named with =) or Scan a SELECT becomes."""
    keys = table_keys(db, caller, stmt.table, stmt.index)
    b = Builder()
    request: dict[str, Any] = {"TableName": stmt.table}
    if stmt.index is not None:
        request["IndexName"] = stmt.index
    terms = conjuncts(stmt.where)
    hash_term = next(
        (t for t in terms if (_key_equality(t) or ("", None))[0] == keys.hash_name), None
    )
    if stmt.where is not None and hash_term is not None:
        rest = [t for t in terms if t is not hash_term]
        key_conditions = [b.condition(hash_term)]
        if keys.range_name is not None:
            for term in rest:
                if _is_range_condition(term, keys.range_name):
                    key_conditions.append(b.condition(term))
                    rest = [t for t in rest if t is not term]
                    break
        request["KeyConditionExpression"] = " AND ".join(key_conditions)
        extra = _and(rest)
        if extra is not None:
            request["FilterExpression"] = b.condition(extra)
        return "Query", b.attach(request)
    if stmt.where is not None:
        request["FilterExpression"] = b.condition(stmt.where)
    return "Scan", b.attach(request)


def _is_range_condition(term: p.Expr, name: str) -> bool:
    def names_key(e: p.Expr) -> bool:
        return isinstance(e, p.Ref) and e.path == (name,)

    if isinstance(term, p.Compare) and term.op != "<>":
        return (names_key(term.left) and isinstance(term.right, p.Lit)) or (
            names_key(term.right) and isinstance(term.left, p.Lit)
        )
    if isinstance(term, p.Between):
        return (
            names_key(term.subject) and isinstance(term.low, p.Lit) and isinstance(term.high, p.Lit)
        )
    if isinstance(term, p.Call) and term.name == "begins_with" and len(term.args) == 2:
        return names_key(term.args[0]) and isinstance(term.args[1], p.Lit)
    return False


def encode_token(key: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def decode_token(token: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.b64decode(token.encode(), validate=True))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationException("Invalid NextToken") from exc
    if not isinstance(value, dict):
        raise ValidationException("Invalid NextToken")
    return value


def short_code(code: str) -> str:
    return code[: -len("Exception")] if code.endswith("Exception") else code
