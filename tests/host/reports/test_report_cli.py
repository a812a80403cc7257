"""`touchline report` answers a user mistake with one line, for both kinds of report."""

from pathlib import Path

from typer.testing import CliRunner

from host.cli import app


def test_squad_report_of_an_empty_database_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--week",
            "0",
            "--out",
            str(tmp_path / "squad.html"),
            "--db",
            f"sqlite:///{tmp_path / 'empty.db'}",
        ],
    )
    assert result.exit_code == 1
    assert "no sessions" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "squad.html").exists()


def test_report_without_a_run_or_week_says_what_to_give() -> None:
    result = CliRunner().invoke(app, ["report"])
    assert result.exit_code == 1
    assert "give a RUN_DIR, or --week W" in result.output
