from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from host.risk.evaluate import (
    EvaluationError,
    auc,
    brier_skill,
    evaluate,
    random_split,
    time_ordered_split,
)
from host.risk.features import LABEL, RiskTables, features_from_tables
from tests.host.risk.squad import risky_squad


@pytest.fixture(scope="module")
def risky_features():
    frames = risky_squad()
    return features_from_tables(
        RiskTables(
            frames["athletes.csv"],
            frames["sessions.csv"],
            frames["injuries.csv"],
            frames["weekly.csv"],
            weeks=10,
        )
    )


@pytest.fixture(scope="module")
def report(risky_features):
    return evaluate(risky_features, holdout_weeks=3, synthetic=True, rounds=50)


def test_auc_matches_scikit_learn_with_ties() -> None:
    rng = np.random.default_rng(1)
    y = (rng.random(200) < 0.2).astype(float)
    p = np.round(rng.random(200), 1)
    assert auc(y, p) == pytest.approx(roc_auc_score(y, p))


def test_split_trains_only_on_weeks_before_the_test_weeks(risky_features) -> None:
    train, test = time_ordered_split(risky_features, holdout_weeks=3)
    weeks = risky_features.index.get_level_values("week").to_numpy()
    assert weeks[train].max() < weeks[test].min()
    assert sorted(set(weeks[test])) == [6, 7, 8]  # week 9's outcome is not known yet
    assert risky_features[LABEL][train | test].notna().all()
    with pytest.raises(EvaluationError, match="labelled week"):
        time_ordered_split(risky_features, holdout_weeks=9)


def test_head_and_baseline_find_the_hidden_hazard(report) -> None:
    assert report.split.test_weeks == [6, 7, 8]
    for metrics in (report.head, report.baseline):
        assert metrics["auc"].value > 0.7
        assert metrics["auc"].low <= metrics["auc"].value <= metrics["auc"].high
    card = report.to_dict()
    assert card["synthetic"] is True
    assert set(card["head"]) == {"auc", "brier", "brier_skill", "high_risk_recall", "precision"}
    assert card["trained_on"]["last_week"] == 5 < card["split"]["test_weeks"][0]
    json.dumps(card, allow_nan=False)


def test_calibrated_head_beats_the_base_rate_and_ranks_as_before(report) -> None:
    rate = report.test_rate
    assert report.head["brier"].value < rate * (1 - rate)  # always predicting the base rate
    assert report.head["brier_skill"].value > 0
    assert report.head["brier"].value < report.uncalibrated["brier"].value
    # the recalibration is monotone: the ranking, hence the AUC, is the head's own
    assert report.head["auc"].value == report.uncalibrated["auc"].value
    assert report.model.calibration.method in ("platt", "prior")


def test_reliability_table_bins_the_held_out_weeks(report) -> None:
    bins = report.reliability
    assert sum(b.rows for b in bins) == report.split.test_rows
    assert sum(b.injuries for b in bins) == report.split.test_injuries
    assert [b.predicted for b in bins] == sorted(b.predicted for b in bins)
    for b in bins:
        assert b.low <= b.predicted <= b.high
        assert b.observed_low <= b.observed <= b.observed_high
    # calibrated: over all bins, predicted and observed rates agree within a few points
    predicted = sum(b.predicted * b.rows for b in bins) / report.split.test_rows
    assert abs(predicted - report.test_rate) < 0.08


def test_brier_skill_against_the_outcomes_own_rate() -> None:
    y = np.array([0, 0, 0, 1], dtype=float)
    assert brier_skill(y, np.full(4, 0.25)) == pytest.approx(0.0)
    assert brier_skill(y, y) == pytest.approx(1.0)
    assert brier_skill(y, np.full(4, 0.9)) < 0
    assert np.isnan(brier_skill(np.zeros(4), np.full(4, 0.1)))


def test_the_scored_weeks_never_shape_the_head_or_its_calibration(risky_features, report) -> None:
    flipped = risky_features.copy()
    _, test = time_ordered_split(risky_features, holdout_weeks=3)
    flipped.loc[test, LABEL] = 1 - flipped.loc[test, LABEL]
    clean = report.model
    dirty = evaluate(flipped, holdout_weeks=3, synthetic=True, rounds=5).model
    assert clean.calibration == dirty.calibration
    x = risky_features[list(clean.features)].to_numpy()
    np.testing.assert_allclose(clean.predict_proba(x), dirty.predict_proba(x))


def test_no_injuries_in_training_weeks_is_a_clear_error(risky_features) -> None:
    quiet = risky_features.copy()
    quiet.loc[quiet[LABEL].notna(), LABEL] = 0.0
    with pytest.raises(EvaluationError, match="no injuries"):
        evaluate(quiet, holdout_weeks=2, synthetic=True, rounds=10)


def test_papers_random_split_is_disjoint_and_seven_to_one_and_a_half(risky_features) -> None:
    train, test = random_split(risky_features, seed=3)
    labelled = risky_features[LABEL].notna().to_numpy()
    assert not (train & test).any()
    assert not (train | test)[~labelled].any()
    assert train.sum() / labelled.sum() == pytest.approx(0.70, abs=0.01)
    assert test.sum() / labelled.sum() == pytest.approx(0.15, abs=0.01)
    again, _ = random_split(risky_features, seed=3)
    np.testing.assert_array_equal(train, again)
    report = evaluate(risky_features, holdout_weeks=3, synthetic=True, rounds=20, split="random")
    assert report.split.kind == "random" and report.split.test_rows == int(test.sum())
