"""Training-time augmentations that imitate how one player's recording differs from another's.

A strap sits at a different angle on every player (random rotation of each sensor's
frame), players move with different strength (magnitude warping, Um et al. 2017) and
speed (time warping), and classes blur into each other at their edges (mixup, Zhang et
al. 2018, applied in the training loop: see `mix`). Everything works on a batch
`(N, C, T)` of windows in physical units (g, deg/s) with a caller's random generator, so
the same code serves the student, the teacher and tests; `Augmenter.apply` also accepts
z-scored windows when given the normaliser that produced them.

Sensors are described by their channel indices: an IMU is an accelerometer triad and a
gyroscope triad that turn together (`imu_sensors` builds that list for the taxonomy's
`<site>_ax … <site>_gz` layout). Channels of no sensor (GPS speed) only get time warping.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from edge import dsp


@dataclass(frozen=True)
class AugmentConfig:
    """Strength of each augmentation; 0 turns it off. Defaults are all off."""

    # Largest angle (degrees) of a random rotation of each sensor's frame, about a random axis.
    rotation_deg: float = 0.0
    # Magnitude warping: each sensor's signal is multiplied by a smooth random curve with
    # this standard deviation around 1 (`warp_knots` knots over the window).
    magnitude_sigma: float = 0.0
    # Time warping: the window is replayed at a random speed in [1 - s, 1 + s] about its centre.
    time_stretch: float = 0.0
    warp_knots: int = 4
    # Mixup: pairs of windows are blended with a weight drawn from Beta(alpha, alpha).
    mixup_alpha: float = 0.0
    # Share of windows that are augmented (the rest are seen as recorded).
    probability: float = 1.0

    def __post_init__(self) -> None:
        if self.warp_knots < 2:
            raise ValueError(f"warp_knots must be at least 2, got {self.warp_knots}")

    @property
    def active(self) -> bool:
        return self.rotation_deg > 0 or self.magnitude_sigma > 0 or self.time_stretch > 0


@dataclass(frozen=True)
class Sensor:
    """Channel indices of one IMU: the accelerometer's x, y, z and the gyroscope's."""

    accel: tuple[int, int, int]
    gyro: tuple[int, int, int]


def imu_sensors(n_sites: int, first: int = 0) -> tuple[Sensor, ...]:
    """Sensors of `n_sites` consecutive `ax ay az gx gy gz` blocks starting at `first`."""
    return tuple(
        Sensor(
            accel=(first + 6 * s, first + 6 * s + 1, first + 6 * s + 2),
            gyro=(first + 6 * s + 3, first + 6 * s + 4, first + 6 * s + 5),
        )
        for s in range(n_sites)
    )


@dataclass(frozen=True)
class Augmenter:
    """Applies `config` to batches whose IMUs are `sensors`."""

    config: AugmentConfig
    sensors: tuple[Sensor, ...]

    def apply(
        self,
        batch: np.ndarray,
        rng: np.random.Generator,
        normaliser: dsp.Normaliser | None = None,
    ) -> np.ndarray:
        """A new augmented batch. With `normaliser`, `batch` is z-scored: it is taken back
        to physical units (a rotation of z-scored axes is not a rotation), augmented, and
        z-scored again."""
        if not self.config.active or len(batch) == 0:
            return batch
        x = batch.astype(np.float32, copy=True)
        if normaliser is not None:
            x = normaliser.invert(x).astype(np.float32)
        chosen = np.flatnonzero(rng.random(len(x)) < self.config.probability)
        if len(chosen):
            part = x[chosen]
            if self.config.rotation_deg > 0:
                part = rotate(part, self.sensors, self.config.rotation_deg, rng)
            if self.config.magnitude_sigma > 0:
                part = magnitude_warp(
                    part, self.sensors, self.config.magnitude_sigma, self.config.warp_knots, rng
                )
            if self.config.time_stretch > 0:
                part = time_warp(part, self.config.time_stretch, rng)
            x[chosen] = part
        if normaliser is not None:
            x = normaliser.apply(x).astype(np.float32)
        return x


def random_rotations(n: int, max_deg: float, rng: np.random.Generator) -> np.ndarray:
    """`(n, 3, 3)` rotations about uniformly random axes by angles uniform in [0, max_deg]."""
    axes = rng.normal(size=(n, 3))
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    angles = np.deg2rad(rng.uniform(0.0, max_deg, size=(n, 1)))
    return Rotation.from_rotvec(axes * angles).as_matrix().astype(np.float32)


def rotate(
    batch: np.ndarray, sensors: tuple[Sensor, ...], max_deg: float, rng: np.random.Generator
) -> np.ndarray:
    """Each window's sensors turned by their own random rotation (accel and gyro together)."""
    out = batch.copy()
    for sensor in sensors:
        matrices = random_rotations(len(batch), max_deg, rng)
        for triad in (sensor.accel, sensor.gyro):
            idx = list(triad)
            out[:, idx] = np.einsum("nij,njt->nit", matrices, batch[:, idx])
    return out


def smooth_curves(
    n: int, length: int, sigma: float, knots: int, rng: np.random.Generator
) -> np.ndarray:
    """`(n, length)` curves through `knots` random N(1, sigma) values, linearly joined."""
    values = rng.normal(1.0, sigma, size=(n, knots)).astype(np.float32)
    where = np.linspace(0, knots - 1, length)
    low = np.minimum(np.floor(where).astype(int), knots - 2)
    frac = (where - low).astype(np.float32)
    return values[:, low] * (1 - frac) + values[:, low + 1] * frac


def magnitude_warp(
    batch: np.ndarray,
    sensors: tuple[Sensor, ...],
    sigma: float,
    knots: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Each sensor's six channels scaled by one smooth random curve (stronger or weaker
    movement, not a distortion of direction)."""
    out = batch.copy()
    for sensor in sensors:
        curve = smooth_curves(len(batch), batch.shape[2], sigma, knots, rng)
        idx = [*sensor.accel, *sensor.gyro]
        out[:, idx] = batch[:, idx] * curve[:, None, :]
    return out


def time_warp(batch: np.ndarray, stretch: float, rng: np.random.Generator) -> np.ndarray:
    """Each window replayed at a random speed in [1 - stretch, 1 + stretch] about its
    centre (linear interpolation; samples beyond the window repeat its edge)."""
    n, _, length = batch.shape
    speed = rng.uniform(1.0 - stretch, 1.0 + stretch, size=(n, 1)).astype(np.float32)
    centre = (length - 1) / 2
    where = (centre + (np.arange(length, dtype=np.float32) - centre) * speed).clip(0, length - 1)
    low = np.floor(where).astype(int).clip(0, length - 2)
    frac = (where - low)[:, None, :]
    rows = np.arange(n)[:, None, None]
    chans = np.arange(batch.shape[1])[None, :, None]
    before = batch[rows, chans, low[:, None, :]]
    after = batch[rows, chans, low[:, None, :] + 1]
    return before * (1 - frac) + after * frac


def mix(
    batch: np.ndarray, alpha: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, float]:
    """Mixup: (blended batch, partner index of each row, weight of the row's own label).
    The loss is `w · loss(own label) + (1 − w) · loss(partner's label)`."""
    weight = float(rng.beta(alpha, alpha))
    partner = rng.permutation(len(batch))
    return weight * batch + (1 - weight) * batch[partner], partner, weight
