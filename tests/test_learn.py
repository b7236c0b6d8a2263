"""Learning the recommender's weights: units on planted data, then the shipped weights."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.reco.learn import (
    LEARNED,
    NEGATIVES,
    learn,
    softmax_fit,
    training_pairs,
    weights_from,
)
from helpers.reco.model import FeatureWeights


def test_training_pairs_are_consecutive_liked_films_with_random_others() -> None:
    pairs = training_pairs(pd.Series({1: [4, 2, 7], 3: [0, 5]}), n_films=8, seed=1)
    assert pairs.query.tolist() == [4, 2, 0]
    assert pairs.candidates[:, 0].tolist() == [2, 7, 5]
    assert pairs.candidates.shape == (3, 1 + NEGATIVES)
    negatives = pairs.candidates[:, 1:]
    assert (negatives != pairs.query[:, None]).all()  # never the query film
    assert negatives.min() >= 0 and negatives.max() <= 7
    assert set(np.unique(negatives)) == set(range(8))  # every other film can be drawn


def test_softmax_fit_recovers_planted_weights() -> None:
    rng = np.random.default_rng(0)
    true = np.array([2.0, -1.0, 0.5])
    feats = rng.normal(size=(4000, 30, 3)).astype(np.float32)
    scores = feats @ true
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    chosen = np.array([rng.choice(30, p=row) for row in p])
    rows = np.arange(len(feats))
    feats[rows, 0], feats[rows, chosen] = feats[rows, chosen].copy(), feats[rows, 0].copy()
    theta, loss = softmax_fit(feats, l2=0.0)
    np.testing.assert_allclose(theta, true, atol=0.1)
    assert loss < np.log(30)


def test_weights_from_scales_the_priors_by_the_blocks_total() -> None:
    names = ["genres", "text", "period", "quality", "popularity"]
    weights = weights_from(names, np.array([1.0, 3.0, -0.5, 2.0, 1.0]), FeatureWeights())
    assert (weights.genres, weights.text, weights.period) == (1.0, 3.0, 0.0)
    assert weights.quality == 0.5 and weights.popularity == 0.25  # / (1 + 3 + 0)
    assert weights.directors == FeatureWeights().directors  # people: not learned


@pytest.mark.slow
def test_shipped_weights_are_the_learned_ones(real_dir: Path) -> None:
    """The defaults shipped in FeatureWeights come out of the tuning users' ratings."""
    learned = learn(real_dir, verbose=False, sweeps=False)
    shipped = FeatureWeights()
    for name in (*LEARNED, "quality", "popularity"):
        assert getattr(learned, name) == pytest.approx(getattr(shipped, name), abs=0.01), name
    assert dataclasses.replace(learned, **{n: getattr(shipped, n) for n in (
        *LEARNED, "quality", "popularity")}) == shipped
