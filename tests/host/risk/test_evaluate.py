from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from host.risk.evaluate import (
    EvaluationError,
    auc,
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


def test_head_and_baseline_find_the_hidden_hazard(risky_features) -> None:
    report = evaluate(risky_features, holdout_weeks=3, synthetic=True, rounds=100)
    assert report.split.test_weeks == [6, 7, 8]
    for metrics in (report.head, report.baseline):
        assert metrics["auc"].value > 0.7
        assert metrics["auc"].low <= metrics["auc"].value <= metrics["auc"].high
    assert report.head["high_risk_recall"].value >= 0.65
    card = report.to_dict()
    assert card["synthetic"] is True
    assert set(card["head"]) == {"auc", "high_risk_recall", "precision", "brier"}
    assert len(card["calibration"]["predicted"]) == len(card["calibration"]["observed"]) > 0


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
