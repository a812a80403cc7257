"""`touchline` commands end a UserError with one line and its exit code, and let a bug
through with its traceback (edge/cli/errors.py, the root group both apps share)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from host.cli import app
from host.data.dataset import DatasetError
from host.pose.config import VideoExtraMissing

runner = CliRunner()


def test_a_user_error_inside_a_host_command_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(directory: Path) -> None:
        raise DatasetError(f"{directory}/sessions.csv: row 4: duration_min is not a number")

    monkeypatch.setattr("host.data.dataset.load_dataset", refuse)
    result = runner.invoke(app, ["data", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"error: {tmp_path}/sessions.csv: row 4: duration_min is not a number"
    ]


def test_an_error_carries_its_own_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(directory: Path) -> None:
        raise VideoExtraMissing("mediapipe")

    monkeypatch.setattr("host.data.dataset.load_dataset", missing)
    result = runner.invoke(app, ["data", "check", str(tmp_path)])
    assert result.exit_code == VideoExtraMissing.exit_code == 3
    assert len(result.output.splitlines()) == 1 and "mediapipe" in result.output


def test_a_bug_inside_a_host_command_keeps_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(directory: Path) -> None:
        raise TypeError("a bug, not the user's input")

    monkeypatch.setattr("host.data.dataset.load_dataset", crash)
    result = runner.invoke(app, ["data", "check", str(tmp_path)])
    assert isinstance(result.exception, TypeError)
    assert "error:" not in result.output


def test_a_bad_option_is_refused_before_any_work(tmp_path: Path) -> None:
    args = ["import", "sessions", str(tmp_path / "x.csv"), "--out", str(tmp_path)]
    result = runner.invoke(app, [*args, "--dayfirst", "--monthfirst"])
    assert result.exit_code == 1
    assert result.output.splitlines() == ["error: pass --dayfirst or --monthfirst, not both"]
