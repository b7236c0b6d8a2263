"""``python -m helpers recommend "le fabuleux destin d amelie" --also intouchables``.

Finds the typed films with :mod:`helpers.reco.search`, queries the saved recommender
(``helpers.config.model_path()``) and prints the films with their reasons, in French.
Without a title it asks for them interactively.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

import pandas as pd

from helpers import config
from helpers.fmt import fr_number
from helpers.reco.search import INDEX_FOLDER, Match, TitleIndex, UnknownTitle, find


def ask_titles(index: TitleIndex, read: Callable[[str], str] | None = None) -> list[Match]:
    """Ask the liked films one by one with ``read`` (default ``input``) until an empty line."""
    read = read or input
    print("Quels films avez-vous aimés ? Un titre par ligne, ligne vide pour terminer.")
    chosen: list[Match] = []
    while True:
        try:
            text = read("Film aimé : " if not chosen else "Autre film (Entrée pour terminer) : ")
        except EOFError:
            break
        if not text.strip():
            break
        try:
            match, note = find(index, text)
        except UnknownTitle as exc:
            print(exc)
            continue
        chosen.append(match)
        print(f"  -> {match.label}" + (f"\n{note}" if note else ""))
    return chosen


def recommendation_rows(recs: pd.DataFrame, movies: pd.DataFrame,
                        index: TitleIndex) -> list[dict]:
    """One dict per recommended film: rank, id, display title, year, rating, score, reason."""
    rows = []
    for rank, rec in enumerate(recs.itertuples(index=False), start=1):
        film = index.film(rec.tconst)
        rating = movies.loc[rec.tconst, "average_rating"]
        rows.append({
            "rank": rank, "tconst": rec.tconst, "title": film.title, "label": film.label,
            "original_title": film.original_title, "year": film.year,
            "rating": None if pd.isna(rating) else round(float(rating), 1),
            "score": round(float(rec.score), 4), "reason": rec.reason,
        })
    return rows


def format_text(liked: list[tuple[Match, str | None]], rows: list[dict]) -> str:
    """The human-readable answer: the chosen films (with homonym hints), then the
    numbered recommendations."""
    lines = ["Vous avez aimé :"]
    for match, note in liked:
        lines += [f"  • {match.label}"] + ([note] if note else [])
    if not rows:
        lines += ["", "Aucun film ne correspond à ces critères : élargissez les filtres."]
        return "\n".join(lines)
    lines += ["", f"Nous vous recommandons ({len(rows)} film{'s' if len(rows) > 1 else ''}) :"]
    for row in rows:
        rating = f"note IMDb {fr_number(row['rating'], 1)}/10" if row["rating"] else "non noté"
        lines.append(f"{row['rank']:>2}. {row['label']} — {rating}")
        lines.append(f"    {row['reason']}")
    return "\n".join(lines)


def add_recommend_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("title", nargs="?",
                        help="a film you liked (French or original title, typos allowed, "
                             "'Dune (2021)' or an IMDb id); asked interactively if omitted")
    parser.add_argument("--also", action="append", default=[], metavar="TITLE",
                        help="another film you liked (repeatable)")
    parser.add_argument("--avoid", action="append", default=[], metavar="TITLE",
                        help="a film you did not like: steer away from it (repeatable)")
    parser.add_argument("-n", "--count", type=int, default=10, help="how many films (default 10)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--french-only", action="store_true", help="French productions only")
    parser.add_argument("--decades", type=int, nargs=2, metavar=("FROM", "TO"),
                        help="release decades, e.g. --decades 1990 2009")
    parser.add_argument("--genres", nargs="+", metavar="GENRE",
                        help="keep films of any of these genres (IMDb or French names)")
    parser.add_argument("--min-rating", type=float, help="minimum IMDb rating (0-10)")
    parser.add_argument("--local-preference", type=float,
                        help="0-1: lean toward the local audience's tastes "
                             "(default: helpers.audience.CREUSE)")
    parser.add_argument("--discovery", action="store_true",
                        help="favour lesser-known films (lower popularity prior)")


def run_recommend(args: argparse.Namespace) -> int:
    from helpers.reco.model import Recommender

    if args.count < 1:
        print("Le nombre de films (-n) doit être au moins 1.", file=sys.stderr)
        return 2
    model = Recommender.load(config.model_path())
    index = TitleIndex.cached(model.movies_, config.model_path() / INDEX_FOLDER,
                              model.catalogue_digest)
    try:
        typed = [t for t in [args.title, *args.also] if t and t.strip()]
        found = [find(index, t) for t in typed]
        avoided = [find(index, t)[0] for t in args.avoid]
    except UnknownTitle as exc:
        print(exc, file=sys.stderr)
        return 1
    if not typed:
        found = [(m, None) for m in ask_titles(index)]
        if not found:
            print("Aucun film choisi : rien à recommander.", file=sys.stderr)
            return 1
    recs = model.recommend(
        [m.tconst for m, _ in found], k=args.count, avoid=[m.tconst for m in avoided],
        decades=tuple(args.decades) if args.decades else None, genres=args.genres,
        min_rating=args.min_rating, french_only=args.french_only,
        local_preference=args.local_preference, discovery=args.discovery)
    rows = recommendation_rows(recs, model.movies_, index)
    if args.json:
        chosen = [{"tconst": m.tconst, "title": m.title, "year": m.year, "label": m.label}
                  for m, _ in found]
        print(json.dumps({"liked": chosen, "recommendations": rows}, ensure_ascii=False,
                         indent=1))
    else:
        print(format_text(found, rows))
    return 0
