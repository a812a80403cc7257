"""K-fold cross-validation grouped by athlete (the paper reports 10 folds for risk).

Each fold retrains the whole model from scratch on the other folds' athletes, with its own
validation athletes for early stopping, and scores on the fold's athletes only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from host.evaluation.evaluate import evaluate_run
from host.evaluation.splits import grouped_folds
from host.models.config import TrainConfig
from host.train import athlete_weeks, train

CV_FILE = "crossval.json"
FOLD_METRICS = ("accuracy", "macro_f1", "auc", "high_risk_recall", "sensitivity", "specificity")


def cross_validate(
    data: Path,
    out: Path,
    config: TrainConfig,
    folds: int = 10,
    resamples: int = 200,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Train and score `folds` grouped folds under `out/fold-K`; summary in `out/crossval.json`."""
    from host.data.dataset import load_dataset

    dataset = load_dataset(data)
    clips = dataset.clips()
    weekly = athlete_weeks(dataset)
    plans = grouped_folds(clips.athlete_id, weekly.athlete_id, folds, dataset.manifest.splits.seed)
    rows = []
    for k, plan in enumerate(plans, start=1):
        run_dir = out / f"fold-{k:02d}"
        train(data, run_dir, config, plan=plan, show_progress=show_progress)
        result = evaluate_run(run_dir, data, resamples=resamples)
        risk = result.get("risk", {})
        rows.append(
            {
                "fold": k,
                "accuracy": result["actions"]["accuracy"],
                "macro_f1": result["actions"]["macro_f1"],
                **{name: risk.get(name, float("nan")) for name in FOLD_METRICS[2:]},
                "oracle_auc": risk.get("oracle_auc", float("nan")),
            }
        )
    summary = {}
    for name in (*FOLD_METRICS, "oracle_auc"):
        values = np.array([row[name] for row in rows], dtype=float)
        finite = values[np.isfinite(values)]
        summary[name] = (
            {
                "mean": float(finite.mean()),
                "sd": float(finite.std(ddof=1)) if len(finite) > 1 else 0.0,
                "min": float(finite.min()),
                "max": float(finite.max()),
            }
            if len(finite)
            else None
        )
    report = {
        "folds": rows,
        "summary": summary,
        "synthetic": dataset.manifest.synthetic,
        "grouping": "athlete",
        "seed": dataset.manifest.splits.seed,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / CV_FILE).write_text(json.dumps(report, indent=2, default=float))
    return report
