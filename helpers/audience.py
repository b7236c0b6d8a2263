"""What the market study concludes about the Creuse audience, as settings.

This is the single place those conclusions become numbers: the recommender's
local-audience re-ranking, the dashboard's default filters and the notebooks
read them from here (never retyped). 01_market_study.ipynb shows the sourced
figures behind each value (see ``data/market/market_figures.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AudienceProfile:
    """Local-audience preferences derived from the market study.

    Attributes:
        local_preference: default strength (0..1) of the recommender's re-ranking
            toward what the local audience favours.
        favoured_genres: IMDb genres over-represented in older and rural audiences'
            choices (comedy, drama, family films, biopics...).
        french_bonus: extra weight for French productions (French films take a
            larger share of entries in the Creuse than nationally).
        favoured_decades: decades of the "classics" an older audience knows.
        max_runtime: runtime (minutes) above which a film is gently penalised.
        default_min_rating: dashboard's default minimum IMDb rating.
    """

    local_preference: float = 0.3
    favoured_genres: tuple[str, ...] = ("Comedy", "Drama", "Family", "Biography", "Romance")
    french_bonus: float = 1.0
    favoured_decades: tuple[int, ...] = (1960, 1970, 1980, 1990, 2000)
    max_runtime: int = 150
    default_min_rating: float = 0.0


CREUSE = AudienceProfile()
