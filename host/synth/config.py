"""Sizes, calendar, workloads and the hidden injury hazard of the synthetic squad.

Every number here is documented in docs/synthetic.md; the body and sensor physics live in
`edge.sim.config`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from firmware_bridge.errors import UserError

GENERATOR_NAME = "touchline.synth"
# 1.1: players differ more (edge.sim.config.PlayerVariability): the same seed gives
# different data than 1.0.
GENERATOR_VERSION = "1.1"


class SynthError(UserError, ValueError):
    """A synthesis request that cannot be carried out (unknown size or variability, output
    not empty)."""

    exit_code = 2


@dataclass(frozen=True)
class SizeSpec:
    """How much to generate."""

    name: str
    athletes: int
    weeks: int
    action_clips: int  # clips of the eight actions (the paper: 18 420)
    continuous_sessions: int  # whole sessions written to continuous/
    continuous_minutes: float  # how much of each such session is written
    background_fraction: float = 0.15  # background clips, as a share of action clips
    shard_clips: int = 256


SIZES: dict[str, SizeSpec] = {
    # The paper: 126 players, 10 weeks, 18 420 clips, 1 260 player-weeks.
    "paper": SizeSpec("paper", 126, 10, 18420, 6, 45.0),
    "small": SizeSpec("small", 24, 10, 1200, 4, 10.0),
    "tiny": SizeSpec("tiny", 8, 4, 96, 2, 2.0),
}
DEFAULT_SIZE = "paper"

SEASON_START = date(2026, 1, 5)  # a Monday: week 0 starts here
PRESEASON_WEEKS = 4  # hidden history so the true ACWR is defined from week 0

# Team weeks: a normal week has one match, a congested one two, a light one none.
WEEK_TYPES: dict[str, float] = {"normal": 0.65, "congested": 0.25, "light": 0.10}
TEAM_LOAD_SD = 0.15  # week-to-week variation of the coach's planned load
# Day plans (0 = Monday): (day, session type, minutes, intensity).
WEEK_PLANS: dict[str, tuple[tuple[int, str, float, float], ...]] = {
    "normal": (
        (0, "recovery", 35, 0.4),
        (1, "training", 80, 1.1),
        (2, "training", 90, 1.0),
        (3, "training", 75, 0.9),
        (4, "training", 60, 0.7),
        (5, "match", 90, 1.0),
    ),
    "congested": (
        (0, "recovery", 35, 0.4),
        (1, "training", 60, 0.8),
        (2, "match", 90, 1.0),
        (3, "recovery", 35, 0.4),
        (4, "training", 50, 0.7),
        (5, "match", 90, 1.0),
    ),
    "light": (
        (0, "training", 75, 0.9),
        (1, "training", 80, 1.0),
        (3, "training", 70, 0.9),
        (5, "training", 75, 1.0),
    ),
}
SESSION_SKIP = 0.04  # a player misses a planned session (illness, personal)
STARTER_SHARE = 0.6  # players who start a typical match; others come on or sit out
TRAINING_GAME_SCENES: dict[str, float] = {
    "adversarial_training": 0.3,
    "small_sided_game": 0.35,
    "high_intensity_confrontation": 0.15,
    "heavy_occlusion": 0.2,
}
MATCH_SCENES: dict[str, float] = {"full_match": 0.8, "heavy_occlusion": 0.2}

# Action rates by position, relative to the session phase rates of edge.sim.config.
POSITION_ACTION_SCALE: dict[str, dict[str, float]] = {
    "GK": {
        "sprint": 0.2,
        "sudden_stop": 0.5,
        "change_of_direction": 0.6,
        "shot": 0.1,
        "pass": 0.6,
        "header": 0.3,
        "confrontation": 0.3,
        "landing": 1.5,
    },
    "DF": {"header": 1.5, "confrontation": 1.3, "shot": 0.4},
    "MF": {"pass": 1.3, "change_of_direction": 1.1},
    "FW": {"shot": 2.0, "sprint": 1.2, "confrontation": 1.1},
}

# Paper Eq. 19 risk weights rho_k: decelerations and landings load the knee most.
RHO: dict[str, float] = {
    "sprint": 0.6,
    "sudden_stop": 1.0,
    "change_of_direction": 0.9,
    "shot": 0.3,
    "pass": 0.1,
    "header": 0.7,
    "confrontation": 0.8,
    "landing": 1.0,
}

# The clip mix: each action's share ∝ (its count in the season)^CLIP_BALANCE_POWER, so
# rare actions (landings) are not swamped by passes, yet frequencies still differ.
CLIP_BALANCE_POWER = 0.5

# PlayerLoad per session is estimated from the 10 Hz plan (a 100 Hz render of every
# session would cost hours): AU = PL_PER_M · distance + PL_PER_MIN · minutes. The
# coefficients were fitted to edge.load.player_load on full 100 Hz simulations
# (`python tools/bench/synth.py --calibrate` prints them).
PL_PER_M = 0.028
PL_PER_MIN = 1.46


@dataclass(frozen=True)
class Hazard:
    """The hidden weekly injury hazard (logit scale). See docs/synthetic.md.

    logit h = b0_week + acwr_high·max(ACWR−1.3, 0) + acwr_low·max(0.8−ACWR, 0)
              + impact·(D/D_median − 1) + fatigue·F + quality·(1−Q) + history·ln(1+H)
              + recent·[injured in the last 8 weeks] + age·(age−26)/5 + frailty
    b0_week is set each week so the squad's mean hazard equals `base_rate`.
    """

    base_rate: float = 0.06  # time-loss injuries per player-week (~7/1000 h at ~8 h/week)
    acwr_high: float = 3.0
    acwr_low: float = 1.0
    impact: float = 0.7
    fatigue: float = 1.3
    quality: float = 2.8
    history: float = 0.5
    recent: float = 0.6
    age: float = 0.15
    frailty_sd: float = 0.35
    days_lost_median: float = 9.0
    days_lost_sigma: float = 0.9
    types: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "load": ("muscle", "hamstring", "groin", "calf", "thigh"),
            "impact": ("ligament", "knee", "ankle"),
            "contact": ("contusion", "thigh", "hip", "foot"),
            "fatigue": ("overuse", "calf", "foot", "hip"),
        }
    )


HAZARD = Hazard()
