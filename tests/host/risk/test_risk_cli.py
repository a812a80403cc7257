from __future__ import annotations

import json

from typer.testing import CliRunner

from host.cli import app
from tests.host.risk.squad import risky_squad, write_squad

runner = CliRunner()


def test_risk_command_prints_the_squad_in_every_format(tmp_path) -> None:
    data = write_squad(tmp_path / "club", risky_squad(athletes=12, weeks=8, seed=2), weeks=8)
    db = f"sqlite:///{tmp_path / 'host.db'}"

    as_json = runner.invoke(
        app, ["risk", "--week", "6", "--data", str(data), "--db", db, "--format", "json"]
    )
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.output)
    assert report["week"] == 6 and report["synthetic"] is True
    assert report["history_problem"] is None and 0 < report["base_rate"] < 0.5
    assert len(report["players"]) == 12
    probabilities = [p["probability"] for p in report["players"]]
    assert probabilities == sorted(probabilities, reverse=True)

    as_csv = runner.invoke(app, ["risk", "--week", "6", "--db", db, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    lines = as_csv.output.strip().splitlines()
    assert lines[0] == "athlete_id,probability,band,change,drivers"
    assert len(lines) == 13

    evaluated = runner.invoke(
        app,
        [
            "risk",
            "--week",
            "7",
            "--db",
            db,
            "--evaluate",
            "--holdout-weeks",
            "2",
            "--format",
            "json",
        ],
    )
    assert evaluated.exit_code == 0, evaluated.output
    card = json.loads(evaluated.output)
    assert card["split"]["test_weeks"] == [5, 6]  # week 7's outcome is not known yet
    assert card["synthetic"] is True
    assert {"auc", "high_risk_recall", "precision", "brier", "brier_skill"} <= set(card["baseline"])
    assert card["head"]["brier_skill"]["value"] is not None
    assert sum(b["rows"] for b in card["reliability"]) == card["split"]["test_rows"]

    plot = tmp_path / "reliability.png"
    as_text = runner.invoke(
        app,
        [
            "risk",
            "--week",
            "7",
            "--db",
            db,
            "--evaluate",
            "--holdout-weeks",
            "2",
            "--plot",
            str(plot),
        ],
        env={"COLUMNS": "200"},
    )
    assert as_text.exit_code == 0, as_text.output
    assert "brier_skill" in as_text.output and "calibrated head" in as_text.output
    assert "Reliability of the calibrated head" in as_text.output
    assert "observed rate" in as_text.output
    assert plot.read_bytes().startswith(b"\x89PNG")

    unwritable = runner.invoke(
        app,
        [
            "risk",
            "--week",
            "7",
            "--db",
            db,
            "--evaluate",
            "--holdout-weeks",
            "2",
            "--plot",
            str(tmp_path / "no" / "such" / "dir.png"),
        ],
    )
    assert unwritable.exit_code == 1, unwritable.output
    assert "--plot" in unwritable.output and "Traceback" not in unwritable.output

    as_table = runner.invoke(app, ["risk", "--week", "6", "--db", db], env={"COLUMNS": "200"})
    assert as_table.exit_code == 0, as_table.output
    assert report["players"][0]["athlete_id"] in as_table.output
    assert "probability" in as_table.output


def test_risk_command_errors_are_one_line(tmp_path) -> None:
    db = f"sqlite:///{tmp_path / 'host.db'}"
    missing = runner.invoke(
        app, ["risk", "--week", "3", "--data", str(tmp_path / "nope"), "--db", db]
    )
    assert missing.exit_code == 1
    assert "not a directory" in missing.output
    assert "Traceback" not in missing.output

    data = write_squad(tmp_path / "club", risky_squad(athletes=6, weeks=4, seed=1), weeks=4)
    early = runner.invoke(app, ["risk", "--week", "0", "--data", str(data), "--db", db])
    assert early.exit_code == 1
    assert "nothing to learn risk from" in early.output


def test_week_one_says_there_is_too_little_history(tmp_path) -> None:
    data = write_squad(tmp_path / "club", risky_squad(athletes=12, weeks=6, seed=2), weeks=6)
    db = f"sqlite:///{tmp_path / 'host.db'}"
    result = runner.invoke(
        app, ["risk", "--week", "1", "--data", str(data), "--db", db, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert "too little history" in report["history_problem"]
    assert {p["band"] for p in report["players"]} == {"unrated"}
    table = runner.invoke(app, ["risk", "--week", "1", "--db", db], env={"COLUMNS": "200"})
    assert "too little history" in table.output
