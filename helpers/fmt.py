"""French display helpers shared by charts, notebooks, the report and the dashboard.

French typography: thousands separated by a no-break space, decimal comma,
a no-break space before ``%`` (``12 345``, ``6,5``, ``12,5 %``).
"""

from __future__ import annotations

import math
from datetime import datetime

NBSP = "\u00a0"
MISSING = "n.d."

#: IMDb genre names in French (labels only; data keeps the IMDb names).
GENRES_FR: dict[str, str] = {
    "Action": "Action", "Adult": "Adulte", "Adventure": "Aventure", "Animation": "Animation",
    "Biography": "Biographie", "Comedy": "Comédie", "Crime": "Policier",
    "Documentary": "Documentaire", "Drama": "Drame", "Family": "Famille",
    "Fantasy": "Fantastique", "Film-Noir": "Film noir", "Game-Show": "Jeu télévisé",
    "History": "Histoire", "Horror": "Horreur", "Music": "Musique",
    "Musical": "Comédie musicale", "Mystery": "Mystère", "News": "Actualités",
    "Reality-TV": "Téléréalité", "Romance": "Romance", "Sci-Fi": "Science-fiction",
    "Short": "Court métrage", "Sport": "Sport", "Talk-Show": "Talk-show",
    "Thriller": "Thriller", "War": "Guerre", "Western": "Western",
}

#: IMDb title types in French.
TITLE_TYPES_FR: dict[str, str] = {
    "movie": "Film", "short": "Court métrage", "tvSeries": "Série TV",
    "tvMiniSeries": "Mini-série TV", "tvEpisode": "Épisode de série", "tvMovie": "Téléfilm",
    "tvSpecial": "Programme spécial TV", "tvShort": "Court métrage TV", "tvPilot": "Pilote TV",
    "video": "Vidéo", "videoGame": "Jeu vidéo",
}

#: Frequent production countries (ISO 3166-1 alpha-2) in French.
COUNTRIES_FR: dict[str, str] = {
    "FR": "France", "US": "États-Unis", "GB": "Royaume-Uni", "DE": "Allemagne",
    "IT": "Italie", "ES": "Espagne", "BE": "Belgique", "CH": "Suisse", "CA": "Canada",
    "JP": "Japon", "IN": "Inde", "CN": "Chine", "HK": "Hong Kong", "KR": "Corée du Sud",
    "AU": "Australie", "SE": "Suède", "DK": "Danemark", "NO": "Norvège", "RU": "Russie",
    "MX": "Mexique", "BR": "Brésil", "AR": "Argentine", "IE": "Irlande", "NL": "Pays-Bas",
    "PL": "Pologne", "LU": "Luxembourg", "AT": "Autriche", "TR": "Turquie",
}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fr_number(value: float | int | None, decimals: int = 0) -> str:
    """``12345.6`` -> ``"12 346"``; ``6.54, 1`` -> ``"6,5"``; missing -> ``"n.d."``."""
    if _missing(value):
        return MISSING
    rounded = round(float(value), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:,.{decimals}f}".replace(",", NBSP).replace(".", ",")


def fr_percent(share: float | None, decimals: int = 1) -> str:
    """A share in [0, 1] as a French percentage: ``0.125`` -> ``"12,5 %"``."""
    if _missing(share):
        return MISSING
    return f"{fr_number(100 * float(share), decimals)}{NBSP}%"


def fr_money(value: float | None) -> str:
    """US dollars in millions, French style: ``12_300_000`` -> ``"12,3 M$"``."""
    if _missing(value):
        return MISSING
    return f"{fr_number(float(value) / 1e6, 1)}{NBSP}M$"


def genre_fr(name: str) -> str:
    """French label of an IMDb genre (the IMDb name when unknown)."""
    return GENRES_FR.get(name, name)


def title_type_fr(name: str) -> str:
    """French label of an IMDb title type (the IMDb name when unknown)."""
    return TITLE_TYPES_FR.get(name, name)


def country_fr(code: str) -> str:
    """French name of a frequent country code (the code itself otherwise)."""
    return COUNTRIES_FR.get(code, code)


def fr_runtime(minutes: object) -> str:
    """``112`` -> ``"1 h 52"``; ``45`` -> ``"45 min"``; missing or not positive -> ``""``."""
    try:
        value = float(minutes)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if math.isnan(value) or value <= 0:
        return ""
    hours, mins = divmod(int(value), 60)
    return f"{mins} min" if hours == 0 else f"{hours} h {mins:02d}"


def fr_date(stamp: object, with_time: bool = False) -> str:
    """An ISO date or timestamp as ``24/11/2026`` (``24/11/2026 à 07:22 UTC`` with the time);
    the text itself when it is not a date."""
    try:
        when = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    return f"{when:%d/%m/%Y à %H:%M} UTC" if with_time else f"{when:%d/%m/%Y}"
