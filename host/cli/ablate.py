"""`touchline ablate`: the paper's Table 3 on this dataset, every row on identical splits."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from host.cli import app
from host.cli.compute import (
    CacheOption,
    DeviceOption,
    PrecisionOption,
    WorkersOption,
    chosen_cache_mb,
    chosen_compute,
)
from host.cli.evaluate import _ci

if TYPE_CHECKING:
    from host.evaluation.ablation import PairedDifferences


def _paired(delta: PairedDifferences | None) -> str:
    if delta is None:
        return "—"
    return f"{_ci(delta.accuracy, 1.0)}; {_ci(delta.macro_f1, 1.0)}"


@app.command("ablate")
def ablate_command(
    data: Path = typer.Option(..., "--data", help="Dataset directory."),
    out: Path = typer.Option(Path("runs/ablation"), "--out", help="Directory for one run per row."),
    config: Path | None = typer.Option(None, "--config", help="TOML file overriding the recipe."),
    only: str | None = typer.Option(
        None, "--only", help="Comma-separated rows, e.g. full,no_video."
    ),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Cap on epochs per row."),
    resamples: int = typer.Option(1000, "--resamples", min=0, help="Bootstrap resamples."),
    device: DeviceOption = None,
    precision: PrecisionOption = None,
    workers: WorkersOption = None,
    cache_mb: CacheOption = None,
) -> None:
    """Train and evaluate the full model and each Table 3 ablation (no video, no IMU-GPS,
    no load, no attention, no multitask) on the same splits; writes OUT/ablation.json and
    prints our figures beside the paper's.

    Example:  touchline ablate --data data/squad-small --out runs/ablation
    Example:  touchline ablate --data data/squad-paper --out runs/table3 --device cuda --workers 4
    """
    # The training stack is imported when the command runs: `touchline --help` stays fast.
    from host.evaluation.ablation import run_ablations
    from host.models.config import TrainConfig, load_config
    from host.risk.features import FeatureSettings
    from host.settings import get_settings

    settings = get_settings()
    compute = chosen_compute(settings, device, precision, workers)
    features = FeatureSettings.from_settings(settings)
    recipe = load_config(config) if config else TrainConfig()
    if epochs is not None:
        recipe = recipe.replace(max_epochs=epochs)
    rows = [r.strip() for r in only.split(",")] if only else None
    report = run_ablations(
        data,
        out,
        recipe,
        rows,
        resamples=resamples,
        features=features,
        compute=compute,
        cache_mb=chosen_cache_mb(settings, cache_mb),
    )
    tag = " (synthetic data)" if report.synthetic else ""
    table = Table(
        "row",
        "accuracy %",
        "macro-F1 %",
        "AUC",
        "high-risk recall %",
        "paper (acc, F1, AUC, HR)",
        "full − row: acc, F1 (paired)",
        title=f"Table 3{tag}",
        caption="Rows already in OUT/ablation.json are kept; the last column above 0 means "
        "the full model is better on the same test athletes.",
    )
    for row, cells in report.rows.items():
        paper = cells.paper
        table.add_row(
            row,
            _ci(cells.accuracy),
            _ci(cells.macro_f1),
            _ci(cells.auc, 1.0, 3),
            _ci(cells.high_risk_recall),
            f"{paper.accuracy}, {paper.macro_f1}, {paper.auc}, {paper.high_risk_recall}",
            _paired(cells.full_minus_row),
        )
    Console().print(table)
