"""`touchline import takes`: a club's labelled takes (IMU, optional skeleton) into a dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from host.cli.importer import import_app


@import_app.command("takes")
def takes(
    file: Annotated[Path, typer.Argument(help="TAKES.csv: one row per labelled take.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Dataset directory to create, or an existing one (e.g. from `touchline pose`) "
            "to add the takes to.",
        ),
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="Name of a new dataset (default: the file's).")
    ] = None,
) -> None:
    """Import labelled takes: one row per take with take_id, athlete_id, label (the club's
    own word, e.g. instep_kick) and imu, a CSV path relative to TAKES.csv holding t_s and
    any of waist_ax … calf_gz (g, deg/s) at any rate; it is resampled to 100 Hz.

    Optional columns: skeleton (t_s then <joint>_x, _y, _z in metres, z up, and optional
    <joint>_conf, for the 13 joints; a joint left out stays empty), gps (t_s, x_m, y_m,
    speed_mps), hr (t_s, hr_bpm), t_event_s (the action's instant, default the take's
    centre), date (YYYY-MM-DD) and session_id.

    The dataset's label vocabulary is the labels found; adding to an existing dataset
    appends new labels after its own. A bad row is named by row (header = row 1) and
    column, and nothing is written.

    Example:  touchline import takes drills/TAKES.csv --out data/club-takes
    """
    # numpy, pandas and scipy are imported when the command runs: `--help` stays fast.
    from host.data.takes import import_takes

    console = Console()
    report = import_takes(file, out, name=name)
    verb = "created" if report.created else "added to"
    console.print(
        f"{verb} {report.out}: {report.takes} take(s) of {len(report.athletes)} athlete(s) "
        f"in {report.shard.name}; labels {', '.join(report.labels)}"
        + (f" (new: {', '.join(report.new_labels)})" if report.new_labels else ""),
        soft_wrap=True,
        highlight=False,
    )
