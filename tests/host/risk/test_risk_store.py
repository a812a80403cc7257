from __future__ import annotations

import copy
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func, select

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
                summary["session"].update(start=f"{day}T09:00:00+00:00",
                                          end=f"{day}T10:30:00+00:00")
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
