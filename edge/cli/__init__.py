"""`edge` — the sideline command. Each command lives in its own module and is a thin layer
over a documented function of the `edge` package."""

from __future__ import annotations

import typer

from edge import __version__
from edge.cli.errors import EXIT_CODES, ReportsUserErrors

app = typer.Typer(
    name="edge",
    help=(
        "Touchline on the sideline: pair sensors, record a session, watch the live table, "
        "sync summaries to the club's host.\n\n"
        "Typical session:  edge pair --athlete 7 --site calf --address virtual://imu  ·  "
        "edge record  ·  edge sync"
    ),
    epilog=EXIT_CODES,
    no_args_is_help=True,
    cls=ReportsUserErrors,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"edge (touchline) {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Show the version and exit.",
    ),
) -> None:
    """Touchline sideline runtime."""


# Command modules register their commands on `app` when imported.
# (one line per module, alphabetical)
from edge.cli import marks as _marks  # noqa: E402,F401
from edge.cli import models as _models  # noqa: E402,F401
from edge.cli import pair as _pair  # noqa: E402,F401
from edge.cli import record as _record  # noqa: E402,F401
from edge.cli import replay as _replay  # noqa: E402,F401
from edge.cli import serve as _serve  # noqa: E402,F401
from edge.cli import status as _status  # noqa: E402,F401
from edge.cli import sync as _sync  # noqa: E402,F401


def main() -> None:
    """Console-script entry point."""
    app()
