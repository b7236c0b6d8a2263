"""The exploration's findings as French text computed from the data.

One function per section returns a :class:`Section` (plain-text paragraphs and
bullet lists) rendered as Markdown in 03_exploration.ipynb and as HTML in the
report's document "Choix de nettoyage et conclusions de l'exploration"
(:func:`write_findings`), so both always state the same computed numbers and none
is typed by hand. Every section says so in French when a part of the data is
missing (no TMDB data, no series, no birth years...) instead of failing.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers import config, files
from helpers.analysis import kpi
from helpers.audience import CREUSE, AudienceProfile
from helpers.data import catalog
from helpers.fmt import country_fr, fr_money, fr_number, fr_percent, genre_fr, title_type_fr
from helpers.schema import TABLES

Tables = dict[str, pd.DataFrame]
DOCUMENT_TITLE = "Choix de nettoyage et conclusions de l'exploration"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|<>])")


@dataclass
class Section:
    """A titled piece of French text: each block is a paragraph (str) or a bullet list."""

    title: str
    blocks: list[str | list[str]] = field(default_factory=list)

    def add(self, block: str | list[str]) -> None:
        """Append a paragraph or a (non-empty) bullet list."""
        if block:
            self.blocks.append(block)

    def markdown(self, level: int = 3) -> str:
        """Markdown with every data-borne character escaped (titles may contain ``*`` or ``<``)."""
        def esc(text: str) -> str:
            return _MD_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;"))
        parts = [f"{'#' * level} {esc(self.title)}"]
        for block in self.blocks:
            parts.append("\n".join(f"- {esc(b)}" for b in block) if isinstance(block, list)
                         else esc(block))
        return "\n\n".join(parts)

    def html(self, level: int = 2) -> str:
        """HTML, every text escaped."""
        parts = [f"<h{level}>{html.escape(self.title)}</h{level}>"]
        for block in self.blocks:
            if isinstance(block, list):
                items = "".join(f"<li>{html.escape(b)}</li>" for b in block)
                parts.append(f"<ul>{items}</ul>")
            else:
                parts.append(f"<p>{html.escape(block)}</p>")
        return "\n".join(parts)


def load_tables(processed: Path | str | None = None) -> Tables:
    """The five processed tables (``helpers.config.processed_dir()`` by default)."""
    return {name: catalog.load_table(name, processed) for name in TABLES}


def _n(value: float) -> str:
    return fr_number(value)


def _count(n: float, word: str, plural: str | None = None) -> str:
    """French count: "0 film", "1 film", "2 films" (singular below 2)."""
    return f"{fr_number(n)} {word if n < 2 else plural or word + 's'}"


def _films(n: int) -> str:
    return _count(n, "film")


def _rating(value: float) -> str:
    return f", note moyenne {fr_number(value, 1)}/10" if value == value else ""


def _title(row: pd.Series) -> str:
    title = row["french_title"] if pd.notna(row["french_title"]) else row["primary_title"]
    year = f" ({int(row['year'])})" if pd.notna(row["year"]) else ""
    return f"{title}{year}"


def _enumerate(items: list[str]) -> str:
    """French enumeration: "a, b et c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


# ------------------------------------------------------------------ data and cleaning
def data_origin(manifest: dict) -> str:
    """Which data the numbers come from (synthetic demo said loudly), in French."""
    date = str(manifest.get("created", "date inconnue"))[:10]
    missing = manifest.get("missing_files") or []
    text = (f"Données SYNTHÉTIQUES de démonstration (générées, pas de vraies données IMDb/TMDB), "
            f"traitées le {date}." if manifest.get("synthetic") else
            f"Données IMDb et TMDB traitées le {date}.")
    if missing:
        text += f" Fichiers absents de la source : {', '.join(missing)}."
    return text


def cleaning(manifest: dict) -> Section:
    """Cleaning choices of the ingest: each step with rows in and out, and why."""
    s = Section("Choix de nettoyage")
    steps = manifest.get("steps") or []
    filters = [st for st in steps if st.get("kind") == "filter"]
    coverage = [st for st in steps if st.get("kind") == "coverage"]
    if not steps:
        s.add("Le manifeste de l'ingestion ne décrit aucune étape de nettoyage.")
    if filters:
        s.add("Filtres appliqués dans l'ordre (détail et graphiques dans 02_cleaning.ipynb) :")
        s.add([f"{st['step']} : {_n(st['rows_in'])} → {_n(st['rows_out'])} titres "
               f"({_n(st['rows_in'] - st['rows_out'])} écartés). {st['why']}"
               for st in filters])
    if coverage:
        s.add("Couverture des informations complémentaires :")
        s.add([f"{st['step']} : {_n(st['rows_out'])} sur {_n(st['rows_in'])} "
               f"({fr_percent(st['rows_out'] / st['rows_in']) if st['rows_in'] else 'n.d.'}). "
               f"{st['why']}" for st in coverage])
    tables = manifest.get("tables") or {}
    if tables:
        s.add("Tables produites : " + ", ".join(
            f"{name} ({_n(info.get('rows', 0))} lignes)" for name, info in tables.items()) + ".")
    return s


# ------------------------------------------------------------------------ overview
def overview(t: Tables) -> Section:
    """Headline figures of the catalogue."""
    s = Section("Le catalogue en bref")
    f = kpi.key_figures(t["movies"], t["people"], t["credits"], t["series"])
    if not f["n_films"]:
        s.add("Le catalogue ne contient aucun film : vérifiez les données sources et les "
              "paramètres de nettoyage.")
        return s
    s.add(f"Le catalogue compte {_films(f['n_films'])} sortis de {f['first_year']} à "
          f"{f['last_year']}, avec {_n(f['n_actors'])} acteurs et actrices ; "
          + (f"{_count(f['n_series'], 'série')} {'sert' if f['n_series'] < 2 else 'servent'}"
             " de point de comparaison." if f["n_series"]
             else "aucune série n'est disponible pour comparaison."))
    rating = (f" ; note IMDb moyenne : {fr_number(f['mean_rating'], 1)}/10"
              if f["mean_rating"] == f["mean_rating"] else " ; pas de notes IMDb")
    tmdb = (f"Données TMDB (affiche, résumé, pays, budget) : {_films(f['n_with_tmdb'])} "
            f"({fr_percent(f['n_with_tmdb'] / f['n_films'])})." if f["n_with_tmdb"]
            else "Aucune donnée TMDB (affiche, résumé, pays, budget) dans cette source.")
    s.add(f"Durée médiane : {fr_number(f['median_runtime'])} minutes{rating}. Productions "
          f"françaises : {fr_percent(f['share_french'])} des films ; films ayant un titre "
          f"français : {fr_percent(f['share_french_title'])}. {tmdb}")
    return s


def catalogue(t: Tables) -> Section:
    """What a cinema expects: types, genres, decades, runtimes, ratings, votes, countries,
    budgets and directors."""
    movies = t["movies"]
    s = Section("Statistiques du catalogue")
    types = kpi.titles_by_type(t["title_counts"])
    if not types.empty:
        top = [f"{title_type_fr(r.title_type)} {fr_percent(r.share)}"
               for r in types.head(4).itertuples()]
        s.add(f"Avant tout filtre, la source recense {_n(types['n_titles'].sum())} titres : "
              f"{_enumerate(top)}.")
    if movies.empty:
        s.add("Aucun film : pas d'autre statistique.")
        return s
    genres = kpi.films_by_genre(movies)
    if not genres.empty:
        s.add("Genres les plus fréquents : " + _enumerate(
            [f"{r.label} ({_films(r.n_films)}, {fr_percent(r.share)})"
             for r in genres.head(5).itertuples()]) + ".")
    decades = kpi.films_by_decade(movies)
    if not decades.empty:
        best = next(decades.sort_values(["n_films", "decade"], ascending=[False, True])
                    .itertuples())
        s.add(f"La décennie la plus représentée est celle des années {best.decade} "
              f"({_films(best.n_films)}, {fr_percent(best.share)} du catalogue).")
    runtime = movies["runtime"].dropna().astype("float64")
    rating = movies["average_rating"].dropna().astype("float64")
    if len(runtime):
        q1, q3 = runtime.quantile([0.25, 0.75])
        s.add(f"La moitié des films dure entre {fr_number(q1)} et {fr_number(q3)} minutes.")
    if len(rating):
        s.add(f"Note IMDb médiane : {fr_number(rating.median(), 1)}/10 ; "
              f"{fr_percent((rating >= 7).mean())} des films notés ont au moins 7/10. "
              f"Nombre de votes médian : {fr_number(movies['num_votes'].median())}.")
    else:
        s.add("Aucune note IMDb dans les données (fichier des notes absent).")
    countries = kpi.top_countries(movies, n=5)
    s.add("Pays de production (TMDB) les plus fréquents : " + _enumerate(
        [f"{country_fr(r.country)} ({fr_percent(r.share)})" for r in countries.itertuples()])
        + "." if not countries.empty else
        "Pays de production : pas de données TMDB dans cette source.")
    money = kpi.money_by_decade(movies)
    if money.empty:
        s.add("Budgets et recettes : pas de données TMDB dans cette source.")
    else:
        budgets = movies["budget"].where(movies["budget"] > 0).dropna()
        s.add(f"Budget connu pour {_films(len(budgets))} ; budget médian "
              f"{fr_money(budgets.median())}.")
    directors = kpi.top_directors(movies, n=3)
    s.add("Réalisateurs les plus présents : " + _enumerate(
        [f"{r.name} ({_films(r.n_films)})" for r in directors.itertuples()]) + "."
        if not directors.empty else "Aucun réalisateur renseigné dans cette source.")
    return s


# --------------------------------------------------------------------- five analyses
def actors(t: Tables) -> Section:
    """Analysis 1: most present actors, their periods, and who dominated each decade."""
    s = Section("Les acteurs et actrices les plus présents")
    top = kpi.top_actors(t["credits"], t["people"], n=5)
    if top.empty:
        s.add("Aucun crédit d'interprète dans les données : analyse impossible.")
        return s
    s.add("Les plus présents du catalogue (nombre de films, période d'activité, décennie la plus "
          "active) :")
    s.add([f"{r.name} : {_films(r.n_films)}, de {r.first_year} à {r.last_year}, surtout dans "
           f"les années {r.peak_decade} ({_films(r.peak_decade_films)})"
           for r in top.itertuples()])
    leaders = kpi.top_actors_by_decade(t["credits"], t["people"], n=1)
    if not leaders.empty:
        s.add("Qui a dominé chaque décennie : " + _enumerate(
            [f"années {r.decade} : {r.name} ({_films(r.n_films)})"
             for r in leaders.itertuples()]) + ".")
    return s


def runtime(t: Tables, manifest: dict | None = None) -> Section:
    """Analysis 2: runtime over the decades, with the cleaning bounds that shaped it."""
    s = Section("L'évolution de la durée des films")
    per = kpi.runtime_by_period(t["movies"], "decade")
    if per.empty:
        s.add("Aucune durée connue : analyse impossible.")
        return s
    rows = list(per.itertuples())
    first, last = rows[0], rows[-1]
    longest = max(rows, key=lambda r: (r.mean, -r.decade))
    if len(rows) == 1:
        s.add(f"Tous les films datent des années {first.decade} : durée moyenne "
              f"{fr_number(first.mean)} minutes, médiane {fr_number(first.median)} "
              f"({_films(first.n_films)}) ; pas d'évolution à décrire.")
    else:
        s.add(f"Durée moyenne : {fr_number(first.mean)} minutes dans les années {first.decade} "
              f"({_films(first.n_films)}), {fr_number(last.mean)} minutes dans les années "
              f"{last.decade} ({_films(last.n_films)}). La décennie aux films les plus longs "
              f"est celle des années {longest.decade} ({fr_number(longest.mean)} minutes en "
              f"moyenne, médiane {fr_number(longest.median)}).")
    thin = per[per["n_films"] < 30]
    if not thin.empty:
        s.add(f"{_count(len(thin), 'décennie')} sur {_n(len(per))} "
              f"{'repose' if len(thin) < 2 else 'reposent'} sur moins de 30 films : "
              "l'intervalle de confiance y est large, à lire avec prudence.")
    params = (manifest or {}).get("params") or {}
    step = next((st for st in (manifest or {}).get("steps") or [] if st.get("id") == "runtime"),
                None)
    if params and step:
        removed = _films(step["rows_in"] - step["rows_out"])
        s.add(f"Le nettoyage a gardé les durées de {params['min_runtime']} à "
              f"{params['max_runtime']} minutes et écarté {removed} (courts métrages mal "
              "classés, durées aberrantes ou inconnues), qui fausseraient les moyennes.")
    return s


def films_vs_series(t: Tables) -> Section:
    """Analysis 3: people in films, series or both; crossovers; careers and genres."""
    s = Section("Cinéma et séries : les mêmes interprètes ?")
    credits = t["credits"]
    overlap = kpi.films_series_overlap(credits).set_index("group")
    if not overlap["n_people"].sum():
        s.add("Aucun crédit d'interprète dans les données : analyse impossible.")
        return s
    s.add(", ".join(f"{r.label} : {_count(r.n_people, 'personne')} ({fr_percent(r.share)})"
                    for r in overlap.itertuples()) + ".")
    if not (credits["title_kind"] == kpi.SERIES).any():
        s.add("Aucune série dans les données : la comparaison cinéma/séries n'est pas possible "
              "sur cette source.")
        return s
    cross = kpi.top_crossovers(credits, t["people"], n=3)
    if not cross.empty:
        s.add("Les plus présents des deux côtés : " + _enumerate(
            [f"{r.name} ({_films(r.n_films)}, {_count(r.n_series, 'série')})"
             for r in cross.itertuples()]) + ".")
    careers = kpi.careers_by_group(credits).set_index("group")
    both, films = careers.loc["both"], careers.loc["films_only"]
    if both["n_people"] and films["n_people"]:
        richer = ("plus riches" if both["mean_titles"] > films["mean_titles"] else
                  "moins riches" if both["mean_titles"] < films["mean_titles"] else "comparables")
        s.add(f"Ceux qui passent de l'un à l'autre ont des carrières {richer} : "
              f"{fr_number(both['mean_titles'], 1)} titres en moyenne sur "
              f"{fr_number(both['median_span_years'])} ans (médiane), contre "
              f"{fr_number(films['mean_titles'], 1)} titres sur "
              f"{fr_number(films['median_span_years'])} ans pour les interprètes de cinéma seul.")
    genres = kpi.genres_by_group(credits, t["movies"], t["series"])
    films_g = genres[genres["kind"] == kpi.MOVIE]
    tops = {g: films_g[films_g["group"] == g].head(1) for g in ("both", "films_only")}
    if all(not v.empty for v in tops.values()):
        b, f = tops["both"].iloc[0], tops["films_only"].iloc[0]
        s.add(f"Au cinéma, le genre le plus joué est {genre_fr(b['genre'])} "
              f"({fr_percent(b['share'])} des rôles) pour ceux qui jouent aussi en série, "
              f"{genre_fr(f['genre'])} ({fr_percent(f['share'])}) pour les autres.")
    return s


def ages(t: Tables) -> Section:
    """Analysis 4: age at release, actors vs actresses, first-billed vs other roles."""
    s = Section("L'âge des interprètes")
    cov = kpi.age_coverage(t["credits"], t["people"])
    if not cov["n_actors"]:
        s.add("Aucun crédit d'interprète dans les données : analyse impossible.")
        return s
    s.add(f"L'année de naissance est inconnue pour {_n(cov['n_unknown_birth'])} des "
          f"{_n(cov['n_actors'])} interprètes ({fr_percent(cov['share_unknown_birth'])}) : "
          f"l'âge est calculé sur les {_n(cov['n_credits_with_age'])} rôles où elle est connue "
          f"(année de sortie moins année de naissance) ; âges impossibles (négatifs ou "
          f"supérieurs à {kpi.MAX_AGE} ans) écartés : {_n(cov['n_impossible_ages'])}.")
    a = kpi.credit_ages(t["credits"], t["people"])
    if a.empty:
        s.add("Aucun âge calculable sur cette source.")
        return s
    cat = kpi.age_by(a, "category").set_index("category")
    labels = {"actor": "acteurs", "actress": "actrices"}
    s.add("Âge moyen au moment de la sortie : " + _enumerate(
        [f"{labels.get(c, c)} {fr_number(r.mean_age, 1)} ans (médiane {fr_number(r.median_age)})"
         for c, r in cat.iterrows()]) + ".")
    lead = kpi.age_by(a, "leading").set_index("leading")
    if len(lead) == 2:
        first, other = lead.loc[True, "mean_age"], lead.loc[False, "mean_age"]
        s.add(f"Premiers rôles (premier nom au générique) : {fr_number(first, 1)} ans en "
              f"moyenne, contre {fr_number(other, 1)} ans pour les autres rôles.")
    dec = kpi.age_by(a, "decade")
    if len(dec) > 1:
        s.add(f"L'âge moyen passe de {fr_number(dec['mean_age'].iloc[0], 1)} ans dans les années "
              f"{dec['decade'].iloc[0]} à {fr_number(dec['mean_age'].iloc[-1], 1)} ans dans les "
              f"années {dec['decade'].iloc[-1]}.")
    return s


def best_rated(t: Tables) -> Section:
    """Analysis 5: vote-weighted best films and what they share, against the catalogue."""
    s = Section("Les films les mieux notés et ce qu'ils ont en commun")
    movies = t["movies"]
    m, c = kpi.bayes_prior(movies)
    if m != m:  # nan: no rated film
        s.add("Aucune note IMDb dans les données : classement impossible.")
        return s
    n_top = kpi.default_top_n(movies)
    s.add(f"Une note brute favorise les films peu votés ; le score retenu pondère la note par "
          f"le nombre de votes (moyenne bayésienne) : score = v/(v+m)·R + m/(v+m)·C, avec "
          f"m = {fr_number(m)} votes (75e centile des votes) et C = {fr_number(c, 2)}/10 "
          f"(note moyenne du catalogue).")
    top = kpi.top_rated(movies, n=n_top)
    s.add("En tête : " + _enumerate([f"{_title(r)} ({fr_number(r['score'], 2)})"
                                     for _, r in top.head(5).iterrows()]) + ".")
    found = []
    for column, label, fmt in (("genres", "genres", genre_fr),
                               ("decade", "décennies", lambda d: f"années {d}"),
                               ("runtime_band", "durées", str),
                               ("countries", "pays", country_fr),
                               ("director_names", "réalisateurs", str)):
        over = kpi.overrepresentation(top, movies, column, n=None)
        over = over[(over["n_top"] >= 2) & (over["ratio"] > 1)].head(3)
        if not over.empty:
            found.append(f"{label} : " + ", ".join(
                f"{fmt(r.value)} × {fr_number(r.ratio, 1)}" for r in over.itertuples()))
    if found:
        s.add(f"Comparés à l'ensemble du catalogue, les {_n(len(top))} mieux notés "
              "sur-représentent (part dans le top / part dans le catalogue, valeurs portées "
              "par au moins 2 films du top) :")
        s.add(found)
    return s


# ------------------------------------------------------------------ programming
def programming(t: Tables, profile: AudienceProfile = CREUSE) -> Section:
    """Conclusions for the programming, tied to the market study's audience settings."""
    s = Section("Conclusions pour la programmation")
    movies = t["movies"]
    if movies.empty:
        s.add("Catalogue vide : aucune conclusion possible.")
        return s
    first, last = min(profile.favoured_decades), max(profile.favoured_decades) + 9
    genres = _enumerate([genre_fr(g) for g in profile.favoured_genres])
    s.add("L'étude de marché décrit un public creusois plus âgé et plus rural que la moyenne "
          f"nationale. Ses préférences, traduites en réglages dans helpers/audience.py : films "
          f"français, genres {genres}, classiques de {first} à {last}, séances d'au plus "
          f"{profile.max_runtime} minutes. Ce que le catalogue lui offre :")
    offer = kpi.audience_offer(movies, profile)
    s.add([f"{r.segment} : {_films(r.n_films)} ({fr_percent(r.share)}){_rating(r.mean_rating)}"
           for r in offer.iloc[1:].itertuples()])
    s.add("« Tous critères réunis » : film français, d'un genre favori, des décennies "
          "favorites et de durée raisonnable à la fois.")
    rated = offer[offer["segment"].str.startswith("Genre") & offer["mean_rating"].notna()]
    if not rated.empty:
        best = rated.sort_values(["mean_rating", "segment"], ascending=[False, True]).iloc[0]
        overall = offer["mean_rating"].iloc[0]
        verdict = ("un point d'appui sûr pour les séances destinées à ce public"
                   if round(best["mean_rating"], 1) > round(overall, 1) else
                   "aucun genre favori ne dépasse la moyenne : mieux vaut s'appuyer sur les "
                   "titres les mieux notés ci-dessous")
        s.add(f"Parmi les genres favoris, le mieux noté est « "
              f"{best['segment'].removeprefix('Genre : ')} » "
              f"({fr_number(best['mean_rating'], 1)}/10 en moyenne, contre "
              f"{fr_number(overall, 1)}/10 pour tout le catalogue) : {verdict}.")
    for label, picks in (("Films français à programmer en priorité",
                          kpi.audience_picks(movies, profile, n=5, french_only=True)),
                         ("Classiques des genres favoris",
                          kpi.audience_picks(movies, profile, n=5))):
        if not picks.empty:
            s.add(f"{label} (meilleur score pondéré) : "
                  + _enumerate([_title(r) for _, r in picks.iterrows()]) + ".")
    s.add(f"Ces constats pilotent le recommandeur et le tableau de bord : préférence locale par "
          f"défaut {fr_number(profile.local_preference, 1)}, bonus aux films français "
          f"{fr_number(profile.french_bonus, 1)}, genres et décennies favoris ci-dessus, films "
          f"de plus de {profile.max_runtime} minutes légèrement pénalisés.")
    return s


def exploration(t: Tables, manifest: dict | None = None,
                profile: AudienceProfile = CREUSE) -> list[Section]:
    """Every exploration section, in the notebook's order."""
    return [overview(t), catalogue(t), actors(t), runtime(t, manifest), films_vs_series(t),
            ages(t), best_rated(t), programming(t, profile)]


# ------------------------------------------------------------------------ document
_CSS = """body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:52em;
margin:2em auto;padding:0 1em;line-height:1.5;color:#222}h1{font-size:1.7em}
h2{margin-top:1.6em;border-bottom:1px solid #ddd}.banner{background:#fff3cd;
border:1px solid #e0b000;padding:.6em 1em;font-weight:bold}li{margin:.3em 0}"""


def render_html(manifest: dict, t: Tables, profile: AudienceProfile = CREUSE) -> str:
    """The complete French HTML document (self-contained, every text escaped)."""
    origin = html.escape(data_origin(manifest))
    banner = f'<p class="banner">{origin}</p>' if manifest.get("synthetic") else f"<p>{origin}</p>"
    body = "\n".join(sec.html() for sec in [cleaning(manifest), *exploration(t, manifest,
                                                                             profile)])
    return (f'<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(DOCUMENT_TITLE)}</title>\n<style>{_CSS}</style>\n</head>\n"
            f"<body>\n<h1>{html.escape(DOCUMENT_TITLE)}</h1>\n{banner}\n{body}\n</body>\n</html>\n")


def write_findings(processed_dir: Path | None, out_path: Path) -> Path:
    """Write the French document on cleaning choices and exploration conclusions, computed
    from the processed tables of ``processed_dir`` (configured folder when None)."""
    folder = Path(processed_dir) if processed_dir is not None else config.processed_dir()
    text = render_html(catalog.load_manifest(folder), load_tables(folder))
    return files.write_text(Path(out_path), text)
