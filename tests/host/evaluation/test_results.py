"""The evaluation result survives its JSON file: NaN stays NaN, a missing risk split is
an explicit null, and a file that is not an evaluation is refused by name."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from host.evaluation.results import (
    ActionScores,
    Checkpoint,
    Checkpoints,
    Interval,
    RiskScores,
    RunEvaluation,
)
from host.models.run import RunError


def _evaluation(risk: RiskScores | None) -> RunEvaluation:
    ci = Interval(value=0.5, low=0.4, high=0.6)
    return RunEvaluation(
        actions=ActionScores(
            accuracy=0.5,
            macro_f1=0.4,
            per_class={},
            confusion=[[1, 0], [1, 0]],
            accuracy_ci=ci,
            macro_f1_ci=ci,
            n=2,
            athletes=1,
            per_scene={},
        ),
        risk=risk,
        synthetic=True,
        split="actions grouped by athlete",
        run="runs/x",
        checkpoints=Checkpoints(
            actions=Checkpoint(file="best.pt", epoch=3), risk=Checkpoint(file="best.pt", epoch=3)
        ),
    )


def test_round_trip_keeps_nan_and_an_explicit_missing_risk(tmp_path: Path) -> None:
    nan = float("nan")
    risk = RiskScores(
        auc=nan,
        high_risk_recall=nan,
        brier=0.1,
        n=4,
        positives=0,
        sensitivity=nan,
        specificity=1.0,
        auc_ci=Interval(value=nan, low=nan, high=nan),
        high_risk_recall_ci=Interval(value=nan, low=nan, high=nan),
    )
    _evaluation(risk).save(tmp_path / "with.json")
    back = RunEvaluation.load(tmp_path / "with.json")
    assert back.risk is not None and math.isnan(back.risk.auc) and back.risk.roc is None
    _evaluation(None).save(tmp_path / "without.json")
    assert json.loads((tmp_path / "without.json").read_text())["risk"] is None
    assert RunEvaluation.load(tmp_path / "without.json").risk is None


def test_a_file_that_is_not_an_evaluation_is_refused(tmp_path: Path) -> None:
    (tmp_path / "evaluation.json").write_text('{"actions": {}}')
    with pytest.raises(RunError, match=r"evaluation.json: not an evaluation .*actions.accuracy"):
        RunEvaluation.load(tmp_path / "evaluation.json")
    (tmp_path / "evaluation.json").write_text("{not json")
    with pytest.raises(RunError, match="evaluate` again"):
        RunEvaluation.load(tmp_path / "evaluation.json")
