"""One person's track into skeleton clips of the dataset format (docs/dataset.md).

The track is cut into consecutive stored-clip spans (clip + context, 8 s) and resampled
to the manifest's skeleton rate (60 Hz) with `edge.dsp.resample_linear`. Where the person
was not found near a grid time the joints are interpolated (held past the ends) and get
confidence 0, so the loader's occlusion rule (> 1.5 s) treats real footage exactly as
synthetic data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from edge import taxonomy
from edge.dsp import resample_linear
from host.data.dataset import (
    CLIPS_DIR,
    read_manifest,
    write_clip_shard,
    write_manifest,
    write_table,
)
from host.data.manifest import Manifest, ModalityName, new_manifest
from host.pose.config import PoseError
from host.pose.extract import TrackRecords

# Shard keys for the sensor modalities a video does not carry: zeros, marked invalid.
ABSENT_SENSORS: tuple[tuple[ModalityName, str], ...] = (
    ("imu", "imu_valid"),
    ("gps", "gps_valid"),
    ("hr", "hr_valid"),
)


@dataclass(frozen=True)
class ClipLabels:
    """Who and what the clips are: ids join the dataset's CSVs; label and scene index the
    manifest (unlabelled footage is `background` until staff tag it)."""

    athlete_id: str
    session_id: str
    label: str = taxonomy.BACKGROUND
    scene: str = taxonomy.SCENES[0]
    week: int = 0
    session_date: date | None = None


def skeleton_on_grid(
    track: TrackRecords, t_grid: np.ndarray, fps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Joints (T, 13, 3) and confidence (T, 13) of one track at the times `t_grid`.

    A grid time farther than one video frame from any detection gets confidence 0.
    """
    if len(track.t_s) == 0:
        raise PoseError("the track has no detections to resample")
    order = np.argsort(track.t_s, kind="stable")
    t, joints, conf = track.t_s[order], track.joints[order], track.confidence[order]
    keep = np.concatenate([[True], np.diff(t) > 0])
    t, joints, conf = t[keep], joints[keep], conf[keep]
    on_grid = resample_linear(t, joints, t_grid, axis=0).astype(np.float32)
    conf_grid = resample_linear(t, conf, t_grid, axis=0).astype(np.float32)
    after = np.clip(np.searchsorted(t, t_grid), 0, len(t) - 1)
    before = np.clip(after - 1, 0, len(t) - 1)
    nearest = np.minimum(np.abs(t[after] - t_grid), np.abs(t[before] - t_grid))
    conf_grid[nearest > 1.0 / fps + 1e-6] = 0.0
    return on_grid, conf_grid


def track_clips(
    track: TrackRecords,
    fps: float,
    manifest: Manifest,
    labels: ClipLabels,
    clip_prefix: str,
    offset_s: float = 0.0,
) -> dict[str, np.ndarray]:
    """Clip arrays (first axis = clip) covering the track from first to last detection.

    `offset_s` moves video time onto the sensor timeline (sensor = video + offset), so
    `t_start_s` lines up with the IMU clips of the same session.
    """
    rate = manifest.modalities["skeleton"].rate_hz
    samples = manifest.samples("skeleton")
    span = manifest.clip.stored_s
    first, last = float(track.t_s.min()), float(track.t_s.max())
    count = max(1, int(np.ceil((last - first) / span - 1e-9)))
    starts = first + span * np.arange(count)
    skeleton, confidence = zip(
        *(skeleton_on_grid(track, start + np.arange(samples) / rate, fps) for start in starts),
        strict=True,
    )
    n = len(starts)
    arrays: dict[str, np.ndarray] = {
        "clip_id": np.array([f"{clip_prefix}-{k:04d}" for k in range(n)]),
        "athlete_id": np.full(n, labels.athlete_id),
        "session_id": np.full(n, labels.session_id),
        "label": np.full(n, manifest.labels.index(labels.label), np.int16),
        "scene": np.full(n, manifest.scenes.index(labels.scene), np.int16),
        "week": np.full(n, labels.week, np.int16),
        "t_start_s": starts + offset_s,
        "skeleton": np.stack(skeleton),
        "skeleton_conf": np.stack(confidence),
    }
    for data_key, valid_key in ABSENT_SENSORS:
        modality = manifest.modalities.get(data_key)
        if modality is None:
            continue
        t = manifest.samples(data_key)
        channels = len(modality.channels or ())
        arrays[data_key] = np.zeros((n, channels, t), np.float32)
        arrays[valid_key] = np.zeros((n, 2, t) if data_key == "imu" else (n, t), bool)
    return arrays


def _append_row(root: Path, name: str, row: dict[str, object], key: tuple[str, ...]) -> None:
    """Add `row` to a table unless a row with the same `key` values is there already."""
    table = pd.read_csv(root / name, dtype={"athlete_id": "string", "session_id": "string"})
    present = (table[list(key)].astype(str) == [str(row[k]) for k in key]).all(axis=1).any()
    if not present:
        write_table(root, name, pd.concat([table, pd.DataFrame([row])], ignore_index=True))


def _stored_clip_ids(shards: list[Path]) -> set[str]:
    """Clip ids already in the dataset, reading only that key of each shard."""
    ids: set[str] = set()
    for shard in shards:
        try:
            with np.load(shard, allow_pickle=False) as npz:
                ids.update(npz["clip_id"].astype(str).tolist())
        except (OSError, KeyError, ValueError, EOFError) as exc:
            raise PoseError(f"{shard}: not a readable clip shard ({exc})") from None
    return ids


def prepare_dataset(out_dir: str | Path, name: str) -> Manifest:
    """The dataset at `out_dir`, created (real footage: not synthetic) if absent."""
    root = Path(out_dir)
    if (root / "manifest.json").exists():
        manifest = read_manifest(root)
        if "skeleton" not in manifest.modalities:
            raise PoseError(f"{root / 'manifest.json'}: the dataset has no skeleton modality")
        return manifest
    manifest = new_manifest(name, synthetic=False)
    write_manifest(root, manifest)
    write_table(root, "athletes.csv", pd.DataFrame(columns=["athlete_id"]))
    write_table(
        root,
        "sessions.csv",
        pd.DataFrame(columns=["session_id", "athlete_id", "date", "duration_min"]),
    )
    write_table(root, "injuries.csv", pd.DataFrame(columns=["athlete_id", "date"]))
    return manifest


def write_track(
    out_dir: str | Path,
    track: TrackRecords,
    fps: float,
    labels: ClipLabels,
    clip_prefix: str,
    offset_s: float = 0.0,
) -> Path:
    """Add one person's clips to the dataset at `out_dir` as a new shard, and their
    athlete and session rows if missing; the result loads with `load_dataset`."""
    root = Path(out_dir)
    manifest = prepare_dataset(root, name=f"video {labels.session_id}")
    for key, vocabulary, value in (
        ("label", manifest.labels, labels.label),
        ("scene", manifest.scenes, labels.scene),
    ):
        if value not in vocabulary:
            raise PoseError(
                f"{key} {value!r} is not in the dataset's manifest ({', '.join(vocabulary)})"
            )
    arrays = track_clips(track, fps, manifest, labels, clip_prefix, offset_s)
    existing = sorted((root / CLIPS_DIR).glob("shard-*.npz"))
    if existing:
        with np.load(existing[0], allow_pickle=False) as first:
            keys = set(first.files)
        if "impact" in keys:
            arrays["impact"] = np.zeros(len(arrays["clip_id"]), np.float32)
        arrays = {key: value for key, value in arrays.items() if key in keys}
        stored = _stored_clip_ids(existing)
        for clip_id in arrays["clip_id"]:
            if clip_id in stored:
                raise PoseError(
                    f"{root}: clip {clip_id} is already in the dataset (written by an earlier run)"
                )
    duration_min = round(float(track.t_s.max() - track.t_s.min()) / 60.0 + 1.0 / fps / 60.0, 3)
    # Rows first: a shard must never name an athlete the tables do not know.
    _append_row(root, "athletes.csv", {"athlete_id": labels.athlete_id}, ("athlete_id",))
    _append_row(
        root,
        "sessions.csv",
        {
            "session_id": labels.session_id,
            "athlete_id": labels.athlete_id,
            "date": (labels.session_date or date.today()).isoformat(),
            "duration_min": duration_min,
            "week": labels.week,
        },
        ("session_id", "athlete_id"),
    )
    index = 1 + max((int(p.stem.split("-")[1]) for p in existing), default=-1)
    path = write_clip_shard(root, index, arrays, manifest)
    return path
