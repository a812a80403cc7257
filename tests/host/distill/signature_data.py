"""Test data for the student: a small dataset whose IMU carries a signature per action.

Each label k leaves a bump of its own height on waist `ax`, a calf `gx` oscillation of its
own frequency and, for `sprint`, a GPS speed ramp; noise and athlete-specific gain make
the task not trivial. Small enough that every test trains in seconds.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from edge import taxonomy
from host.data.dataset import Dataset, load_dataset, write_clip_shard, write_manifest, write_table
from host.data.manifest import Generator, new_manifest
from host.distill.augment import AugmentConfig
from host.distill.config import PLAIN_PATIENCE, DistillConfig, StudentConfig
from host.distill.pipeline import DistillResult, distill

ATHLETES = [f"p{i:02d}" for i in range(12)]
CLIPS_PER_LABEL_PER_ATHLETE = 2


def signature_clips(manifest, rng: np.random.Generator) -> dict[str, np.ndarray]:
    labels = np.tile(np.arange(len(taxonomy.LABELS)), CLIPS_PER_LABEL_PER_ATHLETE * len(ATHLETES))
    athletes = np.repeat(ATHLETES, len(labels) // len(ATHLETES))
    n = len(labels)
    t_imu, t_gps, t_hr, t_sk = (manifest.samples(m) for m in ("imu", "gps", "hr", "skeleton"))
    t = np.arange(t_imu) / taxonomy.IMU_RATE_HZ
    gain = {a: 0.8 + 0.4 * rng.random() for a in ATHLETES}
    imu = 0.3 * rng.standard_normal((n, 12, t_imu)).astype(np.float32)
    imu[:, 2] += 1.0  # gravity on waist az
    gps = np.zeros((n, 3, t_gps), np.float32)
    t_g = np.arange(t_gps) / taxonomy.GPS_RATE_HZ
    for i, (k, athlete) in enumerate(zip(labels, athletes, strict=True)):
        centre = 4.0 + rng.uniform(-0.3, 0.3)
        bump = np.exp(-0.5 * ((t - centre) / 0.25) ** 2)
        imu[i, 0] += gain[athlete] * 0.6 * (k + 1) * bump
        imu[i, 9] += 150 * np.sin(2 * np.pi * (1 + k) * t) * bump
        gps[i, 2] = 2.0 + (5.0 * np.clip(t_g - 2.0, 0, 3) / 3 if k == 0 else 0.0)
        gps[i, 2] += 0.2 * rng.standard_normal(t_gps)
    skeleton_conf = np.ones((n, t_sk, len(taxonomy.JOINTS)), np.float32)
    # Every third clip has its lower body hidden for 2 s: "video occluded".
    skeleton_conf[::3, 60:180, taxonomy.JOINTS.index("left_knee")] = 0.2
    gps_valid = np.ones((n, t_gps), bool)
    gps_valid[1::4] = False  # a quarter of the clips have no GPS
    return {
        "clip_id": np.array([f"c{i:04d}" for i in range(n)]),
        "athlete_id": athletes,
        "session_id": np.array([f"s-{a}" for a in athletes]),
        "label": labels.astype(np.int16),
        "scene": np.zeros(n, np.int16),
        "week": np.zeros(n, np.int16),
        "t_start_s": np.arange(n, dtype=np.float64) * 10,
        "imu": imu,
        "imu_valid": np.ones((n, 2, t_imu), bool),
        "gps": gps,
        "gps_valid": gps_valid,
        "hr": np.full((n, 1, t_hr), 140, np.float32),
        "hr_valid": np.ones((n, t_hr), bool),
        "skeleton": np.zeros((n, t_sk, len(taxonomy.JOINTS), 3), np.float32),
        "skeleton_conf": skeleton_conf,
    }


# Continuous sessions of the fixture: one per athlete, events at least 7 s apart.
STREAM_S = 90.0
STREAM_EVENT_GAP_S = (7.0, 10.0)


def signature_stream(rng: np.random.Generator, gain: float) -> dict[str, np.ndarray]:
    """One athlete's stream (keys of docs/synthetic.md) carrying the same per-label
    signatures as the clips, at random key instants; no GPS fix."""
    t = np.arange(round(STREAM_S * taxonomy.IMU_RATE_HZ)) / taxonomy.IMU_RATE_HZ
    imu = 0.3 * rng.standard_normal((len(t), 12)).astype(np.float32)
    imu[:, 2] += 1.0
    times, labels = [], []
    instant = 4.0 + rng.uniform(0, 3)
    while instant < STREAM_S - 4.0:
        k = int(rng.integers(0, len(taxonomy.ACTIONS)))
        bump = np.exp(-0.5 * ((t - instant) / 0.25) ** 2)
        imu[:, 0] += gain * 0.6 * (k + 1) * bump
        imu[:, 9] += 150 * np.sin(2 * np.pi * (1 + k) * t) * bump
        times.append(instant)
        labels.append(k)
        instant += rng.uniform(*STREAM_EVENT_GAP_S)
    n_gps = round(STREAM_S * taxonomy.GPS_RATE_HZ)
    return {
        "waist": imu[:, :6],
        "calf": imu[:, 6:],
        "imu_t_s": t,
        "waist_valid": np.ones(len(t), bool),
        "calf_valid": np.ones(len(t), bool),
        "gps": np.zeros((n_gps, 3), np.float32),
        "gps_t_s": np.arange(n_gps) / taxonomy.GPS_RATE_HZ,
        "gps_valid": np.zeros(n_gps, bool),
        "events_t_s": np.array(times),
        "events_label": np.array(labels, np.int16),
        "events_impact": np.zeros(len(times), np.float32),
    }


def write_signature_dataset(root: Path) -> Dataset:
    manifest = new_manifest(
        "signature fixture",
        synthetic=True,
        generator=Generator(name="tests", version="1", seed=0),
        weeks=1,
    )
    write_manifest(root, manifest)
    write_table(root, "athletes.csv", pd.DataFrame({"athlete_id": ATHLETES}))
    write_table(
        root,
        "sessions.csv",
        pd.DataFrame(
            {
                "session_id": [f"s-{a}" for a in ATHLETES],
                "athlete_id": ATHLETES,
                "date": ["2026-01-05"] * len(ATHLETES),
                "duration_min": [60] * len(ATHLETES),
            }
        ),
    )
    write_table(root, "injuries.csv", pd.DataFrame({"athlete_id": [], "date": []}))
    write_clip_shard(root, 0, signature_clips(manifest, np.random.default_rng(0)), manifest)
    rng = np.random.default_rng(1)
    (root / "continuous").mkdir()
    for athlete in ATHLETES:
        np.savez(
            root / "continuous" / f"s-{athlete}__{athlete}.npz",
            **signature_stream(rng, 0.8 + 0.4 * rng.random()),
        )
    return load_dataset(root)


# Short training for tests: the fixture is easy, CI time is not.
# No simulated sessions: the fixture's own streams carry its signatures.
# No augmentation: the fixture codes each class by a bump's height on one axis, which
# strap rotations and magnitude warping erase by design (docs/student.md, "Real data").
TEST_CONFIG = DistillConfig(
    student=StudentConfig(kind="cnn"),  # one fit, not auto's choice of family
    augment=AugmentConfig(),
    early_stop_patience=PLAIN_PATIENCE,
    keep_weights="best",  # the recipe without augmentation, as the CLI's --no-augment
    max_epochs=15,
    min_steps=0,
    batch_size=16,
    bootstrap_samples=200,
    simulated_minutes=0.0,
    continuous_background_per_session=30,
)
TEST_MINIROCKET_KERNELS = 168


_DISTILLED: dict[int, tuple[Dataset, DistillResult]] = {}


def distil_fixture(
    factory: pytest.TempPathFactory, cnn_members: int = TEST_CONFIG.student.cnn_members
) -> tuple[Dataset, DistillResult]:
    """The fixture dataset and its student (taught by LabelAwareTeacher) in
    `.../run/student`: `cnn_members` CNNs averaged, by default the product's two (LiteRT's
    tests take one: the size whose `.tflite` fits the budget). Made once per test session
    and size, whichever test directory asks first."""
    if cnn_members not in _DISTILLED:
        root = factory.mktemp(f"distilled-{cnn_members}")
        dataset = write_signature_dataset(root / "data")
        student = dataclasses.replace(TEST_CONFIG.student, cnn_members=cnn_members)
        result = distill(
            dataset,
            root / "run" / "student",
            LabelAwareTeacher(),
            TEST_CONFIG.replace(student=student),
            minirocket_kernels=TEST_MINIROCKET_KERNELS,
        )
        _DISTILLED[cnn_members] = (dataset, result)
    return _DISTILLED[cnn_members]


class LabelAwareTeacher:
    """Stands in for the multimodal teacher: right on `accuracy` of the clips, with a soft
    distribution (it has seen the label in training; the student has not seen this)."""

    def __init__(self, accuracy: float = 0.9, seed: int = 0) -> None:
        self.accuracy = accuracy
        self.seed = seed

    def predict_proba(self, clips) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        n, k = len(clips), len(taxonomy.LABELS)
        guess = np.where(rng.random(n) < self.accuracy, clips.label, rng.integers(0, k, n))
        probs = np.full((n, k), 0.1 / (k - 1))
        probs[np.arange(n), guess] = 0.9
        return probs
