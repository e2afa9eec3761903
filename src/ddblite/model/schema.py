"""Table and index descriptions as frozen values, built once per catalog version.

The catalog stores each table's description as JSON: ``{"wire": <DynamoDB TableDescription
without the live counters>, "indexes": {name: index_id}, "tags": [...], ...}``. ``TableSchema``
is the hot-path view of it: key names and types, index key schemas and projections, so that no
request re-reads the JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from ddblite.errors import ValidationException
from ddblite.limits import MAX_HASH_KEY_BYTES, MAX_RANGE_KEY_BYTES
from ddblite.model import keycodec
from ddblite.model.values import Item, Value, decode_binary

KEY_MISMATCH = "The provided key element does not match the schema"
INVALID = "One or more parameter values were invalid: "


@dataclass(frozen=True, slots=True)
class KeySchema:
    hash_name: str
    hash_type: str
    range_name: str | None = None
    range_type: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        if self.range_name is None:
            return (self.hash_name,)
        return (self.hash_name, self.range_name)

    def wire(self) -> list[dict[str, str]]:
        out = [{"AttributeName": self.hash_name, "KeyType": "HASH"}]
        if self.range_name is not None:
            out.append({"AttributeName": self.range_name, "KeyType": "RANGE"})
        return out

    @classmethod
    def from_wire(cls, elements: list[dict[str, str]], types: dict[str, str]) -> KeySchema:
        hash_name = elements[0]["AttributeName"]
        range_name = elements[1]["AttributeName"] if len(elements) > 1 else None
        return cls(
            hash_name,
            types[hash_name],
            range_name,
            types[range_name] if range_name is not None else None,
        )


@dataclass(frozen=True, slots=True)
class IndexSchema:
    name: str
    is_global: bool
    index_id: int
    keys: KeySchema
    projection_type: str  # ALL | KEYS_ONLY | INCLUDE
    non_key_attributes: tuple[str, ...] = ()
    status: str = "ACTIVE"
    # The attribute names an entry holds (table keys, index keys, NonKeyAttributes); None for
    # ALL. Worked out once by ``TableSchema.load`` for the write path.
    projected: frozenset[str] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TableSchema:
    table_id: int
    account: str
    region: str
    name: str
    keys: KeySchema
    status: str
    version: int
    created_at: float
    stored: dict[str, Any] = field(compare=False, repr=False)
    indexes: tuple[IndexSchema, ...] = ()

    @property
    def wire(self) -> dict[str, Any]:
        return self.stored["wire"]  # type: ignore[no-any-return]

    @property
    def arn(self) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account}:table/{self.name}"

    def index(self, name: str) -> IndexSchema | None:
        for index in self.indexes:
            if index.name == name:
                return index
        return None

    @classmethod
    def load(
        cls,
        table_id: int,
        account: str,
        region: str,
        name: str,
        description: bytes,
        status: str,
        version: int,
        created_at: float,
    ) -> TableSchema:
        stored = orjson.loads(description)
        wire = stored["wire"]
        types = {d["AttributeName"]: d["AttributeType"] for d in wire["AttributeDefinitions"]}
        index_ids: dict[str, int] = stored.get("indexes", {})
        table_keys = KeySchema.from_wire(wire["KeySchema"], types)
        indexes = []
        for kind, is_global in (("GlobalSecondaryIndexes", True), ("LocalSecondaryIndexes", False)):
            for ix in wire.get(kind, ()):
                projection = ix["Projection"]
                keys = KeySchema.from_wire(ix["KeySchema"], types)
                projection_type = projection.get("ProjectionType", "ALL")
                non_key = tuple(projection.get("NonKeyAttributes", ()))
                projected = None
                if projection_type != "ALL":
                    projected = frozenset((*table_keys.names, *keys.names, *non_key))
                indexes.append(
                    IndexSchema(
                        ix["IndexName"],
                        is_global,
                        index_ids[ix["IndexName"]],
                        keys,
                        projection_type,
                        non_key,
                        ix.get("IndexStatus", "ACTIVE"),
                        projected,
                    )
                )
        return cls(
            table_id,
            account,
            region,
            name,
            table_keys,
            status,
            version,
            created_at,
            stored,
            tuple(indexes),
        )


@dataclass(frozen=True, slots=True)
class EncodedKey:
    pk_hash: int
    pk: bytes
    sk: bytes


def encode_key(keys: KeySchema, item: Item) -> EncodedKey:
    """Storage key of an item (or key map) whose key attributes were already validated."""
    pk = keycodec.encode(item[keys.hash_name])
    sk = b"" if keys.range_name is None else keycodec.encode(item[keys.range_name])
    return EncodedKey(keycodec.pk_hash(pk), pk, sk)


def key_of(keys: KeySchema, item: Item) -> Item:
    """The key attributes of an item, as a key map."""
    out = {keys.hash_name: item[keys.hash_name]}
    if keys.range_name is not None:
        out[keys.range_name] = item[keys.range_name]
    return out


def check_key(keys: KeySchema, key: Item) -> None:
    """A ``Key`` parameter (GetItem, DeleteItem, UpdateItem): exactly the key attributes, each
    of its declared type; every mismatch is one generic message."""
    if len(key) != len(keys.names):
        raise ValidationException(KEY_MISMATCH)
    _check_key_value(key.get(keys.hash_name), keys.hash_name, keys.hash_type, None)
    _check_size(key[keys.hash_name], MAX_HASH_KEY_BYTES)
    if keys.range_name is not None:
        _check_key_value(key.get(keys.range_name), keys.range_name, keys.range_type, None)
        _check_size(key[keys.range_name], MAX_RANGE_KEY_BYTES)


def check_item_key(keys: KeySchema, item: Item) -> None:
    """The key attributes of a whole item (PutItem), with PutItem's specific messages."""
    for name, declared, limit in (
        (keys.hash_name, keys.hash_type, MAX_HASH_KEY_BYTES),
        (keys.range_name, keys.range_type, MAX_RANGE_KEY_BYTES),
    ):
        if name is None:
            continue
        value = item.get(name)
        if value is None:
            raise ValidationException(INVALID + f"Missing the key {name} in the item")
        _check_key_value(value, name, declared, "put")
        _check_size(value, limit)


def _check_key_value(
    value: Value | None, name: str, declared: str | None, wording: str | None
) -> None:
    if value is None:
        raise ValidationException(KEY_MISMATCH)
    kind, inner = next(iter(value.items()))
    if kind != declared:
        if wording is None:
            raise ValidationException(KEY_MISMATCH)
        raise ValidationException(
            INVALID + f"Type mismatch for key {name} expected: {declared} actual: {kind}"
        )
    if inner == "" and kind in ("S", "B"):
        what = "string" if kind == "S" else "binary"
        raise ValidationException(
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            f"cannot contain an empty {what} value. Key: {name}"
        )


def _check_size(value: Value, limit: int) -> None:
    kind, inner = next(iter(value.items()))
    if kind == "N":
        return
    size = len(inner.encode()) if kind == "S" else len(decode_binary(inner))
    if size > limit:
        if limit == MAX_HASH_KEY_BYTES:
            # DynamoDB's own wording, missing space included.
            raise ValidationException(
                INVALID + "Size of hashkey has exceeded the maximum size limit of2048 bytes"
            )
        raise ValidationException(
            INVALID + "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
        )
