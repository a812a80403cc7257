"""`touchline report`: an HTML page for a training run, or the weekly squad risk report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from edge.cli.errors import CommandError
from host.cli import app


@app.command("report")
def report_command(
    run_dir: Path | None = typer.Argument(None, help="Run directory (omit with --week)."),
    out: Path | None = typer.Option(
        None, "--out", help="HTML file to write (default RUN_DIR/report.html)."
    ),
    week: int | None = typer.Option(
        None, "--week", min=0, help="Write the squad risk report for this week."
    ),
    db: str | None = typer.Option(
        None, "--db", help="Database URL for --week (default: settings)."
    ),
) -> None:
    """Write one self-contained HTML page: for a run, the confusion matrix, ROC, calibration,
    per-class recall, per-scene bars, training curves and the ablation table beside the
    paper's Table 3; with --week, the squad's injury risk for that week, with the model
    card's Brier skill score, reliability table and plot on the weeks it never saw.

    Examples:  touchline report runs/small   ·   touchline report --week 9 --out squad.html
    """
    if week is not None:
        from host.reports.squad import write_squad_report
        from host.settings import get_settings

        settings = get_settings(database_url=db)
        path = write_squad_report(week, out or Path(f"squad-week-{week}.html"), settings)
    elif run_dir is None:
        raise CommandError("give a RUN_DIR, or --week W for the squad report")
    else:
        from host.reports.run import write_run_report

        path = write_run_report(run_dir, out)
    Console().print(f"report written to {path}")
