"""`touchline import …`: bring a club's session and injury exports into a dataset directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from host.cli import app

if TYPE_CHECKING:
    from host.data.importer import ImportReport

import_app = typer.Typer(
    help=("Import a club's CSV exports (sessions, injuries) into a dataset directory; "
          "columns are recognised by name and every bad row is listed.\n\n"
          "Example:  touchline import sessions gps.csv --out data/club  ·  "
          "touchline import injuries medical.csv --out data/club"),
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

Out = Annotated[Path, typer.Option(
    "--out", help="Dataset directory to create or add to (rows already there are kept).")]
Mapping = Annotated[list[str], typer.Option(
    "--map", help="COLUMN=FIELD: read the file's COLUMN as FIELD when its name is not "
    "recognised, e.g. --map 'Player Code=athlete_id'. Repeat for several columns.")]
SkipBad = Annotated[bool, typer.Option(
    "--skip-bad", help="Import the good rows and skip the bad ones (they are still listed).")]


def _run(importer: Callable[..., ImportReport], file: Path, out: Path, mapping: list[str],
         skip_bad: bool) -> None:
    from host.data.dataset import DatasetError
    from host.data.importer import ImportFileError, parse_mapping

    console = Console()
    try:
        report = importer(file, out, parse_mapping(mapping), skip_bad=skip_bad)
    except (ImportFileError, DatasetError) as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True, highlight=False)
        raise typer.Exit(1) from None
    render(report, console)
    if report.errors and not skip_bad:
        console.print(
            f"[red]nothing written:[/red] {len(report.bad_rows)} bad row(s) in {file}; fix them, "
            "or pass --skip-bad to import the others", soft_wrap=True, highlight=False)
        raise typer.Exit(1)


def render(report: ImportReport, console: Console) -> None:
    """Print what was recognised, every bad row, and what changed."""
    recognised = ", ".join(f"{col} → {name}" for col, name in report.columns.items())
    console.print(f"columns: {recognised}", soft_wrap=True, highlight=False)
    if report.ignored_columns:
        console.print(f"ignored columns: {', '.join(report.ignored_columns)}", soft_wrap=True,
                      highlight=False)
    for note in report.notes:
        console.print(f"note: {note}", soft_wrap=True, highlight=False)
    if report.errors:
        table = Table("row", "column", "value", "problem", title=f"Bad rows in {report.source}")
        for error in report.errors:
            table.add_row(str(error.row), error.column or "", error.value or "", error.reason)
        console.print(table)
    if report.written:
        skipped = f", {len(report.bad_rows)} bad row(s) skipped" if report.errors else ""
        console.print(
            f"{report.table}: {report.rows_read} row(s) read, {report.added} added, "
            f"{report.updated} updated, {report.unchanged} unchanged{skipped}", highlight=False)
        if report.athletes_added:
            console.print(f"new athletes in athletes.csv: {', '.join(report.athletes_added)}",
                          soft_wrap=True, highlight=False)
        console.print(f"wrote {', '.join(str(p) for p in report.written)}", soft_wrap=True,
                      highlight=False)


@import_app.command("sessions")
def sessions(
    file: Annotated[Path, typer.Argument(help="CSV export, one row per athlete per session.")],
    out: Out,
    mapping: Mapping = [],  # noqa: B006 (typer copies option defaults)
    skip_bad: SkipBad = False,
) -> None:
    """Import past sessions (athlete, date, minutes, RPE, GPS totals, wellness).

    Columns are recognised by common names, ignoring case, spaces and units: athlete /
    player / name, date / session date, duration / minutes / mins, RPE / Borg, type /
    session type, distance, HSR, sprints, accelerations, decelerations, player load,
    avg/max HR, and wellness sleep, soreness, fatigue, stress, mood (1-5, 5 = best).
    Dates are ISO (2026-02-03) or day-first (03/02/2026 is 3 February). Comma, semicolon
    or tab delimited; decimal commas are fine. Session-RPE load (RPE x minutes) is derived, and the
    daily/weekly load tables (ACWR, monotony, strain) are rewritten beside sessions.csv.

    Every bad row is listed by row number (header = row 1) and column; if there are
    any, nothing is written and the exit status is 1, unless --skip-bad.

    Example:  touchline import sessions gps.csv --out data/club --map "Player Code=athlete_id"
    """
    # The importer (pandas) is imported when the command runs: `--help` stays fast.
    from host.data.importer import import_sessions

    _run(import_sessions, file, out, mapping, skip_bad)


@import_app.command("injuries")
def injuries(
    file: Annotated[Path, typer.Argument(help="CSV of time-loss injuries, one row per injury.")],
    out: Out,
    mapping: Mapping = [],  # noqa: B006 (typer copies option defaults)
    skip_bad: SkipBad = False,
) -> None:
    """Import time-loss injuries (2 days or more out): athlete, date, days lost, type, location.

    Columns are recognised by common names (athlete / player, date / injury date, days lost
    / days out / time loss, type / injury type, location / body part). Types: muscle,
    ligament, contusion, overuse, other; locations: hamstring, groin, knee, ankle, calf,
    thigh, hip, foot, other. Dates are ISO or day-first (03/02/2026 is 3 February).

    Every bad row is listed by row number (header = row 1) and column; if there are any,
    nothing is written and the exit status is 1, unless --skip-bad.

    Example:  touchline import injuries medical_log.csv --out data/club
    """
    from host.data.importer import import_injuries

    _run(import_injuries, file, out, mapping, skip_bad)

