"""The run report: one HTML page of how good a trained model is, on held-out athletes and
weeks, with the paper's figures beside ours."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from host.evaluation.ablation import ABLATION_FILE, AblationRow, AblationTable
from host.evaluation.evaluate import EVALUATION_FILE, evaluate_run
from host.evaluation.results import Interval, RiskScores, RunEvaluation
from host.models.config import PAPER_TABLE3
from host.reports.html import figure_html, paragraph, section, table_html, write_page

REPORT_FILE = "report.html"
# Paper Fig. 6: accuracy per scene (%), in taxonomy scene order.
PAPER_SCENE_ACCURACY = {
    "technique_drill": 96.1,
    "adversarial_training": 94.8,
    "small_sided_game": 93.2,
    "full_match": 91.7,
    "high_intensity_confrontation": 89.8,
    "heavy_occlusion": 87.9,
}


def _confusion(evaluation: RunEvaluation, labels: list[str]) -> Figure:
    matrix = np.array(evaluation.actions.confusion, dtype=float)
    rows = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
    fig = Figure(figsize=(6, 5))
    ax = fig.subplots()
    image = ax.imshow(rows, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            ax.text(
                j,
                i,
                str(int(count)),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if rows[i, j] > 0.5 else "black",
            )
    fig.colorbar(image, ax=ax, label="share of true class")
    ax.set_title("Confusion matrix (test athletes)")
    return fig


def _roc_and_calibration(risk: RiskScores | None) -> Figure:
    fig = Figure(figsize=(9, 4))
    roc_ax, cal_ax = fig.subplots(1, 2)
    if risk is not None and risk.roc is not None:
        roc_ax.plot(risk.roc.fpr, risk.roc.tpr, label=f"model AUC {risk.auc:.3f}")
    roc_ax.plot([0, 1], [0, 1], "--", color="grey", label="chance")
    roc_ax.set(
        xlabel="false positive rate", ylabel="true positive rate", title="ROC, held-out weeks"
    )
    roc_ax.legend(loc="lower right")
    if risk is not None and risk.calibration is not None:
        cal_ax.plot(risk.calibration.predicted, risk.calibration.observed, "o-", label="model")
    cal_ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect")
    cal_ax.axvline(0.65, color="tab:red", lw=0.8, label="high band (0.65)")
    cal_ax.set(xlabel="predicted risk", ylabel="observed injury rate", title="Calibration")
    cal_ax.legend(loc="upper left")
    return fig


def _per_class(evaluation: RunEvaluation) -> Figure:
    per_class = evaluation.actions.per_class
    names = [n for n, v in per_class.items() if v.support]
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    x = np.arange(len(names))
    ax.bar(x - 0.2, [per_class[n].recall for n in names], 0.4, label="recall")
    ax.bar(x + 0.2, [per_class[n].precision for n in names], 0.4, label="precision")
    ax.set_xticks(x, names, rotation=45, ha="right", fontsize=8)
    ax.set(ylim=(0, 1), title="Per-class recall and precision")
    ax.legend()
    return fig


def _per_scene(evaluation: RunEvaluation) -> Figure:
    scenes = evaluation.actions.per_scene
    names = list(scenes)
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    x = np.arange(len(names))
    ax.bar(x - 0.2, [100 * scenes[n].accuracy for n in names], 0.4, label="ours")
    ax.bar(
        x + 0.2, [PAPER_SCENE_ACCURACY.get(n, np.nan) for n in names], 0.4, label="paper (Fig. 6)"
    )
    ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
    ax.set(ylabel="accuracy %", ylim=(0, 100), title="Accuracy per scene")
    ax.legend(loc="lower left")
    return fig


def _curves(history: list[dict[str, float]]) -> Figure:
    fig = Figure(figsize=(9, 3.5))
    loss_ax, metric_ax = fig.subplots(1, 2)
    epochs = [row["epoch"] for row in history]
    for key in ("train_loss", "val_loss"):
        loss_ax.plot(epochs, [row.get(key, np.nan) for row in history], label=key)
    loss_ax.set(xlabel="epoch", title="Loss")
    loss_ax.legend()
    for key in ("val_accuracy", "val_macro_f1", "val_auc"):
        metric_ax.plot(epochs, [row.get(key, np.nan) for row in history], label=key)
    metric_ax.set(xlabel="epoch", ylim=(0, 1), title="Validation metrics")
    metric_ax.legend()
    return fig


def _fmt(block: Interval | None, scale: float = 100.0, digits: int = 1) -> str:
    if block is None:
        return "–"
    return (
        f"{block.value * scale:.{digits}f} [{block.low * scale:.{digits}f}, "
        f"{block.high * scale:.{digits}f}]"
    )


def _paired(cells: AblationRow) -> str:
    """Full model minus this row, paired on the same test athletes (— for the full row)."""
    delta = cells.full_minus_row
    if delta is None:
        return "—"
    parts = [f"acc {_fmt(delta.accuracy, 1.0)}", f"F1 {_fmt(delta.macro_f1, 1.0)}"]
    if delta.auc is not None:
        parts.append(f"AUC {_fmt(delta.auc, 1.0, 3)}")
    return "; ".join(parts)


def _ablation_table(ablation: AblationTable) -> str:
    rows = []
    for name, cells in ablation.rows.items():
        paper = cells.paper
        rows.append(
            (
                name,
                _fmt(cells.accuracy),
                paper.accuracy,
                _fmt(cells.macro_f1),
                paper.macro_f1,
                _fmt(cells.auc, 1.0, 3),
                paper.auc,
                _fmt(cells.high_risk_recall),
                paper.high_risk_recall,
                _paired(cells),
            )
        )
    return table_html(
        (
            "row",
            "accuracy % (ours)",
            "paper",
            "macro-F1 % (ours)",
            "paper",
            "AUC (ours)",
            "paper",
            "high-risk recall % (ours)",
            "paper",
            "full − row, paired [95 % CI]",
        ),
        rows,
        "Table 3: ours with 95 % athlete-bootstrap intervals, the paper's beside; the last "
        "column is the full model minus the row on the same test athletes (above 0: the "
        "full model is better)",
    )


def find_ablation(run_dir: Path) -> AblationTable | None:
    """The ablation table of the run's directory or of its parent (ablate's layout)."""
    for folder in (run_dir, run_dir.parent):
        path = folder / ABLATION_FILE
        if path.exists():
            return AblationTable.load(path)
    return None


def write_run_report(run_dir: Path, out: Path | None = None, resamples: int = 1000) -> Path:
    """Write the run report (evaluating the run first if it has not been evaluated)."""
    run_dir = Path(run_dir)
    evaluation_path = run_dir / EVALUATION_FILE
    evaluation = (
        RunEvaluation.load(evaluation_path)
        if evaluation_path.exists()
        else evaluate_run(run_dir, resamples=resamples)
    )
    info = json.loads((run_dir / "run.json").read_text())
    history = json.loads((run_dir / "metrics.json").read_text())
    labels = info["labels"]
    actions, risk = evaluation.actions, evaluation.risk
    headline = table_html(
        ("metric", "ours [95 % CI]", "paper"),
        [
            ("action accuracy %", _fmt(actions.accuracy_ci), PAPER_TABLE3["full"][0]),
            ("action macro-F1 %", _fmt(actions.macro_f1_ci), PAPER_TABLE3["full"][1]),
            ("injury AUC", _fmt(risk.auc_ci if risk else None, 1.0, 3), PAPER_TABLE3["full"][2]),
            (
                "high-risk recall %",
                _fmt(risk.high_risk_recall_ci if risk else None),
                PAPER_TABLE3["full"][3],
            ),
            (
                "oracle AUC (true hazard, same weeks)",
                f"{risk.oracle_auc:.3f}" if risk and risk.oracle_auc is not None else "–",
                "–",
            ),
        ],
    )
    body = [
        paragraph(
            f"Run {run_dir.name} on dataset '{info['dataset_name']}' "
            f"(hash {info['data_hash'][:12]}). "
            f"Split: {evaluation.split}. Test: {actions.n} clips from {actions.athletes} "
            f"athletes never seen in training; {risk.n if risk else 0} athlete-weeks "
            f"({risk.positives if risk else 0} injuries). {_computed_on(info)}",
            "note",
        ),
        section("Headline", headline),
        section(
            "Actions",
            '<div class="grid">',
            figure_html(_confusion(evaluation, labels), "confusion matrix"),
            figure_html(_per_class(evaluation), "per-class recall"),
            figure_html(_per_scene(evaluation), "per-scene accuracy"),
            "</div>",
            table_html(
                ("scene", "clips", "accuracy % [95 % CI]", "macro-F1 %", "paper accuracy %"),
                [
                    (
                        n,
                        v.n,
                        _fmt(v.accuracy_ci),
                        f"{100 * v.macro_f1:.1f}",
                        PAPER_SCENE_ACCURACY.get(n, "–"),
                    )
                    for n, v in actions.per_scene.items()
                ],
            ),
        ),
        section("Injury risk", figure_html(_roc_and_calibration(risk), "ROC and calibration")),
        section("Training", figure_html(_curves(history), "training curves")),
    ]
    ablation = find_ablation(run_dir)
    body.append(
        section(
            "Ablations (Table 3)",
            _ablation_table(ablation)
            if ablation
            else paragraph("No ablation table yet: run `touchline ablate --data DIR`.", "note"),
        )
    )
    return write_page(
        out or run_dir / REPORT_FILE,
        f"Touchline run report: {run_dir.name}",
        body,
        synthetic=bool(info.get("synthetic")),
    )


def _computed_on(info: dict[str, Any]) -> str:
    """Where the run trained (device and precision, from run.json), and how long it took."""
    compute = info.get("compute")
    if compute is None:
        return "Trained before devices were recorded (on the CPU, fp32)."
    where = compute["device"]
    if compute["device_name"] != where:
        where = f"{where} ({compute['device_name']})"
    seconds = info.get("stop", {}).get("train_wall_s")
    took = f" in {seconds:.0f} s" if seconds is not None else ""
    return f"Trained on {where} in {compute['precision']}{took}."
