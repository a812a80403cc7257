"""Every feature of week t uses only what was known at the end of week t: whatever is
recorded after it (sessions, RPE, heart rate, movement quality, new injuries, and how long
a player who is still out will stay out) leaves week t's features exactly as they were."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from host.risk.features import FEATURE_COLUMNS, RiskTables, features_from_tables
from tests.host.risk.squad import ORIGIN, risky_squad

WEEKS = 10


def _club(seed: int = 7) -> dict[str, pd.DataFrame]:
    """The risky squad with the gaps fills are made for: RPE and heart rate missing on some
    sessions, movement quality missing some weeks, and long injuries that span weeks."""
    frames = risky_squad(athletes=8, weeks=WEEKS, seed=seed)
    rng = np.random.default_rng(seed)
    sessions = frames["sessions.csv"]
    sessions["hr_mean"] = rng.normal(145, 8, len(sessions))
    sessions.loc[rng.random(len(sessions)) < 0.3, "hr_mean"] = np.nan
    sessions.loc[rng.random(len(sessions)) < 0.2, "rpe"] = np.nan
    for item in ("sleep", "soreness"):
        sessions[item] = rng.integers(1, 6, len(sessions)).astype(float)
    weekly = frames["weekly.csv"]
    weekly.loc[rng.random(len(weekly)) < 0.3, "movement_quality"] = np.nan
    injuries = frames["injuries.csv"]
    injuries["days_lost"] = rng.integers(2, 40, len(injuries)).astype(float)
    injuries.loc[rng.random(len(injuries)) < 0.2, "days_lost"] = np.nan  # still out
    return frames


def _after(dates: pd.Series, week: int) -> np.ndarray:
    return (pd.to_datetime(dates) >= ORIGIN + pd.Timedelta(days=7 * (week + 1))).to_numpy()


def _rewrite_the_future(
    frames: dict[str, pd.DataFrame], week: int, seed: int
) -> dict[str, pd.DataFrame]:
    """Change everything recorded after `week`, and nothing known by its end."""
    rng = np.random.default_rng(seed)
    sessions = frames["sessions.csv"].copy()
    later = _after(sessions["date"], week)
    sessions.loc[later, "rpe"] = rng.uniform(1, 10, later.sum())
    sessions.loc[later & (rng.random(len(sessions)) < 0.3), "rpe"] = np.nan
    sessions.loc[later, "hr_mean"] = rng.normal(170, 10, later.sum())
    sessions.loc[later, "duration_min"] = rng.uniform(20, 120, later.sum())
    keep = ~later | (rng.random(len(sessions)) < 0.7)
    extra = sessions[later].assign(date=lambda s: s["date"] + pd.Timedelta(days=1))
    sessions = pd.concat([sessions[keep], extra], ignore_index=True)

    weekly = frames["weekly.csv"].copy()
    future = (weekly["week"] > week).to_numpy()
    weekly.loc[future, "movement_quality"] = rng.uniform(0.2, 1.0, future.sum())
    weekly.loc[future, "n_landing"] = rng.integers(0, 40, future.sum())

    injuries = frames["injuries.csv"].copy()
    day = (pd.to_datetime(injuries["date"]) - ORIGIN).dt.days.to_numpy()
    end = 7 * week + 6
    out_past_t = (day <= end) & ~(day + injuries["days_lost"].to_numpy() <= end)
    # a player still out at the end of week t: any return after it is still unknown then
    injuries.loc[out_past_t, "days_lost"] = (
        end - day[out_past_t] + 1 + rng.integers(0, 30, out_past_t.sum())
    )
    later_injuries = _after(injuries["date"], week)
    new = pd.DataFrame(
        {
            "athlete_id": rng.choice(frames["athletes.csv"]["athlete_id"], 3),
            "date": [
                ORIGIN + pd.Timedelta(days=int(d))
                for d in rng.integers(7 * (week + 1), 7 * WEEKS, 3)
            ],
            "days_lost": rng.integers(1, 20, 3).astype(float),
        }
    )
    injuries = pd.concat(
        [injuries[~later_injuries | (rng.random(len(injuries)) < 0.5)], new], ignore_index=True
    )
    return {**frames, "sessions.csv": sessions, "weekly.csv": weekly, "injuries.csv": injuries}


def _features(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return features_from_tables(
        RiskTables(
            frames["athletes.csv"],
            frames["sessions.csv"],
            frames["injuries.csv"],
            frames["weekly.csv"],
            weeks=WEEKS,
        )
    )


@settings(max_examples=8, deadline=None)
@given(week=st.integers(min_value=1, max_value=WEEKS - 2), seed=st.integers(0, 2**16))
def test_nothing_after_week_t_changes_week_t_features(week: int, seed: int) -> None:
    frames = _club()
    changed = _rewrite_the_future(frames, week, seed)
    assert not changed["sessions.csv"].equals(frames["sessions.csv"])
    known = slice(None), slice(0, week)
    before = _features(frames).loc[known, list(FEATURE_COLUMNS)]
    after = _features(changed).loc[known, list(FEATURE_COLUMNS)]
    pd.testing.assert_frame_equal(before, after, rtol=1e-9)
