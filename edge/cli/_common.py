"""What every `edge` command shares: the --config and --bundle options and loading the
configuration. Errors are reported by the app's root group (edge/cli/errors.py).

Command modules import only typer and this module at the top; everything heavier
(numpy, scipy, onnxruntime, bleak, httpx, rich) is imported inside the command that
uses it, so `edge --help` and `edge --version` answer at once on a Pi."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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


def edge_config(path: Path | None, must_exist: bool = True) -> EdgeConfig:
    """The sideline's configuration, loaded when a command runs (pydantic is not needed
    for `--help`); a bad file is a ConfigError (exit 2)."""
    from edge.config import load_config

    return load_config(path, must_exist)
