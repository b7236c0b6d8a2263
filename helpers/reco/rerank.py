"""Learned re-ranking of the base model's best candidates (gradient-boosted trees).

The base score (learned linear blend of block similarities and priors) finds a few
hundred plausible films; a boosted-tree model then scores each (liked films, candidate)
pair on content features only (per-block similarities, year gap, renown and rating of
both films, how central the candidate is in the catalogue...) and orders them.
The trees are trained with scikit-learn on the MovieLens TUNING users
(:func:`helpers.reco.learn.learn_reranker`, research-only data: see the README) and shipped
as plain arrays (:data:`SHIPPED`, :class:`Trees`), evaluated here with numpy: a dashboard
kernel never imports scikit-learn.

The re-ranked order is given the pool's base scores in turn (the best film by the trees
gets the highest base score...), so the local bonus that follows keeps the scale it was
set on. The people blocks (directors, writers, cast) are absent from the training
catalogue, so the trees cannot weigh them: that part of the base score is taken out
before the transfer and each film's own added back after it (a film by the same director
keeps its lead, as set by judgement).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from helpers.errors import CineError
from helpers.reco.features import PEOPLE, row_entries

#: A fitted :class:`helpers.reco.model.Recommender` (not imported: that module imports this one).
Recommender = Any

#: Blocks whose similarity the trees see (people blocks are absent from the training
#: catalogue: they reach the trees through the base score, monotone in it).
SIM_BLOCKS: tuple[str, ...] = ("genres", "text", "title", "collection", "language",
                               "countries", "companies", "period", "runtime", "fame")
#: Pair features, in the trees' column order.
FEATURES: tuple[str, ...] = (
    *(f"sim_{b}" for b in SIM_BLOCKS),
    "base", "base_rank", "base_gap", "best_sim",
    "year_diff", "votes_cand", "votes_diff", "quality_cand", "quality_diff",
    "central_cand", "central_liked", "genres_cand", "genres_liked", "n_liked",
)
#: The base score's top this many films are re-ranked. Measured on the tuning users
#: (HR@10 one film / five films, most frequent film of the all-films lists): 200 gives
#: 12.8 % / 15.8 % / 14.3 %, 150 gives 12.4 % / 15.5 % / 13.7 %, 100 gives 11.8 % / 15.0 % /
#: 12.7 %. 150 keeps most of the gain, a wider margin under the 15 % hub ceiling and a
#: quarter less work per query than 200.
POOL = 150
#: The trees learn from the base score's top this many films of each training query
#: (the candidates beyond POOL are more hard negatives).
TRAIN_POOL = 200
#: Queries re-ranked together in one trees' call (4 x POOL = 600 rows: the trees cost least
#: per row between 400 and 1,000 rows, measured on the shipped trees).
BLOCK = 4
#: :func:`pool` sets its threshold on every this-many-th score.
SAMPLE_STEP = 16
#: Where the shipped trees live (package data).
SHIPPED = Path(__file__).with_name("reranker.npz")


@dataclass(frozen=True)
class Trees:
    """A boosted-tree ensemble as flat arrays (all trees' nodes concatenated).

    ``left``/``right`` are absolute node indices; a leaf points to itself.
    ``x <= threshold`` goes left, a missing value (NaN) goes where training sent it.
    """

    feature: np.ndarray  # int32
    threshold: np.ndarray  # float64
    left: np.ndarray  # int32
    right: np.ndarray  # int32
    missing_left: np.ndarray  # bool
    value: np.ndarray  # float64 (leaves; 0 elsewhere)
    roots: np.ndarray  # int32, one per tree
    baseline: float

    @classmethod
    def from_sklearn(cls, estimator: object) -> Trees:
        """The trees of a fitted ``HistGradientBoostingClassifier`` (binary) or regressor."""
        predictors = [p[0] for p in estimator._predictors]  # noqa: SLF001 (no public API)
        if any(p.nodes["is_categorical"].any() for p in predictors):
            raise CineError("categorical splits are not supported by the shipped trees")
        parts, roots, offset = [], [], 0
        for p in predictors:
            nodes = p.nodes
            idx = np.arange(len(nodes)) + offset
            leaf = nodes["is_leaf"].astype(bool)
            parts.append((np.where(leaf, 0, nodes["feature_idx"]),
                          np.where(leaf, np.inf, nodes["num_threshold"]),
                          np.where(leaf, idx, nodes["left"].astype(np.int64) + offset),
                          np.where(leaf, idx, nodes["right"].astype(np.int64) + offset),
                          nodes["missing_go_to_left"].astype(bool),
                          np.where(leaf, nodes["value"], 0.0)))
            roots.append(offset)
            offset += len(nodes)
        cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
        return cls(cols[0].astype(np.int32), cols[1].astype(np.float64),
                   cols[2].astype(np.int32), cols[3].astype(np.int32), cols[4],
                   cols[5].astype(np.float64), np.asarray(roots, np.int32),
                   float(np.ravel(estimator._baseline_prediction)[0]))  # noqa: SLF001

    def __post_init__(self) -> None:
        # laid out for :meth:`decision` once, when the model loads (27 ms for the shipped
        # trees), not at a visitor's first query
        object.__setattr__(self, "_tables", _Tables.of(self))

    @property
    def max_leaves(self) -> int:
        """Leaves of the largest tree."""
        return self._tables.value.shape[1]

    def decision(self, x: np.ndarray) -> np.ndarray:
        """Raw score (log-odds) of each row of ``x`` (n, features).

        The QuickScorer method (Lucchese et al., SIGIR 2015), vectorised: every split of
        every tree is tested on every row at once; a split whose test sends the row right
        rules out the leaves of its left subtree (a bit mask per split), and the row's leaf
        in each tree is the leftmost leaf left. Values are first turned into their rank
        among each feature's thresholds, so the tests compare small integers."""
        tab = self._tables
        xt = np.asarray(x, dtype=np.float64).T
        ranks = np.empty(xt.shape, np.int16)
        for f, cuts in enumerate(tab.cuts):
            ranks[f] = np.searchsorted(cuts, xt[f])  # thresholds below the value
        missing = np.isnan(xt)
        ranks[missing] = -1  # a missing value passes no test...
        right = ranks[tab.feature] > tab.rank[:, :, None]  # (splits, trees, rows)
        if missing.any():  # ...and goes right where training sent it
            right |= missing[tab.feature] & tab.missing_right[:, :, None]
        ruled_out = np.bitwise_or.reduce(tab.left_leaves[:, :, None] * right, axis=0)
        leaf = np.bitwise_count(ruled_out ^ (ruled_out + tab.one)).astype(np.intp) - 1
        return self.baseline + tab.value.ravel()[leaf + tab.first_leaf].sum(axis=0)

    def save(self, path: Path) -> None:
        """Write the arrays to ``path`` (npz)."""
        arrays = {name: getattr(self, name) for name in (
            "feature", "threshold", "left", "right", "missing_left", "value", "roots")}
        np.savez_compressed(path, baseline=self.baseline, **arrays)

    @classmethod
    def load(cls, path: Path) -> Trees:
        """Read trees written by :meth:`save`."""
        try:
            with np.load(path) as f:
                return cls(f["feature"], f["threshold"], f["left"], f["right"],
                           f["missing_left"], f["value"], f["roots"], float(f["baseline"]))
        except (OSError, KeyError, ValueError) as exc:
            raise CineError(f"re-ranking trees at {path} unreadable ({exc})") from exc


@dataclass(frozen=True)
class _Tables:
    """:class:`Trees` laid out for :meth:`Trees.decision`: splits as (slot, tree) arrays,
    leaves numbered left to right in each tree (bit ``i`` of a mask is leaf ``i``)."""

    feature: np.ndarray  # (slots, trees) feature of each split (padding: feature 0)
    rank: np.ndarray  # (slots, trees) int16 rank of its threshold among the feature's
    missing_right: np.ndarray  # (slots, trees) a missing value goes right
    left_leaves: np.ndarray  # (slots, trees) unsigned: bits of the leaves left of the split
    value: np.ndarray  # (trees, leaves)
    first_leaf: np.ndarray  # (trees, 1) position of each tree's first leaf in ``value``
    cuts: list[np.ndarray]  # sorted distinct thresholds of each feature
    one: np.unsignedinteger

    @classmethod
    def of(cls, trees: Trees) -> _Tables:
        n_nodes = len(trees.left)
        is_leaf = trees.left == np.arange(n_nodes)
        layouts = []  # per tree: its leaves in order, its splits (node, first, stop leaf left)
        for root in trees.roots:
            leaves: list[int] = []
            splits: list[tuple[int, int, int]] = []
            stack: list[tuple[int, int]] = [(int(root), -1)]
            while stack:  # in-order walk; a split is recorded once its left side is done
                node, first = stack.pop()
                if first >= 0:
                    splits.append((node, first, len(leaves)))
                    stack.append((int(trees.right[node]), -1))
                elif is_leaf[node]:
                    leaves.append(node)
                else:
                    stack += [(node, len(leaves)), (int(trees.left[node]), -1)]
            layouts.append((leaves, splits))
        n_leaves = max(len(leaves) for leaves, _ in layouts)
        slots = max(1, *(len(splits) for _, splits in layouts))
        dtype = next((d for d in (np.uint8, np.uint16, np.uint32, np.uint64)
                      if np.iinfo(d).bits >= n_leaves), None)
        if dtype is None:
            raise CineError(f"trees of {n_leaves} leaves: at most 64 are supported")
        n_features = int(trees.feature.max()) + 1
        cuts = [np.unique(trees.threshold[(trees.feature == f) & ~is_leaf])
                for f in range(n_features)]
        shape = (slots, len(layouts))
        feature, rank = np.zeros(shape, np.intp), np.full(shape, np.iinfo(np.int16).max, np.int16)
        missing_right, left_leaves = np.zeros(shape, bool), np.zeros(shape, dtype)
        value = np.zeros((len(layouts), n_leaves))
        for t, (leaves, splits) in enumerate(layouts):
            value[t, :len(leaves)] = trees.value[leaves]
            for s, (node, first, stop) in enumerate(splits):
                f = int(trees.feature[node])
                feature[s, t] = f
                rank[s, t] = np.searchsorted(cuts[f], trees.threshold[node])
                missing_right[s, t] = not trees.missing_left[node]
                left_leaves[s, t] = ((1 << stop) - 1) ^ ((1 << first) - 1)
        if max(map(len, cuts)) >= np.iinfo(np.int16).max:
            raise CineError("too many distinct thresholds for one feature")
        first_leaf = (np.arange(len(layouts)) * n_leaves)[:, None]
        return cls(feature, rank, missing_right, left_leaves, value, first_leaf, cuts, dtype(1))


def block_columns(model: Recommender) -> tuple[np.ndarray, np.ndarray]:
    """(bin of each item-matrix column, 1 / scale**2 per SIM_BLOCKS block): bin ``b`` for
    block ``SIM_BLOCKS[b]``, then one bin for the :data:`PEOPLE` blocks and one for the rest
    (see :func:`pair_products`)."""
    nb = len(SIM_BLOCKS)
    col_block = np.full(model.items_.shape[1], nb + 1, dtype=np.int64)
    inv = np.zeros(nb)
    for b, name in enumerate((*SIM_BLOCKS, *PEOPLE)):
        if name in model.layout_:
            start, stop, scale = model.layout_[name]
            col_block[start:stop] = min(b, nb)
            if b < nb:
                inv[b] = 1.0 / (scale * scale)
    return col_block, inv


def pair_products(model: Recommender, queries: Sequence[Sequence[int]],
                  pools: Sequence[np.ndarray]) -> list[np.ndarray]:
    """For each query, the products of each liked film (rows) with each candidate of its
    pool (columns), summed per bin of :func:`block_columns` (m, n, blocks + 2): the liked
    films' rows, made dense, are read at the candidates' non-zeros."""
    col_block, _ = model.block_columns_
    nbins = len(SIM_BLOCKS) + 2
    out = []
    for liked, cands in zip(queries, pools, strict=True):
        owner, cols, values = row_entries(model.items_, cands)
        key = owner * nbins + col_block[cols]
        liked_owner, liked_cols, liked_values = row_entries(model.items_, np.asarray(liked))
        dense = np.zeros((len(liked), model.items_.shape[1]), values.dtype)
        dense[liked_owner, liked_cols] = liked_values
        products = dense[:, cols] * values
        sums = [np.bincount(key, weights=p, minlength=len(cands) * nbins) for p in products]
        out.append(np.reshape(sums, (len(liked), len(cands), nbins)))
    return out


def pair_features(model: Recommender, liked: Sequence[int], cands: np.ndarray,
                  base: np.ndarray, ratio: np.ndarray, products: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Features of each candidate for one query (liked positions, recency weights ``ratio``
    summing to 1), ``base`` their base scores, ``cands`` ordered by it, ``products`` its
    :func:`pair_products` (n, FEATURES); and the people blocks' part of each base score
    (recency-weighted mean and best match blended as in the base score: the trees do not
    see it, :func:`rerank` keeps it)."""
    liked = np.asarray(liked, dtype=np.int64)
    n, m = len(cands), len(liked)
    nb = len(SIM_BLOCKS)
    _, inv = model.block_columns_
    people, whole = products[..., nb], products.sum(axis=2)
    beta = model.weights.best_match
    people_part = ((1 - beta) * (ratio @ people) + beta * people.max(axis=0)) if m else np.zeros(n)
    year = model._columns["year"]  # noqa: SLF001 (same package)
    pop, qual, cent = model.popularity_, model.quality_, model.centrality_
    genre_count = model.genre_count_
    liked_year = float(np.nansum(ratio * year[liked]) / max(np.sum(ratio[~np.isnan(year[liked])]),
                                                            1e-9)) if m else np.nan
    feats = np.empty((n, len(FEATURES)))
    feats[:, :nb] = np.einsum("l,lnb->nb", ratio, products[..., :nb]) * inv
    feats[:, nb] = base
    feats[:, nb + 1] = np.arange(n)
    feats[:, nb + 2] = base[0] - base if n else 0.0
    feats[:, nb + 3] = whole.max(axis=0) if m else np.nan
    feats[:, nb + 4] = year[cands] - liked_year
    feats[:, nb + 5] = pop[cands]
    feats[:, nb + 6] = pop[cands] - float(ratio @ pop[liked])
    feats[:, nb + 7] = qual[cands]
    feats[:, nb + 8] = qual[cands] - float(ratio @ qual[liked])
    feats[:, nb + 9] = cent[cands]
    feats[:, nb + 10] = float(ratio @ cent[liked])
    feats[:, nb + 11] = genre_count[cands]
    feats[:, nb + 12] = float(ratio @ genre_count[liked])
    feats[:, nb + 13] = m
    return feats, people_part


def query_features(model: Recommender, queries: Sequence[Sequence[int]],
                   pools: Sequence[np.ndarray], scores: np.ndarray
                   ) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`pair_features` of each query (row of ``scores``) and its pool."""
    ratios = [recency_ratio(len(q), model.weights.recency) for q in queries]
    products = pair_products(model, queries, pools)
    return [pair_features(model, q, c, row[c].astype(np.float64), ratio, prod)
            for q, c, row, ratio, prod in zip(queries, pools, scores, ratios, products,
                                              strict=True)]


def centrality(items: sp.csr_matrix) -> np.ndarray:
    """Mean similarity of each film to the whole catalogue (hubs sit near the centre)."""
    mean_row = np.asarray(items.mean(axis=0)).ravel()
    return np.asarray(items @ mean_row).ravel().astype(np.float32)


def genre_counts(genre_matrix: sp.csr_matrix) -> np.ndarray:
    """Number of genres of each film."""
    return np.diff(genre_matrix.tocsr().indptr).astype(np.float32)


def recency_ratio(n: int, recency: float) -> np.ndarray:
    """Weights of ``n`` liked films, the last one named weighing most, summing to 1."""
    r = recency ** np.arange(n - 1, -1, -1.0)
    return r / r.sum()


def pool(scores: np.ndarray, size: int = POOL) -> np.ndarray:
    """Positions of the ``size`` best finite scores, best first, ties by position.

    Only the films at or above a threshold are sorted. The best few of every
    :data:`SAMPLE_STEP`-th score set it so that a few hundred pass: 0.08 ms on the full
    catalogue, where partitioning the whole row takes 0.8 ms. When fewer than ``size``
    pass (filters) or too many (ties), the threshold is the ``size``-th best score."""
    passed = None
    if len(scores) > SAMPLE_STEP * size:
        sample = scores[::SAMPLE_STEP]
        rank = len(sample) - max(1, 3 * size // SAMPLE_STEP)
        threshold = np.partition(sample, rank)[rank]
        if np.isfinite(threshold):
            passed = np.flatnonzero(scores >= threshold)
            passed = passed if size <= len(passed) <= 16 * size else None
    if passed is None:
        passed = np.flatnonzero(np.isfinite(scores))
        if len(passed) > size:
            kept = scores[passed]
            passed = passed[kept >= np.partition(kept, len(kept) - size)[len(kept) - size]]
    return passed[np.lexsort((passed, -scores[passed]))[:size]]


def rerank(model: Recommender, trees: Trees, queries: Sequence[Sequence[int]],
           scores: np.ndarray, block: int = BLOCK) -> list[np.ndarray]:
    """Re-order the best :data:`POOL` films of each row of ``scores`` (in place; row ``r``
    for ``queries[r]``) by the trees: the film they rank i-th gets the i-th highest of those
    base scores. Returns each row's pool. The pools of ``block`` queries go through the
    trees in one call."""
    pools = [pool(row) for row in scores]
    for start in range(0, len(queries), block):
        rows = [r for r in range(start, min(start + block, len(queries))) if len(pools[r]) > 1]
        if not rows:
            continue
        parts = query_features(model, [queries[r] for r in rows], [pools[r] for r in rows],
                               scores[rows])
        decisions = np.split(trees.decision(np.vstack([f for f, _ in parts])),
                             np.cumsum([len(f) for f, _ in parts])[:-1])
        for r, (_, people), decision in zip(rows, parts, decisions, strict=True):
            base = scores[r, pools[r]].astype(np.float64)
            scores[r, pools[r]] = transfer(base - people, decision) + people
    return pools


def transfer(values: np.ndarray, decision: np.ndarray) -> np.ndarray:
    """``values`` handed out again in the order of ``decision``: the highest value to the
    highest decision, and so on (ties in decision keep their order)."""
    out = np.empty_like(values)
    out[np.argsort(-decision, kind="stable")] = np.sort(values)[::-1]
    return out
