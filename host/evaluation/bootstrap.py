"""Bootstrap 95 % intervals, resampling whole athletes (cluster bootstrap).

Clips of one athlete are not independent; resampling athletes rather than clips gives an
interval that does not pretend we saw more players than we did.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Metric = Callable[[np.ndarray], float]  # takes indices of the evaluated items


def on_items(
    score: Callable[[np.ndarray, np.ndarray], float], y: np.ndarray, pred: np.ndarray
) -> Metric:
    """`score(y, pred)` as a Metric: computed on the items a resample picks."""
    return lambda i: score(y[i], pred[i])


def cluster_bootstrap_draws(
    metric: Metric, groups: np.ndarray, resamples: int = 1000, seed: int = 0
) -> tuple[float, np.ndarray]:
    """`metric` over all items, and its values over athlete resamples: the draws an
    interval, or the share of resamples on one side of 0, is read from.

    Resamples where the metric is undefined (NaN, e.g. AUC without a positive) are skipped.
    """
    all_items = np.arange(len(groups))
    estimate = metric(all_items)
    if resamples <= 0 or len(groups) == 0:
        return estimate, np.empty(0)
    unique, inverse = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(inverse == g) for g in range(len(unique))]
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        chosen = rng.integers(0, len(unique), len(unique))
        value = metric(np.concatenate([members[g] for g in chosen]))
        if np.isfinite(value):
            values.append(value)
    return estimate, np.asarray(values, dtype=float)


def cluster_bootstrap(
    metric: Metric, groups: np.ndarray, resamples: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float, float]:
    """(estimate, low, high) of `metric` over all items and over athlete resamples
    (`cluster_bootstrap_draws`); NaN bounds where no resample gave a value."""
    estimate, values = cluster_bootstrap_draws(metric, groups, resamples, seed)
    return (estimate, *percentile_interval(values, level))


def percentile_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The central `level` of bootstrap draws; NaN without draws."""
    if len(values) == 0:
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)
