"""Pick which actions of the season become labelled clips, and render them with edge.sim."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from edge.sim import AthleteTraits, simulate_clip
from edge.taxonomy import ACTIONS, BACKGROUND, LABELS, SCENES, STORED_CLIP_S
from host.data.dataset import write_clip_shard
from host.data.manifest import Manifest
from host.synth.config import CLIP_BALANCE_POWER
from host.synth.season import PlannedSession


@dataclass(frozen=True)
class ClipTask:
    """One clip to render: a real action of the season (or a stretch of background)."""

    index: int
    athlete_id: str
    session_id: str
    week: int
    label: str
    scene: str
    intensity: float  # < 0 for background clips
    event_t_s: float  # the action's key instant (or the clip centre) within its session
    traits: AthleteTraits


def clip_counts(season_counts: np.ndarray, total: int) -> np.ndarray:
    """Clips per action: shares ∝ count^CLIP_BALANCE_POWER, summing exactly to `total`."""
    weights = np.where(season_counts > 0, season_counts.astype(float) ** CLIP_BALANCE_POWER, 0.0)
    raw = weights / weights.sum() * total
    counts = np.floor(raw).astype(int)
    counts[np.argsort(raw - counts)[::-1][: total - counts.sum()]] += 1
    return counts


def choose_clips(
    rng: np.random.Generator,
    realised: list[PlannedSession],
    traits_by_week: dict[tuple[int, int], AthleteTraits],
    action_clips: int,
    background_clips: int,
) -> list[ClipTask]:
    """Sample action events from the sessions that took place, and background stretches."""
    per_session = np.stack([p.counts for p in realised])  # (S, 8)
    counts = clip_counts(per_session.sum(axis=0), action_clips)
    tasks: list[ClipTask] = []

    def task(p: PlannedSession, label: str, scene: str, intensity: float, t_s: float) -> ClipTask:
        traits = traits_by_week[(p.athlete, p.session.week)]
        return ClipTask(
            len(tasks),
            traits.athlete_id,
            p.session.session_id,
            p.session.week,
            label,
            scene,
            intensity,
            t_s,
            traits,
        )

    for k, action in enumerate(ACTIONS):
        weights = per_session[:, k].astype(float)
        if counts[k] == 0:
            continue
        for s in rng.choice(len(realised), size=counts[k], p=weights / weights.sum()):
            p = realised[s]
            events = np.flatnonzero(p.event_action == k)
            e = int(rng.choice(events))
            tasks.append(
                task(
                    p,
                    action,
                    SCENES[p.event_scene[e]],
                    float(p.event_intensity[e]),
                    float(p.event_t_s[e]),
                )
            )
    minutes = np.array([p.minutes for p in realised])
    for s in rng.choice(len(realised), size=background_clips, p=minutes / minutes.sum()):
        p = realised[s]
        centre = float(
            rng.uniform(STORED_CLIP_S, max(p.minutes * 60.0 - STORED_CLIP_S, STORED_CLIP_S + 1))
        )
        tasks.append(task(p, BACKGROUND, p.session.scene, -1.0, centre))
    order = rng.permutation(len(tasks))  # shards mix actions, athletes and weeks
    return [replace(tasks[j], index=i) for i, j in enumerate(order)]


def render_shard(
    seed: int, shard: int, tasks: list[ClipTask], root: Path, manifest: Manifest
) -> int:
    """Simulate the clips of one shard and write clips/shard-NNNNN.npz; runs in a worker.
    Each clip has its own random stream, so output does not depend on the worker count."""
    n = len(tasks)
    arrays = {
        "clip_id": np.array([f"c{t.index:06d}" for t in tasks]),
        "athlete_id": np.array([t.athlete_id for t in tasks]),
        "session_id": np.array([t.session_id for t in tasks]),
        "label": np.array([LABELS.index(t.label) for t in tasks], dtype=np.int16),
        "scene": np.array([SCENES.index(t.scene) for t in tasks], dtype=np.int16),
        "week": np.array([t.week for t in tasks], dtype=np.int16),
        "t_start_s": np.zeros(n),
        "impact": np.zeros(n, dtype=np.float32),
        "imu": np.zeros((n, 12, manifest.samples("imu")), dtype=np.float32),
        "imu_valid": np.zeros((n, 2, manifest.samples("imu")), dtype=bool),
        "gps": np.zeros((n, 3, manifest.samples("gps")), dtype=np.float32),
        "gps_valid": np.zeros((n, manifest.samples("gps")), dtype=bool),
        "hr": np.zeros((n, 1, manifest.samples("hr")), dtype=np.float32),
        "hr_valid": np.zeros((n, manifest.samples("hr")), dtype=bool),
        "skeleton": np.zeros((n, manifest.samples("skeleton"), 13, 3), dtype=np.float32),
        "skeleton_conf": np.zeros((n, manifest.samples("skeleton"), 13), dtype=np.float32),
    }
    for row, t in enumerate(tasks):
        rng = np.random.default_rng([seed, 2, t.index])
        clip = simulate_clip(
            t.traits, rng, t.label, t.scene, intensity=None if t.intensity < 0 else t.intensity
        )
        key = clip.events[0].t_s if clip.events else STORED_CLIP_S / 2
        arrays["t_start_s"][row] = max(t.event_t_s - key, 0.0)
        arrays["impact"][row] = clip.events[0].impact if clip.events else 0.0
        arrays["imu"][row, :6] = clip.waist.T
        arrays["imu"][row, 6:] = clip.calf.T
        arrays["imu_valid"][row, 0] = clip.waist_valid
        arrays["imu_valid"][row, 1] = clip.calf_valid
        arrays["gps"][row] = clip.gps.T
        arrays["gps_valid"][row] = clip.gps_valid
        arrays["hr"][row, 0] = clip.hr
        arrays["hr_valid"][row] = clip.hr_valid
        arrays["skeleton"][row] = clip.skeleton
        arrays["skeleton_conf"][row] = clip.skeleton_conf
    write_clip_shard(root, shard, arrays, manifest)
    return n
