"""`edge replay`: re-run a stored session or a simulated squad through the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from edge.cli import app
from edge.cli._common import BundleOption, ConfigOption, edge_config
from edge.cli.errors import CommandError
from edge.cli.record import check_model_fits, load_model

if TYPE_CHECKING:
    from rich.console import Console

    from edge.replay import ReplayResult


def _print(result: ReplayResult, console: Console, synthetic: bool) -> None:
    from rich.table import Table

    console.print(
        f"{result.athletes} athletes, {result.imu_sensors} IMUs, {result.packets} frames: "
        f"{result.session_s:.0f} s of session in {result.pipeline_s:.2f} s of pipeline = "
        f"{result.realtime_factor:.0f}× real time "
        f"({result.realtime_factor * result.imu_sensors:.0f} IMU streams at 100 Hz in real time)"
    )
    if result.scores is None:
        counts: dict[str, int] = {}
        for events in result.events.values():
            for event in events:
                counts[event.label] = counts.get(event.label, 0) + 1
        console.print("actions: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "none"))
        return
    title = "Event-level scores (±0.5 s; CI: athletes resampled)" + (
        " — synthetic data" if synthetic else ""
    )
    table = Table(title=title)
    for column in ("action", "true", "found", "matched", "precision", "recall", "F1", "F1 95% CI"):
        table.add_column(column, justify="left" if column == "action" else "right")
    for score in result.scores:
        true = score.true_positives + score.false_negatives
        found = score.true_positives + score.false_positives
        low, high = (result.intervals or {}).get(score.label, (float("nan"), float("nan")))
        table.add_row(
            score.label,
            str(true),
            str(found),
            str(score.true_positives),
            f"{score.precision:.2f}",
            f"{score.recall:.2f}",
            f"{score.f1:.2f}",
            f"{low:.2f}–{high:.2f}",
        )
    console.print(table)


@app.command("replay")
def replay_command(
    session_id: str = typer.Argument(None, help="A recorded session id (see `edge status`)."),
    simulate: int = typer.Option(
        0, "--simulate", min=0, max=99, help="Simulate this many athletes instead."
    ),
    duration: float = typer.Option(600.0, "--duration", min=10, help="Simulated seconds."),
    seed: int = typer.Option(0, "--seed", help="Simulation seed."),
    loss: float = typer.Option(0.02, "--loss", min=0, max=0.5, help="Extra frame loss."),
    config_path: Path | None = ConfigOption,
    bundle: Path | None = BundleOption,
) -> None:
    """Run a session through the recording pipeline as fast as it goes.

    A stored session is re-scored (e.g. with a newer model) without changing the store;
    `--simulate N` scores detections against the simulator's true events.

    Example:  edge replay --simulate 4 --duration 600
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from edge.replay import replay_simulated, replay_stored
    from edge.store import Store

    if not session_id and not simulate:
        raise CommandError("give a SESSION id or --simulate N", exit_code=2)
    config = edge_config(config_path)
    model = load_model(config, bundle)
    console = Console()
    check_model_fits(config, model, console)
    with Progress(
        TextColumn("replaying"),
        BarColumn(),
        TextColumn("{task.completed:.0f} s"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        if simulate:
            task = progress.add_task("replay", total=duration)
            result = replay_simulated(
                model,
                config,
                simulate,
                duration,
                seed=seed,
                loss=loss,
                progress=lambda t: progress.update(task, completed=t),
            )
        else:
            if not config.store_path.exists():
                raise CommandError(f"no store at {config.store_path}")
            with Store(config.store_path) as store:
                row = store.session(session_id)
                if row is None:
                    raise CommandError(f"no session {session_id!r} in {config.store_path}")
                task = progress.add_task("replay", total=None)
                result = replay_stored(
                    store,
                    session_id,
                    model,
                    config,
                    progress=lambda t: progress.update(task, completed=t),
                )
    _print(result, console, synthetic=bool(simulate))
