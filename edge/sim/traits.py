"""Who is being simulated: a player's body, ability, history, and the sensors they wear."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.spatial.transform import Rotation

from edge.sim.config import CALF_SENSOR_ALONG_SHANK, IMPERFECTIONS, WIDE, PlayerVariability

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
    # How this player moves and wears the straps (edge.sim.config.PlayerVariability).
    waist_offset_m: np.ndarray = field(default_factory=lambda: np.zeros(3))  # pelvis frame
    calf_along_shank: float = CALF_SENSOR_ALONG_SHANK
    waist_flipped: bool = False  # strap worn upside down (already in waist_mount)
    calf_flipped: bool = False
    tempo: float = 1.0  # time scale of kicks, cuts, jumps and pushes (>1: slower)
    cadence: float = 1.0  # step frequency factor
    knee_lift: float = 1.0  # gait swing amplitude factor
    arm_swing: float = 1.0
    trunk_lean_rad: float = 0.0  # extra forward lean when running
    strength: float = 1.0  # factor on kick speed, contacts, plants, jumps and pushes

    @property
    def mirror(self) -> float:
        """+1 for a right-footed player, -1 for a left-footed one: the sign of every
        left-right quantity of the instrumented (dominant) leg's movements."""
        return 1.0 if self.dominant_right else -1.0

    def with_state(
        self, *, fitness: float | None = None, fatigue: float | None = None
    ) -> AthleteTraits:
        """The same player a week later."""
        return replace(
            self,
            fitness=self.fitness if fitness is None else float(np.clip(fitness, 0.0, 1.0)),
            fatigue=self.fatigue if fatigue is None else float(np.clip(fatigue, 0.0, 1.0)),
        )


def mounting(
    rng: np.random.Generator, angle_deg: tuple[float, float], flip_share: float
) -> tuple[np.ndarray, bool]:
    """A strap's rotation body -> sensor frame: a turn about a random axis by an angle
    drawn from `angle_deg`, and with probability `flip_share` the pod upside down."""
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    turn = Rotation.from_rotvec(axis * np.deg2rad(rng.uniform(*angle_deg)))
    flipped = bool(rng.random() < flip_share)
    if flipped:
        turn = Rotation.from_euler("x", np.pi) * turn
    return turn.as_matrix(), flipped


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


def _spread(rng: np.random.Generator, sd: float) -> float:
    """A log-normal factor around 1 (sd of the log), kept within two sd."""
    return float(np.exp(np.clip(rng.normal(0.0, sd), -2 * sd, 2 * sd)))


def random_traits(
    rng: np.random.Generator, athlete_id: str, variability: PlayerVariability = WIDE
) -> AthleteTraits:
    """Draw a senior male player; ranges follow elite squads (docs/synthetic.md), and
    `variability` sets how differently players move and wear their straps."""
    v = variability
    position = str(rng.choice(POSITIONS, p=POSITION_SHARES))
    goalkeeper = position == "GK"
    height = float(np.clip(rng.normal(1.88 if goalkeeper else 1.80, 0.06), 1.62, 2.02))
    bmi = float(np.clip(rng.normal(23.3, 1.1), 20.5, 26.5))
    top_speed = float(np.clip(rng.normal(8.3 if goalkeeper else 8.9, v.top_speed_sd), 7.3, 10.0))
    age = int(rng.integers(18, 35))
    rates = IMPERFECTIONS
    wide_calf = rng.random() < rates.calf_wide_range_fraction
    waist_mount, waist_flipped = mounting(rng, v.waist_mount_deg, v.flipped_strap_share)
    calf_mount, calf_flipped = mounting(rng, v.calf_mount_deg, v.flipped_strap_share)
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
        dominant_right=bool(rng.random() >= v.left_footed_share),
        hr_rest=float(rng.uniform(48, 62)),
        hr_max=float(np.clip(208 - 0.7 * age + rng.normal(0, 5), 178, 205)),
        waist_mount=waist_mount,
        calf_mount=calf_mount,
        waist_imu=random_imu(rng, rates.waist_range),
        calf_imu=random_imu(rng, rates.calf_range_wide if wide_calf else rates.calf_range_narrow),
        waist_offset_m=rng.uniform(-1.0, 1.0, 3) * np.asarray(v.waist_offset_m),
        calf_along_shank=float(rng.uniform(*v.calf_along_shank)),
        waist_flipped=waist_flipped,
        calf_flipped=calf_flipped,
        tempo=_spread(rng, v.tempo_sd),
        cadence=_spread(rng, v.cadence_sd),
        knee_lift=_spread(rng, v.knee_lift_sd),
        arm_swing=_spread(rng, v.arm_swing_sd),
        trunk_lean_rad=float(rng.uniform(*v.trunk_lean_rad)),
        strength=_spread(rng, v.strength_sd),
    )
