"""Content-based hybrid recommender: learned feature similarity + quality/popularity priors.

Each liked film's similarity row (the item matrix times its feature row) is combined
with recency weights and the best single match, avoided films subtracted; priors (scaled
by how well known the liked films are) and an optional local-audience bonus are added;
maximal marginal relevance then picks a varied top k, and each film gets a short French
reason. The weights are learned from MovieLens ratings (:mod:`helpers.reco.learn`).
Everything is precomputed at ``fit`` and saved as numpy arrays and an Arrow IPC
catalogue that :meth:`Recommender.load` maps from disk, so a dashboard kernel
loads it in a blink and shares its pages with the others.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp

from helpers.audience import CREUSE, AudienceProfile
from helpers.data.catalog import bayesian_rating
from helpers.errors import CineError
from helpers.files import map_arrow, staged_folder, write_arrow
from helpers.fmt import GENRES_FR  # re-exported: the reasons' genre labels
from helpers.reco import rerank
from helpers.reco.features import (
    BLOCKS,
    KERNELS,
    build_blocks,
    combine,
    layout,
    multi_hot,
    nanfill,
    row_entries,
    unit_scale,
    votes,
)
from helpers.reco.search import catalogue_digest
from helpers.schema import cell_list, decade_of, decade_span

_GENRES_FROM_FR = {fr.casefold(): en for en, fr in GENRES_FR.items()}

#: Original languages named in reasons (others are not worth a mention).
LANGUAGES_FR: dict[str, str] = {
    "fr": "français", "it": "italien", "es": "espagnol", "de": "allemand", "ja": "japonais",
    "ko": "coréen", "zh": "chinois", "cn": "chinois", "sv": "suédois", "da": "danois",
    "ru": "russe", "pt": "portugais", "hi": "hindi", "nl": "néerlandais", "no": "norvégien",
}

COLUMNS = ("tconst", "score", "reason")
#: Catalogue columns used only by ``fit`` (text and TMDB figures feed the item matrix and
#: priors): not saved with the model, so a dashboard kernel never holds them.
FIT_ONLY = ("overview", "tagline", "keywords", "countries", "companies", "budget", "revenue",
            "popularity", "release_date", "tmdb_vote_average", "tmdb_vote_count")
FORMAT_VERSION = 4
#: Start of the reason given when a film shares nothing shown with the liked films but is
#: well known and well rated (the evaluation counts these).
POPULARITY_REASON = "très apprécié du public"
#: Cosine of the overview/tagline/keywords block from which "histoire proche" is said.
TEXT_REASON_MIN = 0.1
#: Release years at most this far apart make "même époque" (only next to another reason).
ERA_YEARS = 3
_REQUIRED = ("tconst", "primary_title", "original_title", "french_title", "genres", "directors",
             "director_names", "writers", "writer_names",
             "cast", "cast_names", "overview", "tagline", "keywords", "collection",
             "original_language", "countries", "companies", "year", "runtime",
             "average_rating", "num_votes", "tmdb_vote_average", "tmdb_vote_count", "is_french")


@dataclass(frozen=True)
class FeatureWeights:
    """Every weight of the model, in one place.

    Similarity weights are relative: the score's similarity part is the weighted mean of
    the learned blocks' cosine similarities, in [0, 1], plus the people blocks' weighted
    cosines. Priors and bonuses are added on that scale.

    How they were set: the block weights from genres to fame and the quality and
    popularity priors were LEARNED from MovieLens ratings of the tuning (odd-id) users
    only (``python -m helpers learn``, :mod:`helpers.reco.learn`: softmax regression of the
    next liked film against random films), as were ``prior_scale`` (largest share of the
    learned priors whose all-films lists hold no film in more than 13 % of them) and
    ``recency`` (best five-film hit rate, among 1, 0.8, 0.6 and 0.4). ``no_genre`` was
    chosen on the same users (0.05: popularity-only reasons 1.2 % -> 0.3 %, one-film
    HR@10 -0.2 point). MovieLens is licensed for research only (see
    the README). The people weights (directors, writers, cast, cast_decay), local, avoid,
    best_match, diversity and discovery_popularity cannot be measured on the MovieLens
    sample (no credits, no audience data) or were kept from version 1: set by judgement.
    """

    genres: float = 1.249
    """Cosine of the multi-hot IMDb genres."""
    directors: float = 2.4
    """Shared directors (IMDb nconst): a shared director adds about 0.25 to the similarity
    (weights of the people blocks are relative to the learned blocks' total, 9.6)."""
    writers: float = 1.0
    """Shared writers (about 0.1)."""
    cast: float = 1.4
    """Shared top-billed actors, the i-th billed weighing ``cast_decay**i`` (up to 0.15)."""
    text: float = 1.877
    """TF-IDF cosine of overview + tagline + keywords."""
    title: float = 1.351
    """TF-IDF cosine of the titles' pairs of adjacent words (sequels and remakes without a
    collection; one shared word such as "Finding" is not enough)."""
    collection: float = 0.89
    """Same TMDB collection (franchise, sequels)."""
    language: float = 0.102
    """Same original language."""
    countries: float = 0.39
    """Shared production countries."""
    companies: float = 0.377
    """Shared production companies (studios)."""
    period: float = 2.078
    """Release years close (Gaussian kernel, width about 6 years)."""
    runtime: float = 0.206
    """Runtimes close (Gaussian kernel, width 15 minutes)."""
    fame: float = 1.255
    """Renown close (Gaussian kernel on log votes): a little-known film's neighbours are not
    all blockbusters, which keeps the same famous films out of most lists."""
    quality: float = 0.731
    """Prior for the vote-weighted (Bayesian) rating, scaled to [0, 1]."""
    popularity: float = 0.561
    """Prior for log(votes), scaled to [0, 1]: familiar films are safer bets."""
    prior_scale: float = 0.4
    """Share of the learned priors kept; they are also multiplied by the liked films' mean
    popularity (a little-known query leans less on famous films)."""
    discovery_popularity: float = 0.0
    """Popularity prior used instead when ``discovery=True`` (lesser-known films)."""
    local: float = 0.1
    """Score added at local_preference 1 for a film matching every local-audience taste."""
    best_match: float = 0.25
    """Share of the similarity taken from the best-matching liked film rather than the
    recency-weighted mean (several liked films: a film close to one of them counts)."""
    recency: float = 0.6
    """Weight ratio between consecutive liked films, the last one named weighing most."""
    no_genre: float = 0.05
    """Subtracted from a film sharing no genre with any liked film: a famous film of another
    kind is no recommendation (a customer notices "très apprécié du public" alone)."""
    avoid: float = 1.0
    """How strongly the similarity to the films to avoid is subtracted."""
    diversity: float = 0.3
    """MMR trade-off: 0 = pure relevance, higher = penalise films like those already picked.
    Not applied after the learned re-ranking (:mod:`helpers.reco.rerank`), whose lists are
    already varied: MMR after it cost 0.1 to 0.6 point and raised the hubs to 17-20 %."""
    cast_decay: float = 0.8
    """Weight ratio between consecutive billing positions of the cast."""

    def similarity(self) -> dict[str, float]:
        """The block weights, by block name."""
        return {name: getattr(self, name) for name in BLOCKS}


def _as_list(values: str | Sequence[str]) -> list:
    """A sequence of ids or names; a plain string is one value, not its characters."""
    return [values] if isinstance(values, str) else list(values)


def genre_names(names: str | Sequence[str]) -> list[str]:
    """IMDb genre names from IMDb or French names (case-insensitive for French)."""
    return [_GENRES_FROM_FR.get(str(n).casefold(), str(n)) for n in _as_list(names)]


class Recommender:
    """Content-based recommender (scikit-learn style: params in ``__init__``, ``fit`` state_)."""

    #: Up to this many films, :meth:`rank` caches the film x film similarity matrix.
    gram_max_films = 10_000

    def __init__(self, weights: FeatureWeights | None = None,
                 audience: AudienceProfile = CREUSE, pool: int = 60, text_min_df: int = 2,
                 max_per_collection: int = 3, learned_rerank: bool = True):
        self.weights = weights if weights is not None else FeatureWeights()
        self.audience = audience
        self.pool = pool
        self.text_min_df = text_min_df
        self.max_per_collection = max_per_collection
        self.learned_rerank = learned_rerank

    # ------------------------------------------------------------------ fit
    def fit(self, movies: pd.DataFrame) -> Recommender:
        """Precompute the item matrix, priors and filter columns from a MOVIES table."""
        missing = [c for c in _REQUIRED if c not in movies.columns]
        if missing:
            raise CineError(f"movies table lacks columns {missing}: rebuild it with "
                            "`python -m helpers ingest`")
        movies = movies.drop_duplicates("tconst").reset_index(drop=True)
        blocks = build_blocks(movies, cast_decay=self.weights.cast_decay,
                              text_min_df=self.text_min_df)
        self.items_ = combine(blocks, self.weights.similarity())
        self.layout_ = layout(blocks, self.weights.similarity())
        self._set_query_matrices()
        self.genre_matrix_, self.genre_labels_ = multi_hot(movies["genres"], min_df=1)
        rating = nanfill(movies["average_rating"], movies["tmdb_vote_average"])
        n_votes = votes(movies)
        self.quality_ = unit_scale(bayesian_rating(rating, pd.Series(n_votes))).astype(np.float32)
        self.popularity_ = unit_scale(np.log1p(n_votes)).astype(np.float32)
        self.centrality_ = rerank.centrality(self.items_)
        self.trees_ = rerank.Trees.load(rerank.SHIPPED) if self.learned_rerank else None
        self._set_catalogue(movies)
        return self

    def _set_query_matrices(self) -> None:
        """Split the item matrix for fast whole-catalogue products (done once, at ``fit``).

        The sparse blocks are kept transposed (one row of films per feature, an inverted
        index), so a query only reads the films sharing one of its features. The kernel
        blocks (:data:`~helpers.reco.features.KERNELS`, the last columns) have a dozen
        non-zeros per film but few distinct rows: each film gets the code of its row and
        each block a table of the codes' weighted similarities (``kernel_codes_``,
        ``kernel_tables_``), exact and far less to read per query.
        """
        used = [b for b in KERNELS if b in self.layout_]
        self.split_ = int(self.layout_[used[0]][0]) if used else self.items_.shape[1]
        self.postings_ = self.items_[:, :self.split_].T.tocsr()
        self.postings_.sort_indices()
        codes, self.kernel_tables_ = [], []
        for block in used:
            start, stop, _ = self.layout_[block]
            rows, code = np.unique(self.items_[:, start:stop].toarray(), axis=0,
                                   return_inverse=True)
            codes.append(code.ravel())
            self.kernel_tables_.append((rows @ rows.T).astype(np.float32))
        # one contiguous row of codes per block, already of the index type np.take wants
        self.kernel_codes_ = (np.vstack(codes).astype(np.intp) if codes
                              else np.zeros((0, self.items_.shape[0]), np.intp))

    def _set_catalogue(self, movies: pd.DataFrame, digest: str | None = None) -> None:
        """Catalogue-derived state shared by ``fit`` and ``load`` (``digest``: the saved
        catalogue's, see :attr:`catalogue_digest`)."""
        self._digest = digest
        self.movies_ = movies.set_index("tconst", drop=False)
        self.movies_.index.name = None
        self.index_ = self.movies_.index  # one hash table of the ids (built at first lookup)
        self._gram = None
        self.collection_codes_ = pd.factorize(movies["collection"])[0]
        year = pd.to_numeric(movies["year"], errors="coerce").astype(float).to_numpy()
        self._columns = {c: _cells(movies[c]) for c in (
            "genres", "directors", "director_names", "writers", "writer_names", "cast",
            "cast_names", "collection", "original_language")}
        self._columns["decade"] = decade_of(year)
        self._columns["year"] = year
        self._columns["average_rating"] = pd.to_numeric(
            movies["average_rating"], errors="coerce").astype(float).to_numpy()
        self.french_ = movies["is_french"].fillna(False).astype(bool).to_numpy()
        self.local_ = self._local_affinity()
        self.priors_ = {d: self._priors(d) for d in (False, True)}
        self.genre_count_ = rerank.genre_counts(self.genre_matrix_)
        self.genre_bits_ = genre_bits(self.genre_matrix_)
        self.block_columns_ = rerank.block_columns(self)

    @property
    def catalogue_digest(self) -> str:
        """The catalogue's :func:`helpers.reco.search.catalogue_digest`, stored by
        :meth:`save`: a dashboard kernel checks its saved title index with it."""
        if self._digest is None:
            self._digest = catalogue_digest(self.movies_)
        return self._digest

    def _local_affinity(self) -> np.ndarray:
        """How much each film matches the local audience's tastes, in [0, 1]."""
        aud, m = self.audience, self.movies_
        favoured = [self.genre_labels_.index(g) for g in aud.favoured_genres
                    if g in self.genre_labels_]
        genre = (np.asarray(self.genre_matrix_[:, favoured].sum(axis=1)).ravel() > 0
                 if favoured else np.zeros(len(m), bool))
        decade = np.isin(self._columns["decade"], aud.favoured_decades)
        runtime = pd.to_numeric(m["runtime"], errors="coerce").astype(float).to_numpy()
        runtime = runtime <= aud.max_runtime  # unknown runtime: no bonus
        total = genre + aud.french_bonus * self.french_ + decade + runtime
        return (total / (3 + aud.french_bonus)).astype(np.float32)

    # ---------------------------------------------------------------- query
    def _check_fitted(self) -> None:
        if not hasattr(self, "items_"):
            raise CineError("the recommender is not fitted: run `python -m helpers fit`")

    def _positions(self, ids: str | Sequence[str]) -> np.ndarray:
        """Catalogue rows of known ids (one id given as a plain string counts as one).

        One hash lookup per id: a query names a handful (``get_indexer`` costs 0.2 ms even
        for one id, 0.06 ms for none, on the full catalogue)."""
        rows = []
        for i in dict.fromkeys(str(i) for i in _as_list(ids)):
            with contextlib.suppress(KeyError):
                rows.append(self.index_.get_loc(i))
        return np.asarray(rows, dtype=np.int64)

    def _priors(self, discovery: bool) -> np.ndarray:
        """Quality and popularity priors at full strength (before the query's scaling);
        computed once into ``priors_``."""
        w = self.weights
        pop = w.discovery_popularity if discovery else w.popularity
        return w.prior_scale * (w.quality * self.quality_ + pop * self.popularity_)

    def _similarities(self, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """Dense similarity of films ``rows`` to films ``cols`` (default: the whole catalogue).

        Batched ranking of a small catalogue (the evaluation's) caches the full film x film
        matrix; single queries compute only the rows they need (small memory per kernel):
        their sparse blocks through the inverted index, the kernel blocks with BLAS.
        """
        if self._gram is not None:
            return self._gram[rows] if cols is None else self._gram[np.ix_(rows, cols)]
        if cols is None:  # per row: its features' postings, weighted (sparse x dense)
            owner, feats, weights = row_entries(self.items_, rows)
            keep = feats < self.split_
            owner, feats, weights = owner[keep], feats[keep], weights[keep]
            bounds = np.searchsorted(owner, np.arange(len(rows) + 1))  # owner is sorted
            sims = np.empty((len(rows), len(self.index_)), np.float32)
            for r in range(len(rows)):
                mine = slice(bounds[r], bounds[r + 1])
                sims[r] = self.postings_[feats[mine]].T @ weights[mine]
            for table, codes in zip(self.kernel_tables_, self.kernel_codes_, strict=True):
                sims += np.take(table[codes[rows]], codes, axis=1)
            return sims
        sub = self.items_[rows]
        return (sub @ self.items_[cols].T).toarray()

    def _scores(self, queries: Sequence[Sequence[int]], discovery: bool = False,
                avoids: Sequence[Sequence[int]] | None = None) -> np.ndarray:
        """Base relevance of every film (columns) for each query of liked positions (rows).

        Similarity = blend of the recency-weighted mean of the liked films' similarities
        (the last one weighing most) and the best single liked film (``best_match``),
        minus the avoided films' mean similarity; the priors, times the liked films' mean
        popularity, are added (the re-ranking and the local bonus come next, :meth:`_final`).
        """
        w = self.weights
        lens = np.fromiter((len(q) for q in queries), dtype=np.int64, count=len(queries))
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        flat = np.fromiter((i for q in queries for i in q), dtype=np.int64, count=lens.sum())
        # recency: the i-th liked film of a query of n weighs recency ** (n - 1 - i)
        age = np.repeat(starts + lens - 1, lens) - np.arange(len(flat))
        ratio = np.float32(w.recency) ** age.astype(np.float32)
        per_film = self._similarities(flat)
        if (lens == lens[0]).all():  # equal-size queries (the evaluation): a cheap reshape
            stacked = per_film.reshape(len(queries), lens[0], -1)
            r = ratio[:lens[0]] / ratio[:lens[0]].sum()
            mean, best = np.einsum("l,qln->qn", r, stacked), stacked.max(axis=1)
        else:
            weighted = per_film * ratio[:, None]
            mean = np.add.reduceat(weighted, starts, axis=0) / np.add.reduceat(ratio, starts)[
                :, None]
            best = np.maximum.reduceat(per_film, starts, axis=0)
        beta = w.best_match
        fame = np.add.reduceat(self.popularity_[flat], starts) / lens
        scores = (1 - beta) * mean + beta * best + fame[:, None] * self.priors_[discovery]
        if w.no_genre:  # genres of each query's liked films, then films sharing none
            union = np.bitwise_or.reduceat(self.genre_bits_[flat], starts, axis=0)
            for r in range(len(queries)):
                scores[r] -= w.no_genre * ~(self.genre_bits_ & union[r]).any(axis=1)
        for r, avoid in enumerate(avoids or ()):
            if len(avoid):
                scores[r] -= w.avoid * self._similarities(
                    np.asarray(avoid, dtype=np.int64)).mean(axis=0)
        return scores

    def _final(self, queries: Sequence[Sequence[int]], scores: np.ndarray,
               local_preference: float) -> None:
        """In place, on the queries' base scores (one row each, unwanted films already at
        -inf): the learned re-ranking of the best films (:mod:`helpers.reco.rerank`) and the
        no-genre penalty again (the trees hand the penalised base scores to other films:
        famous films sharing no genre rose, 1.08 % of the all-films recommendations had
        popularity as their only reason instead of 0.34 %), then the local bonus."""
        if self.trees_ is not None:
            pools = rerank.rerank(self, self.trees_, queries, scores)
            for liked, cands, row in zip(queries, pools, scores, strict=True):
                if self.weights.no_genre and len(cands):
                    union = np.bitwise_or.reduce(self.genre_bits_[list(liked)], axis=0)
                    alien = ~(self.genre_bits_[cands] & union).any(axis=1)
                    row[cands[alien]] -= np.float32(self.weights.no_genre)
        if local_preference:
            scores += np.float32(local_preference * self.weights.local) * self.local_

    def _select(self, scores: np.ndarray, k: int) -> np.ndarray:
        """Top ``k`` positions among the finite scores: maximal marginal relevance (without
        the re-ranker: its order is kept), and at most ``max_per_collection`` films of one
        collection (no ten sequels in a row)."""
        pool = rerank.pool(scores, max(self.pool, k))
        if len(pool) == 0:
            return pool
        lam = self.weights.diversity if self.trees_ is None else 0.0
        sim = self._similarities(pool, pool) if lam > 0 else None
        rel = (1 - lam) * scores[pool]
        closest = np.zeros(len(pool))
        open_ = np.ones(len(pool), bool)
        codes = self.collection_codes_[pool]
        chosen: list[int] = []
        while len(chosen) < k and open_.any():
            best = int(np.argmax(np.where(open_, rel - lam * closest, -np.inf)))
            chosen.append(best)
            open_[best] = False
            if codes[best] >= 0 and (codes[chosen] == codes[best]).sum() >= self.max_per_collection:
                open_ &= codes != codes[best]
            if sim is not None:
                np.maximum(closest, sim[best], out=closest)
        return pool[chosen]

    def rank(self, queries: Sequence[Sequence[int]], k: int = 10, *, discovery: bool = False,
             local_preference: float = 0.0, batch: int = 500) -> np.ndarray:
        """Top-``k`` catalogue positions for each query (a list of liked positions).

        The batched core of :meth:`recommend` without filters (used by the evaluation):
        query films are excluded, the rest ranked exactly as in production.
        """
        self._check_fitted()
        if self._gram is None and len(self.index_) <= self.gram_max_films:
            self._gram = (self.items_ @ self.items_.T).toarray()
        out = np.full((len(queries), k), -1, dtype=np.int64)
        for start in range(0, len(queries), batch):
            chunk = queries[start:start + batch]
            scores = self._scores(chunk, discovery)
            for r, liked in enumerate(chunk):
                scores[r, list(liked)] = -np.inf
            self._final(chunk, scores, local_preference)
            for r in range(len(chunk)):
                top = self._select(scores[r], k)
                out[start + r, :len(top)] = top
        return out

    def _filter_mask(self, decades: tuple[int, int] | None, genres: Sequence[str] | None,
                     min_rating: float | None, french_only: bool) -> np.ndarray | None:
        """Films the filters keep (None when no filter is set)."""
        keep = []
        span = decade_span(decades)
        if span is not None:
            decade = self._columns["decade"]
            keep.append((decade >= span[0]) & (decade <= span[1]))
        if genres:
            cols = [self.genre_labels_.index(g) for g in genre_names(genres)
                    if g in self.genre_labels_]
            keep.append(np.asarray(self.genre_matrix_[:, cols].sum(axis=1)).ravel() > 0
                        if cols else np.zeros(len(self.movies_), bool))
        if min_rating is not None:
            keep.append(self._columns["average_rating"] >= min_rating)
        if french_only:
            keep.append(self.french_)
        return np.logical_and.reduce(keep) if keep else None

    def recommend(self, liked_ids: str | Sequence[str], k: int = 10,
                  exclude: str | Sequence[str] = (), avoid: str | Sequence[str] = (), *,
                  decades: tuple[int, int] | None = None,
                  genres: str | Sequence[str] | None = None, min_rating: float | None = None,
                  french_only: bool = False, local_preference: float | None = None,
                  discovery: bool = False) -> pd.DataFrame:
        """Films for someone who liked ``liked_ids``: columns tconst, score, reason (French).

        Unknown ids are ignored unless none is known (CineError). Liked, excluded and
        avoided films are never returned; filters may leave an empty frame. ``decades``
        is an inclusive range of decades ((1960, 1990): 1960-1999), ``genres`` keeps films
        of any of them (IMDb or French names), ``local_preference`` (0..1, default from
        the audience profile) favours what the local audience likes, ``discovery`` lowers
        the popularity prior.
        """
        self._check_fitted()
        liked = self._positions(liked_ids)
        if len(liked) == 0:
            raise CineError("identifiant(s) IMDb inconnu(s) : "
                            + ", ".join(map(str, _as_list(liked_ids))))
        avoided = self._positions(avoid)
        strength = self.audience.local_preference if local_preference is None else local_preference
        strength = float(np.clip(strength, 0.0, 1.0))
        scores = self._scores([liked], discovery, [avoided])
        kept = self._filter_mask(decades, genres, min_rating, french_only)
        if kept is not None:
            scores[0, ~kept] = -np.inf
        for unwanted in (liked, avoided, self._positions(exclude)):
            scores[0, unwanted] = -np.inf
        self._final([liked], scores, strength)
        scores = scores[0]
        top = self._select(scores, k)
        return pd.DataFrame({  # in the order of COLUMNS
            "tconst": self.index_.take(top).tolist(),
            "score": scores[top].astype(float),
            "reason": self.reasons(liked, top),
        })

    # -------------------------------------------------------------- reasons
    def explain(self, liked: Sequence[int], film: int) -> str:
        """What film ``film`` shares with the liked films, as a short French phrase."""
        return self.reasons(liked, [film])[0]

    def reasons(self, liked: Sequence[int], films: Sequence[int]) -> list[str]:
        """:meth:`explain` for each of ``films``, the liked films' side read once."""
        col, liked = self._columns, list(liked)
        seen = {c: {x for i in liked for x in cell_list(col[c][i])}
                for c in ("directors", "cast", "writers", "genres")}
        collections = {c for i in liked if isinstance(c := col["collection"][i], str) and c}
        languages = {col["original_language"][i] for i in liked}
        liked_years = col["year"][liked]
        text = self._block_similarity("text", liked, films)
        out = []
        for film, text_sim in zip(films, text, strict=True):

            def shared(ids_col: str, names_col: str, film: int = film) -> list[str]:
                ids, names = cell_list(col[ids_col][film]), cell_list(col[names_col][film])
                named = dict(zip(ids, names, strict=False))
                return [named.get(x) or x for x in ids if x in seen[ids_col]]

            parts: list[str] = []
            directors = shared("directors", "director_names")
            if directors:
                parts.append(f"même réalisateur ({', '.join(directors[:2])})")
            actors = shared("cast", "cast_names")
            if actors:
                label = ("acteur en commun" if len(actors) == 1
                         else f"{len(actors)} acteurs en commun")
                parts.append(f"{label} ({', '.join(actors[:2])})")
            collection = col["collection"][film]
            if isinstance(collection, str) and collection in collections:
                parts.append(f"même saga ({collection})")
            writers = [w for w in shared("writers", "writer_names") if w not in directors]
            if writers:
                parts.append(f"même scénariste ({writers[0]})")
            common = [GENRES_FR.get(g, g) for g in cell_list(col["genres"][film])
                      if g in seen["genres"]]
            if common:
                label = "même genre" if len(common) == 1 else "mêmes genres"
                parts.append(f"{label} : {', '.join(common[:3])}")
            year, era = col["year"][film], None
            if not np.isnan(year) and (np.abs(liked_years - year) <= ERA_YEARS).any():
                era = f"même époque (années {int(col['decade'][film])})"
                parts.append(era)
            lang = col["original_language"][film]
            if lang in LANGUAGES_FR and lang in languages:
                parts.append(f"même langue ({LANGUAGES_FR[lang]})")
            out.append(self._reason(parts, era, float(text_sim), film))
        return out

    def _reason(self, parts: list[str], era: str | None, text_sim: float, film: int) -> str:
        """The phrase from what is shared; else the story, the renown or the general line."""
        if parts and parts != [era]:  # the era alone is no reason to like a film
            return ", ".join(parts[:4])
        if text_sim >= TEXT_REASON_MIN:
            return "histoire et thèmes proches de vos choix"
        rating = self._columns["average_rating"][film]
        if self.popularity_[film] >= 0.5 and not np.isnan(rating):
            return f"{POPULARITY_REASON} (note {rating:.1f}/10)".replace(".", ",")
        return "dans la lignée de vos choix"

    def _block_similarity(self, block: str, liked: Sequence[int], films: Sequence[int]
                          ) -> np.ndarray:
        """Highest cosine of one :data:`~helpers.reco.rerank.SIM_BLOCKS` block between each
        of ``films`` and the liked films."""
        films = np.asarray(films, dtype=np.int64)
        if len(liked) == 0 or len(films) == 0:
            return np.zeros(len(films))
        b = rerank.SIM_BLOCKS.index(block)
        products = rerank.pair_products(self, [list(liked)], [films])[0]
        return products[..., b].max(axis=0) * self.block_columns_[1][b]

    # ---------------------------------------------------------- persistence
    def save(self, path: Path) -> Path:
        """Write the fitted state to folder ``path`` atomically (npy, npz, Arrow IPC, JSON).

        The item matrix and the catalogue are stored uncompressed so that :meth:`load`
        maps them from disk: the dashboard's kernels share those pages instead of each
        holding a copy.
        """
        self._check_fitted()
        path = Path(path)
        with staged_folder(path) as tmp:
            for name, matrix in (("items", self.items_), ("postings", self.postings_)):
                for part in ("data", "indices", "indptr"):
                    np.save(tmp / f"{name}.{part}.npy", getattr(matrix, part))
            np.save(tmp / "kernel_codes.npy", self.kernel_codes_)
            np.savez(tmp / "kernel_tables.npz", *self.kernel_tables_)
            sp.save_npz(tmp / "genres.npz", self.genre_matrix_.tocsr(), compressed=False)
            np.savez(tmp / "priors.npz", quality=self.quality_, popularity=self.popularity_,
                     centrality=self.centrality_)
            if self.trees_ is not None:
                self.trees_.save(tmp / "reranker.npz")
            catalogue = self.movies_.drop(columns=[c for c in FIT_ONLY if c in self.movies_])
            table = pa.Table.from_pandas(catalogue.reset_index(drop=True), preserve_index=False)
            write_arrow(table, tmp / "movies.arrow")
            meta = {"format": FORMAT_VERSION, "weights": asdict(self.weights), "pool": self.pool,
                    "catalogue_digest": self.catalogue_digest,
                    "text_min_df": self.text_min_df, "genre_labels": self.genre_labels_,
                    "max_per_collection": self.max_per_collection,
                    "learned_rerank": self.trees_ is not None,
                    "items_shape": list(self.items_.shape), "split": self.split_,
                    "layout": {k: list(v) for k, v in self.layout_.items()}}
            (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path, audience: AudienceProfile = CREUSE) -> Recommender:
        """Read a model written by :meth:`save` (no refit); big parts are memory-mapped."""
        path = Path(path)
        try:
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT_VERSION:
                raise ValueError(f"format {meta.get('format')} != {FORMAT_VERSION}")
            known = {f.name for f in fields(FeatureWeights)}
            weights = FeatureWeights(**{k: v for k, v in meta["weights"].items() if k in known})
            model = cls(weights, audience, pool=meta["pool"], text_min_df=meta["text_min_df"],
                        max_per_collection=meta["max_per_collection"],
                        learned_rerank=meta["learned_rerank"])
            n_films, n_cols = meta["items_shape"]
            model.items_ = _mapped_csr(path, "items", (n_films, n_cols))
            model.split_ = int(meta["split"])
            model.postings_ = _mapped_csr(path, "postings", (model.split_, n_films))
            model.kernel_codes_ = np.load(path / "kernel_codes.npy", mmap_mode="r")
            with np.load(path / "kernel_tables.npz") as tables:
                model.kernel_tables_ = [tables[f"arr_{b}"] for b in range(len(tables.files))]
            model.genre_matrix_ = sp.load_npz(path / "genres.npz").tocsr()
            model.genre_labels_ = list(meta["genre_labels"])
            model.layout_ = {k: (int(a), int(b), float(c))
                             for k, (a, b, c) in meta["layout"].items()}
            with np.load(path / "priors.npz") as priors:
                model.quality_, model.popularity_ = priors["quality"], priors["popularity"]
                model.centrality_ = priors["centrality"]
            model.trees_ = (rerank.Trees.load(path / "reranker.npz") if model.learned_rerank
                            else None)
            model._set_catalogue(_read_catalogue(path / "movies.arrow"),
                                 meta.get("catalogue_digest"))
        except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
            raise CineError(f"model at {path} is missing or unreadable ({exc}): "
                            "run `python -m helpers fit`") from exc
        return model


def genre_bits(genre_matrix: sp.csr_matrix) -> np.ndarray:
    """Each film's genres as bits, in 64-bit words (n, words): a film shares a genre with a
    set when ``(bits & set_bits).any(axis=1)``."""
    dense = genre_matrix.toarray() > 0
    words = -(-max(dense.shape[1], 1) // 64)
    packed = np.packbits(dense, axis=1, bitorder="little")
    padded = np.zeros((len(dense), words * 8), np.uint8)
    padded[:, :packed.shape[1]] = packed
    return padded.view(np.uint64)


def _mapped_csr(path: Path, name: str, shape: tuple[int, int]) -> sp.csr_matrix:
    """A CSR matrix saved by :meth:`Recommender.save`, its arrays mapped from disk."""
    parts = [np.load(path / f"{name}.{part}.npy", mmap_mode="r")
             for part in ("data", "indices", "indptr")]
    return sp.csr_matrix(tuple(parts), shape=shape)


class _ArrowCells:
    """Per-film access to an Arrow list column, without a Python object per cell."""

    def __init__(self, values: pa.ChunkedArray) -> None:
        self._values = values

    def __getitem__(self, i: int) -> list:
        return self._values[int(i)].as_py() or []


def _cells(column: pd.Series) -> np.ndarray | pd.api.extensions.ExtensionArray | _ArrowCells:
    """A catalogue column indexable by film position; Arrow-backed columns stay in Arrow
    memory (a Python object per cell for 65k films would cost a dashboard kernel ~150 MB)."""
    if isinstance(column.dtype, pd.ArrowDtype):
        return _ArrowCells(column.array.__arrow_array__())
    if isinstance(column.dtype, pd.StringDtype):
        return column.array  # Arrow-backed strings: indexing makes one Python str
    return column.to_numpy(dtype=object)


def _read_catalogue(path: Path) -> pd.DataFrame:
    """The saved catalogue, mapped from disk: text and list columns are views of the file."""
    table = map_arrow(path)
    lists = (pa.types.is_list, pa.types.is_large_list)
    return table.to_pandas(types_mapper=lambda t: pd.ArrowDtype(t) if any(f(t) for f in lists)
                           else None)


def fit_and_save(processed_dir: Path, path: Path) -> Recommender:
    """Fit on the processed movies table of ``processed_dir`` and save to ``path``, with the
    title index of its catalogue (so that a dashboard kernel does not build it) and the
    films' synopses (read one at a time by the film sheet)."""
    from helpers.data.catalog import load_movies
    from helpers.reco.overviews import save_overviews
    from helpers.reco.search import INDEX_FOLDER, TitleIndex

    movies = load_movies(processed_dir)
    # Most-voted films first: the films queries touch (liked, recommended, shown) then sit
    # together in the saved catalogue, and a dashboard kernel maps few of its pages.
    movies = movies.iloc[np.argsort(-votes(movies), kind="stable")].reset_index(drop=True)
    model = Recommender().fit(movies)
    model.save(path)
    TitleIndex.cached(model.movies_, Path(path) / INDEX_FOLDER, model.catalogue_digest)
    save_overviews(model.movies_, Path(path))
    return model
