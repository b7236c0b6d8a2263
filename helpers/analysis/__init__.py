"""Analysis: audience profile, market figures, KPIs, plots, findings (uses data, root)."""
