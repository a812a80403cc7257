"""The ridge penalty of the Hydra student's head, chosen on athletes it did not fit.

scikit-learn's `RidgeClassifierCV` chooses the penalty by efficient leave-one-out. With
one window per take that is a choice on new takes of the athletes it trains on, and with
augmented copies of each window in the fit, the copies of a left-out window stay in:
both reward a weak penalty. On unseen real footballers the leave-one-out choice was the
same weak penalty on every fold and seed, and the head fitted with it varied by 8 points
from one kernel seed to the next (docs/student.md, "A penalty chosen on other athletes").
Here every athlete of the training windows is left out in turn (`LeaveOneGroupOut`, or
`GroupKFold` past `MAX_FOLDS` athletes) together with every copy of its windows, and the
penalty with the most held-out windows right wins. One eigendecomposition per fold
scores every penalty of the grid, so the choice costs seconds, not a fit per penalty.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

# Penalties tried, 10^-3 .. 10^5: leave-one-out's grid stops at 10^3, and athletes held
# out chose 10^3.5 most often on the footballers, 10^2.5–10^3.5 on phone + watch.
GROUPED_ALPHAS = np.logspace(-3, 5, 17)
# More athletes than this are held out in this many folds, not one at a time.
MAX_FOLDS = 8
# Fewer athletes than this leave no one to hold out: leave-one-out decides.
MIN_ATHLETES = 3


def grouped_alpha(
    features: np.ndarray,
    targets: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    alphas: np.ndarray = GROUPED_ALPHAS,
) -> float:
    """The first of `alphas` whose ridge, fitted with an intercept on `features` →
    `targets` `(N, K)` without one athlete of `groups`, predicts that athlete's `labels`
    (the arg-max column of `targets`' columns, which are the label ids `0..K-1`) most
    often, summed over athletes."""
    splitter = LeaveOneGroupOut() if len(np.unique(groups)) <= MAX_FOLDS else GroupKFold(MAX_FOLDS)
    correct = np.zeros(len(alphas))
    for fit, held_out in splitter.split(features, labels, groups):
        x = features[fit].astype(np.float64)
        x_mean, y_mean = x.mean(0), targets[fit].mean(0)
        x -= x_mean
        # (XᵀX + αI)⁻¹ Xᵀy for every α from one eigendecomposition of XᵀX.
        eigenvalues, vectors = np.linalg.eigh(x.T @ x)
        projected = vectors.T @ (x.T @ (targets[fit] - y_mean))
        rotated = (features[held_out] - x_mean) @ vectors
        for i, alpha in enumerate(alphas):
            decision = rotated @ (projected / (eigenvalues + alpha)[:, None]) + y_mean
            correct[i] += np.count_nonzero(decision.argmax(1) == labels[held_out])
    return float(alphas[int(np.argmax(correct))])


def one_against_rest(labels: np.ndarray, n_labels: int) -> np.ndarray:
    """`(N, n_labels)` targets +1 for the window's label and -1 elsewhere, as
    `RidgeClassifier` codes them."""
    return np.where(labels[:, None] == np.arange(n_labels)[None, :], 1.0, -1.0)
