"""The root group of both command-line apps: a UserError from any command is one line and
its exit code; anything else is a bug and keeps its traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from edge.cli import app as edge_app
from edge.cli.errors import CommandError, ReportsUserErrors
from edge.config import CONFIG_ENV_VAR, ConfigError
from firmware_bridge.errors import TouchlineError, UserError

runner = CliRunner()


class _Refused(UserError):
    exit_code = 2


class _Invariant(TouchlineError):
    """Ours, but not the user's to fix."""


def _app(error: BaseException) -> typer.Typer:
    """An app with the root group under test and ERROR raised two groups down."""
    root = typer.Typer(cls=ReportsUserErrors)
    inner = typer.Typer()
    root.add_typer(inner, name="inner")

    @root.callback()
    def _root() -> None:
        """Root."""

    @inner.command("go")
    def go() -> None:
        raise error

    return root


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UserError("a.csv: row 3: not a date"), 1),
        (_Refused("--size: unknown size 'huge'"), 2),
        (CommandError("give a SESSION id or --simulate N", exit_code=2), 2),
        (CommandError("nothing to pair"), 1),
    ],
)
def test_a_user_error_is_one_line_and_its_exit_code(error: UserError, code: int) -> None:
    result = runner.invoke(_app(error), ["inner", "go"])
    assert result.exit_code == code
    assert result.output.splitlines() == [f"error: {error}"]
    assert result.stdout == ""  # the line goes to stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("error", [RuntimeError("bug"), KeyError("x"), _Invariant("broken")])
def test_any_other_error_is_not_swallowed(error: Exception) -> None:
    result = runner.invoke(_app(error), ["inner", "go"])
    assert result.exception is error
    assert "error:" not in result.output


def test_an_edge_command_reports_a_user_error_and_lets_a_bug_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_ENV_VAR, str(tmp_path / "edge.toml"))

    def refuse(path: Path | None, must_exist: bool = True) -> None:
        raise ConfigError(tmp_path / "edge.toml", "record.hop_s", "must be above 0")

    monkeypatch.setattr("edge.config.load_config", refuse)
    refused = runner.invoke(edge_app, ["status"])
    assert refused.exit_code == ConfigError.exit_code == 2
    assert refused.output.splitlines() == [
        f"error: {tmp_path / 'edge.toml'}: record.hop_s: must be above 0"
    ]

    def crash(path: Path | None, must_exist: bool = True) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("edge.config.load_config", crash)
    crashed = runner.invoke(edge_app, ["status"])
    assert isinstance(crashed.exception, ZeroDivisionError)
    assert "error:" not in crashed.output


def test_both_apps_report_through_the_same_root_group() -> None:
    from host.cli import app as host_app

    for app in (edge_app, host_app):
        assert isinstance(typer.main.get_command(app), ReportsUserErrors)
