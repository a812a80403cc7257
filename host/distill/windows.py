"""Cut the student's raw input windows out of dataset clips.

A stored clip is 8 s (6 s of action with 1 s of context either side); the student sees a
6 s window of waist + calf IMU at 100 Hz plus GPS speed interpolated onto the same grid,
in physical units. Filtering and z-scoring are not done here: they are the bundle's
`prepare_windows`, the same function the edge runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge import dsp, taxonomy
from firmware_bridge.errors import UserError
from host.data.dataset import Clips
from host.distill.config import (
    GPS_SPEED_CHANNEL,
    MAX_IMU_GAP_S,
    MIN_GPS_COVERAGE,
    STUDENT_RATE_HZ,
    WINDOW_S,
)


class StudentDataError(UserError, ValueError):
    """The dataset cannot feed the student (no IMU, unknown labels); says what is missing."""


@dataclass(frozen=True)
class StudentWindows:
    """Raw windows `(N, C, T)` float32, which channels were measured `(N, C)`, whether the
    IMU is complete enough to score (`imu_ok`, paper's 3 s loss rule) and labels in
    the student's label order (`student_labels`)."""

    raw: np.ndarray
    present: np.ndarray
    imu_ok: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.raw)

    def subset(self, index: np.ndarray) -> StudentWindows:
        return StudentWindows(
            self.raw[index], self.present[index], self.imu_ok[index], self.labels[index]
        )


def student_channels(imu_cutoff_hz: float, gps_cutoff_hz: float) -> list[dict[str, object]]:
    """The manifest `channels` block: 12 IMU channels then optional GPS speed."""
    channels: list[dict[str, object]] = []
    for name in taxonomy.IMU_CHANNELS:
        axis = name.rsplit("_", 1)[1]
        channels.append(
            {"name": name, "unit": taxonomy.IMU_UNITS[axis[0]], "lowpass_hz": imu_cutoff_hz}
        )
    channels.append(
        {"name": GPS_SPEED_CHANNEL, "unit": "m/s", "optional": True, "lowpass_hz": gps_cutoff_hz}
    )
    return channels


def student_labels(dataset_labels: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The student's (and its bundle's) label order: the paper's actions + background for
    data that speaks them, else the dataset's own vocabulary (a club's takes)."""
    if set(dataset_labels) <= set(taxonomy.LABELS):
        return taxonomy.LABELS
    return tuple(dataset_labels)


def label_indices(
    dataset_labels: list[str],
    clip_labels: np.ndarray,
    vocabulary: tuple[str, ...] = taxonomy.LABELS,
) -> np.ndarray:
    """Dataset label ids → indices into `vocabulary` (the bundle's label order)."""
    unknown = sorted(set(dataset_labels) - set(vocabulary))
    if unknown:
        raise StudentDataError(f"dataset labels {unknown} are not in the student's labels")
    lookup = np.array([vocabulary.index(name) for name in dataset_labels], dtype=np.int64)
    return lookup[np.asarray(clip_labels, dtype=np.int64)]


def clip_windows(
    clips: Clips,
    dataset_labels: list[str],
    imu_rate_hz: float,
    gps_rate_hz: float,
    shift_s: float = 0.0,
    vocabulary: tuple[str, ...] | None = None,
) -> StudentWindows:
    """The student's window of every clip, centred on the action (moved by `shift_s`), with
    labels in `vocabulary` order (default `student_labels(dataset_labels)`)."""
    if clips.imu is None or clips.imu_valid is None:
        raise StudentDataError("the dataset has no IMU clips; the student reads waist + calf IMU")
    if imu_rate_hz != STUDENT_RATE_HZ:
        raise StudentDataError(f"IMU is {imu_rate_hz} Hz; the student runs at {STUDENT_RATE_HZ} Hz")
    n, _, stored = clips.imu.shape
    length = round(WINDOW_S * STUDENT_RATE_HZ)
    start = (stored - length) // 2 + round(shift_s * STUDENT_RATE_HZ)
    if start < 0 or start + length > stored:
        raise StudentDataError(f"a {shift_s} s shift leaves the stored clip")
    span = slice(start, start + length)
    raw = np.zeros((n, len(taxonomy.IMU_CHANNELS) + 1, length), dtype=np.float32)
    raw[:, :12] = clips.imu[:, :, span]
    missing = (~clips.imu_valid[:, :, span]).sum(axis=2)  # (N, sites)
    imu_ok = (missing <= MAX_IMU_GAP_S * STUDENT_RATE_HZ).all(axis=1)
    present = np.ones((n, raw.shape[1]), dtype=bool)
    present[:, 12] = False
    if clips.gps is not None and clips.gps_valid is not None:
        speed, gps_present = _gps_speed(
            clips.gps[:, taxonomy.GPS_CHANNELS.index("speed_mps")],
            clips.gps_valid,
            gps_rate_hz,
            stored,
            span,
        )
        raw[:, 12] = speed
        present[:, 12] = gps_present
    order = vocabulary or student_labels(dataset_labels)
    return StudentWindows(raw, present, imu_ok, label_indices(dataset_labels, clips.label, order))


def _gps_speed(
    speed: np.ndarray, valid: np.ndarray, gps_rate_hz: float, stored: int, span: slice
) -> tuple[np.ndarray, np.ndarray]:
    """GPS speed interpolated linearly onto the IMU grid from its valid fixes only."""
    t_gps = np.arange(speed.shape[1]) / gps_rate_hz
    t_window = np.arange(stored)[span] / STUDENT_RATE_HZ
    in_window = (t_gps >= t_window[0]) & (t_gps <= t_window[-1])
    coverage = valid[:, in_window].mean(axis=1) if in_window.any() else np.zeros(len(speed))
    present = coverage >= MIN_GPS_COVERAGE
    out = np.zeros((len(speed), len(t_window)), dtype=np.float32)
    complete = valid.all(axis=1)
    if complete.any():
        out[complete] = dsp.resample_linear(t_gps, speed[complete], t_window)
    for row in np.flatnonzero(present & ~complete):
        keep = valid[row]
        out[row] = dsp.resample_linear(t_gps[keep], speed[row, keep], t_window)
    return out, present
