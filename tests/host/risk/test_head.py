from __future__ import annotations

import numpy as np
import pytest

from host.risk.head import HeadConfig, RiskHead, class_weights, fit_head


def _data(seed: int = 0, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)) * [1.0, 5.0, 0.1] + [0.0, 100.0, 1.0]
    logit = 2.0 * x[:, 0] - 1.5
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return x, y


def test_class_weights_balance_the_classes() -> None:
    y = np.array([1, 0, 0, 0], dtype=float)
    omega0, omega1 = class_weights(y)
    assert omega1 * 1 == pytest.approx(omega0 * 3)
    assert (omega1 * 1 + omega0 * 3) / 4 == pytest.approx(1.0)


def test_logistic_head_learns_the_risky_feature_and_explains_exactly() -> None:
    x, y = _data()
    head = fit_head(x, y, ["risky", "noise", "flat"])
    weights = head.net.layers.weight.detach().numpy()[0]
    assert weights[0] > 5 * abs(weights[1])
    p = head.predict_proba(x)
    assert np.corrcoef(p, x[:, 0])[0, 1] > 0.9
    pushes = head.contributions(x[:5])
    z = (x[:5] - head.mean) / head.std
    np.testing.assert_allclose(pushes, z * weights, rtol=1e-4, atol=1e-6)


def test_weighted_loss_lifts_probabilities_of_the_rare_class() -> None:
    x, y = _data(n=600)
    rare = y.copy()
    rare[np.flatnonzero(rare)[40:]] = 0  # few injuries left
    head = fit_head(x, rare, ["risky", "noise", "flat"])
    assert head.predict_proba(x).mean() > rare.mean() * 2  # Eq. 22 weighting, not calibrated


def test_saved_head_scores_identically(tmp_path) -> None:
    x, y = _data()
    head = fit_head(x, y, ["a", "b", "c"], HeadConfig(hidden=4, max_iter=30))
    head.save(tmp_path / "risk.json")
    again = RiskHead.load(tmp_path / "risk.json")
    np.testing.assert_allclose(again.predict_proba(x), head.predict_proba(x), rtol=1e-6)
    assert again.config.hidden == 4


def test_warm_start_continues_from_previous_weights() -> None:
    x, y = _data()
    first = fit_head(x, y, ["a", "b", "c"])
    resumed = fit_head(x, y, ["a", "b", "c"], HeadConfig(max_iter=0), warm_start=first)
    cold = fit_head(x, y, ["a", "b", "c"], HeadConfig(max_iter=0))
    np.testing.assert_allclose(resumed.predict_proba(x), first.predict_proba(x), rtol=1e-5)
    assert not np.allclose(cold.predict_proba(x), first.predict_proba(x), rtol=1e-2)
