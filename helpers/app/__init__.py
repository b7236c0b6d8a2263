"""What customers touch: dashboard, indicators, posters, serving (uses every lower layer)."""
