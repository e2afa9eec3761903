"""The facade the operations call: DynamoDB semantics over a storage backend.

Every single-item write is one read-check-write inside one storage ``write()`` block:
``old = get(key)``; ``new = mutate(old)`` (condition check and update, pure, on a copy); store
``new``; keep the indexes in step. A ``mutate`` that raises leaves storage untouched.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TypeVar, cast

import orjson

from ddblite.engine import indexes, reads
from ddblite.engine.backup_images import keep_before_images
from ddblite.engine.read_plan import QueryPlan, ScanPlan
from ddblite.engine.reads import Page
from ddblite.engine.scheduler import Scheduler
from ddblite.engine.stream_log import record_change
from ddblite.engine.vectors.cache import VectorCache
from ddblite.errors import (
    ITEM_TOO_LARGE,
    KEY_MISMATCH,
    NOT_FOUND,
    InternalServerError,
    ResourceNotFoundException,
    ValidationException,
)
from ddblite.limits import Limits
from ddblite.model.expiry import expires_at
from ddblite.model.schema import EncodedKey, TableSchema, encode_key, table_name_of
from ddblite.model.table_record import TableStatus
from ddblite.model.values import Item, item_size
from ddblite.storage.base import (
    FencedWriter,
    Reader,
    SharedBackend,
    StaleCatalogError,
    StorageBackend,
    TableRow,
    Writer,
)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: tables live per (account, region)."""

    account: str
    region: str


@dataclass(frozen=True, slots=True)
class WriteResult:
    old: Item | None
    new: Item | None
    new_size: int

    @property
    def old_size(self) -> int:
        # Measured on demand: only capacity reports need it, and sizing an item costs about
        # as much as decoding it.
        return item_size(self.old) if self.old is not None else 0


Mutation = Callable[[Item | None], Item | None]
IndexSync = Callable[[Writer, TableSchema, EncodedKey, Item | None, Item | None], None]


class Database:
    def __init__(
        self,
        backend: StorageBackend,
        clock: Callable[[], float] = time.time,
        limits: Limits | None = None,
    ) -> None:
        self.backend = backend
        self.clock = clock
        # The limits tests lower (item size, LSI item collection size): every check reads them
        # here.
        self.limits = limits or Limits()
        self._tables: dict[tuple[str, str, str], TableSchema] = {}
        # Index upkeep inside the item's write block (engine.indexes); a hook so tests can
        # observe it. The item path pays nothing for tables without indexes.
        self.sync_indexes: IndexSync = self._sync_indexes
        # All background work: chunked jobs the operations submit (GSI backfill, index drops)
        # and the periodic jobs engine.background registers (TTL sweeps, stream trimming).
        # The server's lifespan serves it; in process it runs inline and under Engine.tick.
        # The clock is read through ``self`` so a clock replaced later (the Engine's) counts.
        self.background = Scheduler(lambda: self.clock())
        # A backend several servers share (PostgreSQL) can see a table changed by another
        # server: cached schemas are re-read after ``catalog_ttl`` seconds, and item writes
        # are fenced on the cached version (``_write_item_shared``). SQLite: None, no cost.
        self._shared: SharedBackend | None = (
            cast(SharedBackend, backend) if getattr(backend, "shared", False) else None
        )
        self.catalog_ttl = 1.0
        # Every vector index's matrices, derived from the items and kept in step by ``store``
        # (engine.vectors.cache); not cached on a shared backend.
        self.vectors = VectorCache(backend, enabled=self._shared is None)
        self._checked: dict[tuple[str, str, str], float] = {}

    def _sync_indexes(
        self, w: Writer, table: TableSchema, ek: EncodedKey, old: Item | None, new: Item | None
    ) -> None:
        indexes.sync(w, table, ek, old, new, self.limits)

    # --- durability and lifetime: what the hosts (server, in-process engine) drive ----------

    @property
    def blocking(self) -> bool:
        """True when storage calls block on the network (PostgreSQL): the server then runs
        requests in a thread pool instead of on its event loop."""
        return self.backend.blocking

    @property
    def storage_kind(self) -> str:
        return self.backend.kind

    def storage_bytes(self) -> int:
        return self.backend.size_bytes()

    def pending_commit(self) -> bool:
        """True when writes wait for a group commit (a SQLite file collects the writes of
        one event-loop turn and commits them together)."""
        return self.backend.pending_commit()

    def commit(self) -> None:
        """Make every write so far durable (one fsync for the whole group)."""
        try:
            self.backend.commit()
        except Exception:
            self._tables.clear()  # the batch was rolled back: a schema cached from it is gone
            self.vectors.clear()
            raise

    def close(self) -> None:
        self.backend.close()

    # --- catalog cache ----------------------------------------------------------------------

    def find_table(self, caller: Caller, name_or_arn: str) -> TableSchema | None:
        """The table a request's TableName (a name or the table's ARN) names, or None."""
        name = table_name_of(name_or_arn, caller.region, caller.account)
        if name is None:
            return None
        cache_key = (caller.account, caller.region, name)
        table = self._tables.get(cache_key)
        if table is not None and (
            self._shared is None
            or time.monotonic() - self._checked.get(cache_key, 0.0) < self.catalog_ttl
        ):
            return table
        with self.backend.read() as r:
            row = r.get_table(caller.account, caller.region, name)
        if row is None:
            self._tables.pop(cache_key, None)
            return None
        if table is None or (table.table_id, table.version) != (row.table_id, row.version):
            table = schema_of(row)
            self._tables[cache_key] = table
        if self._shared is not None:
            self._checked[cache_key] = time.monotonic()
        return table

    def table(self, caller: Caller, name: str, message: str | None = None) -> TableSchema:
        """The table, or ResourceNotFoundException (item operations use the short message);
        a table still CREATING (being restored, engine.backups) is not found by them yet."""
        table = self.find_table(caller, name)
        if table is None or table.record.status is TableStatus.CREATING:
            raise ResourceNotFoundException(message or NOT_FOUND)
        return table

    def forget(self, caller: Caller, name: str) -> None:
        self._tables.pop((caller.account, caller.region, name), None)

    # --- items -------------------------------------------------------------------------------

    def get_item(self, table: TableSchema, key: Item) -> tuple[Item | None, int]:
        """(item or None, its size)."""
        return _sized(self.find_item(table, key))

    def find_item(self, table: TableSchema, key: Item) -> Item | None:
        """The item at ``key``, not measured (GetItem sizes it only for a capacity report)."""
        ek = encode_key(table.keys, key)
        with self.backend.read() as r:
            body = r.get_item(table.table_id, ek.pk_hash, ek.pk, ek.sk)
        return orjson.loads(body) if body is not None else None

    def write_item(self, table: TableSchema, key: Item, mutate: Mutation) -> WriteResult:
        """Read the item at ``key``, let ``mutate`` decide its new state (None deletes), store
        it. ``mutate`` raises to refuse (condition failed, bad update): nothing is written."""
        if self._shared is not None:
            return self._write_item_shared(table, key, mutate)
        return self._write_item(table, key, mutate, False)

    def _write_item_shared(self, table: TableSchema, key: Item, mutate: Mutation) -> WriteResult:
        """``write_item`` on a backend several servers share: the block is fenced on the
        cached table version and re-run on a reloaded schema if another server changed the
        table; ``run_write`` re-runs it on serialization failures (SERIALIZABLE mode)."""
        assert self._shared is not None
        for _ in range(3):
            try:
                return self._shared.run_write(
                    functools.partial(self._write_item, table, key, mutate, True)
                )
            except StaleCatalogError:
                table = self._reloaded(table)
        raise InternalServerError()  # the table changed three times during one write

    def _reloaded(self, table: TableSchema) -> TableSchema:
        caller = Caller(table.account, table.region)
        self.forget(caller, table.name)
        fresh = self.find_table(caller, table.name)
        if fresh is None:
            raise ResourceNotFoundException(NOT_FOUND)
        if fresh.keys != table.keys:
            raise ValidationException(KEY_MISMATCH)
        return fresh

    def _write_item(
        self, table: TableSchema, key: Item, mutate: Mutation, fenced: bool
    ) -> WriteResult:
        ek = encode_key(table.keys, key)
        with self.vectors.block(), self.backend.write() as w:
            if fenced:
                cast(FencedWriter, w).fence_table(table.table_id, table.version)
            body = w.get_item(table.table_id, ek.pk_hash, ek.pk, ek.sk)
            old: Item | None = orjson.loads(body) if body is not None else None
            new = mutate(old)
            new_size = 0
            if new is not None:
                new_size = item_size(new)
                if new_size > self.limits.item_bytes:
                    raise ValidationException(ITEM_TOO_LARGE)
            self.store(w, table, ek, old, new, new_size)
        return WriteResult(old, new, new_size)

    def store(
        self,
        w: Writer,
        table: TableSchema,
        ek: EncodedKey,
        old: Item | None,
        new: Item | None,
        new_size: int,
    ) -> None:
        """Replace the item ``old`` at ``ek`` by ``new`` (None deletes it), with what goes
        with it in the same transaction: its indexes (whose upkeep may refuse, the LSI size
        limits, by raising), its expiry and its stream record; a backup being copied from the
        table first gets the value the write replaces (engine.backup_images)."""
        if table.record.backups_copying:
            keep_before_images(w, table, ek, old)
        if new is not None:
            ttl = table.ttl_attribute  # TTL tables index their expiry (engine.ttl)
            w.put_item(
                table.table_id,
                ek.pk_hash,
                ek.pk,
                ek.sk,
                orjson.dumps(new),
                new_size,
                None if ttl is None else expires_at(new, ttl),
            )
        elif old is not None:
            w.delete_item(table.table_id, ek.pk_hash, ek.pk, ek.sk)
        if table.indexes and (old is not None or new is not None):
            self.sync_indexes(w, table, ek, old, new)
        if table.record.vector_indexes:
            self.vectors.on_store(table, ek, old, new)
        stream = table.stream  # one change record per change (engine.streams)
        if stream is not None and old != new:
            record_change(w, table, stream, old, new, self.clock())

    # --- Query and Scan pages, and what other operations read ------------------------------

    def query(self, plan: QueryPlan) -> Page:
        return reads.query(self.backend, plan)

    def scan(self, plan: ScanPlan) -> Page:
        return reads.scan(self.backend, plan)

    def table_names(self, caller: Caller) -> list[str]:
        """Every table name of the caller's account and region, in name order."""
        with self.backend.read() as r:
            return r.list_tables(caller.account, caller.region, None, 2**31)

    def collection_sizes(self, table: TableSchema, keys: Iterable[Item]) -> list[int]:
        """The bytes of the LSI item collection of each key's partition, read together."""
        with self.backend.read() as r:
            return [indexes.collection_size(r, table, key) for key in keys]

    # --- BatchWriteItem ----------------------------------------------------------------------

    def batch_block(self) -> AbstractContextManager[object]:
        """A block the single-item writes of one BatchWriteItem run inside. On a backend one
        process owns (SQLite) they share one storage block: each ``write_item`` joins it
        instead of opening its own savepoint, which halves the statements per item (every
        input error was found before the first write, so what could still fail inside, an
        LSI collection over its limit, failing the whole batch is the only difference).
        Shared backends (PostgreSQL) keep one transaction per item: joining them would hold
        every key's lock to the end, in request order, and invite deadlocks."""
        if self._shared is not None:
            return contextlib.nullcontext()
        return self.backend.write()

    # --- several items at once (TransactWriteItems, TransactGetItems) ------------------------

    def write_items(
        self,
        tables: Sequence[TableSchema],
        keys: Sequence[Item | None],
        body: Callable[[ItemBlock], _T],
    ) -> _T:
        """Run ``body`` in one storage write block over the items ``keys[i]`` of
        ``tables[i]`` (None: no item, a placeholder target): everything it stores commits
        together, and if it raises nothing does. ``body`` reads and writes through the
        ``ItemBlock`` it is given, and only the targets it names.

        On a backend several servers share, every table is fenced on its cached version and
        every key locked in sorted order before the first read (so the block is serializable
        against single-item writes); the block re-runs with reloaded schemas (in
        ``ItemBlock.tables``) if another server changed a table, and on serialization
        failures."""
        if self._shared is None:
            return self._write_items(tables, keys, body, False)
        current = list(tables)
        for _ in range(3):
            try:
                return self._shared.run_write(
                    functools.partial(self._write_items, current, keys, body, True)
                )
            except StaleCatalogError:
                fresh: dict[int, TableSchema] = {}
                for table in current:
                    if table.table_id not in fresh:
                        fresh[table.table_id] = self._reloaded(table)
                current = [fresh[table.table_id] for table in current]
        raise InternalServerError()  # the tables changed three times during one write

    def _write_items(
        self,
        tables: Sequence[TableSchema],
        keys: Sequence[Item | None],
        body: Callable[[ItemBlock], _T],
        fenced: bool,
    ) -> _T:
        encoded = [
            None if key is None else encode_key(table.keys, key)
            for table, key in zip(tables, keys, strict=True)
        ]
        with self.vectors.block(), self.backend.write() as w:
            if fenced:
                fw = cast(FencedWriter, w)
                for table_id, version in {t.table_id: t.version for t in tables}.items():
                    fw.fence_table(table_id, version)
                fw.lock_keys(
                    (table.table_id, ek.pk, ek.sk)
                    for table, ek in zip(tables, encoded, strict=True)
                    if ek is not None
                )
            return body(ItemBlock(self, w, list(tables), encoded))

    def get_items(
        self, tables: Sequence[TableSchema], keys: Sequence[Item]
    ) -> list[tuple[Item | None, int]]:
        """(item or None, its size) for each ``keys[i]`` of ``tables[i]``, all as of one
        moment: one read block on a single-writer backend (nothing writes between its
        statements); on a shared backend a write block that locks every key first."""
        if self._shared is None:
            with self.backend.read() as r:
                return [_read_item(r, table, key) for table, key in zip(tables, keys, strict=True)]
        return self.write_items(
            tables, keys, lambda block: [_sized(block.get(i)) for i in range(len(keys))]
        )


_T = TypeVar("_T")


def _read_item(r: Reader, table: TableSchema, key: Item) -> tuple[Item | None, int]:
    ek = encode_key(table.keys, key)
    body = r.get_item(table.table_id, ek.pk_hash, ek.pk, ek.sk)
    return _sized(orjson.loads(body) if body is not None else None)


def _sized(item: Item | None) -> tuple[Item | None, int]:
    return item, (item_size(item) if item is not None else 0)


class ItemBlock:
    """The targets of one ``Database.write_items`` block: target ``i`` is one item of
    ``tables[i]``. Reads see the block's own writes."""

    __slots__ = ("_db", "_keys", "tables", "writer")

    def __init__(
        self,
        db: Database,
        writer: Writer,
        tables: list[TableSchema],
        keys: list[EncodedKey | None],
    ) -> None:
        self._db = db
        self.writer = writer
        self.tables = tables
        self._keys = keys

    def get(self, i: int) -> Item | None:
        ek = self._keys[i]
        if ek is None:
            return None
        body = self.writer.get_item(self.tables[i].table_id, ek.pk_hash, ek.pk, ek.sk)
        return orjson.loads(body) if body is not None else None

    def store(self, i: int, old: Item | None, new: Item | None, new_size: int) -> None:
        """Replace target ``i``'s item ``old`` by ``new`` (None deletes it) and keep the
        indexes in step; index upkeep may refuse (the LSI size limits) by raising."""
        ek = self._keys[i]
        assert ek is not None
        self._db.store(self.writer, self.tables[i], ek, old, new, new_size)

    def collection_size(self, table: TableSchema, key: Item) -> int:
        """The bytes of ``key``'s LSI item collection as this block sees it (its own writes
        included): what ItemCollectionMetrics reports after a transaction's writes."""
        return indexes.collection_size(self.writer, table, key)


def schema_of(row: TableRow) -> TableSchema:
    return TableSchema.load(
        row.table_id,
        row.account,
        row.region,
        row.name,
        row.description,
        row.status,
        row.version,
        row.created_at,
    )
