"""Pure values: attribute values, numbers, key encoding, capacity arithmetic, table records and the
request enums. No I/O.
"""
