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
from helpers.reco.features import PEOPLE

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
#: The base score's top this many films are re-ranked.
POOL = 200
#: Where the shipped trees live (package data).
SHIPPED = Path(__file__).with_name("reranker.npz")


@dataclass(frozen=True)
class Trees:
    """A boosted-tree ensemble as flat arrays (all trees' nodes concatenated).

    ``left``/``right`` are absolute node indices; a leaf points to itself, so descending
    ``depth`` steps from every root lands on the leaves. ``x <= threshold`` goes left,
    a missing value (NaN) goes where training sent it.
    """

    feature: np.ndarray  # int32
    threshold: np.ndarray  # float64
    left: np.ndarray  # int32
    right: np.ndarray  # int32
    missing_left: np.ndarray  # bool
    value: np.ndarray  # float64 (leaves; 0 elsewhere)
    roots: np.ndarray  # int32, one per tree
    baseline: float
    depth: int

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
                   float(np.ravel(estimator._baseline_prediction)[0]),  # noqa: SLF001
                   int(max(p.get_max_depth() for p in predictors)))

    def decision(self, x: np.ndarray) -> np.ndarray:
        """Raw score (log-odds) of each row of ``x`` (n, features).

        All (row, tree) pairs descend one level per step; pairs that reached a leaf drop
        out, so a step costs only what is still inside the trees."""
        x = np.asarray(x, dtype=np.float64)
        n, n_trees = len(x), len(self.roots)
        flat = x.ravel()
        start = np.repeat(np.arange(n) * x.shape[1], n_trees)  # each pair's row in ``flat``
        node = np.tile(self.roots, n)
        active = np.arange(len(node))
        for _ in range(self.depth):
            at = node[active]
            inside = self.left[at] != at  # a leaf points to itself
            active, at = active[inside], at[inside]
            if not len(active):
                break
            values = flat[start[active] + self.feature[at]]
            go_left = values <= self.threshold[at]
            missing = np.isnan(values)
            if missing.any():
                go_left[missing] = self.missing_left[at[missing]]
            node[active] = np.where(go_left, self.left[at], self.right[at])
        return self.baseline + self.value[node].reshape(n, n_trees).sum(axis=1)

    def save(self, path: Path) -> None:
        """Write the arrays to ``path`` (npz)."""
        arrays = {name: getattr(self, name) for name in (
            "feature", "threshold", "left", "right", "missing_left", "value", "roots")}
        np.savez_compressed(path, baseline=self.baseline, depth=self.depth, **arrays)

    @classmethod
    def load(cls, path: Path) -> Trees:
        """Read trees written by :meth:`save`."""
        try:
            with np.load(path) as f:
                return cls(f["feature"], f["threshold"], f["left"], f["right"],
                           f["missing_left"], f["value"], f["roots"], float(f["baseline"]),
                           int(f["depth"]))
        except (OSError, KeyError, ValueError) as exc:
            raise CineError(f"re-ranking trees at {path} unreadable ({exc})") from exc


def block_columns(model: Recommender) -> tuple[np.ndarray, np.ndarray]:
    """(block number of each item-matrix column, 1 / scale**2 per block) for SIM_BLOCKS;
    columns of other blocks get number len(SIM_BLOCKS) (dropped)."""
    col_block = np.full(model.items_.shape[1], len(SIM_BLOCKS), dtype=np.int64)
    inv = np.zeros(len(SIM_BLOCKS))
    for b, name in enumerate(SIM_BLOCKS):
        if name in model.layout_:
            start, stop, scale = model.layout_[name]
            col_block[start:stop] = b
            inv[b] = 1.0 / (scale * scale)
    return col_block, inv


def block_similarities(model: Recommender, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of each SIM_BLOCKS block between films ``a[i]`` and ``b[i]`` (n, blocks)."""
    col_block, inv = model.block_columns_
    n, nb = len(a), len(SIM_BLOCKS)
    if n == 0:
        return np.zeros((0, nb))
    prod = model.items_[a].multiply(model.items_[b]).tocsr()
    rows = np.repeat(np.arange(n), np.diff(prod.indptr))
    out = np.bincount(rows * (nb + 1) + col_block[prod.indices], weights=prod.data,
                      minlength=n * (nb + 1)).reshape(n, nb + 1)[:, :nb]
    return out * inv


def pair_features(model: Recommender, liked: Sequence[int], cands: np.ndarray,
                  base: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """Features of each candidate for one query (liked positions, recency weights ``ratio``
    summing to 1), ``base`` their base scores, ``cands`` ordered by it (n, FEATURES)."""
    liked = np.asarray(liked, dtype=np.int64)
    n, m = len(cands), len(liked)
    sims = block_similarities(model, np.repeat(liked, n), np.tile(cands, m)).reshape(m, n, -1)
    mean = np.einsum("l,lnb->nb", ratio, sims)
    year = model._columns["year"]  # noqa: SLF001 (same package)
    pop, qual, cent = model.popularity_, model.quality_, model.centrality_
    genre_count = model.genre_count_
    liked_year = float(np.nansum(ratio * year[liked]) / max(np.sum(ratio[~np.isnan(year[liked])]),
                                                            1e-9)) if m else np.nan
    feats = np.empty((n, len(FEATURES)))
    nb = len(SIM_BLOCKS)
    feats[:, :nb] = mean
    feats[:, nb] = base
    feats[:, nb + 1] = np.arange(n)
    feats[:, nb + 2] = base[0] - base if n else 0.0
    feats[:, nb + 3] = model._similarities(liked, cands).max(axis=0)  # noqa: SLF001
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
    return feats


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
    """Positions of the ``size`` best finite scores, best first (ties by position)."""
    valid = np.flatnonzero(np.isfinite(scores))
    if len(valid) > size:
        valid = valid[np.argpartition(-scores[valid], size - 1)[:size]]
        valid.sort()
    return valid[np.argsort(-scores[valid], kind="stable")]


def rerank(model: Recommender, trees: Trees, liked: Sequence[int], scores: np.ndarray
           ) -> np.ndarray:
    """Re-order the best :data:`POOL` films of ``scores`` (in place) by the trees: the film
    they rank i-th gets the i-th highest of those base scores. Returns those films."""
    cands = pool(scores)
    if len(cands) < 2:
        return cands
    base = scores[cands].astype(np.float64)
    ratio = recency_ratio(len(liked), model.weights.recency)
    people = people_part(model, liked, cands, ratio)
    decision = trees.decision(pair_features(model, liked, cands, base, ratio))
    scores[cands] = transfer(base - people, decision) + people
    return cands


def transfer(values: np.ndarray, decision: np.ndarray) -> np.ndarray:
    """``values`` handed out again in the order of ``decision``: the highest value to the
    highest decision, and so on (ties in decision keep their order)."""
    out = np.empty_like(values)
    out[np.argsort(-decision, kind="stable")] = np.sort(values)[::-1]
    return out


def people_part(model: Recommender, liked: Sequence[int], cands: np.ndarray,
                ratio: np.ndarray) -> np.ndarray:
    """The people blocks' part of each candidate's base similarity (recency-weighted mean
    and best match blended as in the base score)."""
    spans = [model.layout_[b][:2] for b in PEOPLE if b in model.layout_]
    if not spans or len(liked) == 0:
        return np.zeros(len(cands))
    cols = slice(min(a for a, _ in spans), max(b for _, b in spans))  # adjacent blocks
    dots = (model.items_[list(liked)][:, cols] @ model.items_[cands][:, cols].T).toarray()
    beta = model.weights.best_match
    return (1 - beta) * (ratio @ dots) + beta * dots.max(axis=0)
