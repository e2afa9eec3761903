"""Parse a PartiQL statement into a small tree, with ``?`` parameters already bound.

Values are wire attribute values (``{"S": "x"}``); paths are tuples of names (str) and list
indexes (int). The grammar is DynamoDB's subset: SELECT, INSERT ... VALUE, UPDATE ... SET/REMOVE,
DELETE FROM, each with an optional WHERE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from ddblite.errors import ValidationException
from ddblite.model import numbers

SYNTAX = "Statement wasn't well formed, can't be processed: "

Path = tuple[str | int, ...]
Value = dict[str, Any]


@dataclass(frozen=True)
class Lit:
    value: Value


@dataclass(frozen=True)
class Ref:
    path: Path


@dataclass(frozen=True)
class Compare:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Between:
    subject: Expr
    low: Expr
    high: Expr


@dataclass(frozen=True)
class In:
    subject: Expr
    options: tuple[Expr, ...]


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Missing:
    subject: Expr
    negated: bool


@dataclass(frozen=True)
class Logic:
    op: str  # AND | OR
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class Arith:
    op: str
    left: Expr
    right: Expr


Expr: TypeAlias = Lit | Ref | Compare | Between | In | Call | Missing | Logic | Not | Arith


@dataclass
class Select:
    table: str
    index: str | None
    projection: list[Path] | None
    where: Expr | None


@dataclass
class Insert:
    table: str
    item: dict[str, Value]


@dataclass
class Update:
    table: str
    sets: list[tuple[Path, Expr]] = field(default_factory=list)
    removes: list[Path] = field(default_factory=list)
    where: Expr | None = None


@dataclass
class Delete:
    table: str
    where: Expr | None


Statement: TypeAlias = Select | Insert | Update | Delete

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|-?\.\d+(?:[eE][+-]?\d+)?)
    | (?P<str>'(?:[^']|'')*')
    | (?P<qid>"(?:[^"]|"")*")
    | (?P<id>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<op><<|>>|<>|!=|<=|>=|[=<>(),.\[\]{}:?*+\-])
    )""",
    re.VERBOSE,
)

_KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "BETWEEN",
    "IN",
    "INSERT",
    "INTO",
    "VALUE",
    "UPDATE",
    "SET",
    "REMOVE",
    "DELETE",
    "IS",
    "MISSING",
    "NULL",
    "TRUE",
    "FALSE",
}


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip().rstrip(";")
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ValidationException(SYNTAX + f"Unexpected character at position {pos}")
        kind = m.lastgroup or ""
        raw = m.group(kind)
        if kind == "str":
            tokens.append(("str", raw[1:-1].replace("''", "'")))
        elif kind == "qid":
            tokens.append(("qid", raw[1:-1].replace('""', '"')))
        elif kind == "id" and raw.upper() in _KEYWORDS:
            tokens.append(("kw", raw.upper()))
        else:
            tokens.append((kind, raw))
        pos = m.end()
    tokens.append(("end", ""))
    return tokens


class _Parser:
    def __init__(self, text: str, params: list[Value]) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0
        self.params = params
        self.used = 0

    # --- token helpers -------------------------------------------------------------------
    def peek(self, offset: int = 0) -> tuple[str, str]:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def next(self) -> tuple[str, str]:
        tok = self.tokens[self.pos]
        if tok[0] != "end":
            self.pos += 1
        return tok

    def at(self, kind: str, text: str | None = None) -> bool:
        k, t = self.peek()
        return k == kind and (text is None or t == text)

    def accept(self, kind: str, text: str | None = None) -> bool:
        if self.at(kind, text):
            self.pos += 1
            return True
        return False

    def expect(self, kind: str, text: str | None = None) -> str:
        k, t = self.peek()
        if k != kind or (text is not None and t != text):
            raise self.error()
        self.pos += 1
        return t

    def error(self) -> ValidationException:
        k, t = self.peek()
        found = "end of statement" if k == "end" else repr(t)
        return ValidationException(SYNTAX + f"Unexpected token {found}")

    # --- statements ----------------------------------------------------------------------
    def statement(self) -> Statement:
        k, t = self.peek()
        stmt: Statement
        if k == "kw" and t == "SELECT":
            stmt = self.select()
        elif k == "kw" and t == "INSERT":
            stmt = self.insert()
        elif k == "kw" and t == "UPDATE":
            stmt = self.update()
        elif k == "kw" and t == "DELETE":
            stmt = self.delete()
        else:
            raise self.error()
        if not self.at("end"):
            raise self.error()
        if self.used != len(self.params):
            raise ValidationException("Number of parameters in request and statement don't match.")
        return stmt

    def table_name(self) -> str:
        k, t = self.next()
        if k not in ("qid", "id"):
            self.pos -= 1
            raise self.error()
        return t

    def select(self) -> Select:
        self.expect("kw", "SELECT")
        projection: list[Path] | None
        if self.accept("op", "*"):
            projection = None
        else:
            projection = [self.path()]
            while self.accept("op", ","):
                projection.append(self.path())
        self.expect("kw", "FROM")
        table = self.table_name()
        index = None
        if self.accept("op", "."):
            index = self.table_name()
        where = self.where()
        return Select(table, index, projection, where)

    def insert(self) -> Insert:
        self.expect("kw", "INSERT")
        self.expect("kw", "INTO")
        table = self.table_name()
        self.expect("kw", "VALUE")
        value = self.literal()
        if "M" not in value:
            raise ValidationException("Unsupported operation: Inserting a non-tuple value")
        return Insert(table, value["M"])

    def update(self) -> Update:
        self.expect("kw", "UPDATE")
        stmt = Update(self.table_name())
        while True:
            if self.accept("kw", "SET"):
                path = self.path()
                self.expect("op", "=")
                stmt.sets.append((path, self.operand()))
                while self.accept("op", ","):
                    path = self.path()
                    self.expect("op", "=")
                    stmt.sets.append((path, self.operand()))
            elif self.accept("kw", "REMOVE"):
                stmt.removes.append(self.path())
                while self.accept("op", ","):
                    stmt.removes.append(self.path())
            else:
                break
        if not stmt.sets and not stmt.removes:
            raise self.error()
        stmt.where = self.where()
        return stmt

    def delete(self) -> Delete:
        self.expect("kw", "DELETE")
        self.expect("kw", "FROM")
        table = self.table_name()
        return Delete(table, self.where())

    def where(self) -> Expr | None:
        if self.accept("kw", "WHERE"):
            return self.disjunction()
        return None

    # --- expressions ---------------------------------------------------------------------
    def disjunction(self) -> Expr:
        left = self.conjunction()
        while self.accept("kw", "OR"):
            left = Logic("OR", left, self.conjunction())
        return left

    def conjunction(self) -> Expr:
        left = self.negation()
        while self.accept("kw", "AND"):
            left = Logic("AND", left, self.negation())
        return left

    def negation(self) -> Expr:
        if self.accept("kw", "NOT"):
            return Not(self.negation())
        return self.predicate()

    def predicate(self) -> Expr:
        if self.at("op", "("):
            self.next()
            inner = self.disjunction()
            self.expect("op", ")")
            return inner
        left = self.operand()
        k, t = self.peek()
        if k == "op" and t in ("=", "<>", "!=", "<", "<=", ">", ">="):
            self.next()
            return Compare("<>" if t == "!=" else t, left, self.operand())
        negated = False
        if self.at("kw", "NOT") and self.peek(1) in (("kw", "IN"), ("kw", "BETWEEN")):
            self.next()
            negated = True
        if self.accept("kw", "BETWEEN"):
            low = self.operand()
            self.expect("kw", "AND")
            result: Expr = Between(left, low, self.operand())
            return Not(result) if negated else result
        if self.accept("kw", "IN"):
            closing = "]" if self.accept("op", "[") else None
            if closing is None:
                self.expect("op", "(")
                closing = ")"
            options = [self.operand()]
            while self.accept("op", ","):
                options.append(self.operand())
            self.expect("op", closing)
            result = In(left, tuple(options))
            return Not(result) if negated else result
        if self.accept("kw", "IS"):
            neg = self.accept("kw", "NOT")
            self.expect("kw", "MISSING")
            return Missing(left, neg)
        if isinstance(left, Call):
            return left
        raise self.error()

    def operand(self) -> Expr:
        left = self.primary()
        while self.at("op", "+") or self.at("op", "-"):
            op = self.next()[1]
            left = Arith(op, left, self.primary())
        return left

    def primary(self) -> Expr:
        k, t = self.peek()
        if k == "id" and self.peek(1) == ("op", "("):
            self.next()
            self.next()
            args: list[Expr] = []
            if not self.at("op", ")"):
                args.append(self.operand())
                while self.accept("op", ","):
                    args.append(self.operand())
            self.expect("op", ")")
            return Call(t.lower(), tuple(args))
        if k in ("id", "qid"):
            return Ref(self.path())
        return Lit(self.literal())

    def path(self) -> Path:
        k, t = self.next()
        if k not in ("id", "qid"):
            self.pos -= 1
            raise self.error()
        parts: list[str | int] = [t]
        while True:
            if self.at("op", ".") and self.peek(1)[0] in ("id", "qid"):
                self.next()
                parts.append(self.next()[1])
            elif self.accept("op", "["):
                k2, t2 = self.next()
                if k2 == "num" and t2.isdigit():
                    parts.append(int(t2))
                elif k2 in ("str", "qid"):
                    parts.append(t2)
                else:
                    self.pos -= 1
                    raise self.error()
                self.expect("op", "]")
            else:
                return tuple(parts)

    def literal(self) -> Value:
        k, t = self.next()
        if k == "str":
            return {"S": t}
        if k == "num":
            return {"N": numbers.normalize(t)}
        if k == "op" and t == "?":
            if self.used >= len(self.params):
                raise ValidationException(
                    "Number of parameters in request and statement don't match."
                )
            value = self.params[self.used]
            self.used += 1
            return value
        if k == "kw" and t in ("TRUE", "FALSE"):
            return {"BOOL": t == "TRUE"}
        if k == "kw" and t == "NULL":
            return {"NULL": True}
        if k == "op" and t in ("[", "{", "<<"):
            return self.collection(t)
        self.pos -= 1
        raise self.error()

    def sequence(self, closing: str) -> list[Value]:
        values: list[Value] = []
        if not self.accept("op", closing):
            values.append(self.literal())
            while self.accept("op", ","):
                values.append(self.literal())
            self.expect("op", closing)
        return values

    def collection(self, opening: str) -> Value:
        if opening == "[":
            return {"L": self.sequence("]")}
        if opening == "<<":
            return _make_set(self.sequence(">>"))
        entries: dict[str, Value] = {}
        if not self.accept("op", "}"):
            while True:
                kk, key = self.next()
                if kk != "str":
                    self.pos -= 1
                    raise self.error()
                self.expect("op", ":")
                entries[key] = self.literal()
                if not self.accept("op", ","):
                    break
            self.expect("op", "}")
        return {"M": entries}


def _make_set(members: list[Value]) -> Value:
    if not members:
        raise ValidationException(SYNTAX + "Empty set is not supported")
    kinds = {next(iter(m)) for m in members}
    if len(kinds) != 1 or next(iter(kinds)) not in ("S", "N", "B"):
        raise ValidationException(
            "Unsupported set: members must all be strings, numbers or binaries"
        )
    kind = next(iter(kinds))
    return {kind + "S": [m[kind] for m in members]}


def parse(text: str, params: list[Value] | None = None) -> Statement:
    """Parse ``text``, binding each ``?`` to the next of ``params`` in order."""
    return _Parser(text, list(params or [])).statement()
