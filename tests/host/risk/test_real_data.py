"""The SoccerMon conversion (tools/real_data/soccermon.py) on an excerpt of the real
reports: what it keeps, how daily injury reports fold into injuries, and that the result
is a dataset the risk pipeline reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from host.data.dataset import load_dataset
from host.risk.features import LABEL, weekly_features
from tools.real_data.soccermon import SoccerMonError, convert, read_injuries

EXCERPT = Path(__file__).parent / "data" / "soccermon"
REPORTER = "TeamA-3e5f6e2b-46b7-4890-84a9-3bbb2649af5a"


def test_daily_reports_fold_into_injuries_with_days_lost() -> None:
    injuries = read_injuries(EXCERPT)
    mine = injuries[injuries["athlete_id"] == REPORTER]
    assert mine["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2020-03-21",
        "2020-05-11",
        "2020-05-19",
        "2020-06-09",
        "2020-06-22",
        "2020-07-28",
    ]
    # 19-29 May reported on 6 days, no gap over 7 days: one injury of 11 days
    assert mine["days_lost"].tolist() == [2, 1, 11, 6, 1, 15]
    # 9-14 June: thigh once, leg three times, knee twice -> the leg, not a Touchline word
    assert mine["location_raw"].tolist() == [
        "right_thigh",
        "right_thigh",
        "right_thigh",
        "right_leg",
        "right_knee",
        "right_knee",
    ]
    assert mine["location"].tolist() == ["thigh", "thigh", "thigh", "other", "knee", "knee"]
    assert len(injuries) == 7 and set(injuries["type_raw"]) == {"minor"}


def test_converted_excerpt_is_a_real_dataset_the_risk_features_read(tmp_path) -> None:
    counts = convert(EXCERPT, tmp_path / "soccermon")
    assert counts == {
        "athletes": 3,
        "sessions": 393,
        "wellness": counts["wellness"],
        "injuries": 7,
        "weeks": 24,
    }
    assert 300 < counts["wellness"] <= 3 * 168  # at most one answer a day
    dataset = load_dataset(tmp_path / "soccermon")
    assert dataset.manifest.synthetic is False
    sessions = dataset.sessions
    assert sessions.groupby(["athlete_id", "session_id"]).size().max() == 1
    assert (sessions["srpe_load"] == sessions["rpe"] * sessions["duration_min"]).mean() > 0.95
    answers = dataset.wellness
    assert answers.groupby(["athlete_id", "date"]).size().max() == 1
    items = answers[["sleep", "soreness", "fatigue", "stress", "mood"]].stack().dropna()
    assert items.between(1, 5).all()
    # SoccerMon's injuries are self-reports, not time-loss records: every report is an outcome
    features = weekly_features(dataset, time_loss_min_days=1)
    assert len(features) == 3 * 24
    labelled = features[LABEL].dropna()
    assert labelled.sum() == 5  # every injury after week 0 labels the week before it
    # under the default time-loss definition (2 days) the one-day reports are history only
    assert weekly_features(dataset)[LABEL].dropna().sum() < 5


def test_a_folder_that_is_not_soccermon_is_named(tmp_path) -> None:
    with pytest.raises(SoccerMonError, match="training-load/session.json: missing"):
        convert(tmp_path, tmp_path / "out")
    with pytest.raises(SoccerMonError, match="--team TeamB: no sessions"):
        convert(EXCERPT, tmp_path / "out", team="TeamB")
