"""Recommendation layer: features, model, title search, evaluation, learning (uses data, root)."""
