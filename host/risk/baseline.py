"""The baseline always reported beside the risk head: gradient boosting on the same V_t."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.utils.class_weight import compute_sample_weight


def fit_baseline(x: np.ndarray, y: np.ndarray, seed: int = 0) -> GradientBoostingClassifier:
    """Shallow boosted trees, classes balanced as the head's Eq. 22 weighting does.

    scikit-learn's exact-split boosting rather than the histogram variant: on a few
    thousand player-weeks it is as quick and uses no thread pool, so it behaves on a
    shared host.
    """
    model = GradientBoostingClassifier(
        n_estimators=120, max_depth=2, learning_rate=0.05, subsample=0.8, random_state=seed
    )
    return model.fit(x, y, sample_weight=compute_sample_weight("balanced", y))
