"""Request-shape validation driven by DynamoDB's service model (botocore's), with DynamoDB's own
quirks.
"""
