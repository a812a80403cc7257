"""Tracks become skeleton clips the dataset loader takes as they are."""

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from edge import taxonomy
from host.data.dataset import load_dataset
from host.pose.config import PoseError
from host.pose.extract import TrackRecords
from host.pose.writer import ClipLabels, write_track

FPS = 25.0


def walking_track(
    seconds: float, gap: tuple[float, float] | None = None, track: int = 0
) -> TrackRecords:
    """A person whose hips rise 1 cm per second, seen at 25 fps except during `gap`."""
    t = np.arange(0, seconds, 1 / FPS)
    if gap is not None:
        t = t[(t < gap[0]) | (t >= gap[1])]
    k = len(t)
    joints = np.zeros((k, 13, 3), np.float32)
    joints[:, :, 2] = np.linspace(1.7, 0.1, 13)[None, :] + 0.01 * t[:, None]
    confidence = np.full((k, 13), 0.9, np.float32)
    confidence[:, taxonomy.JOINTS.index("left_ankle")] = 0.2
    return TrackRecords(
        frame=np.round(t * FPS).astype(np.int64),
        t_s=t,
        track=np.full(k, track, np.int32),
        image_xy=np.zeros((k, 13, 2), np.float32),
        joints=joints,
        confidence=confidence,
        box=np.tile(np.array([0, 0, 50, 100], np.float32), (k, 1)),
    )


def test_track_becomes_loadable_clips_at_60_hz(tmp_path: Path) -> None:
    labels = ClipLabels(
        athlete_id="7",
        session_id="drill-1",
        label="landing",
        scene="full_match",
        week=3,
        session_date=date(2026, 3, 2),
    )
    write_track(
        tmp_path, walking_track(12.0, gap=(3.0, 5.0)), FPS, labels, "drill-1-7", offset_s=4.25
    )
    dataset = load_dataset(tmp_path)
    clips = dataset.clips()
    assert dataset.manifest.synthetic is False
    assert len(clips) == 2  # 12 s of track in 8 s stored clips
    assert clips.skeleton.shape == (2, 480, 13, 3) and clips.skeleton_conf.shape == (2, 480, 13)
    assert clips.t_start_s.tolist() == [4.25, 12.25]  # sensor time = video time + offset
    assert clips.label.tolist() == [taxonomy.LABELS.index("landing")] * 2
    assert clips.scene.tolist() == [taxonomy.SCENES.index("full_match")] * 2
    assert not clips.imu_valid.any() and not clips.gps_valid.any()
    # Joints at 60 Hz follow the motion: hips at t = 1 s sit 1 cm above t = 0.
    hip = taxonomy.JOINTS.index("left_hip")
    assert clips.skeleton[0, 60, hip, 2] - clips.skeleton[0, 0, hip, 2] == pytest.approx(
        0.01, abs=1e-5
    )
    # The 2 s the person was not found have confidence 0; the ankle seen badly stays low.
    grid = np.arange(480) / 60
    missing = (grid >= 3.0 + 1 / FPS) & (grid < 5.0 - 1 / FPS)
    assert (clips.skeleton_conf[0, missing] == 0).all()
    assert clips.skeleton_conf[0, grid < 2.9, hip] == pytest.approx(0.9)
    assert (clips.skeleton_conf[0, :, taxonomy.JOINTS.index("left_ankle")] < 0.5).all()
    # Past the end of the track the last clip is padded with confidence 0.
    assert (clips.skeleton_conf[1, grid > 4.0] == 0).all()
    assert dataset.sessions["session_id"].tolist() == ["drill-1"]
    assert dataset.athletes["athlete_id"].tolist() == ["7"]


def test_second_video_adds_a_shard_and_rerun_is_refused(tmp_path: Path) -> None:
    write_track(tmp_path, walking_track(3.0), FPS, ClipLabels("7", "s1"), "s1-7")
    write_track(tmp_path, walking_track(3.0), FPS, ClipLabels("9", "s1"), "s1-9")
    dataset = load_dataset(tmp_path)
    assert sorted(dataset.clips().athlete_id.tolist()) == ["7", "9"]
    assert sorted(dataset.athletes["athlete_id"].tolist()) == ["7", "9"]
    with pytest.raises(PoseError, match="already in the dataset"):
        write_track(tmp_path, walking_track(3.0), FPS, ClipLabels("7", "s1"), "s1-7")
    assert len(load_dataset(tmp_path).clips()) == 2  # nothing stored was lost


def test_unknown_label_names_the_manifest_vocabulary(tmp_path: Path) -> None:
    with pytest.raises(PoseError, match="label 'dribble' is not in the dataset's manifest"):
        write_track(tmp_path, walking_track(1.0), FPS, ClipLabels("7", "s1", label="dribble"), "x")
