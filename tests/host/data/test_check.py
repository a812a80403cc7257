"""`touchline data check` refuses what the host database would refuse, in one line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from host.cli import app
from host.data.check import LABEL_LENGTH
from host.data.dataset import write_manifest, write_table
from host.data.manifest import new_manifest

runner = CliRunner()


def club(root: Path, sessions: pd.DataFrame) -> Path:
    write_manifest(root, new_manifest("club", synthetic=False, weeks=1))
    write_table(root, "athletes.csv", pd.DataFrame({"athlete_id": ["A1"]}))
    write_table(root, "sessions.csv", sessions)
    write_table(root, "injuries.csv", pd.DataFrame(columns=["athlete_id", "date"]))
    return root


def session(**changes: object) -> dict[str, object]:
    return {
        "session_id": "AM",
        "athlete_id": "A1",
        "date": "2026-02-03",
        "duration_min": 60,
        **changes,
    }


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([session(), session(date="2026-02-10")], None),  # AM on two dates: two sessions
        ([session(), session(duration_min=70)], "rows 2 and 3 are the same session"),
        ([session(session_id="x" * (LABEL_LENGTH + 1))], "longer than 53 characters"),
        ([session(duration_min=None)], "column 'duration_min': empty"),
        ([session(type="a very long session type")], "column 'type'"),
    ],
)
def test_data_check_refuses_what_the_database_would(
    tmp_path: Path, rows: list[dict[str, object]], message: str | None
) -> None:
    root = club(tmp_path / "club", pd.DataFrame(rows))
    result = runner.invoke(app, ["data", "check", str(root)], env={"COLUMNS": "200"})
    if message is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert message in " ".join(result.output.split())


def test_data_check_refuses_two_wellness_rows_for_one_athlete_day(tmp_path: Path) -> None:
    root = club(tmp_path / "club", pd.DataFrame([session()]))
    write_table(
        root,
        "wellness.csv",
        pd.DataFrame(
            {"athlete_id": ["A1", "A1"], "date": ["2026-02-03", "2026-02-03"], "sleep": [4, 3]}
        ),
    )
    result = runner.invoke(app, ["data", "check", str(root)], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "a second row for athlete 'A1'" in result.output
