"""Secondary-index maintenance (filled in by the index work; installs itself on import)."""
