"""Data layer: download, synthetic generator, ingest, catalogue (imports only the root)."""
