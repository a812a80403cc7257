"""Shared helpers for firmware_bridge tests: the committed vectors and a frame factory."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from firmware_bridge.frame import encode_imu

VECTOR_DIR = Path(__file__).resolve().parents[1] / "vectors"


def load_vectors() -> list[dict]:
    """Every vector as its JSON record plus the .bin bytes under key "bin"."""
    records = []
    for json_path in sorted(VECTOR_DIR.glob("*.json")):
        record = json.loads(json_path.read_text())
        record["bin"] = json_path.with_suffix(".bin").read_bytes()
        records.append(record)
    return records


def make_imu_frames(count: int, seed: int = 0, sensor_id: int = 1) -> list[bytes]:
    """`count` consecutive valid 10-sample IMU frames of plausible motion."""
    rng = np.random.default_rng(seed)
    return [
        encode_imu(
            sensor_id,
            seq,
            1_000_000 + seq * 100_000,
            rng.normal(0, 3, (10, 3)),
            rng.normal(0, 400, (10, 3)),
        )
        for seq in range(count)
    ]


@pytest.fixture(scope="session")
def vectors() -> list[dict]:
    return load_vectors()


@pytest.fixture(scope="session")
def vector_dir() -> Path:
    return VECTOR_DIR


@pytest.fixture(scope="session")
def imu_frames():
    """Factory: imu_frames(count, seed=0, sensor_id=1) -> list of valid IMU frames."""
    return make_imu_frames
