from __future__ import annotations

import numpy as np
import pytest

from host.risk.bands import UNRATED, band, bands, history_problem
from host.risk.calibration import (
    MIN_PLATT_INJURIES,
    Calibration,
    calibrate,
    fit_platt,
    prior_correction,
)
from host.risk.head import RiskHead, TrainedOn, class_weights, fit_head


def _rare(seed: int = 0, n: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """About 4 % positives, driven by the first column."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = (rng.random(n) < 1 / (1 + np.exp(-(1.5 * x[:, 0] - 4.0)))).astype(float)
    return x, y


def test_class_weighting_inflates_and_both_corrections_bring_back_the_rate() -> None:
    x, y = _rare()
    head = fit_head(x[:2000], y[:2000], ["risky", "a", "b"])
    raw = head.predict_raw(x[2000:])
    rate = y[2000:].mean()
    assert raw.mean() > 4 * rate  # Eq. 22 weighting: not a probability
    prior = prior_correction(*class_weights(y[:2000])).apply(head.logit(x[2000:]))
    platt = fit_platt(head.logit(x[1000:2000]), y[1000:2000]).apply(head.logit(x[2000:]))
    for p in (prior, platt):
        assert p.mean() == pytest.approx(rate, rel=0.35)
        assert np.mean((p - y[2000:]) ** 2) < rate * (1 - rate)  # beats the base rate
        # monotone: same order as the raw output
        np.testing.assert_array_equal(np.argsort(p, kind="stable"), np.argsort(raw, kind="stable"))


def test_too_few_injuries_for_platt_fall_back_to_the_prior_correction() -> None:
    logit = np.linspace(-3, 3, 200)
    few = np.zeros(200)
    few[-(MIN_PLATT_INJURIES - 1) :] = 1
    assert calibrate(logit, few, 0.5, 10.0) == prior_correction(0.5, 10.0)
    enough = np.zeros(200)
    enough[-MIN_PLATT_INJURIES * 2 :] = 1
    fitted = calibrate(logit, enough, 0.5, 10.0)
    assert fitted.method == "platt" and fitted.slope > 0 and fitted.rows == 200


def test_a_head_without_out_of_time_skill_keeps_its_ranking() -> None:
    rng = np.random.default_rng(3)
    logit = rng.normal(size=400)
    y = (rng.random(400) < 0.1).astype(float)
    y[np.argsort(logit)[:20]] = 1  # the lowest logits were the injured ones
    fitted = fit_platt(logit, y)
    assert fitted.slope > 0
    assert np.all(np.diff(fitted.apply(np.sort(logit))) > 0)


def test_saved_head_keeps_its_calibration_and_training_cut_off(tmp_path) -> None:
    x, y = _rare(n=400)
    head = fit_head(x, y, ["a", "b", "c"])
    head.calibration = Calibration(0.8, -2.0, "platt", 120, 9)
    head.trained_on = TrainedOn(
        first_week=0, last_week=11, weeks=12, rows=400, injuries=int(y.sum())
    )
    head.save(tmp_path / "risk.json")
    again = RiskHead.load(tmp_path / "risk.json")
    assert again.calibration == head.calibration
    assert again.trained_on == head.trained_on
    np.testing.assert_allclose(again.predict_proba(x), head.predict_proba(x), rtol=1e-6)
    assert not np.allclose(again.predict_proba(x), again.predict_raw(x))


def test_bands_are_multiples_of_the_base_rate() -> None:
    assert band(0.02, 0.02) == "low"
    assert band(0.03, 0.02) == "medium"
    assert band(0.059, 0.02) == "medium"
    assert band(0.06, 0.02) == "high"
    long = TrainedOn(first_week=0, last_week=19, weeks=20, rows=500, injuries=10)
    assert history_problem(long) is None
    assert bands(np.array([0.1, 0.01]), long) == ["high", "low"]


def test_short_history_rates_nobody_and_says_why() -> None:
    week_one = TrainedOn(first_week=0, last_week=0, weeks=1, rows=24, injuries=1)
    assert bands(np.array([1.0, 0.5]), week_one) == [UNRATED, UNRATED]
    assert history_problem(week_one).startswith(
        "too little history to rate players: 1 labelled week(s) with 1 injury"
    )
