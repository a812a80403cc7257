"""`touchline data …`: look at a dataset directory before training on it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from host.cli import app

if TYPE_CHECKING:
    from host.data.check import DatasetSummary

data_app = typer.Typer(
    help="Inspect and validate dataset directories (format: docs/dataset.md).", no_args_is_help=True
)
app.add_typer(data_app, name="data")


@data_app.command("check")
def check(
    directory: Path = typer.Argument(..., help="Dataset directory to validate."),
) -> None:
    """Validate DIRECTORY against the dataset format and print what it holds.

    Checks the manifest, every table and every clip shard, and prints athletes, sessions,
    injuries, clips per action and scene, and how often each modality is missing.
    Exits 1 with one line saying which file and field is wrong.

    Example:  touchline data check data/squad-small
    """
    # The data stack (pandas, scipy) is imported when the command runs: `--help` stays fast.
    from host.data.check import summarise
    from host.data.dataset import load_dataset

    console = Console()
    render(summarise(load_dataset(directory)), console)


def render(summary: DatasetSummary, console: Console) -> None:
    flag = " [yellow](synthetic)[/yellow]" if summary.synthetic else ""
    console.print(f"[bold]{summary.name}[/bold]{flag}: valid")
    overview = Table("athletes", "sessions", "injuries", "player-weeks", "clips", "continuous")
    overview.add_row(
        *map(
            str,
            (
                summary.athletes,
                summary.sessions,
                summary.injuries,
                summary.player_weeks,
                summary.clips,
                summary.continuous_sessions,
            ),
        )
    )
    console.print(overview)
    if summary.clips:
        per_label = Table("action", "clips", title="Clips per action")
        for label, count in summary.clips_per_label.items():
            per_label.add_row(label, str(count))
        per_scene = Table("scene", "clips", title="Clips per scene")
        for scene, count in summary.clips_per_scene.items():
            per_scene.add_row(scene, str(count))
        console.print(per_label, per_scene)
        quality = Table("modality", "clips missing it", title="Modalities")
        for modality, rate in summary.missing_rate.items():
            quality.add_row(modality, f"{rate:.1%}")
        if summary.skeleton_coverage is not None:
            quality.add_row("skeleton joints visible", f"{summary.skeleton_coverage:.1%}")
            quality.add_row("skeleton frames occluded", f"{summary.skeleton_occlusion_rate:.1%}")
        console.print(quality)
        dropped = Table("reason", "clips", title="Dropped by the paper's rules")
        for reason, count in summary.dropped.items():
            dropped.add_row(reason, str(count))
        if not summary.dropped:
            dropped.add_row("none", "0")
        console.print(dropped)
