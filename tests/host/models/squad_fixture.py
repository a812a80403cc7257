"""A tiny conforming dataset directory whose signals depend on the action label, for tests
that must train something in seconds. Each label moves one IMU channel, one joint and the
GPS speed its own way; athletes with heavy weeks get injured the week after."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from edge import taxonomy
from host.data.dataset import write_clip_shard, write_manifest, write_table
from host.data.manifest import new_manifest


def write_fixture_squad(
    root: Path,
    athletes: int = 8,
    weeks: int = 5,
    clips_per_week: int = 4,
    seed: int = 0,
    drop_skeleton: float = 0.2,
) -> Path:
    rng = np.random.default_rng(seed)
    manifest = new_manifest("fixture squad", synthetic=True, weeks=weeks, split_seed=seed)
    write_manifest(root, manifest)
    ids = [f"A{i:02d}" for i in range(athletes)]
    write_table(root, "athletes.csv", pd.DataFrame({"athlete_id": ids, "prior_injuries": 0}))
    origin = pd.Timestamp("2026-01-05")
    sessions, injuries = [], []
    heavy = {a: rng.random(weeks) < 0.35 for a in ids}
    for a in ids:
        for w in range(weeks):
            rpe = 8.5 if heavy[a][w] else 3.0
            sessions.append(
                {
                    "session_id": f"S{w}",
                    "athlete_id": a,
                    "date": origin + pd.Timedelta(days=7 * w + 1),
                    "week": w,
                    "duration_min": 90.0 if heavy[a][w] else 45.0,
                    "rpe": rpe,
                }
            )
            if heavy[a][w] and w + 1 < weeks:
                injuries.append(
                    {
                        "athlete_id": a,
                        "date": origin + pd.Timedelta(days=7 * (w + 1) + 2),
                        "days_lost": 7,
                    }
                )
    write_table(root, "sessions.csv", pd.DataFrame(sessions))
    write_table(
        root, "injuries.csv", pd.DataFrame(injuries, columns=["athlete_id", "date", "days_lost"])
    )
    n = athletes * weeks * clips_per_week
    t_imu, t_gps, t_hr, t_sk = 800, 80, 8, 480
    j = len(taxonomy.JOINTS)
    labels = rng.integers(0, len(taxonomy.LABELS), n).astype(np.int16)
    imu = rng.normal(0, 0.3, (n, 12, t_imu)).astype(np.float32)
    bump = np.exp(-0.5 * ((np.arange(t_imu) - 400) / 40.0) ** 2).astype(np.float32)
    skeleton = rng.normal(0, 0.02, (n, t_sk, j, 3)).astype(np.float32)
    swing = np.sin(np.linspace(0, 2 * np.pi, t_sk)).astype(np.float32)
    gps = np.zeros((n, 3, t_gps), np.float32)
    for i, k in enumerate(labels):
        imu[i, k % 12] += 3.0 * bump
        imu[i, (k + 5) % 12] -= 1.5 * bump * (k % 3)
        skeleton[i, :, k % j, 2] += 0.4 * swing
        gps[i, 2] = 1.0 + 0.8 * k + rng.normal(0, 0.2, t_gps)
    skeleton_conf = np.ones((n, t_sk, j), np.float32)
    hidden = rng.random(n) < drop_skeleton
    skeleton[hidden] = 0.0
    skeleton_conf[hidden] = 0.0
    athlete = np.repeat(ids, weeks * clips_per_week)
    week = np.tile(np.repeat(np.arange(weeks), clips_per_week), athletes).astype(np.int16)
    arrays = {
        "clip_id": np.array([f"c{i:05d}" for i in range(n)]),
        "athlete_id": athlete,
        "session_id": np.array([f"S{w}" for w in week]),
        "label": labels,
        "scene": rng.integers(0, len(taxonomy.SCENES), n).astype(np.int16),
        "week": week,
        "imu": imu,
        "imu_valid": np.ones((n, 2, t_imu), bool),
        "gps": gps,
        "gps_valid": np.ones((n, t_gps), bool),
        "hr": (120 + 10 * rng.standard_normal((n, 1, t_hr))).astype(np.float32),
        "hr_valid": np.ones((n, t_hr), bool),
        "skeleton": skeleton,
        "skeleton_conf": skeleton_conf,
    }
    write_clip_shard(root, 0, arrays, manifest)
    return root
