"""Risk end to end on a club's own exports: import CSVs with the club's column names and
day-first dates, then features, time-ordered evaluation and the squad table."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from host.data.dataset import load_dataset
from host.risk.evaluate import evaluate
from host.risk.features import weekly_features
from tests.host.risk.squad import risky_squad

runner = CliRunner()


def _club_exports(tmp_path):
    frames = risky_squad(athletes=20, weeks=8, seed=2)
    gps = (
        frames["sessions.csv"]
        .drop(columns=["session_id"])
        .rename(
            columns={
                "athlete_id": "Player",
                "date": "Session Date",
                "duration_min": "Duration",
                "rpe": "RPE",
                "accels": "Accelerations",
                "decels": "Decelerations",
            }
        )
    )
    gps["Session Date"] = gps["Session Date"].dt.strftime("%d/%m/%Y")
    medical = frames["injuries.csv"].rename(
        columns={"athlete_id": "Player", "date": "Date", "days_lost": "Days Lost"}
    )
    medical["Date"] = medical["Date"].dt.strftime("%d/%m/%Y")
    medical["Type"], medical["Location"] = "muscle", "hamstring"
    gps.to_csv(tmp_path / "gps_export.csv", index=False)
    medical.to_csv(tmp_path / "medical.csv", index=False)
    return tmp_path / "gps_export.csv", tmp_path / "medical.csv"


def test_imported_csvs_give_features_evaluation_and_the_squad_table(tmp_path) -> None:
    from host.cli import app

    gps, medical = _club_exports(tmp_path)
    data = tmp_path / "club"
    for kind, file in (("sessions", gps), ("injuries", medical)):
        result = runner.invoke(app, ["import", kind, str(file), "--out", str(data)])
        assert result.exit_code == 0, result.output

    dataset = load_dataset(data)
    features = weekly_features(dataset)
    assert len(features) == 20 * 8
    report = evaluate(features, holdout_weeks=2, synthetic=dataset.manifest.synthetic, rounds=50)
    assert report.synthetic is False
    assert report.split.train_weeks[-1] < report.split.test_weeks[0]
    assert report.head["auc"].value > 0.6

    result = runner.invoke(
        app,
        [
            "risk",
            "--week",
            "6",
            "--data",
            str(data),
            "--format",
            "json",
            "--db",
            f"sqlite:///{tmp_path / 'host.db'}",
        ],
    )
    assert result.exit_code == 0, result.output
    table = json.loads(result.output)
    assert table["synthetic"] is False
    assert {p["athlete_id"] for p in table["players"]} == {f"p{i:02d}" for i in range(20)}
    assert all(p["band"] in ("low", "medium", "high") for p in table["players"])
