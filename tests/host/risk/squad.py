"""A small, hand-checkable squad in the dataset directory format, shared by the risk tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from host.data.dataset import write_manifest, write_table
from host.data.manifest import new_manifest

ORIGIN = pd.Timestamp("2026-01-05")  # a Monday: week 0 starts here
WEEKS = 6


def squad_frames(athletes: int = 4, weeks: int = WEEKS, seed: int = 3) -> dict[str, pd.DataFrame]:
    """Three sessions a week per athlete at RPE 5 for 60 min, except athlete a1 whose load
    doubles in week 4; a1 is injured in week 5 (so week 4 is labelled 1)."""
    rng = np.random.default_rng(seed)
    ids = [f"a{i}" for i in range(athletes)]
    sessions = []
    for athlete in ids:
        for week in range(weeks):
            for day in (0, 2, 4):
                rpe = 10.0 if (athlete == "a1" and week == 4) else 5.0
                sessions.append(
                    {
                        "session_id": f"s{week}-{day}",
                        "athlete_id": athlete,
                        "date": ORIGIN + pd.Timedelta(days=7 * week + day),
                        "duration_min": 60.0,
                        "rpe": rpe,
                        "distance_m": 5000.0 + rng.normal(0, 100),
                        "hsr_m": 300.0,
                        "accels": 10,
                        "decels": 12,
                        "player_load": 500.0,
                        "hr_mean": 140.0,
                        "sleep": 4,
                        "soreness": 4,
                        "fatigue": 4,
                        "stress": 4,
                        "mood": 4,
                    }
                )
    weekly = []
    for athlete in ids:
        for week in range(weeks):
            weekly.append(
                {
                    "athlete_id": athlete,
                    "week": week,
                    "n_landing": 14 if (athlete == "a1" and week == 4) else 4,
                    "s_landing": 0.5,
                    "n_sprint": 10,
                    "s_sprint": 0.2,
                    "movement_quality": 0.8,
                }
            )
    return {
        "athletes.csv": pd.DataFrame({"athlete_id": ids, "position": "MF", "prior_injuries": 0}),
        "sessions.csv": pd.DataFrame(sessions),
        "injuries.csv": pd.DataFrame(
            [
                {
                    "athlete_id": "a1",
                    "date": ORIGIN + pd.Timedelta(days=7 * 5 + 1),
                    "days_lost": 10,
                    "type": "muscle",
                    "location": "hamstring",
                },
            ]
        ),
        "weekly.csv": pd.DataFrame(weekly),
    }


def write_squad(
    root: Path, frames: dict[str, pd.DataFrame], weeks: int = WEEKS, synthetic: bool = True
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    write_manifest(root, new_manifest("test squad", synthetic=synthetic, weeks=weeks))
    for name, frame in frames.items():
        write_table(root, name, frame)
    return root


def risky_squad(athletes: int = 40, weeks: int = 10, seed: int = 11) -> dict[str, pd.DataFrame]:
    """A squad whose injuries follow a hidden hazard of load spikes and hard landings, so
    risk is learnable: weekly RPE and landings vary per player-week, and the chance of an
    injury next week rises steeply with this week's load over the player's usual load."""
    rng = np.random.default_rng(seed)
    ids = [f"p{i:02d}" for i in range(athletes)]
    sessions, weekly, injuries = [], [], []
    for athlete in ids:
        for week in range(weeks):
            spike = rng.random() < 0.25
            rpe = float(np.clip(rng.normal(8.5 if spike else 5.0, 0.7), 1, 10))
            landings = int(rng.poisson(15 if spike else 5))
            for day in (0, 2, 4):
                sessions.append(
                    {
                        "session_id": f"w{week}d{day}",
                        "athlete_id": athlete,
                        "date": ORIGIN + pd.Timedelta(days=7 * week + day),
                        "duration_min": 70.0,
                        "rpe": rpe,
                        "accels": int(rng.poisson(12)),
                        "decels": int(rng.poisson(12)),
                    }
                )
            weekly.append(
                {
                    "athlete_id": athlete,
                    "week": week,
                    "n_landing": landings,
                    "s_landing": 0.6,
                    "movement_quality": float(rng.uniform(0.6, 1)),
                }
            )
            logit = -3.2 + 2.6 * spike + 0.08 * (landings - 5)
            if week + 1 < weeks and rng.random() < 1 / (1 + np.exp(-logit)):
                injuries.append(
                    {
                        "athlete_id": athlete,
                        "days_lost": 7,
                        "date": ORIGIN + pd.Timedelta(days=7 * (week + 1) + 1),
                    }
                )
    return {
        "athletes.csv": pd.DataFrame({"athlete_id": ids, "prior_injuries": 0}),
        "sessions.csv": pd.DataFrame(sessions),
        "injuries.csv": pd.DataFrame(injuries, columns=["athlete_id", "date", "days_lost"]),
        "weekly.csv": pd.DataFrame(weekly),
    }
