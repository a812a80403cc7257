"""`touchline evaluate`: score a run on its held-out athletes and weeks."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from host.cli import app
from host.cli.train import fail, user_errors


def _ci(block: dict | None, scale: float = 100.0, digits: int = 1) -> str:
    if not block:
        return "–"
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
) -> None:
    """Score RUN_DIR on its test part: accuracy, macro-F1, per-class precision and recall,
    confusion matrix and per-scene results on athletes the model never saw; AUC, high-risk
    recall (P ≥ 0.65), calibration on the held-out weeks; 95 % intervals by resampling
    athletes; the simulator's oracle AUC where the data has truth/. Writes evaluation.json.

    Example:  touchline evaluate runs/small --folds 10
    """
    # The evaluation stack is imported when the command runs: `touchline --help` stays fast.
    from host.evaluation.crossval import cross_validate
    from host.evaluation.evaluate import evaluate_run
    from host.models.config import TrainConfig
    from host.models.run import load_run

    errors = user_errors()
    console = Console()
    try:
        result = evaluate_run(run_dir, data, resamples=resamples)
        actions, risk = result["actions"], result.get("risk", {})
        tag = " (synthetic data)" if result["synthetic"] else ""
        table = Table("metric", "test value [95 % CI]", title=f"{run_dir}{tag}: {result['split']}")
        table.add_row("action accuracy %", _ci(actions["accuracy_ci"]))
        table.add_row("action macro-F1 %", _ci(actions["macro_f1_ci"]))
        table.add_row("injury AUC", _ci(risk.get("auc_ci"), 1.0, 3))
        table.add_row("high-risk recall %", _ci(risk.get("high_risk_recall_ci")))
        if "oracle_auc" in risk:
            table.add_row("oracle AUC (true hazard)", f"{risk['oracle_auc']:.3f}")
        for head, kept in result["checkpoints"].items():
            table.add_row(f"{head} checkpoint", f"{kept['file']} (epoch {kept['epoch']})")
        console.print(table)
        if folds:
            config = load_run(run_dir).config
            if cv_epochs:
                config = config.replace(max_epochs=cv_epochs)
            report = cross_validate(
                data or Path(result_data(run_dir)),
                Path(run_dir) / "crossval",
                TrainConfig.from_dict(config.to_dict()),
                folds,
                resamples=min(resamples, 200),
            )
            cv = Table(
                "metric", "mean", "sd", "min", "max", title=f"{folds}-fold CV grouped by athlete"
            )
            for name, block in report["summary"].items():
                if block:
                    cv.add_row(name, *(f"{block[k]:.3f}" for k in ("mean", "sd", "min", "max")))
            console.print(cv)
    except errors as exc:
        fail(exc)


def result_data(run_dir: Path) -> str:
    import json

    return json.loads((Path(run_dir) / "run.json").read_text())["data"]
