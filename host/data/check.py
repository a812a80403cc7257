"""`touchline data check`: validate a dataset directory and summarise what it holds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from edge import taxonomy
from edge.windows import drop_reason
from host.data.dataset import Dataset, DatasetError

# An imported session is stored under its club label and date ('AM@2026-02-03'); the
# database holds ids of up to 64 characters and short categories (host/db/models.py).
LABEL_SEPARATOR = "@"
ID_LENGTH = 64
LABEL_LENGTH = ID_LENGTH - len(LABEL_SEPARATOR) - len("2026-02-03")
CATEGORY_LENGTH = 16
POSITION_LENGTH = 8
# (table, column, longest value the database keeps)
TEXT_LIMITS = (
    ("athletes.csv", "athlete_id", ID_LENGTH),
    ("athletes.csv", "position", POSITION_LENGTH),
    ("sessions.csv", "session_id", LABEL_LENGTH),
    ("sessions.csv", "type", CATEGORY_LENGTH),
    ("injuries.csv", "type", CATEGORY_LENGTH),
    ("injuries.csv", "location", CATEGORY_LENGTH),
)
# Columns the database cannot store empty.
NOT_EMPTY = (
    ("sessions.csv", "date"),
    ("sessions.csv", "duration_min"),
    ("injuries.csv", "date"),
    ("wellness.csv", "date"),
)
SESSION_IDENTITY = ("athlete_id", "date", "session_id")


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


def check_storable(dataset: Dataset) -> None:
    """Raise `DatasetError` for anything the host database would refuse: a session twice
    (same athlete, date and session label), an empty required value, a text too long."""
    tables = {
        "athletes.csv": dataset.athletes,
        "sessions.csv": dataset.sessions,
        "injuries.csv": dataset.injuries,
    }
    if dataset.wellness is not None:
        tables["wellness.csv"] = dataset.wellness
    for name, column in NOT_EMPTY:
        if name not in tables:
            continue
        table = tables[name]
        empty = table[column].isna()
        if empty.any():
            raise DatasetError(
                f"{dataset.root / name}: row {int(table.index[empty][0]) + 2}, "
                f"column '{column}': empty (it is required)"
            )
    sessions = dataset.sessions
    twice = sessions.duplicated(list(SESSION_IDENTITY), keep=False)
    if twice.any():
        rows = [int(i) + 2 for i in sessions.index[twice][:2]]  # header is row 1
        first = sessions.loc[sessions.index[twice][0]]
        raise DatasetError(
            f"{dataset.root / 'sessions.csv'}: rows {rows[0]} and {rows[1]} are the same "
            f"session (athlete {first['athlete_id']!r}, {first['date']:%Y-%m-%d}, session "
            f"{first['session_id']!r}); give one its own session label or remove it"
        )
    answers = tables.get("wellness.csv")
    if answers is not None and answers.duplicated(["athlete_id", "date"]).any():
        index = answers.index[answers.duplicated(["athlete_id", "date"])][0]
        raise DatasetError(
            f"{dataset.root / 'wellness.csv'}: row {int(index) + 2}: a second "
            f"row for athlete {answers['athlete_id'][index]!r} on "
            f"{answers['date'][index]:%Y-%m-%d} (one row per athlete-day)"
        )
    for name, column, limit in TEXT_LIMITS:
        table = tables[name]
        if column not in table.columns:
            continue
        long = table[column].astype("string").str.len() > limit
        if long.fillna(False).any():
            index = table.index[long.fillna(False)][0]
            raise DatasetError(
                f"{dataset.root / name}: row {int(index) + 2}, column "
                f"'{column}': {table[column][index]!r} is longer than "
                f"{limit} characters"
            )


def summarise(dataset: Dataset) -> DatasetSummary:
    """Summarise a loaded dataset after checking it can be stored; loading the clips checks
    every shard."""
    check_storable(dataset)
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


__all__ = ["DatasetError", "DatasetSummary", "check_storable", "summarise"]
