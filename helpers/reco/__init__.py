"""Recommendation: features, model, title search, evaluation and learning."""
