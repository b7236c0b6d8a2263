"""Offline evaluation on real MovieLens ratings: the ML-LOO protocol of ``docs/evaluation.md``.

The catalogue is built from the real TMDB/IMDb samples in the MOVIES schema, so
the production :class:`~helpers.reco.model.Recommender` is evaluated unchanged.
Cast and crew are missing for these films: the people features are not measured.
Filters are off; MMR diversity is on (as in production). The project's model is shown in
the neutral setting (no local-audience re-ranking) and in the production default
(``CREUSE.local_preference``), with the hub figures of its all-films lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.preprocessing import normalize

from helpers import config
from helpers.audience import CREUSE
from helpers.data.ingest import parse_cell, parse_list_cell
from helpers.errors import CineError
from helpers.reco.features import multi_hot
from helpers.schema import MOVIES

if TYPE_CHECKING:
    from helpers.reco.model import FeatureWeights, Recommender

#: TMDB genre names that differ from IMDb's (None: no IMDb equivalent, dropped).
TMDB_TO_IMDB_GENRES: dict[str, str | None] = {
    "Science Fiction": "Sci-Fi", "TV Movie": None, "Foreign": None,
}
LIKED_RATING = 4.0
MIN_LIKED = 6
HISTORY = 5
LAST_POSITIONS = 20
K = 10
#: How many of the most frequent films of the all-films lists are named.
TOP_HUBS = 5
OURS = "Ciné Creuse"
LOCAL = f"Ciné Creuse (préférence locale {CREUSE.local_preference:.1f})".replace(".", ",")
DISCOVERY = "Ciné Creuse (découverte)"
BASE = "Ciné Creuse sans re-classement appris"
NOTE = ("Catalogue MovieLens x TMDB : pas de distribution ni d'équipe technique pour la plupart "
        "des films, les caractéristiques « personnes » ne sont donc pas mesurées.")

_ML = "movielens_ml-latest-small"
_MM = "the_movies_dataset_kaggle/movies_metadata_first4627rows.csv"
_POSTERS = "the_movies_dataset_kaggle/movies_metadata_allrows_imdbid_poster.csv"
_T5 = "tmdb_5000_kaggle/tmdb_5000_movies_allrows_no_keywords.csv"
_IMDB_RATINGS = "imdb_title_ratings_head/title.ratings.first132011rows.tsv"


# ------------------------------------------------------------------ catalogue
def _collection_name(cell: object) -> str | None:
    value = parse_cell(cell)
    return value.get("name") if isinstance(value, dict) else None


def _imdb_genres(names: list[str]) -> list[str]:
    out = [TMDB_TO_IMDB_GENRES.get(n, n) for n in names]
    return [g for g in dict.fromkeys(out) if g]


def _tmdb_table(path: Path, date_format: str | None) -> pd.DataFrame:
    """A TMDB metadata CSV normalised to the columns the catalogue needs."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    raw = raw[pd.to_numeric(raw["id"], errors="coerce").notna()].copy()
    collection = raw.get("belongs_to_collection", pd.Series(None, index=raw.index))
    text = {c: raw[c].str.replace(r"\s+", " ", regex=True).str.strip()
            for c in ("overview", "tagline")}
    return pd.DataFrame({
        "tmdb_id": pd.to_numeric(raw["id"]).astype("int64"),
        "imdb_id": raw.get("imdb_id", pd.Series(None, index=raw.index)),
        "primary_title": raw["title"], "original_title": raw["original_title"],
        "genres": [_imdb_genres(parse_list_cell(c, "name")) for c in raw["genres"]],
        "overview": text["overview"], "tagline": text["tagline"],
        "collection": [_collection_name(c) for c in collection],
        "original_language": raw["original_language"],
        "countries": [parse_list_cell(c, "iso_3166_1") for c in raw["production_countries"]],
        "companies": [parse_list_cell(c, "name") for c in raw["production_companies"]],
        "release_date": pd.to_datetime(raw["release_date"], format=date_format, errors="coerce"),
        "runtime": pd.to_numeric(raw["runtime"], errors="coerce").where(lambda r: r > 0),
        "budget": pd.to_numeric(raw["budget"], errors="coerce"),
        "revenue": pd.to_numeric(raw["revenue"], errors="coerce"),
        "popularity": pd.to_numeric(raw["popularity"], errors="coerce"),
        "tmdb_vote_average": pd.to_numeric(raw["vote_average"], errors="coerce"),
        "tmdb_vote_count": pd.to_numeric(raw["vote_count"], errors="coerce"),
    }).drop_duplicates("tmdb_id")


def _match(links: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``table`` for each MovieLens movie: by tmdbId, else by imdbId."""
    by_tmdb = links.merge(table.drop(columns="imdb_id"), left_on="tmdbId", right_on="tmdb_id")
    rest = links[~links["movieId"].isin(by_tmdb["movieId"])]
    if table["imdb_id"].notna().any():
        by_imdb = rest.merge(table.dropna(subset=["imdb_id"]).drop_duplicates("imdb_id"),
                             left_on="tconst", right_on="imdb_id").drop(columns="imdb_id")
        by_tmdb = pd.concat([by_tmdb, by_imdb], ignore_index=True)
    return by_tmdb


@lru_cache(maxsize=4)
def _build(real_dir: Path) -> tuple[pd.DataFrame, pd.Series]:
    """(catalogue in the MOVIES schema, movieId -> tconst of its films)."""
    try:
        links = pd.read_csv(real_dir / _ML / "links.csv", dtype={"imdbId": str})
        mm = _tmdb_table(real_dir / _MM, "%Y-%m-%d")
        t5 = _tmdb_table(real_dir / _T5, "%m/%d/%Y")
        ratings = pd.read_csv(real_dir / _IMDB_RATINGS, sep="\t")
        posters = pd.read_csv(real_dir / _POSTERS, dtype=str).dropna(subset=["imdb_id"])
    except (OSError, KeyError, ValueError) as exc:
        raise CineError(f"real samples unreadable in {real_dir} ({exc}): see "
                        "../shared/data/real/MANIFEST.md") from exc
    links["tconst"] = "tt" + links["imdbId"].str.zfill(7)
    links["tmdbId"] = pd.to_numeric(links["tmdbId"], errors="coerce").astype("Int64")
    first = _match(links, mm)
    second = _match(links[~links["movieId"].isin(first["movieId"])], t5)
    cat = (pd.concat([first, second], ignore_index=True).sort_values("movieId")
           .drop_duplicates("tconst").reset_index(drop=True))
    imdb = ratings.set_index("tconst")
    poster = posters.drop_duplicates("imdb_id").set_index("imdb_id")["poster_path"]
    empty = [[] for _ in range(len(cat))]
    cat = cat.assign(
        french_title=None,
        year=cat["release_date"].dt.year,
        average_rating=cat["tconst"].map(imdb["averageRating"]),
        num_votes=cat["tconst"].map(imdb["numVotes"]),
        directors=empty, director_names=empty, writers=empty, writer_names=empty,
        cast=empty, cast_names=empty, keywords=empty,
        budget=cat["budget"].where(cat["budget"] > 0),
        revenue=cat["revenue"].where(cat["revenue"] > 0),
        poster_path=cat["tconst"].map(poster),
        release_date=cat["release_date"].dt.date,
        is_french=(cat["original_language"] == "fr") | cat["countries"].map(lambda c: "FR" in c),
    )
    mapping = cat.set_index("movieId")["tconst"]
    table = cat[MOVIES.names]
    return table.astype({"year": "Int16", "runtime": "Int16", "num_votes": "Int32",
                         "tmdb_vote_count": "Int32"}), mapping


def load_catalogue(real_dir: Path | None = None) -> pd.DataFrame:
    """MovieLens films with TMDB metadata, in the MOVIES schema (ordered by movieId)."""
    return _build(Path(real_dir or config.real_data_dir()).resolve())[0].copy()


def movie_ids(real_dir: Path | None = None) -> pd.Series:
    """MovieLens movieId -> tconst for the catalogue films (the schema has no movieId)."""
    return _build(Path(real_dir or config.real_data_dir()).resolve())[1].copy()


# ------------------------------------------------------------------- protocol
def liked_sequences(ratings: pd.DataFrame, positions: pd.Series) -> pd.Series:
    """Per user (with >= MIN_LIKED), liked catalogue positions in time order (ties: movieId).

    ``positions`` maps movieId -> catalogue position; other movies are ignored.
    """
    liked = ratings[(ratings["rating"] >= LIKED_RATING) & ratings["movieId"].isin(positions.index)]
    liked = liked.sort_values(["userId", "timestamp", "movieId"], kind="stable")
    liked = liked.assign(pos=liked["movieId"].map(positions).astype(np.int64))
    liked = liked.drop_duplicates(["userId", "pos"])
    seqs = liked.groupby("userId", sort=True)["pos"].agg(list)
    return seqs[seqs.map(len) >= MIN_LIKED]


def user_sequences(real_dir: Path | None = None, users: str = "reporting") -> pd.Series:
    """Liked catalogue positions in time order of one user half (odd ids: tuning)."""
    real_dir = Path(real_dir or config.real_data_dir()).resolve()
    positions = pd.Series(np.arange(len(movie_ids(real_dir))), index=movie_ids(real_dir).index)
    seqs = liked_sequences(pd.read_csv(real_dir / _ML / "ratings.csv"), positions)
    return seqs[seqs.index % 2 == {"tuning": 1, "reporting": 0}[users]]


def tuning_sequences(real_dir: Path | None = None) -> pd.Series:
    """The tuning users' liked sequences: the only ratings learning may read."""
    return user_sequences(real_dir, "tuning")


@dataclass(frozen=True)
class Cases:
    """Held-out cases: the user, the target film and both query variants."""

    user: np.ndarray
    target: np.ndarray
    single: list[list[int]]
    profile: list[list[int]]
    last: np.ndarray  # True for the user's very last liked film (ML-LOO proper)


def held_out_cases(seqs: pd.Series, users: str = "reporting") -> Cases:
    """The last LAST_POSITIONS liked films with >= HISTORY before them, for one user half."""
    parity = {"tuning": 1, "reporting": 0}[users]
    user, target, single, profile, last = [], [], [], [], []
    for uid, seq in seqs.items():
        if uid % 2 != parity:
            continue
        n = len(seq)
        for i in range(max(HISTORY, n - LAST_POSITIONS), n):
            user.append(uid)
            target.append(seq[i])
            single.append([seq[i - 1]])
            profile.append(list(seq[i - HISTORY:i]))
            last.append(i == n - 1)
    return Cases(np.asarray(user), np.asarray(target, dtype=np.int64), single, profile,
                 np.asarray(last, bool))


def hits_and_ndcg(recs: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per case: 1 if the target is in the list, and 1/log2(rank+1) (0 when absent)."""
    match = recs == target[:, None]
    hit = match.any(axis=1).astype(float)
    rank = match.argmax(axis=1) + 1
    return hit, np.where(hit > 0, 1.0 / np.log2(rank + 1), 0.0)


def genre_diversity(recs: np.ndarray, genres: np.ndarray) -> np.ndarray:
    """Per list: mean pairwise 1 - Jaccard of the films' genre sets (both empty: distance 0)."""
    g = genres[recs].astype(np.float32)  # lists x k x genres
    inter = np.einsum("qig,qjg->qij", g, g)
    size = g.sum(axis=2)
    union = size[:, :, None] + size[:, None, :] - inter
    dist = 1.0 - np.divide(inter, union, out=np.ones_like(inter), where=union > 0)
    i, j = np.triu_indices(recs.shape[1], 1)
    return dist[:, i, j].mean(axis=1)


def per_user_mean(values: np.ndarray, users: np.ndarray) -> float:
    """Average per user first, then over users (every user weighs the same)."""
    return float(pd.Series(values).groupby(users).mean().mean())


def wilson(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    if n == 0:
        return (0.0, 0.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (float(centre - half), float(centre + half))


def all_films_lists(model: Recommender, local_preference: float = 0.0,
                    discovery: bool = False) -> np.ndarray:
    """Top K of every catalogue film asked alone (the coverage and hub lists)."""
    return model.rank([[i] for i in range(len(model.index_))], K,
                      local_preference=local_preference, discovery=discovery)


def hubs(lists: np.ndarray, titles: Sequence[str], top: int = TOP_HUBS
         ) -> list[tuple[str, float]]:
    """The ``top`` films found in most lists, with the share of the lists holding each."""
    films, counts = np.unique(lists[lists >= 0], return_counts=True)
    order = np.lexsort((films, -counts))[:top]
    return [(str(titles[films[i]]), float(counts[i] / len(lists))) for i in order]


def popularity_reason_share(model: Recommender, queries: Sequence[Sequence[int]],
                            lists: np.ndarray) -> float:
    """Share of the recommendations whose reason is only the film's popularity and rating."""
    from helpers.reco.model import POPULARITY_REASON

    reasons = [r for q, row in zip(queries, lists, strict=True)
               for r in model.reasons(q, row[row >= 0])]
    return float(np.mean([r.startswith(POPULARITY_REASON) for r in reasons])) if reasons else 0.0


# -------------------------------------------------------------------- methods
Ranker = Callable[[Sequence[Sequence[int]], int], np.ndarray]


def top_k(scores: np.ndarray, queries: Sequence[Sequence[int]], k: int) -> np.ndarray:
    """Best ``k`` positions of each score row, query films excluded, ties by position."""
    scores = scores.copy()
    for r, q in enumerate(queries):
        scores[r, list(q)] = -np.inf
    part = np.argpartition(-scores, k, axis=1)[:, :k + 1]
    out = np.empty((len(queries), k), dtype=np.int64)
    for r in range(len(queries)):
        cand = np.sort(part[r])
        out[r] = cand[np.argsort(-scores[r, cand], kind="stable")][:k]
    return out


def knn_ranker(features: np.ndarray) -> Ranker:
    """Cosine kNN on dense features: the profile is the mean of the query films' rows."""
    feats = normalize(np.nan_to_num(features.astype(float)))

    def rank(queries: Sequence[Sequence[int]], k: int) -> np.ndarray:
        out = []
        for start in range(0, len(queries), 1000):
            chunk = queries[start:start + 1000]
            prof = np.stack([feats[list(q)].mean(axis=0) for q in chunk])
            out.append(top_k(prof @ feats.T, chunk, k))
        return np.concatenate(out)

    return rank


def popularity_ranker(votes: np.ndarray) -> Ranker:
    """Most-voted films, excluding the query films."""
    order = np.argsort(-np.nan_to_num(votes.astype(float)), kind="stable")

    def rank(queries: Sequence[Sequence[int]], k: int) -> np.ndarray:
        head = order[:k + max(map(len, queries), default=0)]
        return np.stack([head[~np.isin(head, list(q))][:k] for q in queries])

    return rank


def _standardise(x: pd.Series) -> np.ndarray:
    x = pd.to_numeric(x, errors="coerce").astype(float)
    return ((x - x.mean()) / (x.std() or 1.0)).fillna(0.0).to_numpy()


@lru_cache(maxsize=2)
def fitted(real_dir: Path, weights: FeatureWeights | None = None,
           learned_rerank: bool = True) -> Recommender:
    """The project's recommender fitted on the evaluation catalogue of ``real_dir`` (kept:
    :func:`evaluate` and :func:`local_preference_effect` share it)."""
    from helpers.reco.model import Recommender

    return Recommender(weights, learned_rerank=learned_rerank).fit(load_catalogue(real_dir))


@lru_cache(maxsize=16)
def _ranked(real_dir: Path, weights: FeatureWeights | None, learned_rerank: bool,
            queries: tuple[tuple[int, ...], ...], k: int, local_preference: float = 0.0,
            discovery: bool = False) -> np.ndarray:
    """:meth:`Recommender.rank` of the :func:`fitted` model, kept for the next table that
    asks for the same lists (re-ranking the reporting cases takes tens of seconds)."""
    lists = fitted(real_dir, weights, learned_rerank).rank(
        queries, k, local_preference=local_preference, discovery=discovery)
    lists.flags.writeable = False  # shared between callers
    return lists


def project_ranker(real_dir: Path, weights: FeatureWeights | None = None, *,
                   learned_rerank: bool = True, local_preference: float = 0.0,
                   discovery: bool = False) -> Ranker:
    """The project's recommender in one setting, as a :data:`Ranker` (lists shared, see
    :func:`_ranked`)."""
    def rank(queries: Sequence[Sequence[int]], k: int) -> np.ndarray:
        return _ranked(real_dir, weights, learned_rerank, tuple(map(tuple, queries)), k,
                       float(local_preference), discovery)

    return rank


def methods(real_dir: Path, weights: FeatureWeights | None = None
            ) -> tuple[dict[str, Ranker], Recommender]:
    """The three baselines and the project's recommender (neutral, production default and
    discovery settings; neutral without the learned re-ranking), and that fitted recommender."""
    catalogue = load_catalogue(real_dir)
    genres = multi_hot(catalogue["genres"], min_df=1)[0].toarray()
    rating = catalogue["average_rating"].astype(float).fillna(
        catalogue["tmdb_vote_average"].astype(float))
    numbers = np.column_stack([_standardise(catalogue[c]) for c in ("year", "runtime")]
                              + [_standardise(rating)])
    return {
        "popularité (votes TMDB)": popularity_ranker(catalogue["tmdb_vote_count"].to_numpy()),
        "kNN genres": knn_ranker(genres),
        "kNN genres + année/durée/note": knn_ranker(np.hstack([genres, numbers])),
        OURS: project_ranker(real_dir, weights),
        LOCAL: project_ranker(real_dir, weights, local_preference=CREUSE.local_preference),
        DISCOVERY: project_ranker(real_dir, weights, discovery=True),
        BASE: project_ranker(real_dir, weights, learned_rerank=False),
    }, fitted(real_dir, weights)


# ----------------------------------------------------------------- evaluation
def evaluate(real_dir: Path | None = None, users: str = "reporting",
             weights: FeatureWeights | None = None, only: Sequence[str] | None = None,
             coverage: bool = True) -> pd.DataFrame:
    """One row per method and variant: HR@10, NDCG@10, popularity percentile, diversity,
    coverage and hubs of the all-films lists (most frequent film's share of them, the
    TOP_HUBS most frequent films), share of popularity-only reasons (the project's model),
    and the ML-LOO proper headline (last liked film) with its 95 % Wilson CI."""
    real_dir = Path(real_dir or config.real_data_dir()).resolve()
    catalogue = load_catalogue(real_dir)
    cases = held_out_cases(user_sequences(real_dir, users), users)
    genres = multi_hot(catalogue["genres"], min_df=1)[0].toarray() > 0
    pop_pct = catalogue["tmdb_vote_count"].astype(float).rank(pct=True).to_numpy() * 100
    titles = catalogue["primary_title"].to_numpy()
    singles = [[i] for i in range(len(catalogue))]
    rankers, model = methods(real_dir, weights)
    rows = []
    for name, rank in rankers.items():
        if only is not None and name not in only:
            continue
        lists = rank(singles, K) if coverage else None
        cov = len(np.unique(lists[lists >= 0])) / len(catalogue) if coverage else np.nan
        top = hubs(lists, titles) if coverage else []
        reasons = (popularity_reason_share(model, singles, lists)
                   if coverage and name in (OURS, LOCAL) else np.nan)
        for variant in ("single", "profile"):
            recs = rank(getattr(cases, variant), K)
            hit, ndcg = hits_and_ndcg(recs, cases.target)
            proper = hit[cases.last]
            low, high = wilson(proper.sum(), len(proper))
            rows.append({
                "méthode": name, "variante": {"single": "1 film", "profile": "5 films"}[variant],
                "HR@10": per_user_mean(hit, cases.user),
                "NDCG@10": per_user_mean(ndcg, cases.user),
                "popularité (centile)": per_user_mean(pop_pct[recs].mean(axis=1), cases.user),
                "diversité": per_user_mean(genre_diversity(recs, genres), cases.user),
                "couverture": cov,
                "film le plus fréquent": top[0][1] if top else np.nan,
                "raison popularité seule": reasons,
                "HR@10 dernier film": float(proper.mean()) if len(proper) else np.nan,
                "IC95 bas": low, "IC95 haut": high,
                "utilisateurs": len(np.unique(cases.user)), "cas": len(cases.target),
                "films les plus fréquents": [[t, round(share, 4)] for t, share in top],
            })
    return pd.DataFrame(rows)


def local_preference_effect(real_dir: Path | None = None,
                            levels: Sequence[float] = (0.0, 0.4, 1.0),
                            weights: FeatureWeights | None = None) -> pd.DataFrame:
    """What the local preference costs (HR@10 of the reporting users) and changes in their
    one-film lists (share of French films, of films of a favoured genre), per level."""
    real_dir = Path(real_dir or config.real_data_dir()).resolve()
    catalogue = load_catalogue(real_dir)
    cases = held_out_cases(user_sequences(real_dir, "reporting"), "reporting")
    french = catalogue["is_french"].fillna(False).to_numpy(bool)
    favoured = catalogue["genres"].map(
        lambda g: bool(set(g) & set(CREUSE.favoured_genres))).to_numpy(bool)
    rows = [{"préférence locale": "catalogue", "films français": french.mean(),
             "genres favorisés": favoured.mean()}]
    for level in levels:
        row: dict[str, object] = {"préférence locale": level}
        for variant, label in (("single", "1 film"), ("profile", "5 films")):
            recs = project_ranker(real_dir, weights, local_preference=level)(
                getattr(cases, variant), K)
            row[f"HR@10 {label}"] = per_user_mean(hits_and_ndcg(recs, cases.target)[0],
                                                  cases.user)
            if variant == "single":
                row["films français"] = french[recs].mean()
                row["genres favorisés"] = favoured[recs].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame) -> str:
    """The evaluation table as aligned text, percentages where they read best."""
    shown = table.drop(columns=["films les plus fréquents"], errors="ignore")
    for col in ("HR@10", "NDCG@10", "couverture", "film le plus fréquent",
                "raison popularité seule", "HR@10 dernier film"):
        if col in shown:
            shown[col] = (shown[col] * 100).map(lambda v: "–" if np.isnan(v) else f"{v:.1f} %")
    shown["IC95"] = [f"[{lo * 100:.1f} ; {hi * 100:.1f}] %"
                     for lo, hi in zip(table["IC95 bas"], table["IC95 haut"], strict=True)]
    shown["popularité (centile)"] = shown["popularité (centile)"].map("{:.0f}".format)
    shown["diversité"] = shown["diversité"].map("{:.3f}".format)
    return shown.drop(columns=["IC95 bas", "IC95 haut"]).to_string(index=False)


def format_hubs(table: pd.DataFrame) -> str:
    """The most frequent films of each method's all-films lists, one line per method."""
    lines = []
    for name, top in table.drop_duplicates("méthode").set_index("méthode")[
            "films les plus fréquents"].items():
        films = "; ".join(f"{title} {share * 100:.1f} %" for title, share in top)
        lines.append(f"  {name} : {films}")
    return "\n".join(lines)
