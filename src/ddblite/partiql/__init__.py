"""DynamoDB's PartiQL subset: parse a statement, then run it through the JSON operations."""
