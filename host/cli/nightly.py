"""`touchline nightly`: the unattended retrain-and-publish run (cron or systemd timer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from host.cli import app
from host.cli.compute import CacheOption, DeviceOption, PrecisionOption, WorkersOption


@app.command("nightly")
def nightly(
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="Dataset directory to import (club CSV imports, synthetic squad)."
        ),
    ] = None,
    edge_model: Annotated[
        bool,
        typer.Option(
            "--edge-model",
            help="Also retrain the teacher, distil and export a sideline bundle "
            "(needs --data with clips).",
        ),
    ] = False,
    work_dir: Annotated[
        Path | None,
        typer.Option(
            "--work-dir", help="Where training runs are written (default: beside the bundles)."
        ),
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: TOUCHLINE_DATABASE_URL).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run report as JSON.")] = False,
    device: DeviceOption = None,
    precision: PrecisionOption = None,
    workers: WorkersOption = None,
    cache_mb: CacheOption = None,
) -> None:
    """Ingest new data, update weekly features, retrain the risk head (warm start),
    evaluate it on the newest held-out weeks and publish it only if it beats the current
    one on weeks neither was trained on (a current head that learnt those weeks has its
    recipe refitted on the candidate's weeks); with --edge-model also train, distil,
    export and gate a new sideline bundle.

    Only one run at a time (lock file); each step is logged to the nightly log
    (TOUCHLINE_NIGHTLY_LOG). Exits 1 with one line if a run is already going or a step
    fails; what was published before stays published.

    The edge stage computes where the settings say (TOUCHLINE_DEVICE, TOUCHLINE_PRECISION,
    TOUCHLINE_LOADER_WORKERS, TOUCHLINE_STREAM_CACHE_MB; the options override them), so a
    GPU server is set up once in its environment (docs/host.md).

    Example:  touchline nightly --data /srv/touchline/club-data
    Example:  touchline nightly --data /srv/touchline/club-data --edge-model --device cuda
    """
    # The training stack is imported when the command runs: `touchline --help` stays fast.
    from host.nightly import run_nightly
    from host.settings import get_settings

    console = Console()
    settings = get_settings(
        database_url=db,
        device=device,
        precision=precision,
        loader_workers=workers,
        stream_cache_mb=cache_mb,
    )
    report = run_nightly(settings, data=data, work_dir=work_dir, edge_model=edge_model)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, default=str))
        return
    console.print(
        f"ingested {report.new_summaries} new summaries"
        + (f", imported {report.imported}" if report.imported else "")
    )
    console.print(f"features: {report.player_weeks} player-weeks")
    if report.risk is not None:  # every finished run decides on the risk head
        console.print(f"risk head: {report.risk.reason}")
    if report.bundle is not None:
        console.print(f"edge bundle: {report.bundle.reason}")
