"""DynamoDB semantics over a storage backend: the Database facade, the catalog, indexes, reads,
streams, TTL, backups and the scheduler that runs their background work.
"""
