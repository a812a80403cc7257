"""Metrics and athlete-level bootstrap intervals."""

from __future__ import annotations

import numpy as np

from host.evaluation.bootstrap import (
    cluster_bootstrap,
    cluster_bootstrap_draws,
    percentile_interval,
)
from host.evaluation.metrics import action_report, high_risk_recall, risk_report


def test_high_risk_recall_counts_injuries_in_the_high_band_only() -> None:
    y = np.array([1, 1, 1, 1, 0, 0])
    p = np.array([0.9, 0.65, 0.64, 0.2, 0.99, 0.1])
    assert high_risk_recall(y, p) == 0.5


def test_action_report_per_class_and_confusion() -> None:
    y = np.array([0, 0, 1, 1, 2])
    pred = np.array([0, 1, 1, 1, 2])
    report = action_report(y, pred, ["a", "b", "c", "d"])
    assert report.accuracy == 0.8
    assert report.per_class["a"].recall == 0.5 and report.per_class["b"].precision == 2 / 3
    assert report.confusion[0] == [1, 1, 0, 0]
    assert report.per_class["d"].support == 0


def test_risk_report_auc_and_calibration() -> None:
    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.3
    p = np.clip(0.3 + 0.4 * y + rng.normal(0, 0.15, 400), 0, 1)
    report = risk_report(y.astype(float), p)
    assert 0.85 < report.auc <= 1.0
    assert report.calibration is not None and len(report.calibration.observed) >= 5


def test_cluster_bootstrap_brackets_the_estimate_and_respects_athlete_correlation() -> None:
    rng = np.random.default_rng(1)
    athletes = np.repeat(np.arange(12), 50)
    skill = np.where(np.arange(12) % 2 == 0, 0.55, 0.95)  # athletes differ: clips are not iid
    correct = rng.random(600) < skill[athletes]

    def acc(idx: np.ndarray) -> float:
        return float(correct[idx].mean())

    estimate, low, high = cluster_bootstrap(acc, athletes, resamples=400)
    _, iid_low, iid_high = cluster_bootstrap(acc, np.arange(600), resamples=400)
    assert low <= estimate <= high
    assert (high - low) > 1.5 * (iid_high - iid_low)


def test_bootstrap_draws_give_the_interval_and_skip_undefined_resamples() -> None:
    athletes = np.repeat(np.arange(6), 10)
    values = np.arange(60, dtype=float)

    def mean_unless_athlete_0_missing(idx: np.ndarray) -> float:
        return float(values[idx].mean()) if (athletes[idx] == 0).any() else float("nan")

    estimate, draws = cluster_bootstrap_draws(mean_unless_athlete_0_missing, athletes, 300, seed=3)
    # A resample misses athlete 0 with probability (5/6)^6 ≈ 0.33: those are skipped.
    assert 150 < len(draws) < 250 and np.isfinite(draws).all()
    assert (estimate, *percentile_interval(draws)) == cluster_bootstrap(
        mean_unless_athlete_0_missing, athletes, 300, seed=3
    )
    assert cluster_bootstrap_draws(mean_unless_athlete_0_missing, athletes, 0)[1].size == 0
