from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from host.data.dataset import load_dataset
from host.risk.features import (
    ACTION_COUNT_COLUMNS,
    CLUB_ACTIONS,
    FEATURE_COLUMNS,
    LABEL,
    FeatureSettings,
    RiskTables,
    action_count_columns,
    features_from_tables,
    impact_weight,
    weekly_features,
)
from host.settings import get_settings
from tests.host.risk.squad import squad_frames


def _tables(frames: dict[str, pd.DataFrame], weeks: int | None = 6) -> RiskTables:
    return RiskTables(
        athletes=frames["athletes.csv"],
        sessions=frames["sessions.csv"],
        injuries=frames["injuries.csv"],
        weekly=frames.get("weekly.csv"),
        weeks=weeks,
    )


def test_dataset_gives_one_row_per_player_week_with_every_feature(squad_dir) -> None:
    features = weekly_features(load_dataset(squad_dir))
    assert list(features.index.names) == ["athlete_id", "week"]
    assert len(features) == 4 * 6
    assert list(features.columns) == [*FEATURE_COLUMNS, LABEL]
    assert not features[list(FEATURE_COLUMNS)].isna().any().any()


def test_impact_score_is_weighted_sum_of_counts_times_impact() -> None:
    weights = {"landing": 2.0, "sprint": 0.5}
    features = features_from_tables(_tables(squad_frames()), impact_weights=weights)
    assert features.loc[("a1", 4), "impact_score"] == pytest.approx(2.0 * 14 * 0.5 + 0.5 * 10 * 0.2)
    assert features.loc[("a0", 4), "impact_score"] == pytest.approx(2.0 * 4 * 0.5 + 0.5 * 10 * 0.2)


def test_load_spike_raises_acwr_only_for_that_athlete_and_week() -> None:
    features = features_from_tables(_tables(squad_frames()))
    spiked = features.loc[("a1", 4)]
    steady = features.loc[("a0", 4)]
    assert spiked["srpe_load"] == pytest.approx(3 * 10 * 60)
    assert steady["srpe_load"] == pytest.approx(3 * 5 * 60)
    assert spiked["acwr_rolling"] > 1.4
    assert steady["acwr_rolling"] == pytest.approx(1.0, abs=0.05)
    assert spiked["strain"] > steady["strain"]


def test_label_marks_the_week_before_an_injury_and_newest_week_is_unknown() -> None:
    features = features_from_tables(_tables(squad_frames()))
    assert features.loc[("a1", 4), LABEL] == 1.0
    assert features.loc[("a1", 3), LABEL] == 0.0
    assert features.loc[("a0", 4), LABEL] == 0.0
    assert math.isnan(features.loc[("a0", 5), LABEL])


def test_weekly_label_wins_over_the_derived_one() -> None:
    frames = squad_frames()
    frames["weekly.csv"][LABEL] = 0
    frames["weekly.csv"].loc[
        (frames["weekly.csv"]["athlete_id"] == "a2") & (frames["weekly.csv"]["week"] == 1), LABEL
    ] = 1
    features = features_from_tables(_tables(frames))
    assert features.loc[("a2", 1), LABEL] == 1.0
    assert features.loc[("a1", 4), LABEL] == 0.0


def test_injury_history_only_counts_what_happened_by_that_week() -> None:
    features = features_from_tables(_tables(squad_frames(weeks=8), weeks=8))
    assert features.loc[("a1", 4), "injuries_before"] == 0
    assert features.loc[("a1", 5), "injuries_before"] == 1
    assert features.loc[("a1", 5), "weeks_since_injury"] == 0
    # injured on day 1 of week 5 for 10 days: at the end of week 5 the player is still out
    # (6 days so far); the 10 days are known only in week 6, when the player is back
    assert features.loc[("a1", 5), "days_lost_recent"] == 6
    assert features.loc[("a1", 6), "days_lost_recent"] == 10
    assert features.loc[("a0", 5), "weeks_since_injury"] == 52


def test_an_open_injury_counts_the_days_missed_so_far() -> None:
    frames = squad_frames(weeks=8)
    frames["injuries.csv"]["days_lost"] = float("nan")  # not back yet
    features = features_from_tables(_tables(frames, weeks=8))
    assert features.loc[("a1", 5), "days_lost_recent"] == 6
    assert features.loc[("a1", 7), "days_lost_recent"] == 6 + 14


def test_a_knock_shorter_than_the_time_loss_definition_is_history_not_an_outcome() -> None:
    frames = squad_frames(weeks=8)
    frames["injuries.csv"]["days_lost"] = 1.0  # a one-day knock in week 5
    features = features_from_tables(_tables(frames, weeks=8), time_loss_min_days=2)
    assert features.loc[("a1", 4), LABEL] == 0.0
    assert features.loc[("a1", 5), "injuries_before"] == 1
    counted = features_from_tables(_tables(frames, weeks=8), time_loss_min_days=1)
    assert counted.loc[("a1", 4), LABEL] == 1.0


def test_an_open_injury_is_an_outcome_whatever_the_definition() -> None:
    frames = squad_frames(weeks=8)
    frames["injuries.csv"]["days_lost"] = float("nan")
    features = features_from_tables(_tables(frames, weeks=8), time_loss_min_days=28)
    assert features.loc[("a1", 4), LABEL] == 1.0


def test_the_definition_is_passed_in_never_read_from_the_environment(monkeypatch) -> None:
    """The command resolves TOUCHLINE_TIME_LOSS_MIN_DAYS once and passes it; the features
    themselves take the documented default (2 days) whatever the environment says."""
    frames = squad_frames(weeks=8)
    frames["injuries.csv"]["days_lost"] = 3.0
    monkeypatch.setenv("TOUCHLINE_TIME_LOSS_MIN_DAYS", "4")
    assert features_from_tables(_tables(frames, weeks=8)).loc[("a1", 4), LABEL] == 1.0
    from_env = FeatureSettings.from_settings(get_settings())
    assert from_env.time_loss_min_days == 4
    features = features_from_tables(
        _tables(frames, weeks=8), from_env.impact_weights, from_env.time_loss_min_days
    )
    assert features.loc[("a1", 4), LABEL] == 0.0


def test_weeks_and_gaps_come_from_dates_when_the_columns_are_missing() -> None:
    frames = squad_frames()
    sessions = frames["sessions.csv"].drop(
        columns=["rpe", "sleep", "soreness", "fatigue", "stress", "mood", "hr_mean"]
    )
    sessions["srpe_load"] = 300.0
    frames["sessions.csv"] = sessions
    features = features_from_tables(_tables({**frames, "weekly.csv": None}, weeks=None))
    assert len(features) == 4 * 6
    assert features.loc[("a0", 2), "srpe_load"] == pytest.approx(900.0)
    assert features.loc[("a0", 2), "wellness"] == 3.0
    assert features.loc[("a0", 2), "movement_quality"] == 1.0
    assert features.loc[("a0", 2), "impact_score"] == 0.0


def _club_weeks(frames: dict[str, pd.DataFrame], keep_paper: bool) -> dict[str, pd.DataFrame]:
    """The squad's weekly counts as a club vocabulary gives them: instep kicks and juggles
    (a1 kicks 30 times in week 4), with or without the paper's landings and sprints."""
    weekly = frames["weekly.csv"]
    if not keep_paper:
        weekly = weekly[["athlete_id", "week", "movement_quality"]]
    spike = (weekly["athlete_id"] == "a1") & (weekly["week"] == 4)
    frames["weekly.csv"] = weekly.assign(
        n_instep_kick=np.where(spike, 30, 6), s_instep_kick=0.4, n_juggle=20, s_juggle=0.1
    )
    return frames


def test_a_club_vocabulary_neither_crashes_nor_zeroes_the_action_features() -> None:
    weights = {"landing": 2.0, "sprint": 0.5}
    club = features_from_tables(
        _tables(_club_weeks(squad_frames(), keep_paper=False)), impact_weights=weights
    )
    assert list(club.columns) == [*FEATURE_COLUMNS, "n_instep_kick", "n_juggle", LABEL]
    spiked, steady = club.loc[("a1", 4)], club.loc[("a0", 4)]
    assert (spiked["n_instep_kick"], spiked["n_juggle"], spiked[CLUB_ACTIONS]) == (30, 20, 50)
    assert steady[CLUB_ACTIONS] == 26
    # a club's label weighs the mean of the configured weights in D_t
    assert impact_weight("instep_kick", weights) == pytest.approx(1.25)
    assert spiked["impact_score"] == pytest.approx(1.25 * (30 * 0.4 + 20 * 0.1))
    assert spiked["impact_score"] > steady["impact_score"] > 0
    assert (club[list(ACTION_COUNT_COLUMNS)] == 0).all().all()  # none of the paper's seen
    assert not club[list(FEATURE_COLUMNS)].isna().any().any()


def test_the_papers_actions_keep_their_role_beside_a_clubs() -> None:
    weights = {"landing": 2.0, "sprint": 0.5}
    paper = features_from_tables(_tables(squad_frames()), impact_weights=weights)
    mixed = features_from_tables(
        _tables(_club_weeks(squad_frames(), keep_paper=True)), impact_weights=weights
    )
    columns = [c for c in FEATURE_COLUMNS if c not in ("impact_score", CLUB_ACTIONS)]
    pd.testing.assert_frame_equal(mixed[columns], paper[columns])
    assert mixed.loc[("a1", 4), "n_landing"] == 14
    assert mixed.loc[("a1", 4), "impact_score"] == pytest.approx(
        paper.loc[("a1", 4), "impact_score"] + 1.25 * (30 * 0.4 + 20 * 0.1)
    )
    assert (paper[CLUB_ACTIONS] == 0).all()
    assert action_count_columns(mixed) == [*ACTION_COUNT_COLUMNS, "n_instep_kick", "n_juggle"]
