"""The moving body as a few time series (speed, turning, jumps, leg overrides) at 100 Hz.

Background locomotion fills the timeline; action templates (`edge.sim.actions`) then
overwrite short windows of it. `edge.sim.body` turns the result into joint angles,
segment positions and true sensor motion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from edge.sim.config import BACKGROUND_MODE_MPS, SCENE_PROFILES
from edge.taxonomy import IMU_RATE_HZ

PITCH_HOME_RADIUS_M = 35.0  # players wander back towards the centre beyond this
SPEED_SMOOTHING_S = 0.9  # time constant of background speed changes


@dataclass
class Motion:
    """Kinematic plan of one athlete, sampled at `fs` from t = 0."""

    fs: float
    v: np.ndarray  # forward speed, m/s
    yaw_rate: np.ndarray  # heading rate, rad/s
    gait_w: np.ndarray  # 1 = normal stepping, 0 = stepping suppressed (jumps, kicks)
    z_extra: np.ndarray  # pelvis height change beyond gait: crouch (<0) or flight (>0), m
    airborne: np.ndarray  # bool: feet off the ground
    lean_pitch: np.ndarray  # trunk lean forward, rad
    lean_roll: np.ndarray  # trunk lean to the left, rad
    pelvis_yaw: np.ndarray  # pelvis rotation beyond heading (kicks), rad
    leg_w: np.ndarray  # (2,T) weight of the leg overrides; leg 0 wears the calf IMU
    thigh_override: np.ndarray  # (2,T) thigh angle from vertical, forward positive, rad
    shank_override: np.ndarray  # (2,T)
    valgus: np.ndarray  # medial knee shift, m (movement-quality deficit made visible)
    arms_up: np.ndarray  # 0-1 arms raised
    head_pitch: np.ndarray  # extra neck flexion, rad
    waist_shock: np.ndarray  # (T,3) contact transients at the waist, g, heading frame
    calf_shock: np.ndarray  # (T,3) transients at the calf, g, shank frame
    load_extra: np.ndarray  # metabolic cost of actions beyond running, 0-1 scale

    @property
    def n(self) -> int:
        return int(self.v.shape[0])

    @property
    def duration_s(self) -> float:
        return self.n / self.fs

    def index(self, t_s: float) -> int:
        """Sample index of time t_s, clipped into the plan."""
        return min(max(int(round(t_s * self.fs)), 0), self.n - 1)

    def window(self, t0_s: float, t1_s: float) -> tuple[slice, np.ndarray]:
        """Slice of the plan covering [t0, t1) and the times (s) of its samples."""
        i0 = min(max(math.floor(t0_s * self.fs), 0), self.n)
        i1 = min(max(math.ceil(t1_s * self.fs), 0), self.n)
        return slice(i0, i1), np.arange(i0, i1) / self.fs


def empty_motion(n: int, fs: float = IMU_RATE_HZ) -> Motion:
    """A plan of n samples standing still."""

    def zeros() -> np.ndarray:
        return np.zeros(n)

    return Motion(
        fs=fs,
        v=zeros(),
        yaw_rate=zeros(),
        gait_w=np.ones(n),
        z_extra=zeros(),
        airborne=np.zeros(n, dtype=bool),
        lean_pitch=zeros(),
        lean_roll=zeros(),
        pelvis_yaw=zeros(),
        leg_w=np.zeros((2, n)),
        thigh_override=np.zeros((2, n)),
        shank_override=np.zeros((2, n)),
        valgus=zeros(),
        arms_up=zeros(),
        head_pitch=zeros(),
        waist_shock=np.zeros((n, 3)),
        calf_shock=np.zeros((n, 3)),
        load_extra=zeros(),
    )


def fill_background(
    m: Motion,
    rng: np.random.Generator,
    scene: str,
    t0_s: float,
    t1_s: float,
    intensity: float = 1.0,
    top_speed_mps: float = 9.0,
) -> None:
    """Walking, jogging and running between actions: speed segments of 2-12 s drawn from the
    scene's speed mix, smooth speed changes, gentle curving runs that stay on the pitch."""
    profile = SCENE_PROFILES[scene]
    modes = np.asarray(profile.speed_modes, dtype=float)
    # Lower intensity moves probability from the fast modes to standing and walking.
    weights = modes * np.array([1 / intensity, 1 / intensity, 1.0, intensity, intensity**2])
    weights /= weights.sum()
    sl, _ = m.window(t0_s, t1_s)
    n = sl.stop - sl.start
    if n <= 0:
        return
    durations = rng.uniform(2.0, 12.0, size=max(4, int(n / m.fs / 4) + 4))
    bounds = np.concatenate([[0], np.cumsum(np.round(durations * m.fs).astype(int))])
    n_seg = int(np.searchsorted(bounds, n)) + 1
    bounds = np.minimum(bounds[: n_seg + 1], n)
    mode = rng.choice(len(modes), size=n_seg, p=weights)
    target = np.asarray(BACKGROUND_MODE_MPS)[mode] * rng.uniform(0.8, 1.15, n_seg)
    target = np.minimum(target, 0.75 * top_speed_mps)
    # Heading: a random curvature per segment, steering home when far from the centre.
    x = y = 0.0
    heading = float(rng.uniform(-np.pi, np.pi))
    wander = rng.normal(0.0, 0.12, n_seg).tolist()
    seg_s = (np.maximum(np.diff(bounds), 1) / m.fs).tolist()
    speeds = target.tolist()
    rates = []
    for k in range(n_seg):
        dur = seg_s[k]
        rate = wander[k]
        if math.hypot(x, y) > PITCH_HOME_RADIUS_M:
            turn = (math.atan2(-y, -x) - heading + math.pi) % (2 * math.pi) - math.pi
            rate = min(max(turn / dur * 1.5, -0.8), 0.8)
        heading_mid = heading + rate * dur / 2
        x += speeds[k] * dur * math.cos(heading_mid)
        y += speeds[k] * dur * math.sin(heading_mid)
        heading += rate * dur
        rates.append(rate)
    seg_of_sample = np.repeat(np.arange(n_seg), np.diff(bounds))
    speed_target = target[seg_of_sample]
    alpha = 1.0 / (SPEED_SMOOTHING_S * m.fs)
    start = m.v[sl.start - 1] if sl.start > 0 else speed_target[0]
    speed, _ = lfilter([alpha], [1, alpha - 1], speed_target, zi=[(1 - alpha) * start])
    m.v[sl] = speed
    yaw = np.asarray(rates)[seg_of_sample]
    m.yaw_rate[sl] = lfilter([alpha], [1, alpha - 1], yaw, zi=[(1 - alpha) * yaw[0]])[0]


def add_scene_contacts(
    m: Motion, rng: np.random.Generator, scene: str, t0_s: float, t1_s: float
) -> None:
    """Unlabelled bumps from opponents at the scene's rate: small lateral shocks."""
    rate = SCENE_PROFILES[scene].contact_per_s
    if rate <= 0:
        return
    n = rng.poisson(rate * max(t1_s - t0_s, 0.0))
    if n == 0:
        return
    index = np.clip(np.round(rng.uniform(t0_s, t1_s, n) * m.fs).astype(int), 0, m.n - 1)
    push = np.zeros((m.n, 3))
    vectors = np.stack([np.full(n, 0.2), rng.choice([-1.0, 1.0], n), np.full(n, 0.1)], axis=1)
    np.add.at(push, index, vectors * rng.uniform(0.4, 1.3, (n, 1)))
    kernel = pulse_kernel(3)
    for axis in range(3):  # kernel peak sits at offset `width` of the kernel
        m.waist_shock[:, axis] += np.convolve(push[:, axis], kernel)[3 : 3 + m.n]


_PULSE_CACHE: dict[int, np.ndarray] = {}


def pulse_kernel(width: int) -> np.ndarray:
    """A short impact shape (samples): sharp rise, exponential-ish decay, peak 1."""
    kernel = _PULSE_CACHE.get(width)
    if kernel is None:
        k = np.arange(-width, 3 * width + 1, dtype=float)
        kernel = np.where(k < 0, np.exp(-0.5 * (k / max(width / 2, 0.5)) ** 2), np.exp(-k / width))
        _PULSE_CACHE[width] = kernel
    return kernel


def add_pulse(target: np.ndarray, index: int, vector: np.ndarray | float, width: int) -> None:
    """Add an impact of peak `vector` (per column) centred at `index`, clipped to the array."""
    kernel = pulse_kernel(width)
    lo = index - width
    a0, a1 = max(lo, 0), min(lo + kernel.size, target.shape[0])
    if a1 <= a0:
        return
    part = kernel[a0 - lo : a1 - lo]
    if target.ndim == 1:
        target[a0:a1] += part * float(vector)
    else:
        target[a0:a1] += part[:, None] * np.asarray(vector)[None, :]


def smoothstep(x: np.ndarray) -> np.ndarray:
    """0 -> 1 over x in (-inf, inf), steepest (slope 1/2) at 0."""
    step: np.ndarray = 0.5 + 0.5 * np.tanh(x)
    return step


def bump(t: np.ndarray, centre: float, width: float) -> np.ndarray:
    """Gaussian bump of peak 1."""
    return np.exp(-0.5 * ((t - centre) / width) ** 2)


def blend(target: np.ndarray, sl: slice, weight: np.ndarray, value: np.ndarray | float) -> None:
    """target[sl] <- (1-w)·target + w·value."""
    target[sl] = (1.0 - weight) * target[sl] + weight * value


def window_weight(t: np.ndarray, start: float, end: float, ramp: float) -> np.ndarray:
    """1 inside [start, end], smooth ramps of `ramp` seconds outside."""
    return np.clip(np.minimum((t - start) / ramp + 1.0, (end - t) / ramp + 1.0), 0.0, 1.0)
