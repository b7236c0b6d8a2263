"""Feature blocks of the content recommender, each row-L2-normalised.

Every block is a sparse matrix (one row per film); a block's dot product between
two films is their cosine similarity for that aspect (genres, cast, text...).
The recommender weights and concatenates them (:func:`combine`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd
import scipy.sparse as sp

# scikit-learn is imported inside the fit-time functions only: loading a fitted model
# (each dashboard visitor's kernel) does not need it, and it costs about 60 MB there.
from helpers.schema import cell_list, cell_text

#: Feature blocks, in the order they are concatenated.
BLOCKS: tuple[str, ...] = (
    "genres", "directors", "writers", "cast", "text", "title", "collection",
    "language", "countries", "companies", "period", "runtime", "fame",
)

#: Common French words ignored by the TF-IDF (scikit-learn only ships an English list).
FRENCH_STOP_WORDS = frozenset("""
a à afin ai aie aient ainsi alors après as au aucun aupres auquel aura aurait aussi autre autres
aux avaient avais avait avant avec avoir ayant c ça car ce ceci cela celle celles celui ces cet
cette ceux chaque chez ci comme comment d dans de depuis des deux devant doit donc dont du elle
elles en encore entre es est et été étaient était être eu eux fait faire font fut il ils j je
jusqu l la là le les leur leurs lors lorsque lui m ma mais me même mêmes mes moi mon n ne ni nos
notre nous on ont ou où par parce pas pendant peu peut plus pour pourquoi qu quand que quel quelle
quelles quels qui quoi s sa sans se ses si sien son sont sous sur t ta te tes toi ton tous tout
toute toutes très tu un une vers voici voilà vos votre vous y
""".split())


@lru_cache(maxsize=1)
def stop_words() -> list[str]:
    """English and French stop words as the TF-IDF sees them (accents stripped)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, strip_accents_unicode

    return sorted({strip_accents_unicode(w) for w in ENGLISH_STOP_WORDS | FRENCH_STOP_WORDS})


def _identity(items: list[str]) -> list[str]:
    return items


def _as_lists(values: Iterable) -> list[list[str]]:
    """Lists of non-empty strings from a list column (:func:`helpers.schema.cell_list`)."""
    return [cell_list(x) for x in values]


def _singletons(values: Iterable) -> list[list[str]]:
    """One-label lists from a column of strings (a missing value gives no label)."""
    return [[s] if (s := cell_text(v)) else [] for v in values]


def multi_hot(values: Iterable, min_df: int = 2) -> tuple[sp.csr_matrix, list[str]]:
    """Binary film x label matrix of the labels shared by at least ``min_df`` films.

    Labels seen once cannot relate two films; keeping them would only dilute the norm.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    lists = _as_lists(values)
    vec = CountVectorizer(analyzer=_identity, min_df=min_df, binary=True, lowercase=False,
                          dtype=np.float32)
    try:
        mat = vec.fit_transform(lists)
    except ValueError:  # no label reaches min_df
        return sp.csr_matrix((len(lists), 0), dtype=np.float32), []
    return mat.tocsr(), list(vec.get_feature_names_out())


def ranked_multi_hot(values: Iterable, decay: float, min_df: int = 2) -> sp.csr_matrix:
    """Like :func:`multi_hot` but the i-th listed label weighs ``decay**i`` (billing order)."""
    lists = _as_lists(values)
    counts = pd.Series([v for row in lists for v in dict.fromkeys(row)]).value_counts()
    vocab = {v: j for j, v in enumerate(counts.index[counts >= min_df])}
    rows, cols, vals = [], [], []
    for i, row in enumerate(lists):
        for pos, v in enumerate(dict.fromkeys(row)):
            j = vocab.get(v)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(decay**pos)
    return sp.csr_matrix((np.asarray(vals, np.float32), (rows, cols)),
                         shape=(len(lists), len(vocab)))


def text_documents(movies: pd.DataFrame) -> list[str]:
    """Overview, tagline and keywords of each film as one document."""
    parts = [movies[c].fillna("").astype(str) for c in ("overview", "tagline")]
    keywords = pd.Series([" ".join(k) for k in _as_lists(movies["keywords"])], index=movies.index)
    return (parts[0] + " " + parts[1] + " " + keywords).tolist()


def title_documents(movies: pd.DataFrame) -> list[str]:
    """Primary, original and French titles of each film (shared words hint at a franchise)."""
    titles = [movies[c].fillna("").astype(str) for c in ("primary_title", "original_title",
                                                          "french_title")]
    return (titles[0] + " " + titles[1].where(titles[1] != titles[0], "") + " " + titles[2]
            ).tolist()


def tfidf(docs: list[str], min_df: int = 2, max_df: float = 0.5, pairs: bool = False
          ) -> sp.csr_matrix:
    """Sublinear TF-IDF of the documents (English and French stop words removed).

    ``pairs``: terms are pairs of adjacent words (stop words kept, ``max_df`` drops the
    common pairs), so two titles relate only when they share two words in a row.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(sublinear_tf=True, stop_words=None if pairs else stop_words(),
                          ngram_range=(2, 2) if pairs else (1, 1), min_df=min_df,
                          max_df=max_df, strip_accents="unicode", dtype=np.float32)
    try:
        return vec.fit_transform(docs).tocsr()
    except ValueError:  # empty vocabulary (tiny catalogue without text)
        return sp.csr_matrix((len(docs), 0), dtype=np.float32)


def kernel(values: pd.Series, anchors: np.ndarray, width: float) -> sp.csr_matrix:
    """Soft one-hot: a Gaussian bump of ``width`` around each value over ``anchors``.

    Two films' normalised rows then have a dot product that decays smoothly with
    their distance (same year ~1, ten years apart much less); missing values give 0.
    """
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    dense = np.exp(-0.5 * ((x[:, None] - anchors[None, :]) / width) ** 2)
    dense[np.isnan(dense) | (dense < 1e-3)] = 0.0
    return sp.csr_matrix(dense.astype(np.float32))


def build_blocks(movies: pd.DataFrame, cast_decay: float = 0.8, text_min_df: int = 2
                 ) -> dict[str, sp.csr_matrix]:
    """Every feature block of the catalogue, each row-L2-normalised."""
    from sklearn.preprocessing import normalize

    blocks = {
        "genres": multi_hot(movies["genres"], min_df=1)[0],
        "directors": multi_hot(movies["directors"])[0],
        "writers": multi_hot(movies["writers"])[0],
        "cast": ranked_multi_hot(movies["cast"], cast_decay),
        "text": tfidf(text_documents(movies), min_df=text_min_df),
        "title": tfidf(title_documents(movies), min_df=2, max_df=0.01, pairs=True),
        "collection": multi_hot(_singletons(movies["collection"]))[0],
        "language": multi_hot(_singletons(movies["original_language"]))[0],
        "countries": multi_hot(movies["countries"])[0],
        "companies": multi_hot(movies["companies"])[0],
        "period": kernel(movies["year"], np.arange(1890, 2041, 5.0), width=6.0),
        "runtime": kernel(movies["runtime"], np.arange(40, 301, 15.0), width=15.0),
        "fame": kernel(pd.Series(np.log1p(votes(movies)).round(FAME_STEP_DIGITS)),
                       np.arange(0.0, 17.1, 1.0), width=1.0),
    }
    return {name: (normalize(mat, norm="l2", axis=1) if mat.shape[1] else mat)
            .astype(np.float32).tocsr() for name, mat in blocks.items()}


#: Gaussian-kernel blocks, last in :data:`BLOCKS`: a dozen non-zeros per film each, but
#: few distinct rows (whole years, whole minutes, log votes rounded to FAME_STEP_DIGITS
#: decimals), so the recommender looks their similarities up in small tables.
KERNELS: tuple[str, ...] = ("period", "runtime", "fame")
FAME_STEP_DIGITS = 1

#: Blocks not measurable on the evaluation catalogue (no credits there): their weights are
#: set by judgement and add to the similarity instead of sharing the learned blocks' scale.
PEOPLE: tuple[str, ...] = ("directors", "writers", "cast")


def layout(blocks: dict[str, sp.csr_matrix], weights: dict[str, float]
           ) -> dict[str, tuple[int, int, float]]:
    """Where each used block sits in the combined matrix: (first column, end, scale).

    A block is used when it has a positive weight and at least one value; its scale is
    sqrt(weight / total), the total counting the used blocks other than :data:`PEOPLE`, so
    that a catalogue without credits keeps the scale the weights were learned on.
    """
    used = [name for name in BLOCKS if weights[name] > 0 and blocks[name].nnz > 0]
    total = sum(weights[name] for name in used if name not in PEOPLE) or 1.0
    out, start = {}, 0
    for name in used:
        width = blocks[name].shape[1]
        out[name] = (start, start + width, float(np.sqrt(weights[name] / total)))
        start += width
    return out


def combine(blocks: dict[str, sp.csr_matrix], weights: dict[str, float]) -> sp.csr_matrix:
    """Concatenate blocks scaled as :func:`layout` says: row dot = weighted mean cosine
    of the learned blocks, plus the people blocks' weighted cosines."""
    parts = [blocks[name] * np.float32(scale)
             for name, (_, _, scale) in layout(blocks, weights).items()]
    if not parts:
        n = next(iter(blocks.values())).shape[0]
        return sp.csr_matrix((n, 1), dtype=np.float32)
    return sp.hstack(parts, format="csr", dtype=np.float32)


def nanfill(primary: pd.Series, fallback: pd.Series) -> pd.Series:
    """``primary`` where known, else ``fallback`` rescaled by their median ratio on the overlap."""
    p = pd.to_numeric(primary, errors="coerce").astype(float)
    f = pd.to_numeric(fallback, errors="coerce").astype(float)
    both = p.notna() & f.notna() & (f > 0) & (p > 0)
    ratio = float(np.median(p[both] / f[both])) if both.any() else 1.0
    return p.fillna(f * ratio)


def votes(movies: pd.DataFrame) -> np.ndarray:
    """IMDb votes of each film, else its TMDB votes on the IMDb scale, else 0."""
    return nanfill(movies["num_votes"], movies["tmdb_vote_count"]).fillna(0).to_numpy()


def unit_scale(x: np.ndarray) -> np.ndarray:
    """Min-max scale to [0, 1] (constant input gives zeros)."""
    x = np.asarray(x, dtype=float)
    span = np.nanmax(x) - np.nanmin(x) if len(x) else 0.0
    if not span:
        return np.zeros(len(x))
    return np.nan_to_num((x - np.nanmin(x)) / span)


def row_entries(matrix: sp.csr_matrix, rows: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(index in ``rows``, column, value) of every non-zero of those rows of a CSR matrix,
    row after row. The query-time read of a few rows: scipy's row indexing spends about
    0.25 ms a call checking its arguments and building a matrix, 5 to 20 times the gather."""
    starts = matrix.indptr[rows]
    lengths = matrix.indptr[np.asarray(rows) + 1] - starts
    owner = np.repeat(np.arange(len(lengths)), lengths)
    at = np.arange(len(owner)) + np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return owner, matrix.indices[at], matrix.data[at]
