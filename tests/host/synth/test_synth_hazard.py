"""The hidden injury hazard: calibrated to the base rate, learnable but not trivially."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from edge.sim.config import TRAINING_PHASES
from edge.sim.session import action_intensity
from edge.taxonomy import ACTIONS, SCENES
from host.synth.build import expected_oracle_auc, oracle_auc
from host.synth.config import HAZARD, SEASON_START
from host.synth.season import PlannedSession, athlete_schedule, team_calendar
from host.synth.squad import make_squad
from host.synth.weeks import simulate_weeks, solve_intercept

ATHLETES = 120
WEEKS = 10


def _with_actions(rng: np.random.Generator, sessions: list[PlannedSession]) -> list[PlannedSession]:
    """Give each session Poisson action counts at the simulator's training rates (the
    10 Hz speed plan is not needed for the hazard)."""
    rates = {
        a: sum(p.share * p.actions_per_min.get(a, 0.0) for p in TRAINING_PHASES) for a in ACTIONS
    }
    for p in sessions:
        counts = rng.poisson([rates[a] * p.minutes * p.intensity for a in ACTIONS])
        p.event_action = np.repeat(np.arange(len(ACTIONS)), counts).astype(np.int8)
        p.event_intensity = np.asarray(
            action_intensity(rng, p.session.scene, int(counts.sum())), np.float32
        )
        p.event_t_s = np.zeros(counts.sum(), np.float32)
        p.event_scene = np.full(counts.sum(), SCENES.index(p.session.scene), np.int8)
    return sessions


@pytest.fixture(scope="module")
def season():
    rng = np.random.default_rng(2024)
    squad = make_squad(rng, ATHLETES)
    calendar = team_calendar(rng, WEEKS + 1)
    planned = [
        _with_actions(
            rng, [s for s in athlete_schedule(rng, p, i, calendar) if s.session.week < WEEKS]
        )
        for i, p in enumerate(squad)
    ]
    return simulate_weeks(rng, squad, planned, calendar, WEEKS), squad


def test_intercept_makes_the_mean_hazard_the_base_rate() -> None:
    logits = np.random.default_rng(0).normal(0, 1.5, 500)
    b0 = solve_intercept(logits, 0.06)
    assert expit(b0 + logits).mean() == pytest.approx(0.06, abs=1e-9)


def test_injury_rate_matches_the_configured_base_rate(season) -> None:
    result, _ = season
    at_risk = result.hazard["hazard"] > 0
    assert result.hazard.loc[at_risk].groupby("week")["hazard"].mean().to_numpy() == pytest.approx(
        HAZARD.base_rate, abs=1e-6
    )
    labels = result.weekly["injured_next_week"].to_numpy()[at_risk.to_numpy()]
    n, p = labels.size, HAZARD.base_rate
    half = 2.58 * np.sqrt(p * (1 - p) / n)  # 99 % binomial interval
    assert abs(labels.mean() - p) < half
    assert len(result.injuries) == labels.sum()


def test_oracle_auc_is_well_above_chance_and_below_one(season) -> None:
    result, _ = season
    merged = result.weekly.merge(result.hazard, on=["athlete_id", "week"])
    h = merged["hazard"].to_numpy()
    realised = oracle_auc(h, merged["injured_next_week"].to_numpy())
    expected = expected_oracle_auc(h, np.random.default_rng(1), draws=50)
    assert 0.65 < expected < 0.95
    assert 0.55 < realised < 0.97


def test_hazard_rises_with_load_spikes_and_poor_landing_mechanics(season) -> None:
    result, squad = season
    h = result.hazard[result.hazard["hazard"] > 0]
    spike = h.loc[h["acwr_true"] > 1.45, "hazard"].mean()
    steady = h.loc[h["acwr_true"].between(0.9, 1.2), "hazard"].mean()
    assert spike > 1.3 * steady
    weekly = result.weekly.merge(h, on=["athlete_id", "week"])
    poor = weekly["movement_quality"] < weekly["movement_quality"].quantile(0.2)
    good = weekly["movement_quality"] > weekly["movement_quality"].quantile(0.8)
    assert weekly.loc[poor, "hazard"].mean() > 1.5 * weekly.loc[good, "hazard"].mean()


def test_injured_players_miss_the_sessions_of_their_lay_off(season) -> None:
    result, _ = season
    sessions = result.sessions.assign(date=lambda t: t["date"].astype("datetime64[ns]"))
    for injury in result.injuries.itertuples():
        start = np.datetime64(injury.date)
        end = start + np.timedelta64(int(injury.days_lost), "D")
        mine = sessions[(sessions["athlete_id"] == injury.athlete_id)]
        assert not ((mine["date"] > start) & (mine["date"] < end)).any()
    assert (result.injuries["days_lost"] >= 2).all()  # time-loss injuries only (≥ 48 h)
    assert str(SEASON_START) <= result.injuries["date"].min()


def test_internal_load_tracks_the_session(season) -> None:
    result, _ = season
    s = result.sessions
    assert np.allclose(s["srpe_load"], s["rpe"] * s["duration_min"], atol=0.2)
    by_type = s.groupby("type")["rpe"].mean()
    assert by_type["match"] > by_type["training"] > by_type["recovery"]
    assert s[["sleep", "soreness", "fatigue", "stress", "mood"]].isin(range(1, 6)).all().all()
    assert s.groupby(["athlete_id", "week"]).size().between(1, 7).all()
