"""The physical layout every backend shares, as versioned forward migrations.

``tables``       the catalog: one row per DynamoDB table, its description as opaque JSON bytes;
                 ``version`` grows on every change so stateless servers can revalidate caches.
``index_catalog`` ids for secondary indexes (index rows are keyed by index_id, not by name, so a
                 deleted-then-recreated index never sees the old rows).
``items``        one row per item; PK (table_id, pk_hash, pk, sk): the hash right after the table
                 id, so Citus can distribute by it and Scan walks it in order.
``index_rows``   one row per GSI/LSI entry, PK (index_id, ix_hash, ix_pk, ix_sk, pk, sk).
``stream_log``   the change log (streams).
``tokens``       ClientRequestToken idempotency.

A migration is (version, statements); a database records the versions it has applied in
``schema_version``. Never edit a released migration: add the next one.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

_V1_COMMON = (
    """CREATE TABLE tables (
        table_id {serial} PRIMARY KEY{autoincrement},
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        description {blob} NOT NULL,
        status TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        version BIGINT NOT NULL,
        UNIQUE (account, region, name))""",
    """CREATE TABLE index_catalog (
        index_id {serial} PRIMARY KEY{autoincrement},
        table_id BIGINT NOT NULL,
        name TEXT NOT NULL)""",
    """CREATE TABLE items (
        table_id BIGINT NOT NULL,
        pk_hash BIGINT NOT NULL,
        pk {blob} NOT NULL,
        sk {blob} NOT NULL,
        body {blob} NOT NULL,
        size INTEGER NOT NULL,
        expires_at BIGINT,
        PRIMARY KEY (table_id, pk_hash, pk, sk)){without_rowid}""",
    """CREATE TABLE index_rows (
        index_id BIGINT NOT NULL,
        ix_hash BIGINT NOT NULL,
        ix_pk {blob} NOT NULL,
        ix_sk {blob} NOT NULL,
        pk {blob} NOT NULL,
        sk {blob} NOT NULL,
        body {blob} NOT NULL,
        size INTEGER NOT NULL,
        PRIMARY KEY (index_id, ix_hash, ix_pk, ix_sk, pk, sk)){without_rowid}""",
    """CREATE TABLE stream_log (
        table_id BIGINT NOT NULL,
        shard INTEGER NOT NULL,
        seq BIGINT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        record {blob} NOT NULL,
        PRIMARY KEY (table_id, shard, seq))""",
    """CREATE TABLE tokens (
        token TEXT NOT NULL PRIMARY KEY,
        request_hash {blob} NOT NULL,
        completed_at DOUBLE PRECISION NOT NULL,
        response {blob} NOT NULL)""",
    "CREATE INDEX items_expiry ON items (expires_at) WHERE expires_at IS NOT NULL",
)


def sqlite_schema() -> list[tuple[int, list[str]]]:
    # AUTOINCREMENT: a deleted table's id is never handed out again (stream records and other
    # servers' cached schemas are keyed by it).
    fill = {
        "serial": "INTEGER",
        "blob": "BLOB",
        "without_rowid": " WITHOUT ROWID",
        "autoincrement": " AUTOINCREMENT",
    }
    return [(1, [s.format(**fill) for s in _V1_COMMON])]


def postgres_schema() -> list[tuple[int, list[str]]]:
    fill = {"serial": "BIGSERIAL", "blob": "BYTEA", "without_rowid": "", "autoincrement": ""}
    return [(1, [s.format(**fill) for s in _V1_COMMON])]
