from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from host.cli import app
from host.data.dataset import load_dataset
from host.db.engine import engine_for, session_scope
from host.db.models import RiskPrediction, TrainingSession
from host.db.summaries import store_summary
from host.risk.features import features_from_tables, weekly_features
from host.risk.service import squad_risk
from host.risk.store import import_dataset, load_tables
from host.settings import Settings
from tests.host.api.sample import SUMMARY
from tests.host.risk.squad import risky_squad, write_squad

runner = CliRunner()


def test_database_gives_the_same_features_as_the_directory(db_url, squad_dir) -> None:
    dataset = load_dataset(squad_dir)
    with session_scope(engine_for(db_url)) as db:
        import_dataset(db, dataset)
        import_dataset(db, dataset)  # importing twice changes nothing
        assert db.scalar(select(func.count()).select_from(TrainingSession)) == len(dataset.sessions)
        from_db = features_from_tables(load_tables(db))
    from_dir = weekly_features(dataset)
    pd.testing.assert_frame_equal(from_db.sort_index(), from_dir.sort_index(), check_dtype=False)


def test_synced_summaries_feed_action_counts_and_load(db_url, squad_dir) -> None:
    with session_scope(engine_for(db_url)) as db:
        import_dataset(db, load_dataset(squad_dir))
        summary = copy.deepcopy(SUMMARY)
        summary.update(athlete_id="a0", session_id="pitch-w3")
        summary["session"].update(
            start="2026-01-28T09:00:00+00:00",  # week 3, Wednesday
            end="2026-01-28T10:30:00+00:00",
        )
        store_summary(db, summary, device_id="pi-1")
    with session_scope(engine_for(db_url)) as db:
        features = features_from_tables(load_tables(db))
    week3 = features.loc[("a0", 3)]
    assert week3["n_landing"] == 14  # the summary's count replaces the imported 4
    assert week3["n_sprint"] == 22
    assert week3["sessions"] == 4
    assert week3["srpe_load"] == pytest.approx(3 * 5 * 60 + 6 * 90)
    assert features.loc[("a1", 3), "n_landing"] == 4


def test_risk_service_on_imported_csvs_stores_what_the_api_serves(db_url, tmp_path) -> None:
    root = write_squad(
        tmp_path / "club", risky_squad(athletes=24, weeks=8, seed=2), weeks=8, synthetic=False
    )
    settings = Settings(database_url=db_url, bundle_dir=tmp_path / "bundles")
    result = squad_risk(6, data=root, settings=settings)
    assert len(result.table) == 24
    assert set(result.table.columns) == {"athlete_id", "probability", "band", "change", "drivers"}
    again = squad_risk(6, settings=settings)  # from the database alone this time
    pd.testing.assert_frame_equal(result.table, again.table)
    with session_scope(engine_for(db_url)) as db:
        stored = db.scalars(select(RiskPrediction).where(RiskPrediction.week == 6)).all()
        assert len(stored) == 24
        assert {row.band for row in stored} <= {"low", "medium", "high"}


def test_synced_summaries_alone_give_weeks_from_the_first_monday(db_url) -> None:
    with session_scope(engine_for(db_url)) as db:
        for athlete in ("a", "b"):
            for day in ("2026-03-04", "2026-03-11", "2026-03-19"):  # Wed, Wed, Thu
                summary = copy.deepcopy(SUMMARY)
                summary.update(athlete_id=athlete, session_id=f"s-{day}")
                summary["session"].update(
                    start=f"{day}T09:00:00+00:00", end=f"{day}T10:30:00+00:00"
                )
                store_summary(db, summary, device_id="pi-1")
    with session_scope(engine_for(db_url)) as db:
        features = features_from_tables(load_tables(db))
        shifted = features_from_tables(load_tables(db, season_start=date(2026, 2, 23)))
    assert sorted(features.index.get_level_values("week").unique()) == [0, 1, 2]
    assert features.loc[("a", 0), "n_landing"] == 14
    assert features.loc[("a", 2), "srpe_load"] == pytest.approx(6 * 90)
    assert features["injured_next_week"].dropna().eq(0).all()
    assert sorted(shifted.index.get_level_values("week").unique()) == [0, 1, 2, 3]
    assert shifted.loc[("a", 0), "sessions"] == 0 and shifted.loc[("a", 1), "sessions"] == 1


def _labelled_like_a_club(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The same squad with session labels the club reuses every week ('Mon AM', ...)."""
    sessions = frames["sessions.csv"].copy()
    sessions["session_id"] = sessions["date"].dt.day_name().str[:3] + " AM"
    return {**frames, "sessions.csv": sessions}


def test_session_labels_that_repeat_across_dates_are_separate_sessions(db_url, tmp_path) -> None:
    frames = _labelled_like_a_club(risky_squad(athletes=12, weeks=8, seed=2))
    root = write_squad(tmp_path / "club", frames, weeks=8, synthetic=False)
    dataset = load_dataset(root)
    with session_scope(engine_for(db_url)) as db:
        import_dataset(db, dataset)
        import_dataset(db, dataset)
        stored = db.scalars(select(TrainingSession)).all()
        assert len(stored) == len(dataset.sessions) == 12 * 8 * 3
        first = min(s.date for s in stored if s.athlete_id == "p00")
        assert {s.session_id for s in stored if s.athlete_id == "p00" and s.date == first} == {
            f"Mon AM@{first.isoformat()}"
        }
    result = runner.invoke(
        app, ["risk", "--week", "6", "--data", str(root), "--db", db_url, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_the_directory_is_the_truth_for_its_athletes_rows_in_the_database(db_url, tmp_path) -> None:
    frames = _labelled_like_a_club(risky_squad(athletes=4, weeks=4, seed=2))
    root = write_squad(tmp_path / "club", frames, weeks=4, synthetic=False)
    with session_scope(engine_for(db_url)) as db:
        import_dataset(db, load_dataset(root))
    sessions = frames["sessions.csv"]
    moved = sessions.index[0]
    corrected = sessions.drop(index=sessions.index[1]).copy()  # a deleted row
    corrected.loc[moved, "date"] += pd.Timedelta(days=1)  # a re-dated one
    corrected.loc[moved, "session_id"] = "Tue AM"
    corrected.loc[sessions.index[2], "rpe"] = float("nan")  # a blanked value
    write_squad(root, {**frames, "sessions.csv": corrected}, weeks=4, synthetic=False)
    with session_scope(engine_for(db_url)) as db:
        import_dataset(db, load_dataset(root))
        stored = {
            (s.athlete_id, s.date, s.session_id): s for s in db.scalars(select(TrainingSession))
        }
    assert len(stored) == len(corrected)
    old = sessions.loc[moved]
    assert (
        old["athlete_id"],
        old["date"].date(),
        f"Mon AM@{old['date'].date().isoformat()}",
    ) not in stored
    blanked = corrected.loc[sessions.index[2]]
    key = (
        blanked["athlete_id"],
        blanked["date"].date(),
        f"{blanked['session_id']}@{blanked['date'].date().isoformat()}",
    )
    assert stored[key].rpe is None


def test_a_directory_the_database_would_refuse_is_one_clear_error(db_url, tmp_path) -> None:
    frames = _labelled_like_a_club(risky_squad(athletes=4, weeks=4, seed=2))
    sessions = frames["sessions.csv"]
    twice = pd.concat([sessions, sessions.iloc[[5]]], ignore_index=True)
    root = write_squad(
        tmp_path / "club", {**frames, "sessions.csv": twice}, weeks=4, synthetic=False
    )
    result = runner.invoke(app, ["risk", "--week", "3", "--data", str(root), "--db", db_url])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "rows 7 and " in result.output and "same session" in result.output
    checked = runner.invoke(app, ["data", "check", str(root)])
    assert checked.exit_code == 1 and "same session" in checked.output


def test_daily_wellness_answers_reach_the_features_from_the_database(db_url, tmp_path) -> None:
    from host.data.importer import ImportOptions, import_sessions, import_wellness

    fixtures = Path(__file__).parents[1] / "data" / "fixtures"
    club = tmp_path / "club"
    import_sessions(fixtures / "sessions_gps_export.csv", club)
    scales = ("sleep=1-7:high-good", "fatigue=1-10:low-good")
    import_wellness(fixtures / "wellness_app_1to7.csv", club, options=ImportOptions(scales=scales))
    dataset = load_dataset(club)
    with session_scope(engine_for(db_url)) as db:
        counts = import_dataset(db, dataset)
        assert counts["wellness"] == 4
        from_db = features_from_tables(load_tables(db))
    from_dir = weekly_features(dataset)
    pd.testing.assert_frame_equal(from_db.sort_index(), from_dir.sort_index(), check_dtype=False)
    without = weekly_features(replace(dataset, wellness=None))
    assert not from_db["wellness"].sort_index().equals(without["wellness"].sort_index())


def test_a_corrected_and_renamed_club_export_converges_in_the_database(db_url, tmp_path) -> None:
    from host.data.importer import ImportOptions, import_sessions
    from host.db.models import Athlete

    fixtures = Path(__file__).parents[1] / "data" / "fixtures"
    club = tmp_path / "club"
    import_sessions(fixtures / "sessions_before_correction.csv", club)
    with session_scope(engine_for(db_url)) as db:
        import_dataset(db, load_dataset(club))
        assert "Pablo G." in set(db.scalars(select(Athlete.athlete_id)))
    options = ImportOptions(replace=True, renames={"Pablo G.": "P07"})
    import_sessions(fixtures / "sessions_corrected.csv", club, options=options)
    dataset = load_dataset(club)
    with session_scope(engine_for(db_url)) as db:
        import_dataset(db, dataset)
        assert set(db.scalars(select(Athlete.athlete_id))) == {"A07", "B12", "P07"}
        stored = sorted(
            (s.athlete_id, s.date.isoformat(), s.rpe) for s in db.scalars(select(TrainingSession))
        )
    expected = sorted(
        zip(
            dataset.sessions["athlete_id"],
            dataset.sessions["date"].dt.date.astype(str),
            dataset.sessions["rpe"].astype(object).where(dataset.sessions["rpe"].notna(), None),
            strict=True,
        )
    )
    assert stored == expected and len(stored) == 5
