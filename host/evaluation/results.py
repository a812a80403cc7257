"""The typed result of scoring a run on its test part, as `evaluate_run` returns it and
`evaluation.json` holds it: the risk section is always there, None when the run had no
risk split, so no reader has to guess from a missing key."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationError

from host.models.run import RunError


class Result(BaseModel):
    """Base of the evaluation's JSON reports (evaluation, ablation, cross-validation)."""

    # NaN (e.g. an AUC with one class) is written as NaN, as the JSON files always held it.
    model_config = ConfigDict(ser_json_inf_nan="constants")

    @classmethod
    def read(cls, path: Path, error: type[Exception], what: str, command: str) -> Self:
        """Read a report file; one that is unreadable or not `what` (e.g. "an evaluation")
        is `error` naming the file and the first bad field, and the `command` that
        writes it again."""
        try:
            return cls.model_validate_json(path.read_text())
        except OSError as exc:
            raise error(f"{path}: cannot be read ({exc.strerror})") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "file"
            raise error(
                f"{path}: not {what} this version reads ({where}: {first['msg']}); "
                f"run `{command}` again"
            ) from None


class Interval(Result):
    """A value with its 95 % bootstrap interval over athletes."""

    value: float
    low: float
    high: float


class ClassScores(Result):
    precision: float
    recall: float
    f1: float
    support: int


class SceneScores(Result):
    n: int
    accuracy: float
    accuracy_ci: Interval
    macro_f1: float
    attention: dict[str, float]  # mean attention weight per branch


class ActionReport(Result):
    """Accuracy, macro-F1, per-class scores and the confusion matrix of some predictions."""

    accuracy: float
    macro_f1: float
    per_class: dict[str, ClassScores]
    confusion: list[list[int]]


class ActionScores(ActionReport):
    """Action recognition on clips of athletes the model never trained on."""

    accuracy_ci: Interval
    macro_f1_ci: Interval
    n: int
    athletes: int
    per_scene: dict[str, SceneScores]


class Roc(Result):
    fpr: list[float]
    tpr: list[float]


class Calibration(Result):
    predicted: list[float]
    observed: list[float]


class RiskReport(Result):
    """Ranking, calibration and thresholded scores of risk probabilities."""

    auc: float
    high_risk_recall: float
    brier: float
    n: int
    positives: int
    sensitivity: float
    specificity: float
    roc: Roc | None = None  # both outcomes needed
    calibration: Calibration | None = None


class RiskScores(RiskReport):
    """Next-week injury risk on the run's held-out athlete-weeks."""

    auc_ci: Interval
    high_risk_recall_ci: Interval
    oracle_auc: float | None = None  # the simulator's true hazard, where the data has it
    oracle_high_risk_recall: float | None = None


class Checkpoint(Result):
    file: str
    epoch: int | None


class Checkpoints(Result):
    actions: Checkpoint
    risk: Checkpoint


class RunEvaluation(Result):
    """Everything `touchline evaluate` measured on a run's test part."""

    actions: ActionScores
    risk: RiskScores | None = None  # None: the run had no risk split (always written)
    synthetic: bool
    split: str
    run: str
    checkpoints: Checkpoints
    data_hash: str | None = None

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=2))

    @classmethod
    def load(cls, path: Path) -> RunEvaluation:
        """Read `evaluation.json` (a RunError naming the file and field if it cannot)."""
        return cls.read(path, RunError, "an evaluation", "touchline evaluate")
