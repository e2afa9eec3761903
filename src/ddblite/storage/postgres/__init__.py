"""The scale-out backend: PostgreSQL (and Citus, YugabyteDB, CockroachDB) through psycopg 3."""
