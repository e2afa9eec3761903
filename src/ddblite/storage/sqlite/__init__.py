"""The embedded default backend: SQLite from the standard library."""
