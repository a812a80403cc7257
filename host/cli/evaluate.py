"""`touchline evaluate`: score a run on its held-out athletes and weeks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from host.device import Compute
    from host.evaluation.crossval import LeaveOneAthleteOut, MacroF1Scores


def _ci(block: Any, scale: float = 100.0, digits: int = 1) -> str:
    """A value and its interval (an `Interval`, or its dict from a JSON report) as text."""
    if not block:
        return "–"
    if not isinstance(block, dict):
        block = block.model_dump()
    return (
        f"{block['value'] * scale:.{digits}f} "
        f"[{block['low'] * scale:.{digits}f}, {block['high'] * scale:.{digits}f}]"
    )


@app.command("evaluate")
def evaluate_command(
    run_dir: Path = typer.Argument(..., help="Run directory written by `touchline train`."),
    data: Path | None = typer.Option(None, "--data", help="Dataset (default: the one trained on)."),
    resamples: int = typer.Option(
        1000, "--resamples", min=0, help="Bootstrap resamples for intervals."
    ),
    folds: int = typer.Option(
        0, "--folds", min=0, help="Also run K-fold cross-validation grouped by athlete (paper: 10)."
    ),
    cv_epochs: int | None = typer.Option(
        None, "--cv-epochs", min=1, help="Epoch cap per fold (fast mode); default the run's."
    ),
    loao: bool = typer.Option(
        False,
        "--loao",
        help="Also run leave-one-athlete-out cross-validation: one fold per athlete, "
        "per-fold and pooled macro-F1 with intervals.",
    ),
    test_athletes: str | None = typer.Option(
        None,
        "--test-athletes",
        help="Score only these held-out athletes of the run's test part, e.g. p07,p08.",
    ),
    device: DeviceOption = None,
    precision: PrecisionOption = None,
    workers: WorkersOption = None,
    cache_mb: CacheOption = None,
) -> None:
    """Score RUN_DIR on its test part: accuracy, macro-F1, per-class precision and recall,
    confusion matrix and per-scene results on athletes the model never saw; AUC, high-risk
    recall (P ≥ 0.65), calibration on the held-out weeks; 95 % intervals by resampling
    athletes; the simulator's oracle AUC where the data has truth/. Writes evaluation.json.

    With few athletes a 70/15/15 split of them is too noisy to steer by: --loao retrains
    once per athlete and prints each fold's macro-F1 and the pooled one with intervals
    (RUN_DIR/crossval/loao.json).

    Example:  touchline evaluate runs/small --folds 10
    Example:  touchline evaluate runs/takes --loao --cv-epochs 20
    Example:  touchline evaluate runs/paper --device cuda
    """
    # The evaluation stack is imported when the command runs: `touchline --help` stays fast.
    from host.evaluation.crossval import cross_validate
    from host.evaluation.evaluate import evaluate_run
    from host.evaluation.splits import parse_athletes
    from host.models.config import TrainConfig
    from host.models.run import load_run
    from host.risk.features import FeatureSettings
    from host.settings import get_settings

    console = Console()
    settings = get_settings()
    compute = chosen_compute(settings, device, precision, workers)
    streamed = chosen_cache_mb(settings, cache_mb)
    held_out = parse_athletes(test_athletes) if test_athletes else None
    result = evaluate_run(
        run_dir,
        data,
        resamples=resamples,
        test_athletes=held_out,
        compute=compute,
        cache_mb=streamed,
    )
    actions, risk = result.actions, result.risk
    tag = " (synthetic data)" if result.synthetic else ""
    table = Table("metric", "test value [95 % CI]", title=f"{run_dir}{tag}: {result.split}")
    table.add_row("action accuracy %", _ci(actions.accuracy_ci))
    table.add_row("action macro-F1 %", _ci(actions.macro_f1_ci))
    table.add_row("injury AUC", _ci(risk and risk.auc_ci, 1.0, 3))
    table.add_row("high-risk recall %", _ci(risk and risk.high_risk_recall_ci))
    if risk is not None and risk.oracle_auc is not None:
        table.add_row("oracle AUC (true hazard)", f"{risk.oracle_auc:.3f}")
    kept_by_head = result.checkpoints
    for head, kept in (("actions", kept_by_head.actions), ("risk", kept_by_head.risk)):
        table.add_row(f"{head} checkpoint", f"{kept.file} (epoch {kept.epoch})")
    console.print(table)
    if folds:
        run = load_run(run_dir)
        config = run.config.replace(max_epochs=cv_epochs) if cv_epochs else run.config
        groups = run.info.get("groups")
        report = cross_validate(
            data or Path(result_data(run_dir)),
            Path(run_dir) / "crossval",
            TrainConfig.from_dict(config.to_dict()),
            folds,
            resamples=min(resamples, 200),
            groups=Path(groups) if groups else None,
            features=FeatureSettings.of_run(run.info),
            compute=compute,
            cache_mb=streamed,
        )
        cv = Table(
            "metric", "mean", "sd", "min", "max", title=f"{folds}-fold CV grouped by athlete"
        )
        for name, spread in report.summary.items():
            if spread is not None:
                cv.add_row(
                    name, *(f"{v:.3f}" for v in (spread.mean, spread.sd, spread.min, spread.max))
                )
        console.print(cv)
        console.print(f"pooled macro-F1 % over {folds} folds: {_f1(report.pooled)}")
    if loao:
        _print_loao(console, run_dir, data, cv_epochs, resamples, compute, streamed)


def _print_loao(
    console: Console,
    run_dir: Path,
    data: Path | None,
    epochs: int | None,
    resamples: int,
    compute: Compute,
    cache_mb: float,
) -> None:
    """Run leave-one-athlete-out with the run's recipe and print its table."""
    from host.evaluation.crossval import leave_one_athlete_out_cv
    from host.models.config import TrainConfig
    from host.models.run import load_run
    from host.risk.features import FeatureSettings

    run = load_run(run_dir)
    config = run.config if epochs is None else run.config.replace(max_epochs=epochs)
    info = run.info
    groups = Path(info["groups"]) if info.get("groups") else None
    report = leave_one_athlete_out_cv(
        data or Path(info["data"]),
        Path(run_dir) / "crossval",
        TrainConfig.from_dict(config.to_dict()),
        resamples=resamples,
        groups=groups,
        features=FeatureSettings.of_run(info),
        compute=compute,
        cache_mb=cache_mb,
    )
    console.print(loao_table(report))


def loao_table(report: LeaveOneAthleteOut) -> Table:
    """Each fold's macro-F1 and the pooled one; where the teacher carries an IMU companion,
    the blend weight each fold chose on its validation athletes (0: the network alone)."""
    companion = any(fold.companion_weight is not None for fold in report.folds)
    columns = ["fold", "test athlete", "clips", "macro-F1 % [95 % CI]"]
    table = Table(*columns, *(["companion w"] if companion else []), title="leave-one-athlete-out")
    for fold in report.folds:
        weight = "–" if fold.companion_weight is None else f"{fold.companion_weight:.2f}"
        cells = [str(fold.fold), fold.athlete, str(fold.n), _f1(fold)]
        table.add_row(*cells, *([weight] if companion else []))
    pooled = report.pooled
    table.add_row("pooled", f"{pooled.athletes} athletes", str(pooled.n), _f1(pooled))
    return table


def _f1(scores: MacroF1Scores) -> str:
    return _ci({"value": scores.macro_f1, "low": scores.macro_f1_low, "high": scores.macro_f1_high})


def result_data(run_dir: Path) -> str:
    import json

    return json.loads((Path(run_dir) / "run.json").read_text())["data"]
