"""The paper's Table 3 on our data: every ablation trained and scored on identical splits."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from host.evaluation.evaluate import evaluate_run
from host.models.config import ABLATIONS, PAPER_TABLE3, TrainConfig
from host.train import SPLITS_FILE, train

ABLATION_FILE = "ablation.json"


class AblationError(ValueError):
    """An unknown ablation name, or runs that did not share their splits."""


def run_ablations(
    data: Path,
    out: Path,
    config: TrainConfig,
    rows: list[str] | None = None,
    resamples: int = 1000,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Train and evaluate each Table 3 row under `out/<row>`; the table goes to `ablation.json`."""
    rows = rows or list(ABLATIONS)
    unknown = [row for row in rows if row not in ABLATIONS]
    if unknown:
        raise AblationError(
            f"unknown ablation(s) {', '.join(unknown)}; known: {', '.join(ABLATIONS)}"
        )
    table: dict[str, Any] = {}
    report: dict[str, Any] = {}
    splits_seen: str | None = None
    for row in rows:
        model = dataclasses.replace(config.model, **ABLATIONS[row])
        run_dir = out / row
        wall, cpu = time.perf_counter(), time.process_time()
        train(data, run_dir, config.replace(model=model), show_progress=show_progress)
        splits = (run_dir / SPLITS_FILE).read_text()
        if splits_seen is not None and splits != splits_seen:
            raise AblationError(f"{run_dir}: trained on different splits from the other rows")
        splits_seen = splits
        result = evaluate_run(run_dir, data, resamples=resamples)
        risk = result.get("risk", {})
        table[row] = {
            "wall_s": time.perf_counter() - wall,
            "cpu_s": time.process_time() - cpu,
            "accuracy": result["actions"]["accuracy_ci"],
            "macro_f1": result["actions"]["macro_f1_ci"],
            "auc": risk.get("auc_ci"),
            "high_risk_recall": risk.get("high_risk_recall_ci"),
            "oracle_auc": risk.get("oracle_auc"),
            "paper": dict(
                zip(
                    ("accuracy", "macro_f1", "auc", "high_risk_recall"),
                    PAPER_TABLE3[row],
                    strict=True,
                )
            ),
        }
        # Written after every row, so the rows finished so far survive an interrupted run.
        report = {"rows": table, "synthetic": result["synthetic"], "split": result["split"]}
        (out / ABLATION_FILE).write_text(json.dumps(report, indent=2, default=float))
    return report
