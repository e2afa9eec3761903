"""Bytes in, bytes out: the storage contract and its SQLite and PostgreSQL backends. No DynamoDB
semantics.
"""
