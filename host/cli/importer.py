"""`touchline import …`: bring a club's session and injury exports into a dataset directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from edge.cli.errors import CommandError
from host.cli import app

if TYPE_CHECKING:
    from host.data.importer import ImportOptions, ImportReport

import_app = typer.Typer(
    help=(
        "Import a club's exports (CSV or Excel: sessions, injuries) into a dataset "
        "directory; columns and values are recognised by name and every bad row is listed."
        "\n\n"
        "Example:  touchline import sessions gps.csv --out data/club  ·  "
        "touchline import injuries medical.csv --out data/club"
    ),
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

Out = Annotated[
    Path,
    typer.Option(
        "--out", help="Dataset directory to create or add to (rows already there are kept)."
    ),
]
Mapping = Annotated[
    list[str],
    typer.Option(
        "--map",
        help="COLUMN=FIELD: read the file's COLUMN as FIELD when its name is not "
        "recognised, e.g. --map 'Player Code=athlete_id'. Repeat for several columns.",
    ),
]
SkipBad = Annotated[
    bool,
    typer.Option(
        "--skip-bad", help="Import the good rows and skip the bad ones (they are still listed)."
    ),
]
MapValue = Annotated[
    list[str],
    typer.Option(
        "--map-value",
        help="FIELD:TEXT=VALUE: read the word TEXT in FIELD as VALUE, e.g. "
        "--map-value 'location:Gemelo interno=calf'. Unknown words are kept as 'other'.",
    ),
]
DayFirst = Annotated[
    bool,
    typer.Option(
        "--dayfirst",
        help="Dates like 03/02/2026 are 3 February (needed when no date in the "
        "column has a day above 12).",
    ),
]
MonthFirst = Annotated[
    bool, typer.Option("--monthfirst", help="Dates like 03/02/2026 are 2 March (US style).")
]
Sheet = Annotated[
    str | None,
    typer.Option("--sheet", help="Sheet of an Excel workbook to read (default: the first)."),
]
Replace = Annotated[
    bool,
    typer.Option(
        "--replace",
        help="The file is the new truth for the athletes and dates it covers: rows "
        "there that the file lacks are removed and blanked values cleared. Without it, imports "
        "only add and update.",
    ),
]
Scales = Annotated[
    list[str],
    typer.Option(
        "--scale",
        help="ITEM=LOW-HIGH:high-good|low-good: the scale a wellness item was asked "
        "on, stored on 1-5 (5 = best), e.g. --scale sleep=1-7:high-good. Repeat per item.",
    ),
]
Rename = Annotated[
    list[str],
    typer.Option(
        "--rename",
        help="OLD=NEW: the athlete stored as OLD is NEW from now on, in every table, "
        "e.g. --rename 'Pablo G.=P07'.",
    ),
]


def _run(
    importer: Callable[..., ImportReport],
    file: Path,
    out: Path,
    options: ImportOptions,
) -> None:
    console = Console()
    report = importer(file, out, options=options)
    render(report, console)
    if report.errors and not options.skip_bad:
        raise CommandError(
            f"nothing written: {len(report.bad_rows)} bad row(s) in {file}; fix them, "
            "or pass --skip-bad to import the others"
        )


SHOWN_CHANGES = 50  # a season's re-import can change thousands of rows


def render(report: ImportReport, console: Console) -> None:
    """Print what was recognised, every bad row, and what changed."""
    recognised = ", ".join(f"{col} → {name}" for col, name in report.columns.items())
    console.print(f"columns: {recognised}", soft_wrap=True, highlight=False)
    if report.ignored_columns:
        console.print(
            f"ignored columns: {', '.join(report.ignored_columns)}", soft_wrap=True, highlight=False
        )
    for note in report.notes:
        console.print(f"note: {note}", soft_wrap=True, highlight=False)
    if report.errors:
        table = Table("row", "column", "value", "problem", title=f"Bad rows in {report.source}")
        for error in report.errors:
            table.add_row(str(error.row), error.column or "", error.value or "", error.reason)
        console.print(table)
    if report.written:
        skipped = f", {len(report.bad_rows)} bad row(s) skipped" if report.errors else ""
        removed = f", {report.removed} removed" if report.replace else ""
        console.print(
            f"{report.table}: {report.rows_read} row(s) read, {report.added} added, "
            f"{report.updated} updated, {report.unchanged} unchanged{removed}{skipped}",
            highlight=False,
        )
        if report.replace:
            for kind, what in report.changes[:SHOWN_CHANGES]:
                console.print(f"  {kind}: {what}", soft_wrap=True, highlight=False)
            if len(report.changes) > SHOWN_CHANGES:
                console.print(
                    f"  … and {len(report.changes) - SHOWN_CHANGES} more", highlight=False
                )
        else:
            console.print(
                "additive import: rows already stored that this file lacks were "
                "kept (pass --replace to make the file the truth for its athletes "
                "and dates)",
                soft_wrap=True,
                highlight=False,
            )
        for old, new in report.renamed.items():
            console.print(f"renamed athlete {old} → {new}", soft_wrap=True, highlight=False)
        if report.athletes_added:
            console.print(
                f"new athletes in athletes.csv: {', '.join(report.athletes_added)}",
                soft_wrap=True,
                highlight=False,
            )
        console.print(
            f"wrote {', '.join(str(p) for p in report.written)}", soft_wrap=True, highlight=False
        )


@import_app.command("sessions")
def sessions(
    file: Annotated[
        Path,
        typer.Argument(help="CSV or .xlsx export, one row per athlete per session (or per drill)."),
    ],
    out: Out,
    mapping: Mapping = [],  # noqa: B006 (typer copies option defaults)
    skip_bad: SkipBad = False,
    map_value: MapValue = [],  # noqa: B006
    dayfirst: DayFirst = False,
    monthfirst: MonthFirst = False,
    sheet: Sheet = None,
    replace: Replace = False,
    rename: Rename = [],  # noqa: B006
    scale: Scales = [],  # noqa: B006
) -> None:
    """Import past sessions (athlete, date, minutes, RPE, GPS totals, wellness).

    Columns are recognised by common names, ignoring case, spaces and units, GPS vendors'
    included (Catapult, STATSports, Polar Team Pro): athlete / player, date / session date,
    duration / total duration / minutes (minutes, hh:mm:ss or mm:ss), session / session
    title, drill / period / split / phase, RPE / Borg, type, distance, HSR, sprints,
    accelerations, decelerations, player load, avg/max HR, and wellness sleep, soreness,
    fatigue, stress, mood (1-5, 5 = best; other scales with --scale sleep=1-7:high-good).
    Where drill rows stand beside "Session Total"
    rows, the total is the session and the drills are kept in session_parts.csv.

    A session is its athlete, date and session label: "AM" on two dates is two sessions.
    Dates are ISO, or numeric with the order read from the column (a day above 12);
    where the column cannot tell, pass --dayfirst or --monthfirst. Thousands separators
    ("10.850") and decimal commas ("6,5") are decided per column. Session-RPE load (RPE x
    minutes) is derived, and the daily/weekly load tables (ACWR, monotony, strain) are
    rewritten beside sessions.csv.

    Every bad row is listed by row number (header = row 1) and column; if there are
    any, nothing is written and the exit status is 1, unless --skip-bad.

    Example:  touchline import sessions gps.csv --out data/club --map "Player Code=athlete_id"

    Corrected export:  touchline import sessions gps_fixed.csv --out data/club --replace
    """
    # The importer (pandas) is imported when the command runs: `--help` stays fast.
    from host.data.importer import import_sessions

    _run(
        import_sessions,
        file,
        out,
        _options(mapping, skip_bad, map_value, dayfirst, monthfirst, sheet, replace, rename, scale),
    )


@import_app.command("injuries")
def injuries(
    file: Annotated[Path, typer.Argument(help="CSV or .xlsx injury log, one row per injury.")],
    out: Out,
    mapping: Mapping = [],  # noqa: B006 (typer copies option defaults)
    skip_bad: SkipBad = False,
    map_value: MapValue = [],  # noqa: B006
    dayfirst: DayFirst = False,
    monthfirst: MonthFirst = False,
    sheet: Sheet = None,
    replace: Replace = False,
    rename: Rename = [],  # noqa: B006
) -> None:
    """Import an injury log as medical staff keep it: athlete, date, days lost or return date,
    type, location.

    Columns are recognised by common English and Spanish names (athlete / player / jugador,
    date / injury date / fecha lesión, days lost / days out / días de baja, return date /
    RTP / fecha de alta, type / tipo, location / body part / localización). Types: muscle,
    ligament, contusion, overuse, other; locations: hamstring, groin, knee, ankle, calf,
    thigh, hip, foot, other. Staff words are read (Muscular, Articular, Muslo, Tobillo,
    Hamstring strain, Isquiotibiales); an unknown word is kept as 'other' with its own text
    in <field>_raw and listed once. Days lost come from the return date where given; with
    neither, the injury stays open. Injuries under 2 days are kept with time_loss = 0.
    Follow-up rows without an injury date (survival exports) are counted, not imported.

    Every bad row is listed by row number (header = row 1) and column; if there are any,
    nothing is written and the exit status is 1, unless --skip-bad.

    Example:  touchline import injuries lesiones.xlsx --out data/club --dayfirst
    """
    from host.data.importer import import_injuries

    _run(
        import_injuries,
        file,
        out,
        _options(mapping, skip_bad, map_value, dayfirst, monthfirst, sheet, replace, rename),
    )


@import_app.command("wellness")
def wellness(
    file: Annotated[
        Path, typer.Argument(help="CSV or .xlsx questionnaire export, one row per athlete per day.")
    ],
    out: Out,
    mapping: Mapping = [],  # noqa: B006 (typer copies option defaults)
    skip_bad: SkipBad = False,
    dayfirst: DayFirst = False,
    monthfirst: MonthFirst = False,
    sheet: Sheet = None,
    replace: Replace = False,
    rename: Rename = [],  # noqa: B006
    scale: Scales = [],  # noqa: B006
) -> None:
    """Import a daily wellness questionnaire (no session, no minutes) into wellness.csv.

    Items sleep, soreness, fatigue, stress and mood are recognised by name (English or
    Spanish) and read on the scale they were asked on: declare each one that is not 1-5
    with 5 = best, e.g. --scale sleep=1-7:high-good --scale fatigue=1-10:low-good. They
    are stored on 1-5 (5 = best). A column with an answer above its scale is refused whole,
    so a 1-7 answer is never kept as if on 1-5. The answers join the weekly risk features.

    Example:  touchline import wellness wellness_app.csv --out data/club --scale sleep=1-7:high-good
    """
    from host.data.importer import import_wellness

    _run(
        import_wellness,
        file,
        out,
        _options(mapping, skip_bad, [], dayfirst, monthfirst, sheet, replace, rename, scale),
    )


def _options(
    mapping: list[str],
    skip_bad: bool,
    map_value: list[str],
    dayfirst: bool,
    monthfirst: bool,
    sheet: str | None,
    replace: bool,
    rename: list[str],
    scale: list[str] | None = None,
) -> ImportOptions:
    """The command's options, checked, as the importer takes them."""
    from host.data.importer import ImportOptions, parse_mapping, parse_renames

    if dayfirst and monthfirst:
        raise CommandError("pass --dayfirst or --monthfirst, not both")
    return ImportOptions(
        mapping=parse_mapping(mapping),
        skip_bad=skip_bad,
        value_map=tuple(map_value),
        date_order="day" if dayfirst else "month" if monthfirst else None,
        sheet=sheet,
        replace=replace,
        renames=parse_renames(rename),
        scales=tuple(scale or ()),
    )
