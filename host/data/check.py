"""`touchline data check`: validate a dataset directory and summarise what it holds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from edge import taxonomy
from edge.windows import drop_reason
from host.data.dataset import Dataset, DatasetError


@dataclass
class DatasetSummary:
    """What a dataset holds: counts per table, clips per class and scene, modality coverage."""

    name: str
    synthetic: bool
    athletes: int
    sessions: int
    injuries: int
    player_weeks: int
    clips: int
    clips_per_label: dict[str, int] = field(default_factory=dict)
    clips_per_scene: dict[str, int] = field(default_factory=dict)
    # Share of clips where the modality is entirely missing, per modality present in the data.
    missing_rate: dict[str, float] = field(default_factory=dict)
    skeleton_coverage: float | None = None
    skeleton_occlusion_rate: float | None = None
    continuous_sessions: int = 0
    # Clips the paper's drop rules remove (sensor loss > 3 s, occlusion > 1.5 s), by reason.
    dropped: dict[str, int] = field(default_factory=dict)


def summarise(dataset: Dataset) -> DatasetSummary:
    """Summarise a loaded dataset; loading the clips checks every shard."""
    manifest = dataset.manifest
    summary = DatasetSummary(
        name=manifest.name,
        synthetic=manifest.synthetic,
        athletes=len(dataset.athletes),
        sessions=len(dataset.sessions),
        injuries=len(dataset.injuries),
        player_weeks=0 if dataset.weekly is None else len(dataset.weekly),
        clips=0,
        continuous_sessions=len(dataset.continuous_files),
    )
    if not dataset.clip_shards:
        return summary
    clips = dataset.clips()
    summary.clips = len(clips)
    label_counts = np.bincount(clips.label.astype(int), minlength=len(manifest.labels))
    scene_counts = np.bincount(clips.scene.astype(int), minlength=len(manifest.scenes))
    summary.clips_per_label = dict(zip(manifest.labels, map(int, label_counts), strict=True))
    summary.clips_per_scene = dict(zip(manifest.scenes, map(int, scene_counts), strict=True))
    for modality, valid in (
        ("imu", clips.imu_valid),
        ("gps", clips.gps_valid),
        ("hr", clips.hr_valid),
    ):
        if valid is not None:
            per_clip = valid.reshape(len(clips), -1).any(axis=1)
            summary.missing_rate[modality] = float(1.0 - per_clip.mean()) if len(clips) else 0.0
    if clips.skeleton_conf is not None and len(clips):
        joints = manifest.modalities["skeleton"].joints or list(taxonomy.JOINTS)
        lower = [joints.index(name) for name in taxonomy.OCCLUSION_JOINTS if name in joints]
        visible = clips.skeleton_conf >= taxonomy.OCCLUSION_CONFIDENCE  # (N, T, J)
        summary.missing_rate["skeleton"] = float(1.0 - visible.any(axis=(1, 2)).mean())
        summary.skeleton_coverage = float(visible.mean())
        summary.skeleton_occlusion_rate = float((~visible[:, :, lower]).any(axis=2).mean())
    summary.dropped = _drop_counts(dataset)
    return summary


def _drop_counts(dataset: Dataset) -> dict[str, int]:
    clips = dataset.clips()
    rates = {name: spec.rate_hz for name, spec in dataset.manifest.modalities.items()}
    counts: Counter[str] = Counter()
    for i in range(len(clips)):
        reason = drop_reason(
            imu_valid=None if clips.imu_valid is None else clips.imu_valid[i],
            gps_valid=None if clips.gps_valid is None else clips.gps_valid[i],
            skeleton_conf=None if clips.skeleton_conf is None else clips.skeleton_conf[i],
            imu_rate_hz=rates.get("imu", taxonomy.IMU_RATE_HZ),
            gps_rate_hz=rates.get("gps", taxonomy.GPS_RATE_HZ),
            skeleton_rate_hz=rates.get("skeleton", taxonomy.SKELETON_RATE_HZ),
        )
        if reason:
            counts.update(reason.split(", "))
    return dict(sorted(counts.items()))


__all__ = ["DatasetError", "DatasetSummary", "summarise"]
