"""The Hydra head's ridge penalty, chosen on athletes held out."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import RidgeClassifier, RidgeClassifierCV
from sklearn.model_selection import LeaveOneGroupOut

from host.distill.config import RIDGE_ALPHAS
from host.distill.ridge import GROUPED_ALPHAS, grouped_alpha, one_against_rest


def squad(
    rng: np.random.Generator, athletes: int = 5, per_athlete: int = 40, labels: int = 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features where a weak shared direction tells the labels on every athlete and many
    athlete-specific directions tell them perfectly, but differently for every athlete:
    what a head that memorises its training players latches onto."""
    y = np.tile(np.arange(labels), athletes * per_athlete // labels + 1)[: athletes * per_athlete]
    groups = np.repeat(np.arange(athletes), per_athlete).astype(str)
    shared = np.eye(labels)[y] * 0.6 + rng.normal(size=(len(y), labels))
    own = np.zeros((len(y), athletes * labels * 4))
    for a in range(athletes):
        rows = np.flatnonzero(groups == str(a))
        code = rng.normal(size=(labels, labels * 4)) * 3
        own[rows, a * labels * 4 : (a + 1) * labels * 4] = code[y[rows]]
    noise = rng.normal(size=(len(y), 30))
    return np.hstack([shared, own, noise]), y, groups


def test_the_choice_is_scikit_learns_with_athletes_as_folds() -> None:
    x, y, groups = squad(np.random.default_rng(0))
    splits = list(LeaveOneGroupOut().split(x, y, groups))
    expected = RidgeClassifierCV(alphas=GROUPED_ALPHAS, cv=splits).fit(x, y).alpha_
    assert grouped_alpha(x, one_against_rest(y, 3), y, groups) == pytest.approx(expected)


def test_athletes_held_out_want_a_stronger_penalty_than_leave_one_out() -> None:
    x_all, y_all, groups_all = squad(np.random.default_rng(1), athletes=6)
    fitted = groups_all != "5"  # the sixth athlete is never fitted
    x, y, groups = x_all[fitted], y_all[fitted], groups_all[fitted]
    loo = RidgeClassifierCV(alphas=np.array(RIDGE_ALPHAS)).fit(x, y).alpha_
    held_out = grouped_alpha(x, one_against_rest(y, 3), y, groups)
    assert held_out > loo
    scores = {
        alpha: RidgeClassifier(alpha=alpha).fit(x, y).score(x_all[~fitted], y_all[~fitted])
        for alpha in (loo, held_out)
    }
    assert scores[held_out] > scores[loo]


def test_soft_targets_are_scored_against_the_labels() -> None:
    x, y, groups = squad(np.random.default_rng(3))
    # Targets that say nothing (every label equally likely) leave no penalty better
    # than another: the first of the grid wins the tie.
    flat = np.full((len(y), 3), 1 / 3)
    assert grouped_alpha(x, flat, y, groups) == GROUPED_ALPHAS[0]


def test_one_against_rest_codes_every_label_column() -> None:
    coded = one_against_rest(np.array([0, 2]), 4)
    np.testing.assert_array_equal(coded, [[1, -1, -1, -1], [-1, -1, 1, -1]])
