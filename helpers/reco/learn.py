"""Learn the recommender's similarity from real behaviour (MovieLens tuning users only).

A listwise model: for each pair of films liked one after the other by a TUNING (odd-id)
user, the second film should score above films drawn at random from the catalogue.
The score is the production one, linear in its parameters: the learned blocks' cosine
similarities (genres, overview text, title word pairs, collection, language, countries,
companies, period, runtime, renown) and the quality and popularity priors scaled by the
query film's popularity. Maximising the softmax likelihood of the liked film (a
multinomial logistic regression, convex) gives the block and prior weights; content
only is used at query time.

The priors' share kept in production (``prior_scale``) and the recency ratio of several
liked films are then chosen on the same tuning users: the largest prior share whose
all-films lists hold no film in more than :data:`HUB_TARGET` of them (production default
and neutral settings), and the recency ratio with the best five-film hit rate.
The reporting (even-id) users are never read here. People weights (directors, writers,
cast) are not measurable on this catalogue (no credits) and stay set by judgement.
MovieLens is licensed for research only: weights derived here say so (README).

The re-ranking trees (:func:`learn_reranker`, :mod:`helpers.reco.rerank`) are learned last,
on the base model with the shipped weights, from the same tuning users.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from helpers.audience import CREUSE
from helpers.reco import rerank
from helpers.reco.evaluate import (
    HISTORY,
    K,
    all_films_lists,
    held_out_cases,
    hits_and_ndcg,
    load_catalogue,
    per_user_mean,
    tuning_sequences,
)
from helpers.reco.features import BLOCKS, PEOPLE, build_blocks
from helpers.reco.model import FeatureWeights, Recommender

#: Most-frequent film's share of the all-films lists that ``prior_scale`` must stay under
#: (the acceptance floor is 15 %; the margin keeps it when the catalogue changes a little).
HUB_TARGET = 0.13
PRIOR_SCALES = (1.0, 0.8, 0.65, 0.5, 0.4, 0.3)
RECENCIES = (1.0, 0.8, 0.6, 0.4)
NEGATIVES = 200
L2 = 1e-4
LEARNED = tuple(b for b in BLOCKS if b not in PEOPLE)


@dataclass(frozen=True)
class Pairs:
    """Training lists: query film, liked next film (column 0) and sampled films."""

    query: np.ndarray  # (n,)
    candidates: np.ndarray  # (n, 1 + NEGATIVES), column 0 = the liked film


def training_pairs(seqs: pd.Series, n_films: int, seed: int = 0) -> Pairs:
    """Every pair of consecutive liked films of the tuning users, with random negatives."""
    query, target = [], []
    for seq in seqs:
        query.extend(seq[:-1])
        target.extend(seq[1:])
    query, target = np.asarray(query, np.int64), np.asarray(target, np.int64)
    rng = np.random.default_rng(seed)
    negatives = rng.integers(0, n_films - 1, size=(len(query), NEGATIVES))
    negatives += negatives >= query[:, None]  # never the query film itself
    return Pairs(query, np.column_stack([target, negatives]))


def pair_features(model: Recommender, blocks: dict, pairs: Pairs) -> tuple[list[str], np.ndarray]:
    """Feature tensor (n, candidates, features): per-block cosines, then the two priors
    times the query film's popularity (the production score's form)."""
    names = [b for b in LEARNED if blocks[b].nnz > 0]
    q, c = pairs.query, pairs.candidates
    feats = np.empty((*c.shape, len(names) + 2), dtype=np.float32)
    for j, name in enumerate(names):
        gram = (blocks[name] @ blocks[name].T).toarray()
        feats[:, :, j] = gram[q[:, None], c]
        del gram
    fame = model.popularity_[q][:, None]
    feats[:, :, -2] = fame * model.quality_[c]
    feats[:, :, -1] = fame * model.popularity_[c]
    return [*names, "quality", "popularity"], feats


def softmax_fit(feats: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    """Weights maximising the mean log-probability of column 0 (L2-penalised), and that loss."""
    x = feats.astype(np.float64)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ theta
        s -= s.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        nll = -np.log(p[:, 0]).mean()
        grad = -(x[:, 0, :] - np.einsum("nc,ncf->nf", p, x)).mean(axis=0)
        return nll + l2 * theta @ theta, grad + 2 * l2 * theta

    res = minimize(loss, np.zeros(x.shape[2]), jac=True, method="L-BFGS-B",
                   options={"maxiter": 500})
    return res.x, float(res.fun)


def weights_from(names: list[str], theta: np.ndarray, base: FeatureWeights) -> FeatureWeights:
    """Learned coefficients as :class:`FeatureWeights`: block weights as learned (clipped at
    0), priors divided by the learned blocks' total (the similarity is their weighted mean)."""
    coef = dict(zip(names, theta, strict=True))
    blocks = {b: round(max(float(coef[b]), 0.0), 3) for b in names if b in LEARNED}
    total = sum(blocks.values()) or 1.0
    return dataclasses.replace(
        base, **blocks, quality=round(max(float(coef["quality"]), 0.0) / total, 3),
        popularity=round(max(float(coef["popularity"]), 0.0) / total, 3))


def hub_share(model: Recommender, local_preference: float) -> float:
    """Share of the all-films single-film lists that hold their most frequent film."""
    lists = all_films_lists(model, local_preference)
    return float(np.unique(lists[lists >= 0], return_counts=True)[1].max() / len(lists))


def learn(real_dir: Path | None = None, verbose: bool = True, sweeps: bool = True
          ) -> FeatureWeights:
    """The shipped weights' derivation, from the tuning users only (deterministic);
    ``sweeps=False`` stops after the softmax (prior_scale and recency as shipped)."""
    say = print if verbose else (lambda *a, **k: None)
    start = time.perf_counter()
    catalogue = load_catalogue(real_dir)
    seqs = tuning_sequences(real_dir)
    base = FeatureWeights()
    model = Recommender(base, learned_rerank=False).fit(catalogue)
    blocks = build_blocks(catalogue, cast_decay=base.cast_decay, text_min_df=model.text_min_df)
    pairs = training_pairs(seqs, len(catalogue))
    names, feats = pair_features(model, blocks, pairs)
    theta, nll = softmax_fit(feats)
    weights = weights_from(names, theta, base)
    say(f"softmax on {len(pairs.query):,} tuning pairs x {1 + NEGATIVES} films: "
        f"loss {nll:.4f} (chance {np.log(1 + NEGATIVES):.4f}), {time.perf_counter() - start:.0f} s")
    if not sweeps:
        return weights
    for scale in PRIOR_SCALES:
        trial = Recommender(dataclasses.replace(weights, prior_scale=scale),
                            learned_rerank=False).fit(catalogue)
        hubs = [hub_share(trial, lp) for lp in (0.0, CREUSE.local_preference)]
        say(f"  prior_scale {scale}: most frequent film in {max(hubs):.1%} of the lists")
        if max(hubs) <= HUB_TARGET:
            break
    weights = dataclasses.replace(weights, prior_scale=scale)
    cases = held_out_cases(seqs, "tuning")
    best = (-1.0, 1.0)
    for recency in RECENCIES:
        trial = Recommender(dataclasses.replace(weights, recency=recency),
                            learned_rerank=False).fit(catalogue)
        hit = hits_and_ndcg(trial.rank(cases.profile, K), cases.target)[0]
        rate = per_user_mean(hit, cases.user)
        say(f"  recency {recency}: five-film HR@10 {rate:.2%} (tuning users)")
        best = max(best, (rate, recency))
    weights = dataclasses.replace(weights, recency=best[1])
    say(f"done in {time.perf_counter() - start:.0f} s")
    return weights


#: Boosted trees of the re-ranker (scikit-learn ``HistGradientBoostingClassifier``).
TREE_PARAMS = {"max_iter": 200, "learning_rate": 0.1, "max_leaf_nodes": 15,
               "min_samples_leaf": 100, "l2_regularization": 1.0, "random_state": 0}


def rerank_queries(seqs: pd.Series) -> tuple[list[list[int]], np.ndarray]:
    """Every next liked film of the users, after one film and after the five before it."""
    queries, targets = [], []
    for seq in seqs:
        queries += [[a] for a in seq[:-1]]
        targets += list(seq[1:])
        queries += [list(seq[i - HISTORY:i]) for i in range(HISTORY, len(seq))]
        targets += list(seq[HISTORY:])
    return queries, np.asarray(targets, np.int64)


def rerank_training_set(model: Recommender, queries: list[list[int]], targets: np.ndarray,
                        batch: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Pair features and labels of the base model's :data:`~helpers.reco.rerank.TRAIN_POOL` best
    films of each query whose next liked film is among them (the others teach no order):
    the liked film is the positive, the pool's other films the (hard) negatives."""
    xs, ys = [], []
    for start in range(0, len(queries), batch):
        chunk = queries[start:start + batch]
        scores = model._scores(chunk)  # noqa: SLF001 (same package)
        for r, liked in enumerate(chunk):
            scores[r, liked] = -np.inf
        pools = [rerank.pool(row, rerank.TRAIN_POOL) for row in scores]
        labels = [cands == target for cands, target in zip(
            pools, targets[start:start + len(chunk)], strict=True)]
        kept = [r for r, label in enumerate(labels) if label.any()]
        for at in range(0, len(kept), rerank.BLOCK):
            rows = kept[at:at + rerank.BLOCK]
            parts = rerank.query_features(model, [chunk[r] for r in rows],
                                          [pools[r] for r in rows], scores[rows])
            xs += [feats for feats, _ in parts]
            ys += [labels[r] for r in rows]
    return np.vstack(xs), np.concatenate(ys).astype(np.int8)


def learn_reranker(real_dir: Path | None = None, out: Path = rerank.SHIPPED,
                   users: pd.Series | None = None, verbose: bool = True) -> rerank.Trees:
    """Train the re-ranking trees on the tuning users (or ``users``' sequences) and save
    them to ``out`` (the shipped file by default)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    say = print if verbose else (lambda *a, **k: None)
    start = time.perf_counter()
    catalogue = load_catalogue(real_dir)
    seqs = tuning_sequences(real_dir) if users is None else users
    model = Recommender(learned_rerank=False).fit(catalogue)
    model._gram = (model.items_ @ model.items_.T).toarray()  # noqa: SLF001
    x, y = rerank_training_set(model, *rerank_queries(seqs))
    say(f"re-ranker: {len(x):,} candidate films of {int(y.sum()):,} queries "
        f"({time.perf_counter() - start:.0f} s)")
    clf = HistGradientBoostingClassifier(**TREE_PARAMS).fit(x, y)
    trees = rerank.Trees.from_sklearn(clf)
    trees.save(out)
    say(f"  trees saved to {out} ({time.perf_counter() - start:.0f} s)")
    return trees
