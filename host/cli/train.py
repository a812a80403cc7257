"""`touchline train`: train the multimodal model on a dataset directory."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from host.cli import app
from host.cli.compute import (
    CacheOption,
    DeviceOption,
    PrecisionOption,
    WorkersOption,
    chosen_cache_mb,
    chosen_compute,
)


@app.command("train")
def train_command(
    data: Path = typer.Option(
        ..., "--data", help="Dataset directory (docs/dataset.md) or a labelled .ts file."
    ),
    out: Path = typer.Option(Path("runs/latest"), "--out", help="Run directory to write."),
    config: Path | None = typer.Option(None, "--config", help="TOML file overriding the recipe."),
    resume: bool = typer.Option(
        False,
        "--resume",
        help="Continue the run in --out from its last epoch, under its saved recipe; "
        "--epochs and --time-budget may extend it.",
    ),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Cap on epochs (default 80)."),
    seed: int | None = typer.Option(None, "--seed", help="Seed for weights and augmentation."),
    time_budget: float | None = typer.Option(
        None,
        "--time-budget",
        min=0,
        help="Wall-clock cap in minutes: no epoch starts that would end past it (0: none).",
    ),
    test_athletes: str | None = typer.Option(
        None,
        "--test-athletes",
        help="Hold out exactly these athletes as the test part, e.g. p07,p08 (validation "
        "athletes are drawn from the others unless --val-athletes names them).",
    ),
    val_athletes: str | None = typer.Option(
        None,
        "--val-athletes",
        help="With --test-athletes: exactly these athletes are the validation part early "
        "stopping watches, e.g. p05,p06 (none of them a test athlete); everyone else trains.",
    ),
    groups: Path | None = typer.Option(
        None,
        "--groups",
        help="For a .ts file: one athlete id per line per series (training file, then its "
        "_TEST sibling), so validation and tests hold out whole athletes.",
    ),
    device: DeviceOption = None,
    precision: PrecisionOption = None,
    workers: WorkersOption = None,
    cache_mb: CacheOption = None,
) -> None:
    """Train the paper's multimodal model (skeleton + IMU + GPS + physiology, action and
    next-week injury risk) and write a run directory: config, normalisation statistics,
    splits, per-epoch metrics (CSV and JSON), best and last checkpoints, data hash.

    Splits: actions grouped by athlete, risk by time (earlier weeks train); with
    --test-athletes those athletes are the test part of both, and with --val-athletes
    those are the validation part. Early stopping watches validation athletes the model
    does not train on; the test part is never looked at.
    For several processes: torchrun --nproc_per_node=2 -m host.train --data DIR --out RUN

    Example:  touchline train --data data/squad-small --out runs/small
    Example:  touchline train --data data/club-takes --test-athletes p07,p08 --out runs/takes
    Example:  touchline train --data data/takes --test-athletes p08 --val-athletes p07 --out runs/t
    Example:  touchline train --data data/squad-small --out runs/small --resume --epochs 40
    Example:  touchline train --data data/squad-paper --out runs/paper --device cuda --workers 4
    """
    # The training stack is imported when the command runs: `touchline --help` stays fast.
    from host.evaluation.splits import parse_athletes
    from host.models.config import TrainConfig, load_config
    from host.risk.features import FeatureSettings
    from host.settings import get_settings
    from host.train import TrainingError, train
    from host.training.state import saved_config

    settings = get_settings()
    compute = chosen_compute(settings, device, precision, workers)
    held_out = parse_athletes(test_athletes) if test_athletes else None
    validated = parse_athletes(val_athletes, "--val-athletes") if val_athletes else None
    if resume and config is not None:
        raise TrainingError(
            f"--config {config}: a resumed run keeps the recipe saved in {out}; "
            "only --epochs and --time-budget may change"
        )
    # A resumed run starts from its saved recipe; the options apply on top of it, and
    # train() refuses any that would make it another run (a new --seed).
    recipe = saved_config(out) if resume else load_config(config) if config else TrainConfig()
    if epochs is not None:
        recipe = recipe.replace(max_epochs=epochs)
    if seed is not None:
        recipe = recipe.replace(seed=seed)
    if time_budget is not None:
        recipe = recipe.replace(time_budget_min=time_budget)
    # Impact weights and time-loss definition from the settings, once; a resumed run
    # keeps those it was trained with.
    features = None if resume else FeatureSettings.from_settings(settings)
    result = train(
        data,
        out,
        recipe,
        resume=resume,
        test_athletes=held_out,
        val_athletes=validated,
        groups=groups,
        features=features,
        compute=compute,
        cache_mb=chosen_cache_mb(settings, cache_mb),
    )
    best = result.history[result.best_epoch - 1] if result.best_epoch > 0 else {}
    shown = [
        f"{name} {best[key]:.3f}"
        for key, name in (
            ("val_accuracy", "accuracy"),
            ("val_macro_f1", "macro-F1"),
            ("val_auc", "AUC"),
        )
        if key in best and best[key] == best[key]
    ]  # NaN (no injuries to rank) left out
    ended = {"max_epochs": "epoch cap", "early_stop": "early stop", "time_budget": "time budget"}
    Console().print(
        f"run written to {result.run_dir}: best epoch {result.best_epoch} of {result.epochs_run} "
        f"(stopped by the {ended[result.stop_reason]}) on {compute.device} "
        f"({compute.precision}); validation {', '.join(shown)}"
    )
