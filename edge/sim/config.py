"""Every tunable number of the simulator, in one place, with where its range comes from.

The defaults are what `touchline synth` and `edge replay --simulate` use; docs/synthetic.md
lists them with references. Nothing else in `edge.sim` hard-codes a physical range.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edge.taxonomy import SCENES

G = 9.80665  # standard gravity, m/s^2

# --- Body and gait ------------------------------------------------------------------------

# Segment lengths as fractions of body height (Winter, Biomechanics and Motor Control of
# Human Movement, 4th ed., Table 4.1).
THIGH_FRACTION = 0.245
SHANK_FRACTION = 0.246
HIP_HEIGHT_FRACTION = 0.53
TRUNK_FRACTION = 0.29  # hip joint centre to shoulder line
HIP_WIDTH_FRACTION = 0.10
SHOULDER_WIDTH_FRACTION = 0.22
UPPER_ARM_FRACTION = 0.186
FOREARM_FRACTION = 0.146
HEAD_FRACTION = 0.13  # shoulder line to nose
# Calf IMU sits this far down the shank from the knee; the waist IMU sits on the pelvis.
CALF_SENSOR_ALONG_SHANK = 0.4


@dataclass(frozen=True)
class GaitModel:
    """Step rhythm and leg swing as functions of running speed.

    Step frequency rises from ~2 Hz walking to ~4.3 Hz at top speed (Weyand et al. 2000,
    J Appl Physiol 89:1991); contact time falls so the stance fraction (duty) shrinks and
    the vertical force peak rises (half-sine stance force, mean 1 body weight per step).
    """

    step_hz_at_rest: float = 1.6
    step_hz_per_mps: float = 0.30
    step_hz_max: float = 4.6
    walk_to_run_mps: tuple[float, float] = (1.9, 2.7)  # blend from walking to running gait
    duty_at_3mps: float = 0.72
    duty_per_mps: float = -0.045
    duty_min: float = 0.40
    walk_vertical_g: float = 0.25
    fore_aft_run_g: float = 0.45
    lateral_sway_g: float = 0.12
    thigh_amp_rad: tuple[float, float] = (0.30, 0.065)  # a + b·v
    knee_flex_rad: tuple[float, float] = (0.25, 0.17)  # a + b·v, peak swing flexion
    # Tibial shock at each foot strike of the instrumented leg (g = a + b·v); 5-10 g when
    # running at 3-4 m/s (Sheerin et al. 2019, Gait Posture 67:12).
    tibial_shock_g: tuple[float, float] = (1.5, 1.35)
    waist_strike_g: float = 0.10  # per m/s, heel-strike transient at the waist
    pelvis_yaw_rad: tuple[float, float] = (0.06, 0.012)


GAIT = GaitModel()


# --- How players differ ---------------------------------------------------------------


@dataclass(frozen=True)
class PlayerVariability:
    """How much one player's recordings differ from another's, beyond body size and ability.

    A model that sees only the squad it trained on learns these as the signature of an
    action; on a new player they move. Real recordings show the cost: on unseen
    footballers macro-F1 falls far below the training players' (docs/results.md,
    "Synthetic vs real: the cross-player gap"). `random_traits` draws each player's values
    once; `WIDE` is the default, `NARROW` the ranges of generator 1.0, for tests and for
    measuring what the width costs.
    """

    # Strap mounting: a rotation about a random axis, by an angle uniform in this range
    # (degrees), drawn per sensor per player; straps are not worn alike.
    waist_mount_deg: tuple[float, float] = (3.0, 30.0)
    calf_mount_deg: tuple[float, float] = (3.0, 30.0)
    # Share of straps worn upside down (the pod turned 180 degrees about its x axis).
    flipped_strap_share: float = 0.05
    # Where the waist pod sits relative to the pelvis centre, uniform ± per axis (m,
    # pelvis frame: forward, left, up): front or back of the belt, hip or spine.
    waist_offset_m: tuple[float, float, float] = (0.10, 0.12, 0.05)
    # Where the calf pod sits along the shank, as a fraction of shank length from the knee.
    calf_along_shank: tuple[float, float] = (0.25, 0.60)
    # Movement style: log-normal spread (sd of the log) of the player's tempo (time scale
    # of kicks, cuts, jumps and pushes), step cadence, knee lift in the gait swing and arm
    # swing, and a forward trunk lean when running, uniform in radians.
    tempo_sd: float = 0.15
    cadence_sd: float = 0.08
    knee_lift_sd: float = 0.15
    arm_swing_sd: float = 0.25
    trunk_lean_rad: tuple[float, float] = (0.0, 0.15)
    # Strength: log-normal spread of a factor on kick speed, ball contact, plants,
    # landings, jump height and pushes.
    strength_sd: float = 0.15
    # Top sprint speed spread, m/s (outfield mean 8.9, keepers 8.3).
    top_speed_sd: float = 0.6
    # Share of left-footed players: their calf IMU is on the left leg and their kicks,
    # gait sway and pelvis rotation mirror a right-footer's.
    left_footed_share: float = 0.2

    def __post_init__(self) -> None:
        for name in ("flipped_strap_share", "left_footed_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be a share in 0-1, got {getattr(self, name)}")
        for name in ("waist_mount_deg", "calf_mount_deg", "calf_along_shank", "trunk_lean_rad"):
            low, high = getattr(self, name)
            if not 0.0 <= low <= high:
                raise ValueError(f"{name} must be a range 0 <= low <= high, got {(low, high)}")
        if self.calf_along_shank[1] > 1.0:
            raise ValueError("calf_along_shank is a fraction of the shank: at most 1")
        spreads = ("tempo_sd", "cadence_sd", "knee_lift_sd", "arm_swing_sd", "strength_sd")
        for name in (*spreads, "top_speed_sd"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")
        if min(self.waist_offset_m) < 0:
            raise ValueError(f"waist_offset_m are ± half-widths, got {self.waist_offset_m}")


WIDE = PlayerVariability()
# Generator 1.0's spread: mounting rotations of the same rms angle as its strap tilt and
# twist (about 12 degrees), the calf pod 40 % down the shank, no flips, offsets or style.
NARROW = PlayerVariability(
    waist_mount_deg=(0.0, 20.0),
    calf_mount_deg=(0.0, 21.0),
    flipped_strap_share=0.0,
    waist_offset_m=(0.0, 0.0, 0.0),
    calf_along_shank=(CALF_SENSOR_ALONG_SHANK, CALF_SENSOR_ALONG_SHANK),
    tempo_sd=0.0,
    cadence_sd=0.0,
    knee_lift_sd=0.0,
    arm_swing_sd=0.0,
    trunk_lean_rad=(0.0, 0.0),
    strength_sd=0.0,
    top_speed_sd=0.4,
)
VARIABILITY: dict[str, PlayerVariability] = {"wide": WIDE, "narrow": NARROW}


# --- Actions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionRanges:
    """Physical ranges each action template draws from (intensity 0-1 spans the range).

    References are listed in docs/synthetic.md.
    """

    sprint_fraction_of_top: tuple[float, float] = (0.84, 1.0)
    sprint_duration_s: tuple[float, float] = (2.5, 5.0)
    stop_entry_mps: tuple[float, float] = (4.0, 7.0)
    stop_decel_mps2: tuple[float, float] = (4.0, 8.0)
    cod_entry_mps: tuple[float, float] = (3.0, 6.0)
    cod_angle_deg: tuple[float, float] = (45.0, 160.0)
    cod_turn_s: tuple[float, float] = (0.18, 0.32)  # time constant of the heading change
    # Peak shank angular rate at ball contact (deg/s): instep kicks 1000-2000+
    # (Nunome et al. 2002, Med Sci Sports Exerc 34:2028); side-foot passes well below.
    shot_shank_dps: tuple[float, float] = (1250.0, 2250.0)
    pass_shank_dps: tuple[float, float] = (550.0, 1050.0)
    ball_contact_g: tuple[float, float] = (3.0, 9.0)
    jump_height_m: tuple[float, float] = (0.25, 0.60)
    header_landing_g: tuple[float, float] = (2.0, 4.0)  # extra vertical g at the waist
    landing_drop_m: tuple[float, float] = (0.35, 0.80)  # effective fall height on landing
    landing_contact_s: tuple[float, float] = (0.14, 0.08)  # soft -> stiff landing
    landing_tibial_g: tuple[float, float] = (10.0, 22.0)
    plant_tibial_g: tuple[float, float] = (7.0, 15.0)
    confrontation_push_g: tuple[float, float] = (1.2, 3.5)
    confrontation_pushes: tuple[int, int] = (2, 6)


ACTION_RANGES = ActionRanges()

# When within a clip the action's key instant lies: clip centre plus up to this much.
CLIP_EVENT_JITTER_S = 0.5
# Margin simulated either side of a clip so filters and lags settle before the crop.
CLIP_MARGIN_S = 2.0


# --- Sensors and their imperfections ------------------------------------------------------


@dataclass(frozen=True)
class ImperfectionRates:
    """How often and how badly sensors misbehave (documented in docs/synthetic.md)."""

    accel_noise_g: tuple[float, float] = (0.008, 0.025)  # white noise rms per device
    gyro_noise_dps: tuple[float, float] = (0.4, 1.5)
    accel_bias_g: float = 0.03  # per-axis bias, uniform ±
    gyro_bias_dps: float = 2.0
    scale_error: float = 0.02  # per-axis gain error, uniform ±
    drift_ppm: float = 40.0  # crystal drift, uniform ± (±20-50 ppm typical)
    max_clock_offset_s: float = 3600.0  # device uptime at session start
    # IMU full scales: a calf sensor at ±16 g / ±2000 dps clips on hard kicks and landings;
    # this fraction of calf devices are ±32 g / ±4000 dps parts.
    calf_wide_range_fraction: float = 0.3
    waist_range: tuple[float, float] = (16.0, 2000.0)
    calf_range_narrow: tuple[float, float] = (16.0, 2000.0)
    calf_range_wide: tuple[float, float] = (32.0, 4000.0)
    # BLE packet-loss bursts (whole 100 ms frames): rate per minute, mean burst frames, and
    # the share of bursts that last 3-10 s (the paper's >3 s drop rule).
    imu_loss_bursts_per_min: float = 0.6
    imu_loss_mean_frames: float = 3.0
    imu_long_gap_share: float = 0.04
    dead_sensor_per_session: float = 0.01  # a device stops for the rest of the session
    gps_error_m: float = 0.9  # correlated position error rms per axis
    gps_error_tau_s: float = 20.0
    gps_white_m: float = 0.12
    gps_speed_noise_mps: float = 0.12
    gps_dropouts_per_hour: float = 3.0
    gps_dropout_s: tuple[float, float] = (1.0, 15.0)
    hr_noise_bpm: float = 1.5
    hr_dropouts_per_hour: float = 2.0
    hr_dropout_s: tuple[float, float] = (2.0, 30.0)


IMPERFECTIONS = ImperfectionRates()

# Heart rate follows a first-order lag of the metabolic load (Stirling et al. 2008, Ann
# Biomed Eng 36:1219: on-kinetics ~20-40 s).
HR_TAU_S = 30.0


# --- Scenes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SceneProfile:
    """What a scene does to the body and the camera."""

    speed_modes: tuple[float, ...]  # background speed mix: stand, walk, jog, run, fast
    contact_per_s: float  # incidental bumps from opponents (unlabelled)
    occlusion_per_s: float  # camera occlusion episodes
    occlusion_mean_s: float
    jitter_m: float  # keypoint jitter rms
    camera_missing: float  # probability a clip has no skeleton at all


SCENE_PROFILES: dict[str, SceneProfile] = {
    "technique_drill": SceneProfile((0.4, 0.35, 0.18, 0.05, 0.02), 0.0, 0.02, 0.25, 0.008, 0.01),
    "adversarial_training": SceneProfile(
        (0.22, 0.36, 0.27, 0.11, 0.04), 0.05, 0.08, 0.35, 0.012, 0.02
    ),
    "small_sided_game": SceneProfile((0.18, 0.34, 0.29, 0.14, 0.05), 0.08, 0.12, 0.40, 0.015, 0.02),
    "full_match": SceneProfile((0.2, 0.38, 0.27, 0.11, 0.04), 0.06, 0.15, 0.45, 0.020, 0.03),
    "high_intensity_confrontation": SceneProfile(
        (0.15, 0.33, 0.3, 0.16, 0.06), 0.15, 0.22, 0.55, 0.022, 0.03
    ),
    "heavy_occlusion": SceneProfile((0.2, 0.36, 0.28, 0.12, 0.04), 0.08, 0.45, 0.90, 0.030, 0.06),
}
assert tuple(SCENE_PROFILES) == SCENES, "one profile per scene, in taxonomy order"

BACKGROUND_MODE_MPS: tuple[float, ...] = (0.0, 1.2, 2.4, 4.0, 5.6)


@dataclass(frozen=True)
class SessionPhase:
    """One block of a continuous session: its share of the time and action rates per minute."""

    name: str
    share: float
    scene: str | None  # None: the session's own scene
    actions_per_min: dict[str, float] = field(default_factory=dict)
    intensity: float = 1.0  # scales background speed modes towards running


# Action rates per minute in each phase of a training session. Match-play rates follow
# time-motion analyses (e.g. ~1 sprint per 2-3 min, ~1 pass per min; Bloomfield et al.
# 2007, J Sports Sci Med 6:63).
TRAINING_PHASES: tuple[SessionPhase, ...] = (
    SessionPhase(
        "warm_up",
        0.18,
        "technique_drill",
        {"sprint": 0.06, "change_of_direction": 0.3, "pass": 0.8},
        0.6,
    ),
    SessionPhase(
        "drills",
        0.32,
        "technique_drill",
        {
            "pass": 1.6,
            "shot": 0.6,
            "header": 0.25,
            "change_of_direction": 0.35,
            "sudden_stop": 0.2,
            "landing": 0.1,
            "sprint": 0.1,
        },
        0.8,
    ),
    SessionPhase(
        "game",
        0.38,
        None,
        {
            "sprint": 0.25,
            "sudden_stop": 0.45,
            "change_of_direction": 0.7,
            "shot": 0.15,
            "pass": 1.0,
            "header": 0.18,
            "confrontation": 0.4,
            "landing": 0.12,
        },
        1.0,
    ),
    SessionPhase("recovery", 0.12, "technique_drill", {"pass": 0.2}, 0.35),
)
MATCH_PHASES: tuple[SessionPhase, ...] = (
    SessionPhase(
        "warm_up",
        0.15,
        "technique_drill",
        {"sprint": 0.06, "change_of_direction": 0.3, "pass": 0.8},
        0.6,
    ),
    SessionPhase(
        "game",
        0.80,
        None,
        {
            "sprint": 0.22,
            "sudden_stop": 0.4,
            "change_of_direction": 0.6,
            "shot": 0.08,
            "pass": 0.8,
            "header": 0.15,
            "confrontation": 0.35,
            "landing": 0.1,
        },
        1.0,
    ),
    SessionPhase("recovery", 0.05, "technique_drill", {}, 0.3),
)
RECOVERY_PHASES: tuple[SessionPhase, ...] = (
    SessionPhase(
        "recovery", 1.0, "technique_drill", {"pass": 0.5, "change_of_direction": 0.1}, 0.4
    ),
)
PHASES_BY_SESSION_TYPE: dict[str, tuple[SessionPhase, ...]] = {
    "training": TRAINING_PHASES,
    "match": MATCH_PHASES,
    "recovery": RECOVERY_PHASES,
}
