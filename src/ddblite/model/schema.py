"""The hot-path view of a table: key names and types, index key schemas and projections.

``TableSchema`` is built once per catalog version from the table's typed record
(``model.table_record``), so that no request re-reads the record: the item paths read the
fields here (keys, indexes, the TTL attribute, the enabled stream) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ddblite.errors import INVALID, KEY_MISMATCH, ValidationException
from ddblite.limits import MAX_HASH_KEY_BYTES, MAX_RANGE_KEY_BYTES
from ddblite.model import keycodec, table_codec
from ddblite.model.table_record import (
    IndexStatus,
    KeyElement,
    KeyType,
    ProjectionType,
    SecondaryIndex,
    Stream,
    TableRecord,
)
from ddblite.model.values import Item, Value, decode_binary


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

    @classmethod
    def of(cls, elements: tuple[KeyElement, ...], record: TableRecord) -> KeySchema:
        hash_name = next(e.name for e in elements if e.key_type is KeyType.HASH)
        range_name = next((e.name for e in elements if e.key_type is KeyType.RANGE), None)
        # Plain strings: request paths compare them with the type tags of attribute values.
        return cls(
            hash_name,
            record.attribute_type(hash_name).value,
            range_name,
            record.attribute_type(range_name).value if range_name is not None else None,
        )


@dataclass(frozen=True, slots=True)
class IndexSchema:
    name: str
    is_global: bool
    index_id: int
    keys: KeySchema
    projection_type: ProjectionType
    non_key_attributes: tuple[str, ...] = ()
    status: IndexStatus = IndexStatus.ACTIVE
    # The attribute names an entry holds (table keys, index keys, NonKeyAttributes); None for
    # ALL. Worked out once by ``TableSchema.of`` for the write path.
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
    record: TableRecord = field(compare=False, repr=False)
    indexes: tuple[IndexSchema, ...] = ()
    # What every item write of the table adds: its expiry (engine.ttl) and its change record
    # (engine.streams); None for tables without them.
    ttl_attribute: str | None = None
    stream: Stream | None = None

    @property
    def arn(self) -> str:
        return table_arn(self.region, self.account, self.name)

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
        """The view of a catalog row (its description is the record's stored form)."""
        record = table_codec.decode(description)
        return cls.of(table_id, account, region, name, record, status, version, created_at)

    @classmethod
    def of(
        cls,
        table_id: int,
        account: str,
        region: str,
        name: str,
        record: TableRecord,
        status: str,
        version: int,
        created_at: float,
    ) -> TableSchema:
        table_keys = KeySchema.of(record.key_schema, record)
        indexes = tuple(
            _index_schema(record, table_keys, index, is_global)
            for group, is_global in ((record.global_indexes, True), (record.local_indexes, False))
            for index in group
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
            record,
            indexes,
            record.ttl_attribute,
            record.streams.enabled,
        )


def _index_schema(
    record: TableRecord, table_keys: KeySchema, index: SecondaryIndex, is_global: bool
) -> IndexSchema:
    keys = KeySchema.of(index.key_schema, record)
    projection = index.projection
    projected = None
    if projection.type is not ProjectionType.ALL:
        projected = frozenset((*table_keys.names, *keys.names, *projection.non_key_attributes))
    return IndexSchema(
        index.name,
        is_global,
        index.index_id,
        keys,
        projection.type,
        projection.non_key_attributes,
        index.status,
        projected,
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


def table_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:dynamodb:{region}:{account}:table/{name}"


def table_name_of(name_or_arn: str, region: str, account: str) -> str | None:
    """The table name a request's ``TableName`` means: DynamoDB accepts the table's ARN
    wherever it takes a TableName ("You can also provide the Amazon Resource Name (ARN) of
    the table"). None for an ARN naming another region or account, or not a table."""
    if not name_or_arn.startswith("arn:"):
        return name_or_arn
    prefix = table_arn(region, account, "")
    if not name_or_arn.startswith(prefix):
        return None
    name = name_or_arn[len(prefix) :]
    return name if name and "/" not in name else None
