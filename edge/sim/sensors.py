"""What the devices report of the true motion: mounting, gain, bias, noise, full-scale
clipping, 16-bit quantisation, packet-loss bursts, dead sensors, device clocks, GPS error,
heart-rate lag, camera occlusion and keypoint jitter."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from edge.sim.body import Kinematics
from edge.sim.config import HR_TAU_S, IMPERFECTIONS, SCENE_PROFILES
from edge.sim.traits import AthleteTraits, ImuSpec
from edge.taxonomy import GPS_RATE_HZ, HR_RATE_HZ, IMU_RATE_HZ, JOINTS

IMU_FRAME_SAMPLES = 10  # samples per radio frame (100 ms at 100 Hz): losses come in frames
FULL_SCALE_CODES = 32767
LOWER_BODY = np.array(
    [JOINTS.index(j) for j in JOINTS if j.split("_")[-1] in ("hip", "knee", "ankle")]
)


@dataclass(frozen=True)
class SensorClock:
    """A device's free-running clock: device time = (true time + offset)·(1 + drift)."""

    offset_s: float
    drift_ppm: float

    def device_us(self, t_s: np.ndarray | float) -> np.ndarray:
        """Device timestamp (µs, int64) of the true times t_s."""
        t = np.asarray(t_s, dtype=np.float64)
        return np.round((t + self.offset_s) * (1.0 + self.drift_ppm * 1e-6) * 1e6).astype(np.int64)

    def true_s(self, device_us: np.ndarray | int) -> np.ndarray:
        """Inverse of `device_us` (what a perfect clock fit would recover)."""
        d = np.asarray(device_us, dtype=np.float64)
        return d / 1e6 / (1.0 + self.drift_ppm * 1e-6) - self.offset_s


def random_clock(rng: np.random.Generator, drift_ppm: float) -> SensorClock:
    """A clock at a random uptime, with the device's crystal drift (plus temperature wander)."""
    return SensorClock(
        offset_s=float(rng.uniform(0.0, IMPERFECTIONS.max_clock_offset_s)),
        drift_ppm=float(drift_ppm + rng.normal(0.0, 2.0)),
    )


def loss_mask(
    rng: np.random.Generator,
    n: int,
    rate_hz: float,
    bursts_per_min: float,
    mean_len_s: float,
    long_share: float,
    frame: int = 1,
    dead_probability: float = 0.0,
) -> np.ndarray:
    """Valid-sample mask with loss bursts (whole radio frames) and possibly a dead sensor."""
    valid = np.ones(n, dtype=bool)
    duration_min = n / rate_hz / 60.0
    for _ in range(rng.poisson(bursts_per_min * duration_min)):
        start = int(rng.integers(0, max(n, 1)))
        start -= start % frame
        if rng.random() < long_share:
            length = int(rng.uniform(3.0, 10.0) * rate_hz)
        else:
            length = int(rng.geometric(1.0 / max(mean_len_s * rate_hz / frame, 1.0))) * frame
        valid[start : start + length] = False
    if rng.random() < dead_probability:
        valid[int(rng.integers(0, max(n, 1))) :] = False
    return valid


def observe_imu(
    force_g: np.ndarray,
    rate_dps: np.ndarray,
    mount: np.ndarray,
    spec: ImuSpec,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(T,6) float32 readings and (T,) clipped flags: mount rotation, gain, bias, noise,
    16-bit quantisation at the device's full scale. Works in float32, in place: a
    90-minute session is 3 million values per device."""
    n = force_g.shape[0]
    raw = np.empty((n, 6), dtype=np.float32)
    raw[:, :3] = force_g @ mount.T
    raw[:, 3:] = rate_dps @ mount.T
    noise = rng.standard_normal((n, 6), dtype=np.float32)
    noise[:, :3] *= spec.accel_noise_g
    noise[:, 3:] *= spec.gyro_noise_dps
    raw *= spec.scale.astype(np.float32)
    raw += noise
    raw += np.concatenate([spec.accel_bias_g, spec.gyro_bias_dps]).astype(np.float32)
    full = np.array([spec.accel_range_g] * 3 + [spec.gyro_range_dps] * 3, dtype=np.float32)
    raw *= FULL_SCALE_CODES / full
    np.rint(raw, out=raw)
    np.clip(raw, -FULL_SCALE_CODES, FULL_SCALE_CODES, out=raw)
    clipped = np.asarray((np.abs(raw) >= FULL_SCALE_CODES).any(axis=1))
    raw *= full / FULL_SCALE_CODES
    return raw, clipped


def imu_valid(rng: np.random.Generator, n: int, dead_probability: float) -> np.ndarray:
    rates = IMPERFECTIONS
    return loss_mask(
        rng,
        n,
        IMU_RATE_HZ,
        rates.imu_loss_bursts_per_min,
        rates.imu_loss_mean_frames * 0.1,
        rates.imu_long_gap_share,
        IMU_FRAME_SAMPLES,
        dead_probability,
    )


def _dropouts(
    rng: np.random.Generator, n: int, rate_hz: float, per_hour: float, span_s: tuple[float, float]
) -> np.ndarray:
    valid = np.ones(n, dtype=bool)
    for _ in range(rng.poisson(per_hour * n / rate_hz / 3600.0)):
        start = int(rng.integers(0, max(n, 1)))
        valid[start : start + int(rng.uniform(*span_s) * rate_hz)] = False
    return valid


def observe_gps(
    kin: Kinematics, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """10 Hz (x, y, speed) with correlated position error and Doppler speed noise."""
    step = int(round(kin.fs / GPS_RATE_HZ))
    idx = np.arange(0, kin.speed.shape[0], step)
    n = idx.size
    rates = IMPERFECTIONS
    a = np.exp(-1.0 / (rates.gps_error_tau_s * GPS_RATE_HZ))
    walk = lfilter(
        [np.sqrt(1 - a * a)],
        [1, -a],
        rng.normal(0.0, rates.gps_error_m, (n, 2)),
        axis=0,
        zi=np.zeros((1, 2)) + rng.normal(0.0, rates.gps_error_m, (1, 2)) * a,
    )[0]
    x = kin.x[idx] + walk[:, 0] + rng.normal(0.0, rates.gps_white_m, n)
    y = kin.y[idx] + walk[:, 1] + rng.normal(0.0, rates.gps_white_m, n)
    smooth = np.exp(-1.0 / (0.2 * GPS_RATE_HZ))
    speed = lfilter([1 - smooth], [1, -smooth], kin.speed[idx], zi=[smooth * kin.speed[0]])[0]
    speed = np.clip(speed + rng.normal(0.0, rates.gps_speed_noise_mps, n), 0.0, None)
    valid = _dropouts(rng, n, GPS_RATE_HZ, rates.gps_dropouts_per_hour, rates.gps_dropout_s)
    gps = np.stack([x, y, speed], axis=1).astype(np.float32)
    gps[~valid] = 0.0
    return gps, idx / kin.fs, valid


def observe_hr(
    kin: Kinematics,
    load_extra: np.ndarray,
    traits: AthleteTraits,
    rng: np.random.Generator,
    start_level: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """1 Hz heart rate: a first-order lag of the metabolic load (speed, accelerations,
    actions), scaled by fitness and fatigue; `start_level` (0-1) is the load before t=0."""
    step = int(round(kin.fs / HR_RATE_HZ))
    n = kin.speed.shape[0] // step
    speed = kin.speed[: n * step].reshape(n, step).mean(axis=1)
    extra = load_extra[: n * step].reshape(n, step).mean(axis=1)
    load = np.clip(0.12 + 0.9 * (speed / traits.top_speed_mps) ** 1.2 + extra, 0.0, 1.2)
    a = np.exp(-1.0 / (HR_TAU_S * HR_RATE_HZ))
    lagged = lfilter([1 - a], [1, -a], load, zi=[a * start_level])[0]
    reserve = traits.hr_max - traits.hr_rest
    efficiency = 1.05 - 0.15 * traits.fitness + 0.12 * traits.fatigue
    hr = traits.hr_rest + 15 + reserve * np.clip(0.75 * lagged * efficiency, 0, 0.97)
    hr = hr + rng.normal(0.0, IMPERFECTIONS.hr_noise_bpm, n)
    valid = _dropouts(
        rng, n, HR_RATE_HZ, IMPERFECTIONS.hr_dropouts_per_hour, IMPERFECTIONS.hr_dropout_s
    )
    hr = np.where(valid, hr, 0.0).astype(np.float32)
    return hr, np.arange(n) / HR_RATE_HZ, valid


def observe_skeleton(
    joints: np.ndarray,
    reference_heading: float,
    scene: str,
    rng: np.random.Generator,
    rate_hz: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Body-centred joints (mid-hip at the horizontal origin each frame, z = height, x along the
    reference heading) with keypoint jitter and the scene's occlusion episodes (low
    confidence, noisy positions); a clip may lose the camera entirely."""
    profile = SCENE_PROFILES[scene]
    n = joints.shape[0]
    if rng.random() < profile.camera_missing:
        return np.zeros(joints.shape, np.float32), np.zeros(joints.shape[:2], np.float32)
    mid_hip = joints[:, LOWER_BODY[:2]].mean(axis=1)
    out = joints.copy()
    out[:, :, :2] -= mid_hip[:, None, :2]
    c, s = np.cos(-reference_heading), np.sin(-reference_heading)
    out[:, :, 0], out[:, :, 1] = (
        c * out[:, :, 0] - s * out[:, :, 1],
        s * out[:, :, 0] + c * out[:, :, 1],
    )
    out += rng.normal(0.0, profile.jitter_m, out.shape)
    conf = np.ones(joints.shape[:2])
    for _ in range(rng.poisson(profile.occlusion_per_s * n / rate_hz)):
        start = int(rng.integers(0, n))
        stop = start + max(1, int(rng.exponential(profile.occlusion_mean_s) * rate_hz))
        hidden = np.arange(len(JOINTS)) if rng.random() < 0.4 else LOWER_BODY
        conf[start:stop, hidden] = rng.uniform(0.0, 0.35, (min(stop, n) - start, hidden.size))
        out[start:stop, hidden] += rng.normal(0.0, 0.12, (min(stop, n) - start, hidden.size, 3))
    return out.astype(np.float32), conf.astype(np.float32)
