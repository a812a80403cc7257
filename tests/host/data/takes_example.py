"""A small club's labelled takes in the real format, written by tests: TAKES.csv, per-take
IMU CSVs at the rate each athlete's sensors ran at (50, 100 or 200 Hz), and skeleton CSVs
at 30 fps with the nose never tracked.

`instep_kick` is a calf swing (a gyro burst and the right ankle rising); `juggling` is a
2 Hz calf oscillation with the ankle bobbing; `dribble` a faster, smaller oscillation.
Athlete-specific gain and noise keep it from being trivial.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from edge import taxonomy

LABELS = ("dribble", "instep_kick", "juggling")
ATHLETE_RATES = {"p1": 50.0, "p2": 100.0, "p3": 200.0, "p4": 100.0, "p5": 50.0}
TAKE_S = 5.0


def _signal(label: str, t: np.ndarray, event: float, gain: float) -> np.ndarray:
    bump = np.exp(-0.5 * ((t - event) / 0.3) ** 2)
    if label == "instep_kick":
        return gain * 600 * bump
    if label == "juggling":
        return gain * 200 * np.sin(2 * np.pi * 2.0 * t) * (np.abs(t - event) < 2.0)
    return gain * 80 * np.sin(2 * np.pi * 5.0 * t) * (np.abs(t - event) < 2.0)


def write_takes(
    root: Path, athletes: tuple[str, ...] = tuple(ATHLETE_RATES), per_label: int = 2, seed: int = 0
) -> Path:
    """Write the takes under `root` and return the path of TAKES.csv."""
    rng = np.random.default_rng(seed)
    (root / "imu").mkdir(parents=True, exist_ok=True)
    (root / "pose").mkdir(exist_ok=True)
    rows = []
    for athlete in athletes:
        rate = ATHLETE_RATES[athlete]
        gain = 0.8 + 0.4 * rng.random()
        for label in LABELS:
            for k in range(per_label):
                take = f"{athlete}-{label}-{k}"
                t = np.arange(0, TAKE_S, 1.0 / rate) + 10.0
                event = 12.5 + rng.uniform(-0.3, 0.3)
                imu = {name: 0.05 * rng.standard_normal(len(t)) for name in taxonomy.IMU_CHANNELS}
                imu["waist_az"] += 1.0
                imu["calf_gx"] += _signal(label, t, event, gain)
                pd.DataFrame({"t_s": t, **imu}).to_csv(root / "imu" / f"{take}.csv", index=False)
                t_sk = np.arange(0, TAKE_S, 1 / 30) + 10.0
                sk: dict[str, np.ndarray] = {"t_s": t_sk}
                for j, joint in enumerate(taxonomy.JOINTS):
                    if joint == "nose":
                        continue  # never tracked: left empty in the dataset
                    sk[f"{joint}_x"] = 0.1 * j + 0.01 * rng.standard_normal(len(t_sk))
                    sk[f"{joint}_y"] = np.zeros(len(t_sk))
                    sk[f"{joint}_z"] = 1.6 - 0.1 * j + np.zeros(len(t_sk))
                    sk[f"{joint}_conf"] = np.full(len(t_sk), 0.9)
                sk["right_ankle_z"] = 0.1 + _signal(label, t_sk, event, gain) / 1000
                pd.DataFrame(sk).to_csv(root / "pose" / f"{take}.csv", index=False)
                rows.append(
                    {
                        "take_id": take,
                        "athlete_id": athlete,
                        "label": label,
                        "imu": f"imu/{take}.csv",
                        "skeleton": f"pose/{take}.csv",
                        "t_event_s": round(event, 3),
                        "date": "2026-03-02",
                        "session_id": f"drills-{athlete}",
                    }
                )
    path = root / "TAKES.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path
