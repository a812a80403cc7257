"""Align the video clock with the sensor timeline from a sync gesture.

The athlete wearing the sensors does a two-footed jump in view of the camera at the start
of the session. Its landing is a sharp spike in the waist IMU's vertical acceleration and
in the second derivative of the hip height seen on video; cross-correlating the two
(`scipy.signal.correlate`) gives the offset: sensor time = video time + offset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from edge.dsp import lowpass, resample_linear
from host.pose.config import PoseError

# Common rate both signals are resampled to before correlating (the IMU's own rate).
SYNC_RATE_HZ = 100.0
# The jump's take-off and landing lie well below this; it also tames the double derivative.
SYNC_LOWPASS_HZ = 8.0
GRAVITY = 9.80665


@dataclass(frozen=True)
class SyncResult:
    """`offset_s`: add to a video time to get the sensor time. `peak` is the Pearson
    correlation of the overlapping signals at that offset (1 = identical shapes); a low
    value (below ~0.3) means the gesture was not found in one of them."""

    offset_s: float
    peak: float


def hip_vertical_acceleration(
    t_s: np.ndarray, hip_height_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Vertical acceleration (m/s², up positive) of the hips seen on video, on a uniform
    grid: the second derivative of the mid-hip height after a zero-phase low-pass."""
    t_s, hip_height_m = np.asarray(t_s, float), np.asarray(hip_height_m, float)
    grid = np.arange(t_s[0], t_s[-1], 1.0 / SYNC_RATE_HZ)
    height = lowpass(resample_linear(t_s, hip_height_m, grid), SYNC_RATE_HZ, SYNC_LOWPASS_HZ)
    return grid, np.gradient(np.gradient(height, 1.0 / SYNC_RATE_HZ), 1.0 / SYNC_RATE_HZ)


def _standardise(x: np.ndarray) -> np.ndarray:
    spread = x.std()
    if spread == 0:
        raise PoseError("a sync signal is flat: no movement to align on")
    return (x - x.mean()) / spread


def find_offset(
    imu_t_s: np.ndarray,
    waist_vertical_g: np.ndarray,
    video_t_s: np.ndarray,
    hip_height_m: np.ndarray,
    max_offset_s: float = 30.0,
) -> SyncResult:
    """Offset between video and sensor clocks from the sync gesture.

    `waist_vertical_g`: waist IMU acceleration along the body's vertical axis in g
    (gravity included, as stored); `hip_height_m`: mid-hip height from the video (metres,
    up positive, any origin). Offsets beyond `max_offset_s` are not considered.
    """
    if len(imu_t_s) < 4 or len(video_t_s) < 4:
        raise PoseError("sync needs at least a few samples of both the IMU and the video")
    imu_grid = np.arange(imu_t_s[0], imu_t_s[-1], 1.0 / SYNC_RATE_HZ)
    imu = lowpass(
        resample_linear(imu_t_s, np.asarray(waist_vertical_g, float), imu_grid),
        SYNC_RATE_HZ,
        SYNC_LOWPASS_HZ,
    )
    imu = _standardise((imu - 1.0) * GRAVITY)
    video_grid, video = hip_vertical_acceleration(video_t_s, hip_height_m)
    video = _standardise(video)
    correlation = signal.correlate(imu, video, mode="full", method="fft")
    lags = signal.correlation_lags(len(imu), len(video), mode="full")
    offsets = imu_grid[0] - video_grid[0] + lags / SYNC_RATE_HZ
    allowed = np.abs(offsets) <= max_offset_s
    if not allowed.any():
        raise PoseError(f"no overlap between the two recordings within ±{max_offset_s} s")
    best = np.flatnonzero(allowed)[np.argmax(correlation[allowed])]
    # Parabolic refinement between grid lags: the true offset is rarely a whole sample.
    shift = 0.0
    if 0 < best < len(correlation) - 1:
        left, centre, right = correlation[best - 1 : best + 2]
        denominator = left - 2 * centre + right
        if denominator < 0:
            shift = 0.5 * (left - right) / denominator
    lag = int(lags[best])
    start, stop = max(0, lag), min(len(imu), len(video) + lag)
    peak = float(np.corrcoef(imu[start:stop], video[start - lag : stop - lag])[0, 1])
    return SyncResult(offset_s=float(offsets[best] + shift / SYNC_RATE_HZ), peak=peak)
