"""The distillation report: every model scored on the same test clips, with intervals over
test athletes. Typed inside the program; `report.json` and the Markdown table
(`touchline distill` prints it, docs quote it) are made from it only when written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from host.evaluation.bootstrap import cluster_bootstrap

# Row names of the report: what each model is called in the table and in report.json.
TEACHER = "teacher (multimodal)"
STUDENT_DISTILLED = "student (distilled)"
STUDENT_PLAIN = "student (no teacher)"
ROCKET_CLIPS = "MiniRocket + ridge (clips)"
ROCKET_SAME = "MiniRocket + ridge (student's windows)"


class Estimate(BaseModel):
    """A figure on the test clips and its 95 % interval over test athletes."""

    value: float
    low: float
    high: float


class ModelScores(BaseModel):
    """One row: a model's accuracy and macro-F1 on the test clips, and its cost (None where
    not measured: the teacher, the occluded-clips table)."""

    model: str
    accuracy: Estimate
    macro_f1: Estimate
    latency_ms: float | None
    size_bytes: int | None
    n: int


class StudentSummary(BaseModel):
    kind: str
    parameters: int
    epochs: int  # 0: fitted in closed form (the Hydra student)
    val_macro_f1: float
    # `--student auto` (host.distill.family): the family kept and why, each family's
    # macro-F1 on training athletes its fits left out, each other family's paired
    # difference from the CNN, (estimate, low, high), and the share of athlete resamples
    # it is ahead on (what decides); empty for a named family.
    family_choice: str = ""
    held_out_macro_f1: dict[str, float] = {}
    held_out_over_first: dict[str, tuple[float, float, float]] = {}
    held_out_ahead_share: dict[str, float] = {}


class TrainWindows(BaseModel):
    clips: int
    students: int  # clips plus windows cut from continuous sessions


class DistillReport(BaseModel):
    """Everything `touchline distill` measured."""

    synthetic: bool
    data_hash: str
    dataset: str
    split: str
    n_clips: dict[str, int]
    n_test_occluded: int
    n_train_windows: TrainWindows
    dropped_imu_loss: int
    student: StudentSummary
    rows: list[ModelScores]
    occluded_rows: list[ModelScores]
    thresholds: dict[str, float]
    # How event thresholds were tuned and, where test athletes have continuous sessions,
    # per-action event scores on them (host.distill.pipeline._event_settings).
    events: dict[str, Any]

    def row(self, model: str) -> ModelScores:
        """The row of `model` (one of the names above)."""
        for row in self.rows:
            if row.model == model:
                return row
        raise KeyError(f"no row {model!r} in the distillation report")

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=2) + "\n")


def score_model(
    name: str,
    y: np.ndarray,
    pred: np.ndarray,
    groups: np.ndarray,
    resamples: int,
    seed: int,
    latency_ms: float | None = None,
    size_bytes: int | None = None,
) -> ModelScores:
    """Accuracy and macro-F1 of `pred` with intervals resampling the athletes `groups`."""

    def estimate(fn: Any) -> Estimate:
        value, low, high = cluster_bootstrap(fn, groups, resamples, seed)
        return Estimate(value=value, low=low, high=high)

    return ModelScores(
        model=name,
        accuracy=estimate(lambda i: float(np.mean(y[i] == pred[i]))),
        macro_f1=estimate(lambda i: fast_macro_f1(y[i], pred[i])),
        latency_ms=latency_ms,
        size_bytes=size_bytes,
        n=int(len(y)),
    )


def fast_macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Macro-F1 over the classes present in the truth, as `host.evaluation.metrics.macro_f1`
    (scikit-learn) computes it, from one bincount: ~100x faster, which a 1000-resample
    bootstrap of several models needs (equality is tested)."""
    n = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    confusion = np.bincount(y_true * n + y_pred, minlength=n * n).reshape(n, n)
    tp = np.diag(confusion).astype(np.float64)
    support, predicted = confusion.sum(axis=1), confusion.sum(axis=0)
    denominator = support + predicted
    f1 = np.divide(2 * tp, denominator, out=np.zeros(n), where=denominator > 0)
    return float(f1[support > 0].mean()) if (support > 0).any() else 0.0


def gating_metrics(report: DistillReport) -> dict[str, float]:
    """Figures the manifest carries: test ones to report, the validation one to gate on."""
    student = report.row(STUDENT_DISTILLED)
    metrics = {
        "val_macro_f1": report.student.val_macro_f1,
        "test_accuracy": student.accuracy.value,
        "test_macro_f1": student.macro_f1.value,
    }
    teacher = next((row for row in report.rows if row.model == TEACHER), None)
    if teacher is not None:
        metrics["teacher_test_macro_f1"] = teacher.macro_f1.value
    return metrics


def report_markdown(report: DistillReport) -> str:
    """The comparison table as Markdown (what `touchline distill` prints, and docs quote)."""
    tag = " (synthetic data)" if report.synthetic else ""
    windows = report.n_train_windows
    lines = [
        f"# Student vs teacher{tag}",
        "",
        f"Dataset `{report.dataset}`, {report.split}; test clips with usable IMU: "
        f"{report.n_clips['test']} ({report.n_test_occluded} with video occluded). "
        "95 % intervals: bootstrap over test athletes. Training windows: "
        f"{windows.clips} clip windows; the students and the second MiniRocket row learn "
        f"from {windows.students} (clips plus windows cut from continuous sessions).",
        "",
        *_table(report.rows, with_cost=True),
    ]
    if report.student.family_choice:
        lines += ["", f"Student family chosen by `--student auto`: {report.student.family_choice}."]
    if report.occluded_rows:
        lines += [
            "",
            "## Clips whose video was occluded",
            "",
            *_table(report.occluded_rows, with_cost=False),
        ]
    events = report.events
    lines += ["", f"Event thresholds and NMS tuned on {events.get('tuned_on', '?')}."]
    if events.get("test"):
        lines += [
            "",
            f"## Events on the test athletes' continuous sessions ({events['test_streams']})",
            "",
            "Matched within ±0.5 s (the edge's `score_events`); F1 interval: bootstrap over "
            "test athletes.",
            "",
            "| action | true events | detections | precision | recall | F1 [95 % CI] |",
            "|---|---|---|---|---|---|",
            *(
                f"| {r['action']} | {r['true_events']} | {r['detections']} | "
                f"{r['precision']:.2f} | {r['recall']:.2f} | "
                f"{r['f1']:.2f} [{r['f1_low']:.2f}, {r['f1_high']:.2f}] |"
                for r in events["test"]
            ),
        ]
    return "\n".join(lines) + "\n"


def _table(rows: list[ModelScores], with_cost: bool) -> list[str]:
    head = "| model | accuracy | macro-F1 |" + (" ms/window | size KB |" if with_cost else "")
    rule = "|---|---|---|" + ("---|---|" if with_cost else "")
    out = [head, rule]
    for row in rows:
        cells = [row.model, _ci(row.accuracy), _ci(row.macro_f1)]
        if with_cost:
            cells += [
                "—" if row.latency_ms is None else f"{row.latency_ms:.3f}",
                "—" if row.size_bytes is None else f"{row.size_bytes / 1024:.1f}",
            ]
        out.append("| " + " | ".join(cells) + " |")
    return out


def _ci(metric: Estimate) -> str:
    return f"{metric.value:.3f} [{metric.low:.3f}, {metric.high:.3f}]"
