"""Who is being simulated: a player's body, ability, history, and the sensors they wear."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from edge.sim.config import IMPERFECTIONS

POSITIONS: tuple[str, ...] = ("GK", "DF", "MF", "FW")
POSITION_SHARES: tuple[float, ...] = (0.1, 0.32, 0.33, 0.25)


@dataclass(frozen=True)
class ImuSpec:
    """One physical IMU: its full scale and its own error budget (fixed for the device)."""

    accel_range_g: float
    gyro_range_dps: float
    accel_noise_g: float
    gyro_noise_dps: float
    accel_bias_g: np.ndarray  # (3,)
    gyro_bias_dps: np.ndarray  # (3,)
    scale: np.ndarray  # (6,) gain per channel
    drift_ppm: float


@dataclass(frozen=True)
class AthleteTraits:
    """A simulated player. Traits that change across a season (fitness, fatigue) are
    updated with `dataclasses.replace`; the rest stay fixed."""

    athlete_id: str
    position: str
    age: int
    mass_kg: float
    height_m: float
    top_speed_mps: float
    accel_capacity: float  # maximal horizontal acceleration, m/s^2
    technique: float  # 0-1: kick speed and clean landings
    fitness: float  # 0-1: HR response and fatigue resistance
    asymmetry: float  # 0-0.2: left/right difference in swing and loading
    prior_injuries: int
    valgus_tendency: float  # 0-1: knee valgus on landing/cutting (movement quality deficit)
    dominant_right: bool  # the calf IMU is worn on the dominant (kicking) leg
    hr_rest: float
    hr_max: float
    waist_mount: np.ndarray  # (3,3) rotation body -> sensor frame
    calf_mount: np.ndarray  # (3,3) rotation shank -> sensor frame
    waist_imu: ImuSpec
    calf_imu: ImuSpec
    fatigue: float = 0.0  # 0-1, this week's accumulated fatigue

    def with_state(
        self, *, fitness: float | None = None, fatigue: float | None = None
    ) -> AthleteTraits:
        """The same player a week later."""
        return replace(
            self,
            fitness=self.fitness if fitness is None else float(np.clip(fitness, 0.0, 1.0)),
            fatigue=self.fatigue if fatigue is None else float(np.clip(fatigue, 0.0, 1.0)),
        )


def _rotation(rng: np.random.Generator, max_tilt_deg: float, max_yaw_deg: float) -> np.ndarray:
    """A small mounting rotation: strap tilt about x and y, twist about z."""
    rx, ry = np.deg2rad(rng.uniform(-max_tilt_deg, max_tilt_deg, 2))
    rz = np.deg2rad(rng.uniform(-max_yaw_deg, max_yaw_deg))
    cx, sx, cy, sy, cz, sz = np.cos(rx), np.sin(rx), np.cos(ry), np.sin(ry), np.cos(rz), np.sin(rz)
    rot_x = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    rot_y = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rot_z = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rot_z @ rot_y @ rot_x


def random_imu(rng: np.random.Generator, ranges: tuple[float, float]) -> ImuSpec:
    """Draw one device's error budget within the documented imperfection rates."""
    rates = IMPERFECTIONS
    return ImuSpec(
        accel_range_g=ranges[0],
        gyro_range_dps=ranges[1],
        accel_noise_g=float(rng.uniform(*rates.accel_noise_g)),
        gyro_noise_dps=float(rng.uniform(*rates.gyro_noise_dps)),
        accel_bias_g=rng.uniform(-rates.accel_bias_g, rates.accel_bias_g, 3),
        gyro_bias_dps=rng.uniform(-rates.gyro_bias_dps, rates.gyro_bias_dps, 3),
        scale=1.0 + rng.uniform(-rates.scale_error, rates.scale_error, 6),
        drift_ppm=float(rng.uniform(-rates.drift_ppm, rates.drift_ppm)),
    )


def random_traits(rng: np.random.Generator, athlete_id: str) -> AthleteTraits:
    """Draw a senior male player; ranges follow elite squads (docs/synthetic.md)."""
    position = str(rng.choice(POSITIONS, p=POSITION_SHARES))
    goalkeeper = position == "GK"
    height = float(np.clip(rng.normal(1.88 if goalkeeper else 1.80, 0.06), 1.62, 2.02))
    bmi = float(np.clip(rng.normal(23.3, 1.1), 20.5, 26.5))
    top_speed = float(np.clip(rng.normal(8.3 if goalkeeper else 8.9, 0.4), 7.3, 10.0))
    age = int(rng.integers(18, 35))
    rates = IMPERFECTIONS
    wide_calf = rng.random() < rates.calf_wide_range_fraction
    return AthleteTraits(
        athlete_id=athlete_id,
        position=position,
        age=age,
        mass_kg=round(bmi * height**2, 1),
        height_m=round(height, 3),
        top_speed_mps=round(top_speed, 2),
        accel_capacity=float(np.clip(rng.normal(6.2, 0.6), 4.8, 7.8)),
        technique=float(rng.beta(4, 2)),
        fitness=float(rng.beta(5, 2)),
        asymmetry=float(np.clip(rng.gamma(2.0, 0.03), 0.0, 0.2)),
        prior_injuries=int(rng.poisson(0.8)),
        valgus_tendency=float(rng.beta(2, 4)),
        dominant_right=bool(rng.random() < 0.8),
        hr_rest=float(rng.uniform(48, 62)),
        hr_max=float(np.clip(208 - 0.7 * age + rng.normal(0, 5), 178, 205)),
        waist_mount=_rotation(rng, 12, 10),
        calf_mount=_rotation(rng, 10, 15),
        waist_imu=random_imu(rng, rates.waist_range),
        calf_imu=random_imu(rng, rates.calf_range_wide if wide_calf else rates.calf_range_narrow),
    )
