"""Vector indexes: entries derived from items (entries), their in-memory float32 matrices
(matrix, cache) and exact TopK search (search)."""
