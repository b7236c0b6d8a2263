"""Ciné Creuse: IMDb/TMDB data pipeline, KPIs, recommender and dashboard."""

__version__ = "0.1.0"
