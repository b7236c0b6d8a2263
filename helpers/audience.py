"""What the market study concludes about the Creuse audience, as settings.

This is the single place those conclusions become numbers: the recommender's
local-audience re-ranking, the dashboard's default filters and the notebooks
read them from here (never retyped). Each value cites the ids of the figures of
``data/market/market_figures.csv`` it comes from (:data:`EVIDENCE`);
01_market_study.ipynb shows those figures, and tests/test_market.py checks the
derivation rules below against the table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AudienceProfile:
    """Local-audience preferences derived from the market study.

    Attributes:
        local_preference: default strength (0..1) of the recommender's re-ranking
            toward what the local audience favours. Rule: the share of people aged
            60+ in the Creuse, rounded to a tenth (``creuse_part_60_plus_2018``
            38.4 %, ``creuse_part_60_plus_recente`` 40.8 % -> 0.4): the re-ranking
            weighs about as much as the older audience it serves.
        favoured_genres: IMDb genres the local and older audiences favour. Comedy:
            the French-film audience is "particularly attracted by comedies"
            (``france_attires_par_comedies_2024``, ``jeunes_cinema_francais_comedie_2024``)
            and the 2024 no. 1 everywhere in Creuse was a comedy
            (``senechal_un_ptit_truc_en_plus_entrees_2024``). Family and Animation:
            the 2019 no. 1 at the Sénéchal was "Le Roi Lion", then "La Reine des
            neiges II" (``senechal_roi_lion_entrees_2019``), and 27.2 % of spectators
            go as a family (``france_sortie_en_famille_2024``). No quantified genre x
            age table exists in the sources, so no other genre is favoured.
        french_bonus: weight of "French production" in the local affinity, relative
            to a favoured genre (weight 1). Rule: the Creuse share of French films
            in entries over the national one, rounded to a tenth
            (``creuse_part_films_francais_2022`` 49.1 % / ``france_part_films_francais_2022``
            40.9 % -> 1.2).
        favoured_decades: decades of the "classics" an older audience comes back
            for: heritage films (20 years and more) fill séances better than
            first-run films (``patrimoine_entrees_par_seance_2022``,
            ``inedits_entrees_par_seance_2022``), 75 % of people aged 55+ watch them
            to rewatch a film (``patrimoine_revoir_55_plus_2025``), and the top
            re-releases of 2023 were late-1990s / early-2000s films
            (``reprise_titanic_entrees_2023``, ``reprise_asterix_cleopatre_entrees_2023``).
        max_runtime: runtime (minutes) above which a film loses the "runtime" part of
            the local affinity. Not from the market figures (none gives runtimes): a
            programming choice, one afternoon séance slot of 2 h 30, afternoon
            séances being attended by 53.8 % of spectators
            (``france_seances_apres_midi_2024``).
        default_min_rating: dashboard's default minimum IMDb rating: none (0), since
            no figure supports hiding films by rating and the local hits are popular
            comedies (``senechal_un_ptit_truc_en_plus_entrees_2024``).
        default_french_only: dashboard's default "French films only" filter: off,
            since French films make about half of the Creuse entries, not all
            (``creuse_part_films_francais_2022``, ``creuse_part_films_americains_2022``).
        default_decades: dashboard's default decade range: none (all films), since
            82.7 % of spectators choose a film within 15 days of its release
            (``france_choix_15_jours_2024``) while heritage films make 2.4 % of
            entries (``patrimoine_part_entrees_2023``): recent films come first.
    """

    local_preference: float = 0.4
    favoured_genres: tuple[str, ...] = ("Comedy", "Family", "Animation")
    french_bonus: float = 1.2
    favoured_decades: tuple[int, ...] = (1990, 2000)
    max_runtime: int = 150
    default_min_rating: float = 0.0
    default_french_only: bool = False
    default_decades: tuple[int, int] | None = None


CREUSE = AudienceProfile()

#: Figure ids of ``data/market/market_figures.csv`` behind each setting of :data:`CREUSE`.
EVIDENCE: dict[str, tuple[str, ...]] = {
    "local_preference": ("creuse_part_60_plus_2018", "creuse_part_60_plus_recente"),
    "favoured_genres": ("france_attires_par_comedies_2024", "jeunes_cinema_francais_comedie_2024",
                        "senechal_un_ptit_truc_en_plus_entrees_2024",
                        "senechal_roi_lion_entrees_2019", "france_sortie_en_famille_2024"),
    "french_bonus": ("creuse_part_films_francais_2022", "france_part_films_francais_2022"),
    "favoured_decades": ("patrimoine_entrees_par_seance_2022", "inedits_entrees_par_seance_2022",
                         "patrimoine_revoir_55_plus_2025", "reprise_titanic_entrees_2023",
                         "reprise_asterix_cleopatre_entrees_2023"),
    "max_runtime": ("france_seances_apres_midi_2024",),
    "default_min_rating": ("senechal_un_ptit_truc_en_plus_entrees_2024",),
    "default_french_only": ("creuse_part_films_francais_2022",
                            "creuse_part_films_americains_2022"),
    "default_decades": ("france_choix_15_jours_2024", "patrimoine_part_entrees_2023"),
}
