"""Gaps, the paper's drop rules and the sliding windows the model sees (section 3).

A window is dropped when a sensor lost data for more than 3 s or the lower body was
occluded on video for more than 1.5 s, and the reason is said in words, so a data-quality
report can tell staff why a stretch of a session was not scored. The same rules run on
stored clips (host loader) and on live streams (edge), so they live here once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge import taxonomy
from edge.dsp import SignalError, runs_of_true

# Default hop between live windows; the window and its context come from the taxonomy.
HOP_S = 0.5

# Reason strings returned by `drop_reason`, built from the taxonomy's limits.
IMU_LOSS = f"imu_loss>{taxonomy.MAX_SENSOR_GAP_S:g}s"
GPS_LOSS = f"gps_loss>{taxonomy.MAX_SENSOR_GAP_S:g}s"
OCCLUSION = f"occlusion>{taxonomy.MAX_OCCLUSION_S:g}s"

# Joint indices whose confidence decides occlusion (hips, knees, ankles).
_OCCLUSION_JOINT_INDEX = np.array([taxonomy.JOINTS.index(j) for j in taxonomy.OCCLUSION_JOINTS])

# Durations are compared with this slack so that exactly 3.0 s of loss is not "> 3 s"
# because of floating-point rounding of samples / rate.
_TIME_TOLERANCE_S = 1e-9


class WindowError(SignalError):
    """Window settings that give no usable window (zero-length window or hop)."""


@dataclass(frozen=True)
class Gap:
    """A run of missing samples, in seconds from the start of the signal (end exclusive)."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def find_gaps(valid: np.ndarray, rate_hz: float) -> list[Gap]:
    """Every run of missing samples in a 1-D validity mask.

    A run of k missing samples lasts k / rate_hz seconds: the time no sample was there.
    """
    if rate_hz <= 0:
        raise SignalError(f"rate_hz must be positive, got {rate_hz}")
    missing = ~np.asarray(valid, dtype=bool)
    runs = runs_of_true(missing) / rate_hz
    return [Gap(float(start), float(end)) for start, end in runs]


def _longest_run_s(mask: np.ndarray, rate_hz: float) -> float:
    runs = runs_of_true(mask)
    return float((runs[:, 1] - runs[:, 0]).max()) / rate_hz if len(runs) else 0.0


def _sensor_rows(valid: np.ndarray) -> np.ndarray:
    """Validity as (sensors, T); a sensor with no sample at all is absent, not lost."""
    rows = np.atleast_2d(np.asarray(valid, dtype=bool))
    return rows[rows.any(axis=-1)]


def _sensor_lost(valid: np.ndarray | None, rate_hz: float, max_gap_s: float) -> bool:
    if valid is None:
        return False
    return any(
        _longest_run_s(~row, rate_hz) > max_gap_s + _TIME_TOLERANCE_S for row in _sensor_rows(valid)
    )


def occluded_frames(skeleton_conf: np.ndarray) -> np.ndarray:
    """Per frame of a `(T, J)` confidence array: is any hip, knee or ankle below 0.5?"""
    conf = np.asarray(skeleton_conf)
    if conf.ndim != 2 or conf.shape[1] != len(taxonomy.JOINTS):
        raise SignalError(
            f"skeleton_conf must be (T, {len(taxonomy.JOINTS)}), got shape {conf.shape}"
        )
    low = conf[:, _OCCLUSION_JOINT_INDEX] < taxonomy.OCCLUSION_CONFIDENCE
    return np.asarray(low.any(axis=1))


def drop_reason(
    imu_valid: np.ndarray | None = None,
    gps_valid: np.ndarray | None = None,
    skeleton_conf: np.ndarray | None = None,
    imu_rate_hz: float = taxonomy.IMU_RATE_HZ,
    gps_rate_hz: float = taxonomy.GPS_RATE_HZ,
    skeleton_rate_hz: float = taxonomy.SKELETON_RATE_HZ,
) -> str | None:
    """Why a window must be dropped under the paper's rules, or None to keep it.

    `imu_valid` is `(T,)` or per sensor `(S, T)`; `gps_valid` is `(T,)`; `skeleton_conf`
    is `(T, J)`. A modality (or IMU sensor) with no valid sample at all is absent, which
    the model handles through its masks, so only partial loss inside a window drops it:
    loss > 3 s gives "imu_loss>3s" / "gps_loss>3s"; lower-body occlusion > 1.5 s gives
    "occlusion>1.5s". Reasons are checked in that order and joined with ", ".
    """
    reasons = []
    if _sensor_lost(imu_valid, imu_rate_hz, taxonomy.MAX_SENSOR_GAP_S):
        reasons.append(IMU_LOSS)
    if _sensor_lost(gps_valid, gps_rate_hz, taxonomy.MAX_SENSOR_GAP_S):
        reasons.append(GPS_LOSS)
    if skeleton_conf is not None:
        occluded = occluded_frames(skeleton_conf)
        if not occluded.all() and (
            _longest_run_s(occluded, skeleton_rate_hz)
            > taxonomy.MAX_OCCLUSION_S + _TIME_TOLERANCE_S
        ):
            reasons.append(OCCLUSION)
    return ", ".join(reasons) or None


def _samples(seconds: float, rate_hz: float) -> int:
    return int(round(seconds * rate_hz))


def window_starts(
    n_samples: int,
    rate_hz: float,
    window_s: float = taxonomy.CLIP_S,
    hop_s: float = HOP_S,
    context_s: float = taxonomy.CONTEXT_S,
    valid: np.ndarray | None = None,
) -> np.ndarray:
    """First sample index of every window over a stream of `n_samples`.

    Each window spans `window_s + 2 * context_s` (the context sits on both sides and is
    part of the span), so windows start at 0, hop, 2*hop, ... while the span still fits.
    With `valid` (`(T,)` or per sensor `(S, T)`), a window touching any run of loss longer
    than 3 s is left out, so no window straddles a dropped gap.
    """
    if rate_hz <= 0:
        raise WindowError(f"rate_hz must be positive, got {rate_hz}")
    span = _samples(window_s + 2 * context_s, rate_hz)
    hop = _samples(hop_s, rate_hz)
    if span < 1 or hop < 1:
        raise WindowError(
            f"window of {window_s + 2 * context_s:g} s and hop of {hop_s:g} s give "
            f"{span} and {hop} samples at {rate_hz:g} Hz; both must be at least 1"
        )
    if n_samples < span:
        return np.empty(0, dtype=np.int64)
    starts = np.arange(0, n_samples - span + 1, hop, dtype=np.int64)
    if valid is None:
        return starts
    rows = _sensor_rows(valid)
    if rows.size and rows.shape[-1] != n_samples:
        raise WindowError(f"valid has {rows.shape[-1]} samples, stream has {n_samples}")
    keep = np.ones(starts.size, dtype=bool)
    max_gap = taxonomy.MAX_SENSOR_GAP_S * rate_hz + _TIME_TOLERANCE_S
    for row in rows:
        for gap_start, gap_end in runs_of_true(~row):
            if gap_end - gap_start > max_gap:
                keep &= (starts + span <= gap_start) | (starts >= gap_end)
    kept: np.ndarray = starts[keep]
    return kept


@dataclass(frozen=True)
class WindowSpec:
    """Window geometry of a model: the bundle manifest carries these four numbers."""

    window_s: float = taxonomy.CLIP_S
    hop_s: float = HOP_S
    context_s: float = taxonomy.CONTEXT_S
    rate_hz: float = taxonomy.IMU_RATE_HZ

    @property
    def samples(self) -> int:
        """Samples in one window including both context margins (800 by default)."""
        return _samples(self.window_s + 2 * self.context_s, self.rate_hz)

    @property
    def hop_samples(self) -> int:
        return _samples(self.hop_s, self.rate_hz)

    def starts(self, n_samples: int, valid: np.ndarray | None = None) -> np.ndarray:
        """`window_starts` with this geometry."""
        return window_starts(
            n_samples, self.rate_hz, self.window_s, self.hop_s, self.context_s, valid
        )
