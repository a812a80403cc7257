"""`touchline synth`: write a physics-based synthetic squad as a dataset directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from host.cli import app
from host.synth.config import SIZES

SIZE_HELP = (
    f"How much to simulate: {', '.join(SIZES)} (paper = 126 players, 10 weeks, 18 420 action "
    "clips, about 2 GB; small = the demo; tiny = unit tests)."
)
VARIABILITY_HELP = (
    "How differently players move and wear their straps: wide (the default: mounting "
    "turned 3-30 degrees, some straps upside down, pod positions, tempo, strength, "
    "footedness), narrow (generator 1.0's spread) or a TOML file of fields over a preset "
    "(docs/synthetic.md)."
)
STAGE_TEXT = {
    "season": "players' seasons",
    "clips": "clip shards",
    "continuous": "continuous sessions",
}


@app.command("synth")
def synth(
    out: Annotated[Path, typer.Argument(help="New or empty directory to write the dataset into.")],
    size: Annotated[str, typer.Option(help=SIZE_HELP)] = "paper",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 0,
    workers: Annotated[int, typer.Option(help="Worker processes (0 = one per CPU core).")] = 0,
    variability: Annotated[str, typer.Option(help=VARIABILITY_HELP)] = "wide",
) -> None:
    """Simulate a squad: players, a season of sessions and loads, injuries from a hidden
    hazard, and waist/calf IMU, GPS, heart-rate and video-skeleton clips of the eight
    actions, from body physics. Everything written is marked synthetic.

    Example:  touchline synth data/squad-small --size small --seed 7

    Example:  touchline synth data/squad-narrow --size small --variability narrow
    """
    # The simulator is imported when the command runs: `touchline --help` stays fast.
    from host.synth.build import STAGES, check_request, synthesize
    from host.synth.variability import load_variability

    console = Console(stderr=True)
    check_request(out, size)
    players = load_variability(variability)
    with Progress(
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        tasks = {stage: bar.add_task(STAGE_TEXT[stage], total=None) for stage in STAGES}

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(tasks[stage], completed=done, total=total)

        summary = synthesize(
            out,
            size,
            seed,
            workers=workers or None,
            progress=progress,
            variability=players,
        )
    typer.echo(
        f"{summary.out}: synthetic squad '{summary.size}' (seed {summary.seed}): "
        f"{summary.athletes} athletes, {summary.weeks} weeks, {summary.sessions} athlete-sessions, "
        f"{summary.action_clips} action + {summary.background_clips} background clips, "
        f"{summary.continuous} continuous sessions, {summary.injuries} injuries "
        f"({summary.injury_rate:.1%} of player-weeks; oracle AUC {summary.oracle_auc:.2f}) "
        f"in {summary.seconds:.0f} s"
    )
