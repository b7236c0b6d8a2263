"""Recommendation layer: features, model, title search, evaluation (imports data and the root)."""
