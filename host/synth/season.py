"""A season of the squad: the team calendar, each player's sessions, and what they did in them.

Each athlete-session is planned by `edge.sim.plan_session` at 10 Hz: the same background
locomotion and action scheduler as the full simulation, so action counts and the GPS
metrics (computed with `edge.load`, as the sideline does) come from one speed trace.
Week-by-week state (fatigue, fitness, injuries) is applied afterwards in
`host.synth.weeks`, because an injured player's missed sessions depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from edge.dsp import GPS_CUTOFF_HZ, lowpass
from edge.load import accel_decel_counts, speed_zones
from edge.sim import AthleteTraits, plan_session
from edge.taxonomy import ACTIONS, GPS_RATE_HZ, SCENES
from host.synth.config import (
    MATCH_SCENES,
    POSITION_ACTION_SCALE,
    SEASON_START,
    SESSION_SKIP,
    TEAM_LOAD_SD,
    TRAINING_GAME_SCENES,
    WEEK_PLANS,
    WEEK_TYPES,
)
from host.synth.squad import Player

GPS_SPEED_NOISE_MPS = 0.12


@dataclass(frozen=True)
class TeamSession:
    """One session on the team calendar."""

    session_id: str
    week: int
    day: int  # 0 = Monday
    type: str
    minutes: float
    intensity: float
    scene: str

    @property
    def date(self) -> date:
        return SEASON_START + timedelta(days=7 * self.week + self.day)


@dataclass
class PlannedSession:
    """One athlete's part in a session, with what the 10 Hz plan says they did."""

    athlete: int  # index into the squad
    session: TeamSession
    minutes: float
    intensity: float
    distance_m: float = 0.0
    hsr_m: float = 0.0
    sprints: int = 0
    accels: int = 0
    decels: int = 0
    max_speed_mps: float = 0.0
    # The planned actions, empty until the session is planned.
    event_action: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))  # ACTIONS
    event_t_s: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    event_intensity: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    event_scene: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))  # SCENES

    @property
    def counts(self) -> np.ndarray:
        return np.bincount(self.event_action, minlength=len(ACTIONS))


def _pick(rng: np.random.Generator, shares: dict[str, float]) -> str:
    names = list(shares)
    return names[
        int(rng.choice(len(names), p=np.asarray(list(shares.values())) / sum(shares.values())))
    ]


def team_calendar(rng: np.random.Generator, weeks: int) -> list[list[TeamSession]]:
    """Sessions per week for `weeks` weeks: week types (normal, congested, light), the
    coach's weekly load, and each session's scene."""
    calendar = []
    for week in range(weeks):
        kind = _pick(rng, WEEK_TYPES)
        load = float(np.clip(rng.normal(1.0, TEAM_LOAD_SD), 0.6, 1.45))
        sessions = []
        for day, kind_of_session, minutes, intensity in WEEK_PLANS[kind]:
            if kind_of_session == "match":
                scene = _pick(rng, MATCH_SCENES)
            elif kind_of_session == "training":
                scene = _pick(rng, TRAINING_GAME_SCENES)
            else:
                scene = "technique_drill"
            scale = 1.0 if kind_of_session == "match" else load
            sessions.append(
                TeamSession(
                    f"W{week:02d}D{day}",
                    week,
                    day,
                    kind_of_session,
                    float(minutes * (0.85 + 0.15 * scale)),
                    float(intensity * scale),
                    scene,
                )
            )
        calendar.append(sessions)
    return calendar


def athlete_schedule(
    rng: np.random.Generator, player: Player, index: int, calendar: list[list[TeamSession]]
) -> list[PlannedSession]:
    """Which sessions a player takes part in, for how long: starters play matches, others
    come on late or do a compensatory session; a few sessions are missed."""
    planned = []
    for week_sessions in calendar:
        for s in week_sessions:
            if rng.random() < SESSION_SKIP:
                continue
            minutes, intensity = s.minutes * rng.uniform(0.92, 1.05), s.intensity
            if s.type == "match":
                starts = rng.random() < (0.8 if player.starter else 0.25)
                if player.traits.position == "GK":
                    starts = player.starter
                if starts:
                    minutes = 90.0 if rng.random() < 0.8 else float(rng.uniform(55, 85))
                elif rng.random() < 0.55:
                    minutes = float(rng.uniform(12, 35))
                else:
                    extra = TeamSession(
                        s.session_id + "c", s.week, s.day, "training", 45.0, 0.8, "small_sided_game"
                    )
                    planned.append(PlannedSession(index, extra, 45.0 * rng.uniform(0.9, 1.1), 0.8))
                    continue
            planned.append(PlannedSession(index, s, float(minutes), float(intensity)))
    return planned


def plan_athlete(
    seed: int, traits: AthleteTraits, sessions: list[PlannedSession]
) -> list[PlannedSession]:
    """Fill each planned session from a 10 Hz edge.sim plan (run in a worker process)."""
    if not sessions:
        return sessions
    rng = np.random.default_rng([seed, 1, sessions[0].athlete])
    position_scale = POSITION_ACTION_SCALE.get(traits.position, {})
    for p in sessions:
        scale = {a: position_scale.get(a, 1.0) * p.intensity for a in ACTIONS}
        duration_s = max(p.minutes * 60.0, 60.0)
        motion, events = plan_session(
            traits,
            rng,
            duration_s,
            p.session.scene,
            p.session.type,
            fs=GPS_RATE_HZ,
            rate_scale=scale,
            speed_only=True,
        )
        measured = np.clip(motion.v + rng.normal(0.0, GPS_SPEED_NOISE_MPS, motion.n), 0.0, None)
        smooth = np.clip(lowpass(measured, GPS_RATE_HZ, GPS_CUTOFF_HZ), 0.0, None)
        zones = speed_zones(smooth, GPS_RATE_HZ)
        p.distance_m, p.hsr_m, p.sprints = zones.distance_m, zones.hsr_m, zones.sprints
        p.max_speed_mps = zones.max_speed_mps
        p.accels, p.decels = accel_decel_counts(smooth, GPS_RATE_HZ)
        p.event_action = np.array([ACTIONS.index(e.label) for e in events], dtype=np.int8)
        p.event_t_s = np.array([e.t_s for e in events], dtype=np.float32)
        p.event_intensity = np.array([e.intensity for e in events], dtype=np.float32)
        p.event_scene = np.array([SCENES.index(e.scene) for e in events], dtype=np.int8)
    return sessions
