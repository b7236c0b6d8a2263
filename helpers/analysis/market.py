"""The project's sourced table of market figures (Creuse vs France) and its charts.

Every number comes from ``../shared/market/creuse_market_facts.csv``: :data:`SPECS`
says which shared row (and which part of its value or note) each figure is read
from, with a French label. ``python -m helpers market`` rewrites
``data/market/market_figures.csv`` (committed, so Colab and CI need no shared
folder); :func:`load_market_figures` reads it. Charts carry their sources below.
"""

from __future__ import annotations

import html
import re
import textwrap
from pathlib import Path
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers import config, files
from helpers.errors import CineError
from helpers.fmt import NBSP, fr_number

COLUMNS = ("id", "topic", "indicator", "value", "unit", "year", "geography",
           "source_title", "source_url", "confidence", "note")
TOPICS = {"demographics": "démographie", "creuse_cinema": "cinéma en Creuse",
          "national": "cinéma en France", "preferences": "préférences du public",
          "region": "Nouvelle-Aquitaine"}
CONFIDENCE_LABELS = {"A": "A : statistique officielle lue à la source (INSEE, CNC)",
                     "B": "B : statistique officielle lue dans une copie ou citée par la presse",
                     "C": "C : déclaration locale, page non datée ou valeur calculée"}
#: Okabe-Ito colour-blind-safe palette.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
CREUSE_COLOUR, FRANCE_COLOUR, OTHER_COLOUR = PALETTE[0], PALETTE[1], PALETTE[2]


def market_csv_path() -> Path:
    """The committed table (inside the project, whatever ``CINE_DATA_DIR`` says)."""
    return config.PROJECT_ROOT / "data" / "market" / "market_figures.csv"


def shared_facts_path() -> Path:
    """The shared fact sheet the table is built from."""
    return config.shared_dir() / "market" / "creuse_market_facts.csv"


class Spec(NamedTuple):
    """How one figure is read from a shared row (geography, indicator, year).

    ``extract``: ``""`` the whole value; ``"part:N"`` the N-th item of a value
    ``"a / b / c"``; ``"value:RE"`` / ``"note:RE"`` group 1 of a regex on the
    value / the note; ``"text"`` a qualitative statement (no number).
    """

    id: str
    key: tuple[str, str, str]
    label: str
    unit: str
    extract: str = ""
    geography: str = ""
    year: str = ""
    note: str = ""
    confidence: str = ""  # when the figure is quoted second-hand, unlike the row's main one


# Shared rows read more than once.
_AGE_FR18 = ("France", "Share of entries by people aged 50+", "2018")
_AGE_FR23 = ("France", "Share of entries by under-25 / 25-49", "2023")
_AGE_FR24 = ("France", "Share of entries by people aged 50+", "2024")
_AGEING20 = ("Creuse", "Ageing index (65+ per 100 people under 20)", "2020")
_AGEING25 = ("Creuse", "Ageing index (65+ per 100 people under 20)", "2025")
_CNC_FR_SHARE = ("Creuse", "French films share of entries (entry-weighted, 6 cinemas)", "2022")
_CNC_ENTRIES = ("Creuse", "Entries (sum of the 6 cinemas)", "2022")
_COMPANY = ("France", "Go to the cinema as a couple / family / alone / friends", "2024")
_FR23_GEO = ("France", "Cinemas / screens", "2023")
_FR24_SPECT = ("France", "Spectators / entries per spectator", "2024")
_HERITAGE = ("France", "Heritage films entries per screening vs first-run films", "2022")
_ITINERANT = ("France (rural itinerant circuits)", "Itinerant-cinema audience aged 50+ / 60+",
              "c. 2019 (study publ. 2020)")
_NA15_AGE = ("Nouvelle-Aquitaine", "Share of audience aged 50+", "2015")
_NA15_OFFER = ("Nouvelle-Aquitaine", "Establishments / screens / seats", "2015")
_POP22 = ("Creuse", "Population 2022", "2022")
_PRACTICES = ("France", "Spectators satisfied with French films", "2024")
_RELEASES = ("France", "Top heritage re-releases", "2023")
_REWATCH55 = ("France", "Main motive to watch heritage films = rewatch a film (55+)", "2025 survey")
_REWATCH50 = ("France", "Heritage viewing motivated by rewatching / cult film (50+)", "2022 survey")
_SENIORS = ("France", "Seniors (60+) reasons for not returning after Covid: lost habit / masks / "
            "no appealing films", "2021")
_SENECHAL22 = ("Guéret", "Sénéchal entries", "2022")
_TRAILER = ("France", "Trailer seen in cinema = first information source", "2024")
_LATE_90S = "Film de la fin des années 1990 ou du début des années 2000 (d'après la source)."
_RURAL = "France (circuits itinérants ruraux)"
_VIA_BOXOFFICE = "Rapporté par Boxoffice Pro à propos de cette étude du CNC."
_TREND = ("Creuse", "Average annual population change 2015-2021", "2015-2021")


def _age(group: str, shared: str, label: str) -> Spec:
    """One age group's share of the Creuse population (INSEE RP2018)."""
    return Spec(f"creuse_part_{group}_2018", ("Creuse", f"Share aged {shared}", "2018"),
                f"Part des {label}", "% de la population")


def _cinema(slug: str, name: str, geo: str, in_note: str) -> tuple[Spec, Spec]:
    """Entries 2022 and French films' share (named ``in_note`` in the note) of one cinema."""
    entries = _SENECHAL22 if slug == "senechal" else (geo, f"{name} entries", "2022")
    return (Spec(f"{slug}_entrees_2022", entries, f"Entrées — {name}", "entrées"),
            Spec(f"{slug}_part_films_francais_2022", _CNC_FR_SHARE,
                 f"Part des films français dans les entrées — {name}", "% des entrées",
                 rf"note:{in_note} ([\d.]+)", geography=geo))


#: One entry per figure of the project's table, in table order.
SPECS: tuple[Spec, ...] = (
    # --- Démographie de la Creuse (INSEE) ---
    Spec("creuse_population_1968", ("Creuse", "Population 1968 (for trend)", "1968"),
         "Population municipale", "habitants"),
    Spec("creuse_population_2018",
         ("Creuse", "Population (census RP2018, municipal population)", "2018"),
         "Population municipale (recensement 2018)", "habitants"),
    Spec("creuse_population_2020", ("Creuse", "Population (census 2020, published Dec 2022)",
                                    "2020"), "Population (recensement 2020)", "habitants"),
    Spec("creuse_population_2021", ("Creuse", "Population 2021", "2021"),
         "Population", "habitants"),
    Spec("creuse_population_2022", _POP22, "Population", "habitants"),
    Spec("creuse_population_2070", ("Creuse", "Projected population 2070",
                                    "2070 (projection made 2022)"),
         "Population projetée (projection INSEE)", "habitants", year="2070",
         note="Projection réalisée en 2022."),
    Spec("creuse_part_65_plus_2070", ("Creuse", "Projected population 2070",
                                      "2070 (projection made 2022)"),
         "Part projetée des 65 ans et plus", "% de la population", r"note:to (\d+)%", year="2070",
         note="Projection réalisée en 2022."),
    Spec("creuse_evolution_population_2015_2021", _TREND,
         "Évolution annuelle moyenne de la population", "% par an"),
    Spec("france_evolution_population_2015_2021", _TREND,
         "Évolution annuelle moyenne de la population", "% par an", r"note:France \+([\d.]+)%",
         geography="France"),
    Spec("creuse_densite_2018", ("Creuse", "Population density", "2018"),
         "Densité de population", "habitants par km²"),
    Spec("france_densite_2022", _POP22, "Densité de population", "habitants par km²",
         r"note:vs ([\d.]+) for France", geography="France"),
    Spec("creuse_part_unite_urbaine_2020", ("Creuse", "Share of population living in an urban "
                                            "unit (unité urbaine)", "2020 (delimitation)"),
         "Part de la population vivant dans une unité urbaine", "% de la population",
         year="2020", note="La plus faible de tous les départements."),
    _age("0_14", "0-14", "0-14 ans"), _age("15_29", "15-29", "15-29 ans"),
    _age("30_44", "30-44", "30-44 ans"), _age("45_59", "45-59", "45-59 ans"),
    _age("60_74", "60-74", "60-74 ans"), _age("75_plus", "75 or more", "75 ans et plus"),
    Spec("creuse_part_60_plus_2018", ("Creuse", "Share aged 60 or more", "2018"),
         "Part des 60 ans et plus", "% de la population"),
    Spec("creuse_part_65_plus_2021", ("Creuse", "Share aged 65 or more", "2021"),
         "Part des 65 ans et plus", "% de la population"),
    Spec("creuse_part_60_plus_recente", ("Creuse", "Share aged 60 or more (latest INSEE estimate "
                                         "shown on Handidonnées)", "not stated (recent estimate)"),
         "Part des 60 ans et plus (estimation INSEE récente)", "% de la population",
         year="non précisée (récente)"),
    Spec("creuse_indice_vieillissement_2020", _AGEING20,
         "Indice de vieillissement (65 ans et plus pour 100 moins de 20 ans)", "indice"),
    Spec("nouvelle_aquitaine_indice_vieillissement_2020", _AGEING20,
         "Indice de vieillissement (65 ans et plus pour 100 moins de 20 ans)", "indice",
         r"note:Nouvelle-Aquitaine ([\d.]+)", geography="Nouvelle-Aquitaine"),
    Spec("france_indice_vieillissement_2020", _AGEING20,
         "Indice de vieillissement (65 ans et plus pour 100 moins de 20 ans)", "indice",
         r"note:France ([\d.]+)", geography="France"),
    Spec("creuse_indice_vieillissement_2025", _AGEING25,
         "Indice de vieillissement (65 ans et plus pour 100 moins de 20 ans)", "indice"),
    Spec("nouvelle_aquitaine_indice_vieillissement_2025", _AGEING25,
         "Indice de vieillissement (65 ans et plus pour 100 moins de 20 ans)", "indice",
         r"note:Nouvelle-Aquitaine ([\d.]+)", geography="Nouvelle-Aquitaine"),
    Spec("france_indice_vieillissement_2025", _AGEING25,
         "Indice de vieillissement (65 ans et plus pour 100 moins de 20 ans)", "indice",
         r"note:France ([\d.]+)", geography="France"),
    Spec("creuse_menages_une_personne_2010", ("Creuse", "One-person households", "2010"),
         "Ménages d'une seule personne", "% des ménages"),
    Spec("creuse_taux_pauvrete_2015", ("Creuse", "Poverty rate (60% threshold)", "2015"),
         "Taux de pauvreté (seuil à 60 %)", "% de la population"),
    Spec("nouvelle_aquitaine_taux_pauvrete_2015", ("Creuse", "Poverty rate (60% threshold)",
                                                   "2015"),
         "Taux de pauvreté (seuil à 60 %)", "% de la population", r"note:region ([\d.]+)%",
         geography="Nouvelle-Aquitaine"),
    Spec("creuse_revenu_median_2013", ("Creuse", "Median disposable income per consumption unit",
                                       "2013"),
         "Revenu disponible médian par unité de consommation", "euros par an"),
    Spec("gueret_population_2020", ("Guéret", "Guéret population", "2020"),
         "Population de Guéret", "habitants"),
    # --- Offre et fréquentation des cinémas de la Creuse (CNC) ---
    Spec("creuse_cinemas_2022", ("Creuse", "Active fixed cinemas in CNC 2022 establishment data",
                                 "2022"), "Cinémas fixes en activité", "établissements"),
    Spec("creuse_ecrans_2022", ("Creuse", "Screens (sum of the 6 cinemas)", "2022"),
         "Écrans (6 cinémas)", "écrans"),
    Spec("creuse_fauteuils_2022", ("Creuse", "Seats (sum of the 6 cinemas)", "2022"),
         "Fauteuils (6 cinémas)", "fauteuils"),
    Spec("creuse_cinemas_art_essai_2022", ("Creuse", "Art et essai labelled cinemas", "2022"),
         "Cinémas classés art et essai", "établissements", r"value:^(\d+) of"),
    Spec("creuse_entrees_2021", _CNC_ENTRIES, "Entrées (6 cinémas fixes)", "entrées",
         r"note:2021: ([\d,]+)", year="2021"),
    Spec("creuse_entrees_2022", _CNC_ENTRIES, "Entrées (6 cinémas fixes)", "entrées",
         note="Hors circuit itinérant Ciné Plus."),
    Spec("creuse_entrees_2024", ("Creuse", "Total spectators in Creuse cinemas", "2024"),
         "Entrées dans les cinémas de la Creuse (plus de)", "entrées", r"value:(\d+)",
         note="Total cité par la presse régionale."),
    Spec("creuse_entrees_par_habitant_2022", ("Creuse", "Entries per inhabitant (fixed cinemas "
                                              "only)", "2022"),
         "Entrées par habitant (cinémas fixes)", "entrées par habitant"),
    Spec("creuse_entrees_par_habitant_2024", ("Creuse", "Entries per inhabitant (press total)",
                                              "2024"),
         "Entrées par habitant (total de la presse)", "entrées par habitant"),
    Spec("creuse_part_films_francais_2022", _CNC_FR_SHARE,
         "Part des films français dans les entrées (6 cinémas, pondérée)", "% des entrées"),
    Spec("creuse_part_films_americains_2022", ("Creuse", "US films share of entries "
                                               "(entry-weighted, 6 cinemas)", "2022"),
         "Part des films américains dans les entrées (6 cinémas, pondérée)", "% des entrées"),
    Spec("creuse_part_art_essai_entrees_2022", ("Creuse", "Art et essai films share of entries "
                                                "(entry-weighted, 6 cinemas)", "2022"),
         "Part des films art et essai dans les entrées (6 cinémas, pondérée)", "% des entrées"),
    Spec("creuse_entrees_par_seance_2022",
         ("Creuse", "Average entries per screening (6 cinemas)", "2022"),
         "Entrées moyennes par séance", "entrées par séance"),
    Spec("creuse_part_senechal_2022", ("Creuse", "Sénéchal (Guéret) share of Creuse fixed-cinema "
                                       "entries", "2022"),
         "Part du Sénéchal (Guéret) dans les entrées des cinémas fixes", "% des entrées"),
    *_cinema("senechal", "Le Sénéchal (Guéret)", "Guéret", "Sénéchal"),
    *_cinema("colbert", "Colbert (Aubusson)", "Aubusson", "Colbert"),
    *_cinema("eden", "Eden (La Souterraine)", "La Souterraine", "Eden"),
    *_cinema("alpha", "Alpha (Évaux-les-Bains)", "Évaux-les-Bains", "Alpha"),
    *_cinema("claude_miller", "Claude Miller (Bourganeuf)", "Bourganeuf", "Claude Miller"),
    *_cinema("marchois", "Le Marchois (La Courtine)", "La Courtine", "Le Marchois"),
    Spec("senechal_entrees_2019", ("Guéret", "Sénéchal entries", "2019"),
         "Entrées — Le Sénéchal (Guéret)", "entrées", note="Année record."),
    Spec("senechal_entrees_2021", _SENECHAL22, "Entrées — Le Sénéchal (Guéret)", "entrées",
         r"note:2021: ([\d,]+)", year="2021"),
    Spec("senechal_seances_2022", _SENECHAL22, "Séances — Le Sénéchal (Guéret)", "séances",
         r"note:([\d,]+) séances"),
    Spec("senechal_entrees_2024", ("Guéret", "Sénéchal entries", "2024"),
         "Entrées — Le Sénéchal (Guéret)", "entrées"),
    Spec("creuse_prix_moyen_2016", ("Creuse", "Average ticket price (recette moyenne par entrée)",
                                    "2016"), "Recette moyenne par entrée", "euros"),
    Spec("cineplus_spectateurs_par_seance_2020", ("Limousin", "Ciné Plus average audience per "
                                                  "screening after 2020 reopening", "2020"),
         "Spectateurs par séance du circuit itinérant Ciné Plus (réouverture 2020)",
         "spectateurs par séance", note="Public décrit comme souvent âgé."),
    # --- Fréquentation nationale (CNC) ---
    *(Spec(f"france_entrees_{year}", ("France", "Total entries", year), "Entrées en salles",
           "millions d'entrées") for year in ("2019", "2022", "2023", "2024")),
    Spec("france_part_films_francais_2019", ("France", "French films market share", "2019"),
         "Part de marché des films français", "% des entrées"),
    Spec("france_part_films_francais_2022", ("France", "French films market share", "2022"),
         "Part de marché des films français", "% des entrées"),
    Spec("france_part_films_francais_2023", ("France", "French films market share", "2023"),
         "Part de marché des films français", "% des entrées", r"value:^(\d+) ",
         note="Bilan définitif (estimation de janvier : 39,8 %)."),
    Spec("france_part_films_francais_2024", ("France", "French films market share", "2024"),
         "Part de marché des films français", "% des entrées", r"value:([\d.]+) \(final",
         note="Bilan définitif."),
    Spec("france_part_films_americains_2019", ("France", "US films market share", "2019"),
         "Part de marché des films américains", "% des entrées"),
    Spec("france_part_films_americains_2022", ("France", "US films market share", "2022"),
         "Part de marché des films américains", "% des entrées"),
    Spec("france_part_films_americains_2023", ("France", "US films market share", "2023"),
         "Part de marché des films américains", "% des entrées", r"value:^(\d+) "),
    Spec("france_part_films_americains_2024", ("France", "US films market share", "2024"),
         "Part de marché des films américains", "% des entrées"),
    Spec("france_entrees_par_habitant_2022", ("France", "Entries per inhabitant", "2022"),
         "Entrées par habitant", "entrées par habitant"),
    Spec("france_entrees_par_habitant_2023", ("France", "Entries per inhabitant (indice de "
                                              "fréquentation)", "2023"),
         "Entrées par habitant", "entrées par habitant"),
    Spec("france_entrees_par_habitant_2024", ("France", "Entries per inhabitant", "2024"),
         "Entrées par habitant", "entrées par habitant"),
    Spec("france_unites_urbaines_20k_100k_entrees_par_habitant_2023",
         ("France", "Entries per inhabitant in urban units of 20,000-100,000", "2023"),
         "Entrées par habitant dans les unités urbaines de 20 000 à 100 000 habitants",
         "entrées par habitant"),
    Spec("france_cinemas_2023", _FR23_GEO, "Cinémas", "établissements", r"value:^([\d,]+) /"),
    Spec("france_ecrans_2023", _FR23_GEO, "Écrans", "écrans", r"value:/ ([\d,]+)$"),
    Spec("france_habitants_par_fauteuil_2023", ("France", "Entries per inhabitant (indice de "
                                                "fréquentation)", "2023"),
         "Habitants par fauteuil", "habitants par fauteuil", r"note:1 seat per (\d+)"),
    Spec("france_taux_occupation_2023", ("France", "Entries per inhabitant (indice de "
                                         "fréquentation)", "2023"),
         "Taux d'occupation des fauteuils", "% des fauteuils", r"note:occupancy ([\d.]+)%"),
    Spec("france_prix_moyen_2022", ("France", "Average ticket price", "2022"),
         "Prix moyen du billet", "euros"),
    Spec("france_prix_moyen_2024", ("France", "Average revenue per entry", "2024"),
         "Recette moyenne par entrée", "euros"),
    Spec("france_part_art_essai_entrees_2023", ("France", "Art et essai films market share",
                                                "2023"),
         "Part de marché des films art et essai", "% des entrées"),
    Spec("france_part_cinemas_art_essai_2022", ("France", "Art et essai cinemas share / entries",
                                                "2022"),
         "Part des cinémas classés art et essai", "% des cinémas", r"value:^(\d+)%"),
    # --- Âge du public national (CNC, Le public du cinéma) ---
    Spec("france_part_entrees_moins_25_2018", _AGE_FR18, "Part des entrées des moins de 25 ans",
         "% des entrées", r"note:Under-25: ([\d.]+)%"),
    Spec("france_part_entrees_25_49_2018", _AGE_FR18, "Part des entrées des 25-49 ans",
         "% des entrées", r"note:25-49: ([\d.]+)%"),
    Spec("france_part_entrees_50_plus_2018", _AGE_FR18, "Part des entrées des 50 ans et plus",
         "% des entrées"),
    Spec("france_part_entrees_50_plus_2022", ("France", "Share of entries by people aged 50+",
                                              "2022"),
         "Part des entrées des 50 ans et plus", "% des entrées"),
    Spec("france_part_entrees_moins_25_2023", _AGE_FR23, "Part des entrées des moins de 25 ans",
         "% des entrées", "part:0"),
    Spec("france_part_entrees_25_49_2023", _AGE_FR23, "Part des entrées des 25-49 ans",
         "% des entrées", "part:1"),
    Spec("france_part_entrees_50_plus_2023", _AGE_FR23, "Part des entrées des 50 ans et plus",
         "% des entrées", r"note:50\+ = ([\d.]+)%", note="Valeur déduite (100 - autres âges)."),
    Spec("france_part_entrees_moins_25_2024", _AGE_FR24, "Part des entrées des moins de 25 ans",
         "% des entrées", r"note:Under-25 ([\d.]+)%"),
    Spec("france_part_entrees_25_49_2024", _AGE_FR24, "Part des entrées des 25-49 ans",
         "% des entrées", r"note:25-49 ([\d.]+)%"),
    Spec("france_part_entrees_50_plus_2024", _AGE_FR24, "Part des entrées des 50 ans et plus",
         "% des entrées"),
    Spec("france_spectateurs_2024", _FR24_SPECT, "Spectateurs (au moins une entrée dans l'année)",
         "millions de personnes", r"value:^([\d.]+) M"),
    Spec("france_entrees_par_spectateur_2024", _FR24_SPECT, "Entrées par spectateur (tous âges)",
         "entrées par spectateur", r"value:/ ([\d.]+)$"),
    Spec("france_entrees_par_spectateur_60_plus_2024", _FR24_SPECT,
         "Entrées par spectateur des 60 ans et plus", "entrées par spectateur",
         r"note:([\d.]+) entries per spectator for 60\+"),
    Spec("france_entrees_par_spectateur_15_19_2024", _FR24_SPECT,
         "Entrées par spectateur des 15-19 ans", "entrées par spectateur",
         r"note:([\d.]+) for 15-19"),
    Spec("france_taux_penetration_2024", _AGE_FR24, "Part de la population allée au cinéma",
         "% de la population", r"note:([\d.]+)% penetration"),
    Spec("france_taux_penetration_seniors_2024", _AGE_FR24,
         "Part des seniors allés au cinéma", "% des seniors", r"note:senior penetration (\d+)%"),
    # --- Ce que préfèrent les publics âgés et ruraux ---
    Spec("itinerants_part_50_plus_2019", _ITINERANT,
         "Part des 50 ans et plus dans le public des cinémas itinérants", "% du public",
         "part:0", geography=_RURAL, year="2019"),
    Spec("itinerants_part_60_plus_2019", _ITINERANT,
         "Part des 60 ans et plus dans le public des cinémas itinérants", "% du public",
         "part:1", geography=_RURAL, year="2019"),
    Spec("france_part_spectateurs_50_plus_2019", _ITINERANT,
         "Part des 50 ans et plus parmi les spectateurs de cinéma", "% des spectateurs",
         r"note:vs ([\d.]+)% of 50\+", geography="France", year="2019"),
    Spec("france_satisfaits_films_francais_2024", _PRACTICES,
         "Spectateurs satisfaits des films français", "% des spectateurs"),
    Spec("france_films_francais_pour_acteurs_2024", _PRACTICES,
         "Spectateurs allant voir un film français pour ses acteurs", "% des spectateurs",
         r"note:([\d.]+)% go to French films"),
    Spec("france_attires_par_comedies_2024", _PRACTICES,
         "Le public du cinéma français est « particulièrement attiré par les comédies »",
         "qualitatif", "text", note=_VIA_BOXOFFICE, confidence="B"),
    Spec("jeunes_cinema_francais_comedie_2024", ("France", "Perception of French cinema among "
                                                 "15-24", "2024"),
         "Pour les 15-24 ans, « cinéma français = comédie », « cinéma américain = action »",
         "qualitatif", "text"),
    Spec("france_sortie_en_couple_2024", _COMPANY, "Vont au cinéma en couple",
         "% des spectateurs", "part:0"),
    Spec("france_sortie_en_famille_2024", _COMPANY, "Vont au cinéma en famille",
         "% des spectateurs", "part:1"),
    Spec("france_sortie_seul_2024", _COMPANY, "Vont au cinéma seuls", "% des spectateurs",
         "part:2"),
    Spec("france_sortie_entre_amis_2024", _COMPANY, "Vont au cinéma entre amis",
         "% des spectateurs", "part:3"),
    Spec("france_moins_30_minutes_2024", ("France", "Reach the cinema in under 30 minutes",
                                          "2024"),
         "Spectateurs à moins de 30 minutes de leur cinéma", "% des spectateurs"),
    Spec("france_seances_apres_midi_2024", ("France", "Attend afternoon screenings", "2024"),
         "Spectateurs fréquentant les séances de l'après-midi", "% des spectateurs"),
    Spec("france_bande_annonce_2024", _TRAILER,
         "Bande-annonce en salle, première source d'information", "% des spectateurs"),
    Spec("france_internet_information_2024", _TRAILER,
         "Internet comme source d'information sur les films", "% des spectateurs",
         r"note:Internet ([\d.]+)%", note=_VIA_BOXOFFICE, confidence="B"),
    Spec("france_attires_evenements_2024", _TRAILER,
         "Spectateurs attirés par les événements (avant-premières, ciné-clubs, retransmissions)",
         "% des spectateurs", r"note:([\d.]+)% attracted by events"),
    Spec("france_choix_15_jours_2024",
         ("France", "Choose a film within 15 days of release", "2024"),
         "Spectateurs choisissant un film dans les 15 jours de sa sortie", "% des spectateurs"),
    Spec("seniors_habitude_perdue_2021", _SENIORS,
         "Seniors non revenus après le Covid : habitude perdue", "% des 60 ans et plus concernés",
         "part:0"),
    Spec("seniors_pas_de_film_attirant_2021", _SENIORS,
         "Seniors non revenus après le Covid : pas de film attirant",
         "% des 60 ans et plus concernés", "part:2"),
    Spec("seniors_prix_2021", _SENIORS, "Seniors non revenus après le Covid : le prix",
         "% des 60 ans et plus concernés", r"note:Price cited by (\d+)% of 60\+"),
    Spec("patrimoine_entrees_2023", ("France", "Heritage films (>=20 years old) entries", "2023"),
         "Entrées des films de patrimoine (20 ans et plus)", "millions d'entrées"),
    Spec("patrimoine_part_entrees_2023", ("France", "Heritage films (>=20 years old) entries",
                                          "2023"),
         "Part des films de patrimoine dans les entrées", "% des entrées",
         r"note:([\d.]+)% of all entries", note="Meilleur niveau depuis 1997."),
    Spec("patrimoine_entrees_2024", ("France", "Heritage films entries", "2024"),
         "Entrées des films de patrimoine (20 ans et plus)", "millions d'entrées"),
    Spec("patrimoine_entrees_par_seance_2022", _HERITAGE,
         "Entrées par séance — films de patrimoine", "entrées par séance", r"value:^([\d.]+) vs"),
    Spec("inedits_entrees_par_seance_2022", _HERITAGE,
         "Entrées par séance — films inédits (première exclusivité)", "entrées par séance",
         r"value:vs ([\d.]+)$"),
    Spec("reprise_titanic_entrees_2023", _RELEASES, "Entrées de la reprise de « Titanic »",
         "entrées", r"value:Titanic ([\d,]+)", note=_LATE_90S),
    Spec("reprise_asterix_cleopatre_entrees_2023", _RELEASES,
         "Entrées de la reprise d'« Astérix & Obélix : Mission Cléopâtre »", "entrées",
         r"value:Cléopâtre ([\d,]+)", note=_LATE_90S),
    Spec("patrimoine_revoir_55_plus_2025", _REWATCH55,
         "Revoir un film : premier motif du patrimoine chez les 55 ans et plus",
         "% des 55 ans et plus",
         year="2025"),
    Spec("patrimoine_revoir_18_34_2025", _REWATCH55,
         "Revoir un film : premier motif du patrimoine chez les 18-34 ans", "% des 18-34 ans",
         r"note:(\d+)% of 18-34", year="2025"),
    Spec("patrimoine_revoir_50_plus_2022", _REWATCH50,
         "Patrimoine vu pour revoir un film ou un film culte — 50 ans et plus",
         "% des 50 ans et plus", year="2022"),
    Spec("patrimoine_revoir_tous_ages_2022", _REWATCH50,
         "Patrimoine vu pour revoir un film ou un film culte — tous âges", "% des personnes",
         r"note:(\d+)% all ages", year="2022"),
    Spec("senechal_roi_lion_entrees_2019", ("Guéret", "Guéret 2019 top films", "2019"),
         "Entrées du « Roi Lion », premier film de 2019 au Sénéchal (plus de)", "entrées",
         r"value:>([\d,]+)", note="Suivi de « La Reine des neiges II » ; films familiaux."),
    Spec("senechal_un_ptit_truc_en_plus_entrees_2024", ("Creuse", "Creuse 2024 no.1 film", "2024"),
         "Entrées d'« Un p'tit truc en plus », n° 1 de 2024 dans tous les cinémas creusois",
         "entrées", r"value:\(([\d,]+) entries", geography="Guéret",
         note="Le cinéma « redevient la sortie familiale » (exploitant)."),
    # --- Nouvelle-Aquitaine ---
    Spec("nouvelle_aquitaine_part_50_plus_2015", _NA15_AGE,
         "Part des 50 ans et plus dans le public", "% des spectateurs"),
    Spec("france_part_50_plus_2015", _NA15_AGE, "Part des 50 ans et plus dans le public",
         "% des spectateurs", r"note:France (\d+)%", geography="France"),
    Spec("nouvelle_aquitaine_entrees_par_habitant_2015", _NA15_OFFER, "Entrées par habitant",
         "entrées par habitant", r"note:([\d.]+) entries per inhabitant"),
    Spec("nouvelle_aquitaine_habitants_par_fauteuil_2015", _NA15_OFFER, "Habitants par fauteuil",
         "habitants par fauteuil", r"note:1 seat per (\d+)"),
    Spec("nouvelle_aquitaine_part_films_francais_2015", ("Nouvelle-Aquitaine",
                                                         "French films market share", "2015"),
         "Part de marché des films français", "% des entrées"),
)

_CONFIDENCE = re.compile(r"^confidence ([ABC])\b")


def _extract(spec: Spec, row: pd.Series) -> str:
    """The number a spec reads from a shared row, as text without thousands separators."""
    kind, _, arg = spec.extract.partition(":")
    if kind == "text":
        return ""
    if kind == "":
        text = row["value"]
    elif kind == "part":
        parts = row["value"].split(" / ")
        text = parts[int(arg)] if int(arg) < len(parts) else ""
    else:
        match = re.search(arg, row[kind])
        text = match.group(1) if match else ""
    text = text.replace(",", "").strip()
    try:
        float(text)
    except ValueError:
        raise CineError(f"market figure {spec.id!r}: no number found in {row[kind or 'value']!r}; "
                        "update market.SPECS to the new shared fact sheet") from None
    return text


def build_market_figures(shared_csv: Path | str | None = None) -> pd.DataFrame:
    """The project's table (:data:`COLUMNS`) read from the shared fact sheet via :data:`SPECS`."""
    path = Path(shared_csv) if shared_csv is not None else shared_facts_path()
    if not path.is_file():
        raise CineError(f"{path} is missing: set CINE_SHARED_DIR to the folder holding "
                        "market/creuse_market_facts.csv (the committed table still works)")
    shared = pd.read_csv(path, dtype=str, keep_default_na=False)
    shared = shared[shared["source_url"].str.startswith("http")]  # only sourced figures
    index = shared.set_index(["geography", "indicator", "year"])
    rows = []
    for spec in SPECS:
        if spec.key not in index.index:
            raise CineError(f"market figure {spec.id!r}: row {spec.key} not found in {path}")
        row = index.loc[spec.key]
        confidence = _CONFIDENCE.match(row["note"])
        notes = [spec.note] if spec.note else []
        if re.search(r"\bDerived\b", row["note"]) and spec.extract in ("", "part:0"):
            notes.insert(0, "Valeur calculée par l'auteur de la fiche source (somme ou ratio).")
        rows.append({
            "id": spec.id, "topic": TOPICS[row["topic"]], "indicator": spec.label,
            "value": _extract(spec, row), "unit": spec.unit,
            "year": spec.year or spec.key[2], "geography": spec.geography or spec.key[0],
            "source_title": row["source_title"], "source_url": row["source_url"],
            "confidence": spec.confidence or (confidence.group(1) if confidence else ""),
            "note": " ".join(notes),
        })
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    missing = table.loc[table["confidence"] == "", "id"].tolist()
    if missing or table["id"].duplicated().any():
        raise CineError(f"market table: ids without confidence or duplicated: {missing}")
    return table


def write_market_figures(table: pd.DataFrame, path: Path | str | None = None) -> Path:
    """Write the table atomically (never a half-written CSV), UTF-8, ``\\n`` line ends."""
    target = Path(path) if path is not None else market_csv_path()
    with files.atomic_file(target, "w", encoding="utf-8", newline="") as handle:
        table.to_csv(handle, index=False, lineterminator="\n")
    return target


def load_market_figures(path: Path | str | None = None) -> pd.DataFrame:
    """The committed table, ``value`` as float (NaN for qualitative rows)."""
    source = Path(path) if path is not None else market_csv_path()
    if not source.is_file():
        raise CineError(f"{source} is missing: run `python -m helpers market` beside ../shared")
    table = pd.read_csv(source, dtype=str, keep_default_na=False)
    table["value"] = pd.to_numeric(table["value"].replace("", np.nan))
    return table


# --- Reading figures in prose -------------------------------------------------------------


def _row(table: pd.DataFrame, figure_id: str) -> pd.Series:
    match = table.loc[table["id"] == figure_id]
    if match.empty:
        raise CineError(f"unknown market figure {figure_id!r}; see data/market/market_figures.csv")
    return match.iloc[0]


def value(table: pd.DataFrame, figure_id: str) -> float:
    """The number of one figure."""
    return float(_row(table, figure_id)["value"])


def fmt(number: float, decimals: int | None = None) -> str:
    """A number in French typography with, by default, the decimals it was published with."""
    if decimals is None:
        decimals = 0 if float(number).is_integer() else len(repr(float(number)).split(".")[1])
    return fr_number(number, decimals)


_SHORT_UNITS = {"indice": "", "entrées par habitant": "entrées/hab.", "euros": "€",
                "millions d'entrées": "M d'entrées", "habitants par km²": "hab./km²"}


def short_unit(unit: str) -> str:
    """Compact unit for charts and prose (``% des entrées`` -> ``%``)."""
    if unit.startswith("%"):
        return "%"
    return _SHORT_UNITS.get(unit, unit)


def cite(table: pd.DataFrame, figure_id: str, decimals: int | None = None) -> str:
    """``38,4 % (Creuse, 2018, confiance C)``: a figure ready for Markdown prose."""
    row = _row(table, figure_id)
    unit = short_unit(row["unit"])
    number = fmt(row["value"], decimals) + (f"{NBSP}{unit}" if unit else "")
    return f"{number} ({row['geography']}, {row['year']}, confiance {row['confidence']})"


def caption(table: pd.DataFrame, ids: list[str] | tuple[str, ...]) -> str:
    """``Sources : title (confiance B) ; ...`` for the distinct sources of some figures."""
    rows = pd.concat([_row(table, i).to_frame().T for i in ids])
    grades = rows.groupby("source_title", sort=False)["confidence"].agg(
        lambda c: "".join(sorted(set(c))))
    return "Sources : " + " ; ".join(f"{t} (confiance {g})" for t, g in grades.items()) + "."


def sources_table(table: pd.DataFrame) -> pd.DataFrame:
    """One row per source: title, URL, confidence grades and figure count."""
    return (table.groupby(["source_title", "source_url"], sort=False)
            .agg(confiance=("confidence", lambda c: "/".join(sorted(set(c)))),
                 chiffres=("id", "size"))
            .reset_index()
            .rename(columns={"source_title": "source", "source_url": "adresse"}))


def sources_html(table: pd.DataFrame) -> str:
    """The sources section as an HTML table (escaped titles, links, confidence, figure count)."""
    left = ' style="text-align:left"'
    rows = "".join(
        f'<tr><td{left}><a href="{html.escape(r.adresse)}">{html.escape(r.source)}</a></td>'
        f"<td>{html.escape(r.confiance)}</td><td>{r.chiffres}</td></tr>"
        for r in sources_table(table).itertuples())
    return (f"<table><thead><tr><th{left}>source</th><th>confiance</th><th>chiffres</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>")


# --- Charts -------------------------------------------------------------------------------


def _figure(ncols: int, title: str, width: float = 12.0, height: float = 4.6,
            **kwargs) -> tuple[Figure, np.ndarray]:
    fig, axes = plt.subplots(1, ncols, figsize=(width, height), squeeze=False, **kwargs)
    fig.suptitle(title, fontsize=13, fontweight="bold", x=0.01, ha="left")
    for ax in axes.flat:
        ax.spines[["top", "right"]].set_visible(False)
    return fig, axes[0]


def _finish(fig: Figure, table: pd.DataFrame, ids: list[str], wspace: float = 0.35) -> Figure:
    """Write the sources of the figures used under the chart and keep their ids on the figure."""
    text = textwrap.fill(caption(table, ids), int(fig.get_figwidth() * 16))
    lines = text.count("\n") + 1
    height = fig.get_figheight()
    bottom = (0.35 + 0.16 * lines) / height
    fig.text(0.01, 0.015, text, fontsize=7.5, color="#333333", va="bottom", ha="left")
    fig.subplots_adjust(bottom=bottom + 0.1, top=0.84, wspace=wspace)
    fig.market_ids = list(ids)  # type: ignore[attr-defined]
    return fig


def _bar_labels(ax: plt.Axes, bars, values, decimals: int | None = None, suffix: str = "") -> None:
    ax.bar_label(bars, labels=[f"{fmt(v, decimals)}{suffix}" for v in values], padding=2,
                 fontsize=9)


def _year(text: str) -> int:
    return int(re.match(r"\d{4}", text).group(0))


def plot_age_structure(table: pd.DataFrame | None = None) -> Figure:
    """Creuse population by age group (2018) and ageing index of Creuse vs region vs France."""
    table = load_market_figures() if table is None else table
    groups = ["0_14", "15_29", "30_44", "45_59", "60_74", "75_plus"]
    age_ids = [f"creuse_part_{g}_2018" for g in groups]
    fig, (left, right) = _figure(2, "Une population âgée : structure par âge et vieillissement")
    shares = [value(table, i) for i in age_ids]
    labels = [_row(table, i)["indicator"].removeprefix("Part des ").removesuffix(" ans")
              .replace(" ans et plus", " et +") for i in age_ids]
    colours = [FRANCE_COLOUR if g in ("60_74", "75_plus") else CREUSE_COLOUR for g in groups]
    _bar_labels(left, left.bar(labels, shares, color=colours), shares, suffix=" %")
    left.set_title("Creuse, 2018 : part de chaque âge (% de la population)", fontsize=10)
    left.set_ylabel("% de la population")
    left.set_xlabel("âge (ans)")
    places = [("creuse", "Creuse", CREUSE_COLOUR), ("nouvelle_aquitaine", "Nouvelle-Aquitaine",
              OTHER_COLOUR), ("france", "France", FRANCE_COLOUR)]
    years = ["2020", "2025"]
    x = np.arange(len(years))
    ageing_ids = []
    for k, (slug, name, colour) in enumerate(places):
        ids = [f"{slug}_indice_vieillissement_{y}" for y in years]
        ageing_ids += ids
        vals = [value(table, i) for i in ids]
        _bar_labels(right, right.bar(x + (k - 1) * 0.27, vals, 0.27, label=name, color=colour),
                    vals, 0)
    right.set_xticks(x, years)
    right.set_title("Indice de vieillissement : 65 ans et + pour 100 moins de 20 ans", fontsize=10)
    right.legend(frameon=False, fontsize=8, loc="upper center", ncols=3)
    right.set_ylim(0, max(value(table, i) for i in ageing_ids) * 1.35)
    return _finish(fig, table, age_ids + ageing_ids)


def plot_population_trend(table: pd.DataFrame | None = None) -> Figure:
    """Creuse population from 1968 to the latest estimate, with INSEE's 2070 projection."""
    table = load_market_figures() if table is None else table
    ids = [i for i in table["id"] if re.fullmatch(r"creuse_population_\d{4}", i)]
    points = [(_year(_row(table, i)["year"]), value(table, i)) for i in ids]
    observed = [p for p in points if p[0] <= 2030]
    projected = [p for p in points if p[0] > 2030]
    fig, (ax,) = _figure(1, "La Creuse perd des habitants depuis 1968", width=10, height=4.6)
    ax.plot(*zip(*observed, strict=True), marker="o", color=CREUSE_COLOUR,
            label="Recensements et estimations")
    if projected:
        ax.plot(*zip(observed[-1], *projected, strict=True), linestyle="--", marker="o",
                color=FRANCE_COLOUR, label="Projection INSEE")
    labelled = [(observed[0], "center"), (observed[1], "right"), (observed[-1], "left")]
    for (y, v), align in labelled + [(p, "center") for p in projected]:
        ax.annotate(f"{fmt(v)} ({y})", (y, v), textcoords="offset points", ha=align, fontsize=9,
                    xytext={"center": (0, 9), "right": (-4, 9), "left": (4, 9)}[align])
    ax.set_ylabel("habitants")
    ax.yaxis.set_major_formatter(lambda v, _: fmt(v))
    ax.set_ylim(0, max(v for _, v in observed) * 1.15)
    ax.legend(frameon=False, loc="lower left")
    return _finish(fig, table, ids)


def seats_per_inhabitant_ids() -> tuple[str, str]:
    """The two figures behind the Creuse 'habitants par fauteuil' ratio."""
    return "creuse_population_2022", "creuse_fauteuils_2022"


def plot_cinema_offer(table: pd.DataFrame | None = None) -> Figure:
    """Creuse cinemas (entries 2022), inhabitants per seat and entries per inhabitant vs France."""
    table = load_market_figures() if table is None else table
    cinemas = ["senechal", "colbert", "alpha", "eden", "claude_miller", "marchois"]
    entry_ids = [f"{c}_entrees_2022" for c in cinemas]
    title = (f"Offre : {fmt(value(table, 'creuse_cinemas_2022'))} cinémas, "
             f"{fmt(value(table, 'creuse_ecrans_2022'))} écrans et "
             f"{fmt(value(table, 'creuse_fauteuils_2022'))} fauteuils en Creuse (2022)")
    fig, (a, b, c) = _figure(3, title, width=14, height=4.8,
                             gridspec_kw={"width_ratios": [1.5, 0.8, 1.3]})
    names = [_row(table, i)["indicator"].removeprefix("Entrées — ") for i in entry_ids]
    vals = [value(table, i) for i in entry_ids]
    bars = a.barh(names[::-1], vals[::-1], color=CREUSE_COLOUR)
    _bar_labels(a, bars, vals[::-1])
    a.set_title("Entrées 2022 par cinéma", fontsize=10)
    a.tick_params(axis="y", labelsize=8)
    a.set_xlim(0, max(vals) * 1.2)
    a.xaxis.set_major_formatter(lambda v, _: fmt(v))
    pop_id, seats_id = seats_per_inhabitant_ids()
    per_seat = [value(table, pop_id) / value(table, seats_id),
                value(table, "nouvelle_aquitaine_habitants_par_fauteuil_2015"),
                value(table, "france_habitants_par_fauteuil_2023")]
    bars = b.bar(["Creuse\n2022", "Nouvelle-\nAquitaine\n2015", "France\n2023"], per_seat,
                 color=[CREUSE_COLOUR, OTHER_COLOUR, FRANCE_COLOUR])
    _bar_labels(b, bars, per_seat, 0)
    b.set_title("Habitants par fauteuil", fontsize=10)
    b.tick_params(axis="x", labelsize=8)
    pairs = [("2022", "creuse_entrees_par_habitant_2022", "france_entrees_par_habitant_2022"),
             ("2024", "creuse_entrees_par_habitant_2024", "france_entrees_par_habitant_2024")]
    x = np.arange(len(pairs))
    for k, (name, colour) in enumerate([("Creuse", CREUSE_COLOUR), ("France", FRANCE_COLOUR)]):
        vals = [value(table, p[1 + k]) for p in pairs]
        _bar_labels(c, c.bar(x + (k - 0.5) * 0.38, vals, 0.38, label=name, color=colour), vals, 2)
    c.set_xticks(x, [p[0] for p in pairs])
    c.set_title("Entrées par habitant", fontsize=10)
    c.set_ylim(0, value(table, "france_entrees_par_habitant_2024") * 1.3)
    c.legend(frameon=False, fontsize=8, loc="upper left")
    ids = ["creuse_cinemas_2022", "creuse_ecrans_2022", *entry_ids, pop_id, seats_id,
           "nouvelle_aquitaine_habitants_par_fauteuil_2015", "france_habitants_par_fauteuil_2023",
           *[i for p in pairs for i in p[1:]]]
    return _finish(fig, table, ids)


def plot_national_attendance(table: pd.DataFrame | None = None) -> Figure:
    """National entries 2019-2024 and the French and US films' market shares."""
    table = load_market_figures() if table is None else table
    years = list(range(2019, 2025))
    known = [y for y in years if f"france_entrees_{y}" in set(table["id"])]
    fig, (a, b) = _figure(2, "France : la fréquentation remonte, les films français gagnent "
                          "des parts de marché")
    ids = [f"france_entrees_{y}" for y in known]
    entries = [value(table, i) for i in ids]
    _bar_labels(a, a.bar(known, entries, color="#999999"), entries)
    for y in sorted(set(years) - set(known)):
        a.text(y, 5, "non\ndisponible\n(Covid)", ha="center", fontsize=8, color="#555555")
    a.set_title("Entrées en salles (millions)", fontsize=10)
    a.set_ylim(0, max(entries) * 1.2)
    a.set_xticks(years)
    for slug, name, colour, marker in [("francais", "Films français", CREUSE_COLOUR, "o"),
                                       ("americains", "Films américains", FRANCE_COLOUR, "s")]:
        sids = [f"france_part_films_{slug}_{y}" for y in known]
        ids += sids
        vals = [value(table, i) for i in sids]
        b.plot(known, vals, marker=marker, color=colour, linewidth=2, label=name)
        for y, v in zip(known, vals, strict=True):
            b.annotate(f"{fmt(v)} %", (y, v), textcoords="offset points", fontsize=8,
                       xytext=(0, 8 if slug == "francais" else -14), ha="center", color=colour)
    b.set_title("Part de marché (% des entrées)", fontsize=10)
    b.set_ylim(0, 70)
    b.set_xticks(years)
    b.legend(frameon=False, fontsize=8, loc="upper right")
    return _finish(fig, table, ids)


def plot_audience_age(table: pd.DataFrame | None = None) -> Figure:
    """Share of national entries by age group, and entries per spectator by age (2024)."""
    table = load_market_figures() if table is None else table
    years = [y for y in ("2018", "2023", "2024")
             if f"france_part_entrees_moins_25_{y}" in set(table["id"])]
    groups = [("moins_25", "moins de 25 ans", PALETTE[4]), ("25_49", "25-49 ans", PALETTE[2]),
              ("50_plus", "50 ans et plus", PALETTE[1])]
    fig, (a, b) = _figure(2, "Les 50 ans et plus font plus de 4 entrées sur 10 en France",
                          gridspec_kw={"width_ratios": [1.6, 1]})
    ids, left = [], np.zeros(len(years))
    for slug, name, colour in groups:
        gids = [f"france_part_entrees_{slug}_{y}" for y in years]
        ids += gids
        vals = np.array([value(table, i) for i in gids])
        bars = a.barh(years, vals, left=left, color=colour, label=name)
        a.bar_label(bars, labels=[f"{fmt(v, 1)} %" for v in vals], label_type="center",
                    fontsize=9)
        left += vals
    a.invert_yaxis()
    a.set_xlim(0, 100)
    a.set_xlabel("% des entrées")
    a.set_title("Répartition des entrées par âge (France)", fontsize=10)
    a.legend(frameon=False, fontsize=8, ncols=3, loc="lower center", bbox_to_anchor=(0.5, -0.32))
    sids = ["france_entrees_par_spectateur_15_19_2024", "france_entrees_par_spectateur_2024",
            "france_entrees_par_spectateur_60_plus_2024"]
    vals = [value(table, i) for i in sids]
    bars = b.bar(["15-19 ans", "tous âges", "60 ans et +"], vals,
                 color=[PALETTE[4], "#BBBBBB", PALETTE[1]])
    _bar_labels(b, bars, vals, 1)
    b.set_title("Entrées par spectateur, 2024", fontsize=10)
    b.set_ylim(0, max(vals) * 1.25)
    return _finish(fig, table, ids + sids)


def plot_older_rural_preferences(table: pd.DataFrame | None = None) -> Figure:
    """What older and rural audiences favour: seniors, French films, rewatching classics."""
    table = load_market_figures() if table is None else table
    pairs = [("Public de 50 ans et +", "itinerants_part_50_plus_2019", "cinémas itinérants (rural)",
              "france_part_spectateurs_50_plus_2019", "tous cinémas"),
             ("Films français (% des entrées, 2022)", "creuse_part_films_francais_2022", "Creuse",
              "france_part_films_francais_2022", "France"),
             ("Revoir un film : motif du patrimoine", "patrimoine_revoir_55_plus_2025",
              "55 ans et +", "patrimoine_revoir_18_34_2025", "18-34 ans")]
    fig, (a, b, c) = _figure(3, "Ce que privilégient les publics âgés et ruraux", width=14,
                             height=5, gridspec_kw={"width_ratios": [1.6, 1.2, 0.7]})
    ids = []
    y = np.arange(len(pairs))
    for k, colour in enumerate((CREUSE_COLOUR, FRANCE_COLOUR)):
        vals = [value(table, p[1 + 2 * k]) for p in pairs]
        ids += [p[1 + 2 * k] for p in pairs]
        bars = a.barh(y + (k - 0.5) * 0.4, vals, 0.4, color=colour)
        names = [p[2 + 2 * k] for p in pairs]
        a.bar_label(bars, padding=3, fontsize=8,
                    labels=[f"{n} : {fmt(v)} %" for n, v in zip(names, vals, strict=True)])
    a.set_yticks(y, [textwrap.fill(p[0], 18) for p in pairs], fontsize=8)
    a.invert_yaxis()
    a.set_xlim(0, 160)
    a.set_xlabel("%")
    a.set_title("Public âgé ou rural (bleu) et référence (orange)", fontsize=10)
    cinemas = ["senechal", "colbert", "eden", "claude_miller", "alpha", "marchois"]
    cids = [f"{s}_part_films_francais_2022" for s in cinemas]
    vals = [value(table, i) for i in cids]
    names = [_row(table, i)["indicator"].split("— ")[1] for i in cids]
    bars = b.barh(names[::-1], vals[::-1], color=CREUSE_COLOUR)
    _bar_labels(b, bars, vals[::-1], 1, " %")
    france = value(table, "france_part_films_francais_2022")
    b.axvline(france, color=FRANCE_COLOUR, linestyle="--", label=f"France : {fmt(france)} %")
    b.legend(frameon=False, fontsize=8, loc="upper right")
    b.set_xlim(0, 100)
    b.tick_params(axis="y", labelsize=8)
    b.set_title("Films français par cinéma creusois, 2022", fontsize=10)
    hids = ["patrimoine_entrees_par_seance_2022", "inedits_entrees_par_seance_2022"]
    hvals = [value(table, i) for i in hids]
    _bar_labels(c, c.bar(["patrimoine\n(20 ans et +)", "films\ninédits"], hvals,
                         color=[CREUSE_COLOUR, FRANCE_COLOUR]), hvals, 1)
    c.set_title("Entrées par séance, France 2022", fontsize=10)
    c.set_ylim(0, max(hvals) * 1.25)
    return _finish(fig, table, ids + cids + hids, wspace=0.7)


#: Every chart of the market study, in notebook order.
CHARTS = (plot_age_structure, plot_population_trend, plot_cinema_offer, plot_national_attendance,
          plot_audience_age, plot_older_rural_preferences)
