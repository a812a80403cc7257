"""The run directory's layout, read back by `host.models.load_run` and `host.evaluation`,
and the writers that keep each file whole (write aside, then rename)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

CONFIG_FILE = "config.json"
RUN_FILE = "run.json"
STATS_FILE = "stats.json"
SPLITS_FILE = "splits.json"
METRICS_CSV = "metrics.csv"
METRICS_JSON = "metrics.json"
BEST_CHECKPOINT = "best.pt"
# The epoch with the lowest validation risk loss: the two heads peak at different epochs
# (the risk head overfits its few hundred weeks long before actions converge), so
# evaluation scores risk with this checkpoint and actions with best.pt.
BEST_RISK_CHECKPOINT = "best_risk.pt"
LAST_CHECKPOINT = "last.pt"
REPLICA_DIR = "replicas"


def write_json(path: Path, data: Any) -> None:
    """Write `data` as JSON; a reader never sees half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=float))
    tmp.replace(path)


def write_metrics(out: Path, history: list[dict[str, float]]) -> None:
    """The per-epoch metrics as JSON and as CSV (epoch first, the rest sorted)."""
    write_json(out / METRICS_JSON, history)
    columns = sorted({key for row in history for key in row}, key=lambda k: (k != "epoch", k))
    tmp = out / (METRICS_CSV + ".tmp")
    with tmp.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(history)
    tmp.replace(out / METRICS_CSV)


def record_stop(
    out: Path, reason: str, best_epoch: int, best_risk_epoch: int, seconds: float
) -> None:
    """Add why and when training ended to the run's description (run.json)."""
    info = json.loads((out / RUN_FILE).read_text())
    info["stop"] = {
        "reason": reason,
        "best_epoch": best_epoch,
        "best_risk_epoch": best_risk_epoch,
        "train_wall_s": round(seconds, 1),
    }
    write_json(out / RUN_FILE, info)
