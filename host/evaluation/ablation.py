"""The paper's Table 3 on our data: every ablation trained and scored on identical splits.

Rows are compared with the full model item by item: both were scored on the same test
clips and athlete-weeks, so the difference (full − row) gets its own paired athlete
bootstrap interval. Two overlapping per-row intervals say little; an interval of the
difference that excludes 0 says the full model is better (or worse) on these athletes.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
from filelock import FileLock

from firmware_bridge.errors import UserError
from host.device import Compute
from host.evaluation import metrics
from host.evaluation.bootstrap import cluster_bootstrap
from host.evaluation.evaluate import PREDICTIONS_FILE, evaluate_run
from host.evaluation.results import Interval, Result, RunEvaluation
from host.models.config import ABLATIONS, PAPER_TABLE3, TrainConfig
from host.risk.features import FeatureSettings
from host.train import train
from host.training.rundir import SPLITS_FILE

ABLATION_FILE = "ablation.json"
# Held while a row is merged, so rows finishing at once in parallel processes both land.
ABLATION_LOCK = ".ablation.lock"


class AblationError(UserError, ValueError):
    """An unknown ablation name, runs that did not share their splits, or an ablation.json
    this version cannot read."""


class PaperRow(Result):
    """The paper's Table 3 figures for one row (percent, AUC as a fraction)."""

    accuracy: float
    macro_f1: float
    auc: float
    high_risk_recall: float


class PairedDifferences(Result):
    """Full model minus a row, scored on the same test items: accuracy and macro-F1 in
    points, injury AUC (None when the runs had no test athlete-weeks)."""

    accuracy: Interval
    macro_f1: Interval
    auc: Interval | None = None


class AblationRow(Result):
    """One Table 3 row: its cost, our scores with intervals and the paper's beside them."""

    wall_s: float
    cpu_s: float
    accuracy: Interval
    macro_f1: Interval
    auc: Interval | None  # None: the run had no risk split
    high_risk_recall: Interval | None
    oracle_auc: float | None
    paper: PaperRow
    full_minus_row: PairedDifferences | None = None  # None for the full row, or no full yet


class AblationTable(Result):
    """`ablation.json`: the rows run so far, in Table 3 order."""

    rows: dict[str, AblationRow]
    synthetic: bool
    split: str

    def save(self, path: Path) -> None:
        """Write through a temporary file, so an interrupted write leaves the old table."""
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.model_dump_json(indent=2))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> AblationTable:
        """Read `ablation.json` (an AblationError naming the file and field if it cannot)."""
        return cls.read(path, AblationError, "an ablation table", "touchline ablate")


def run_ablations(
    data: Path,
    out: Path,
    config: TrainConfig,
    rows: list[str] | None = None,
    resamples: int = 1000,
    show_progress: bool = True,
    features: FeatureSettings | None = None,
    compute: Compute | None = None,
    cache_mb: float = 0,
) -> AblationTable:
    """Train and evaluate each Table 3 row under `out/<row>`; the table goes to `ablation.json`.

    Rows already in `out/ablation.json` and not asked for again are kept, so rows can be
    run one at a time (or in parallel processes on different rows) into one table.
    `compute` and `cache_mb` are training's and evaluation's (see `host.train.train`).
    """
    rows = rows or list(ABLATIONS)
    unknown = [row for row in rows if row not in ABLATIONS]
    if unknown:
        raise AblationError(
            f"unknown ablation(s) {', '.join(unknown)}; known: {', '.join(ABLATIONS)}"
        )
    report: AblationTable | None = None
    for row in rows:
        model = dataclasses.replace(config.model, **ABLATIONS[row])
        run_dir = out / row
        wall, cpu = time.perf_counter(), time.process_time()
        train(
            data,
            run_dir,
            config.replace(model=model),
            show_progress=show_progress,
            features=features,
            compute=compute,
            cache_mb=cache_mb,
        )
        result = evaluate_run(
            run_dir, data, resamples=resamples, compute=compute, cache_mb=cache_mb
        )
        risk = result.risk
        accuracy, macro_f1, auc, high_risk_recall = PAPER_TABLE3[row]
        cells = AblationRow(
            wall_s=time.perf_counter() - wall,
            cpu_s=time.process_time() - cpu,
            accuracy=result.actions.accuracy_ci,
            macro_f1=result.actions.macro_f1_ci,
            auc=risk.auc_ci if risk else None,
            high_risk_recall=risk.high_risk_recall_ci if risk else None,
            oracle_auc=risk.oracle_auc if risk else None,
            paper=PaperRow(
                accuracy=accuracy, macro_f1=macro_f1, auc=auc, high_risk_recall=high_risk_recall
            ),
        )
        # Merged and written after every row, so finished rows survive an interrupted run.
        report = _merge_row(out, row, cells, result)
    assert report is not None  # `rows` is never empty
    return report


def _merge_row(out: Path, row: str, cells: AblationRow, result: RunEvaluation) -> AblationTable:
    """Add one finished row to `out/ablation.json`, refreshing every row's paired difference
    to the full model; refuses a row trained on other splits than the rows already there.

    The read, merge and write happen under a lock file in `out`, so two processes running
    different rows into one table never write over each other's row."""
    with FileLock(out / ABLATION_LOCK):
        return _merge_row_locked(out, row, cells, result)


def _merge_row_locked(
    out: Path, row: str, cells: AblationRow, result: RunEvaluation
) -> AblationTable:
    path = out / ABLATION_FILE
    before = AblationTable.load(path).rows if path.exists() else {}
    splits = (out / row / SPLITS_FILE).read_text()
    for other in before:
        if other != row and (out / other / SPLITS_FILE).read_text() != splits:
            raise AblationError(f"{out / row}: trained on different splits from row {other}")
    rows = {**before, row: cells}
    ordered = {name: rows[name] for name in ABLATIONS if name in rows}
    if "full" in ordered and (out / "full" / PREDICTIONS_FILE).exists():
        for name, row_cells in ordered.items():
            if name != "full":
                difference = paired_differences(out / "full", out / name)
                ordered[name] = row_cells.model_copy(update={"full_minus_row": difference})
    report = AblationTable(rows=ordered, synthetic=result.synthetic, split=result.split)
    report.save(path)
    return report


def paired_differences(
    full_dir: Path, row_dir: Path, resamples: int = 1000, seed: int = 0
) -> PairedDifferences:
    """Full model minus the row on accuracy, macro-F1 (points) and injury AUC, with 95 %
    intervals from resampling athletes and scoring both runs on the same draw."""
    full, row = np.load(full_dir / PREDICTIONS_FILE), np.load(row_dir / PREDICTIONS_FILE)
    for key in ("clip_index", "week_rows"):
        if not np.array_equal(full[key], row[key]):
            raise AblationError(f"{row_dir}: scored on other test items than {full_dir}")
    y, a, b = full["clip_label"], full["clip_predicted"], row["clip_predicted"]
    n_labels = int(max(y.max(initial=0), a.max(initial=0), b.max(initial=0))) + 1
    out = {
        "accuracy": cluster_bootstrap(
            lambda i: 100 * (metrics.accuracy(y[i], a[i]) - metrics.accuracy(y[i], b[i])),
            full["clip_athlete"],
            resamples,
            seed,
        ),
        "macro_f1": cluster_bootstrap(
            lambda i: (
                100
                * (metrics.macro_f1(y[i], a[i], n_labels) - metrics.macro_f1(y[i], b[i], n_labels))
            ),
            full["clip_athlete"],
            resamples,
            seed,
        ),
    }
    if len(full["week_rows"]):
        w, p, q = full["week_label"], full["week_risk"], row["week_risk"]
        out["auc"] = cluster_bootstrap(
            lambda i: metrics.auc(w[i], p[i]) - metrics.auc(w[i], q[i]),
            full["week_athlete"],
            resamples,
            seed,
        )
    return PairedDifferences(
        **{name: Interval(value=v, low=lo, high=hi) for name, (v, lo, hi) in out.items()}
    )
