"""What every `edge` command shares: the --config option and one-line errors.

Command modules import only typer and this module at the top; everything heavier
(numpy, scipy, onnxruntime, bleak, httpx, rich) is imported inside the command that
uses it, so `edge --help` and `edge --version` answer at once on a Pi."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from edge.config import EdgeConfig

CONFIG_HELP = (
    "Configuration file (TOML). Default: $TOUCHLINE_EDGE_CONFIG, else edge.toml in the "
    "user config directory."
)
ConfigOption = typer.Option(None, "--config", "-c", help=CONFIG_HELP, dir_okay=False)
BundleOption = typer.Option(
    None, "--bundle", help="Model bundle (directory or .tar.gz) to use, not the installed one."
)


def fail(message: str, code: int = 1) -> NoReturn:
    """One clear line on stderr and a non-zero exit; never a traceback."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def config_or_fail(path: Path | None, must_exist: bool = True) -> EdgeConfig:
    from edge.config import ConfigError, load_config

    try:
        return load_config(path, must_exist)
    except ConfigError as exc:
        fail(str(exc), code=2)
