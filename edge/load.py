"""External and internal load of a session from raw streams: what staff read off a GPS vest.

PlayerLoad, accelerations and decelerations, distance in speed zones, sprints and time in
heart-rate zones go into every session summary (DESIGN contract 5) and into the risk
features, computed the same on the sideline and on the host.

Thresholds are the ones football sports science commonly reports, so our numbers read
like the club's existing GPS reports:
- PlayerLoad: Catapult's accumulated change of acceleration, Σ√(Δax²+Δay²+Δaz²)/100 at
  100 Hz (Boyd, Ball & Aughey 2011, IJSPP 6:311).
- High-speed running > 5.5 m/s (19.8 km/h) and sprinting > 7.0 m/s (25.2 km/h) for ≥ 1 s
  (Bradley et al. 2009, J Sports Sci 27:159; bands reviewed by Akenhead & Nassis 2016,
  IJSPP 11:587).
- Accelerations and decelerations > 3 m/s² held ≥ 0.5 s (Akenhead & Nassis 2016;
  Harper, Carling & Kiely 2019, Sports Med 49:1923).
- Heart-rate zones as fractions of HRmax: < 60, 60-70, 70-80, 80-90, ≥ 90 % (Edwards 1993).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from edge.dsp import SignalError, resample_linear, runs_of_true

PLAYER_LOAD_RATE_HZ = 100.0  # Catapult accelerometers sample at 100 Hz
PLAYER_LOAD_SCALE = 100.0  # Catapult's divisor, giving arbitrary units (AU)
HSR_MPS = 5.5
SPRINT_MPS = 7.0
MIN_SPRINT_S = 1.0
ACCEL_THRESHOLD_MPS2 = 3.0
MIN_ACCEL_S = 0.5
HR_ZONE_EDGES = (0.6, 0.7, 0.8, 0.9)  # fractions of HRmax separating zones 1..5


@dataclass(frozen=True)
class SpeedZones:
    """Running distances of a session (metres), sprint count and top speed.

    Distances and top speed cover the samples whose speed is known; `unknown_s` is the
    time whose speed the receiver did not report (NaN samples). With no known sample at
    all, distances and top speed are NaN.
    """

    distance_m: float
    hsr_m: float
    sprints: int
    max_speed_mps: float
    unknown_s: float = 0.0


def _check_rate(rate_hz: float) -> None:
    if rate_hz <= 0:
        raise SignalError(f"rate_hz must be positive, got {rate_hz}")


def _as_series(values: np.ndarray, name: str) -> np.ndarray:
    series = np.asarray(values, dtype=np.float64)
    if series.ndim != 1:
        raise SignalError(f"{name} must be 1-D, got shape {series.shape}")
    return series


def player_load(accel_g: np.ndarray, rate_hz: float) -> float:
    """Catapult-style PlayerLoad (arbitrary units) of a `(T, 3)` acceleration in g.

    PL = Σ √(Δax² + Δay² + Δaz²) / 100 over consecutive 100 Hz samples. Signals at other
    rates are linearly resampled to 100 Hz first, so a 50 Hz and a 100 Hz sensor give the
    same figure for the same movement. Gravity cancels in the differences.
    """
    _check_rate(rate_hz)
    accel = np.asarray(accel_g, dtype=np.float64)
    if accel.ndim != 2 or accel.shape[1] != 3:
        raise SignalError(f"accel_g must be (T, 3), got shape {accel.shape}")
    if len(accel) < 2:
        return 0.0
    if rate_hz != PLAYER_LOAD_RATE_HZ:
        t = np.arange(len(accel)) / rate_hz
        t_new = np.arange(0.0, t[-1] + 1e-12, 1.0 / PLAYER_LOAD_RATE_HZ)
        accel = resample_linear(t, accel, t_new, axis=0)
    steps = np.sqrt((np.diff(accel, axis=0) ** 2).sum(axis=1))
    return float(steps.sum() / PLAYER_LOAD_SCALE)


def _runs_at_least(mask: np.ndarray, min_samples: int) -> int:
    runs = runs_of_true(mask)
    return int(((runs[:, 1] - runs[:, 0]) >= min_samples).sum())


def accel_decel_counts(
    speed_mps: np.ndarray,
    rate_hz: float,
    threshold_mps2: float = ACCEL_THRESHOLD_MPS2,
    min_duration_s: float = MIN_ACCEL_S,
) -> tuple[int, int]:
    """(accelerations, decelerations): efforts beyond ±threshold held for min_duration_s.

    Acceleration is the central difference of speed. Pass speed already low-passed
    (`edge.dsp.lowpass_finite_runs` at `GPS_CUTOFF_HZ`): raw GPS speed noise makes
    spurious efforts. Unknown speed (NaN) ends an effort: no acceleration is made up
    across it.
    """
    _check_rate(rate_hz)
    speed = _as_series(speed_mps, "speed_mps")
    accel = np.full(speed.shape, np.nan)
    for start, end in runs_of_true(np.isfinite(speed)).tolist():
        if end - start >= 2:
            accel[start:end] = np.gradient(speed[start:end]) * rate_hz
    min_samples = max(1, int(round(min_duration_s * rate_hz)))
    return (
        _runs_at_least(accel > threshold_mps2, min_samples),
        _runs_at_least(accel < -threshold_mps2, min_samples),
    )


def speed_zones(
    speed_mps: np.ndarray,
    rate_hz: float,
    hsr_mps: float = HSR_MPS,
    sprint_mps: float = SPRINT_MPS,
    min_sprint_s: float = MIN_SPRINT_S,
) -> SpeedZones:
    """Total distance, high-speed running distance (> hsr_mps, sprints included), sprints.

    Each sample stands for 1 / rate_hz seconds (sample-and-hold), so distances of
    consecutive chunks of a stream add up to the distance of the whole stream. NaN is
    unknown speed: counted in `unknown_s`, never as standing still, and it ends a sprint.
    """
    _check_rate(rate_hz)
    speed = _as_series(speed_mps, "speed_mps")
    if speed.size == 0:
        return SpeedZones(0.0, 0.0, 0, 0.0)
    known = ~np.isnan(speed)
    if np.any(speed[known] < 0) or np.any(np.isinf(speed)):
        raise SignalError("speed_mps must be non-negative and not infinite (NaN: unknown)")
    dt = 1.0 / rate_hz
    unknown_s = float((~known).sum() * dt)
    if not known.any():
        return SpeedZones(math.nan, math.nan, 0, math.nan, unknown_s)
    min_samples = max(1, int(round(min_sprint_s * rate_hz)))
    measured = speed[known]
    return SpeedZones(
        distance_m=float(measured.sum() * dt),
        hsr_m=float(measured[measured > hsr_mps].sum() * dt),
        sprints=_runs_at_least(np.where(known, speed, 0.0) > sprint_mps, min_samples),
        max_speed_mps=float(measured.max()),
        unknown_s=unknown_s,
    )


def hr_zone_seconds(
    hr_bpm: np.ndarray, rate_hz: float, hr_max: float
) -> tuple[float, float, float, float, float]:
    """Seconds spent in the five heart-rate zones (see `HR_ZONE_EDGES`).

    Samples that are not finite or ≤ 0 bpm are strap drop-outs and count nowhere.
    """
    _check_rate(rate_hz)
    if hr_max <= 0:
        raise SignalError(f"hr_max must be positive, got {hr_max}")
    hr = _as_series(hr_bpm, "hr_bpm")
    hr = hr[np.isfinite(hr) & (hr > 0)]
    zone = np.searchsorted(np.asarray(HR_ZONE_EDGES) * hr_max, hr, side="right")
    seconds = np.bincount(zone, minlength=len(HR_ZONE_EDGES) + 1) / rate_hz
    return tuple(float(s) for s in seconds)  # type: ignore[return-value]
