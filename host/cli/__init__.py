"""`touchline` — the host command. Each command lives in its own module and is a thin layer
over a documented function of the `host` package.

Command modules import torch, scipy, pandas, SQLAlchemy, the server and the like inside the
command function, not at module level, so `touchline --help` stays fast
(tests/host/test_cli_startup.py)."""

from __future__ import annotations

import typer

from edge import __version__
from edge.cli.errors import EXIT_CODES, ReportsUserErrors

app = typer.Typer(
    name="touchline",
    help=(
        "Touchline on the host: import and simulate data, train and evaluate the multimodal "
        "model, distil and export the sideline model, serve the API, and report weekly "
        "injury risk.\n\n"
        "First run:  touchline synth data/ --size small  ·  touchline data check data/"
    ),
    epilog=EXIT_CODES,
    no_args_is_help=True,
    cls=ReportsUserErrors,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"touchline {__version__}")
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
    """Touchline host: trainer, server and reports."""


# Command modules register their commands on `app` when imported.
# (one line per module, alphabetical)
from host.cli import ablate as _ablate  # noqa: E402,F401
from host.cli import bundle as _bundle  # noqa: E402,F401
from host.cli import data as _data  # noqa: E402,F401
from host.cli import distill as _distill  # noqa: E402,F401
from host.cli import evaluate as _evaluate  # noqa: E402,F401
from host.cli import export as _export  # noqa: E402,F401
from host.cli import import_takes as _import_takes  # noqa: E402,F401
from host.cli import importer as _importer  # noqa: E402,F401
from host.cli import key as _key  # noqa: E402,F401
from host.cli import nightly as _nightly  # noqa: E402,F401
from host.cli import pose as _pose  # noqa: E402,F401
from host.cli import report as _report  # noqa: E402,F401
from host.cli import risk as _risk  # noqa: E402,F401
from host.cli import serve as _serve  # noqa: E402,F401
from host.cli import synth as _synth  # noqa: E402,F401
from host.cli import token as _token  # noqa: E402,F401
from host.cli import train as _train  # noqa: E402,F401


def main() -> None:
    """Console-script entry point."""
    app()
