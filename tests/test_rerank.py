"""The learned re-ranker: flat-array trees against scikit-learn, the pool, the rank transfer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from helpers.errors import CineError
from helpers.reco import rerank
from helpers.reco.features import row_entries
from helpers.reco.rerank import Trees


def fitted_classifier(seed: int = 0):
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2000, 4))
    x[rng.random(x.shape) < 0.05] = np.nan  # missing values take the side training chose
    y = ((np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 1]) ** 2
          - np.nan_to_num(x[:, 2]) > 0.3) ^ (rng.random(2000) < 0.1)).astype(int)
    clf = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=7, random_state=0)
    return clf.fit(x, y), x


def test_flat_trees_give_scikit_learn_s_decision_function(tmp_path: Path) -> None:
    clf, x = fitted_classifier()
    trees = Trees.from_sklearn(clf)
    assert len(trees.roots) == 30 and (trees.left == np.arange(len(trees.left))).sum() <= 30 * 7
    inner = trees.left != np.arange(len(trees.left))
    at_split = np.tile(x[:1], (inner.sum(), 1))  # a value equal to a threshold goes left
    at_split[np.arange(inner.sum()), trees.feature[inner]] = trees.threshold[inner]
    probe = np.vstack([x[:500], np.full((1, 4), np.nan), np.zeros((1, 4)), at_split])
    np.testing.assert_allclose(trees.decision(probe), clf.decision_function(probe), atol=1e-9)
    trees.save(tmp_path / "trees.npz")
    np.testing.assert_allclose(Trees.load(tmp_path / "trees.npz").decision(probe),
                               clf.decision_function(probe), atol=1e-9)


def test_trees_of_more_than_64_leaves_are_refused() -> None:
    from sklearn.ensemble import HistGradientBoostingRegressor

    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 2))
    reg = HistGradientBoostingRegressor(max_iter=1, max_leaf_nodes=80, min_samples_leaf=5)
    reg.fit(x, x[:, 0] * x[:, 1] + np.sin(5 * x[:, 0]))
    with pytest.raises(CineError, match="at most 64"):
        Trees.from_sklearn(reg)


def test_unreadable_trees_are_a_cine_error(tmp_path: Path) -> None:
    (tmp_path / "trees.npz").write_bytes(b"not an npz")
    with pytest.raises(CineError, match="re-ranking trees"):
        Trees.load(tmp_path / "trees.npz")


def test_shipped_trees_read_the_pair_features() -> None:
    trees = Trees.load(rerank.SHIPPED)
    assert trees.feature.max() < len(rerank.FEATURES) and len(trees.roots) == 200


def test_pool_keeps_the_best_finite_scores_best_first() -> None:
    scores = np.array([0.1, -np.inf, 0.5, 0.3, 0.5, 0.9])
    assert rerank.pool(scores, 3).tolist() == [5, 2, 4]
    assert rerank.pool(scores, 10).tolist() == [5, 2, 4, 3, 0]


@pytest.mark.parametrize("unwanted", [0.0, 0.5, 0.999])
def test_pool_through_the_sampled_threshold_is_the_exact_top(unwanted: float) -> None:
    """A catalogue-sized row with ties (one decimal) and unwanted films: the threshold path
    (none, most or nearly all films at -inf) gives the top of a full sort."""
    rng = np.random.default_rng(7)
    scores = np.round(rng.standard_normal(20_000), 1).astype(np.float32)
    scores[rng.random(len(scores)) < unwanted] = -np.inf
    finite = np.flatnonzero(np.isfinite(scores))
    expected = finite[np.lexsort((finite, -scores[finite]))][:150]
    assert rerank.pool(scores, 150).tolist() == expected.tolist()


def test_pool_with_more_ties_than_room_keeps_the_first_positions() -> None:
    """Too many films pass the sampled threshold (all equal but two): the first positions."""
    scores = np.zeros(20_000, np.float32)
    scores[[9_000, 12_000]] = [2.0, 1.0]
    assert rerank.pool(scores, 150).tolist() == [9_000, 12_000, *range(148)]


def test_row_entries_reads_the_rows_asked_for_in_their_order() -> None:
    matrix = sp.csr_matrix(np.array([[0, 1, 0], [2, 0, 3], [0, 0, 0], [4, 5, 0]], np.float32))
    owner, cols, values = row_entries(matrix, np.array([3, 2, 1]))
    assert owner.tolist() == [0, 0, 2, 2]
    assert cols.tolist() == [0, 1, 0, 2] and values.tolist() == [4, 5, 2, 3]


def test_recency_ratio_weighs_the_last_film_most() -> None:
    np.testing.assert_allclose(rerank.recency_ratio(3, 0.5), [1 / 7, 2 / 7, 4 / 7])


def test_transfer_hands_the_values_out_in_the_trees_order() -> None:
    values = np.array([0.9, 0.5, 0.2, 0.1])
    assert rerank.transfer(values, np.array([0.0, -1.0, 1.0, 2.0])).tolist() == [
        0.2, 0.1, 0.5, 0.9]
    assert rerank.transfer(np.array([0.1, 0.3]), np.array([1.0, 1.0])).tolist() == [0.3, 0.1]
