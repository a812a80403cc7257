"""Simulate what one player's sensors record: a whole session, or one labelled clip."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import overload

import numpy as np

from edge.sim.actions import LOCOMOTOR_ACTIONS, SPANS, impact_score, perform
from edge.sim.body import Kinematics, kinematics, skeleton
from edge.sim.config import (
    CLIP_EVENT_JITTER_S,
    CLIP_MARGIN_S,
    IMPERFECTIONS,
    PHASES_BY_SESSION_TYPE,
)
from edge.sim.motion import Motion, add_scene_contacts, empty_motion, fill_background
from edge.sim.sensors import (
    SensorClock,
    imu_valid,
    observe_gps,
    observe_hr,
    observe_imu,
    observe_skeleton,
    random_clock,
)
from edge.sim.traits import AthleteTraits
from edge.taxonomy import ACTIONS, BACKGROUND, IMU_RATE_HZ, SCENES, SKELETON_RATE_HZ, STORED_CLIP_S
from firmware_bridge.errors import UserError

MIN_ACTION_GAP_S = 0.5
SESSION_TYPES = tuple(PHASES_BY_SESSION_TYPE)


class SimulationError(UserError, ValueError):
    """A simulation request names an unknown action, scene or session type, or a bad duration."""

    exit_code = 2


@dataclass(frozen=True)
class SimEvent:
    """A true action: its label, key instant (s from the start of the signals), impact s_k."""

    label: str
    t_s: float
    impact: float
    scene: str = ""  # where it happened (a session's drills are technique_drill)
    intensity: float = 0.0  # 0-1, what the template scaled the movement by


@dataclass
class SessionSignals:
    """Everything the sensors of one player recorded, with the truth beside it.

    IMU arrays are (T,6) float32 [ax ay az in g incl. gravity, gx gy gz in deg/s] in each
    sensor's own frame; samples a sensor did not deliver are zero with `*_valid` false.
    """

    imu_t_s: np.ndarray  # (T,) true time, s
    waist: np.ndarray
    calf: np.ndarray
    waist_valid: np.ndarray
    calf_valid: np.ndarray
    waist_clipped: np.ndarray  # (T,) a channel sat at full scale
    calf_clipped: np.ndarray
    waist_device_us: np.ndarray  # (T,) int64, the waist device's own clock
    calf_device_us: np.ndarray
    gps: np.ndarray  # (Tg,3) x_m, y_m, speed_mps at 10 Hz
    gps_t_s: np.ndarray
    gps_valid: np.ndarray
    hr: np.ndarray  # (Th,) bpm at 1 Hz
    hr_t_s: np.ndarray
    hr_valid: np.ndarray
    skeleton: np.ndarray | None  # (Ts,13,3) metres, body-centred, 60 Hz
    skeleton_conf: np.ndarray | None  # (Ts,13)
    skeleton_t_s: np.ndarray | None
    events: list[SimEvent]
    clocks: dict[str, SensorClock]
    scene: str
    session_type: str
    true_speed_mps: np.ndarray  # (T,) float32, for checks and plots
    true_knee_flexion_deg: np.ndarray  # (T,) float32, the calf-IMU leg

    @property
    def valid(self) -> dict[str, np.ndarray]:
        """Per-sensor masks of delivered samples."""
        out = {
            "waist": self.waist_valid,
            "calf": self.calf_valid,
            "gps": self.gps_valid,
            "hr": self.hr_valid,
        }
        if self.skeleton_conf is not None:
            out["skeleton"] = self.skeleton_conf >= 0.5
        return out


def _check(scene: str, session_type: str | None = None, action: str | None = None) -> None:
    if scene not in SCENES:
        raise SimulationError(f"unknown scene {scene!r}; expected one of {', '.join(SCENES)}")
    if session_type is not None and session_type not in SESSION_TYPES:
        raise SimulationError(
            f"unknown session type {session_type!r}; expected one of {', '.join(SESSION_TYPES)}"
        )
    if action is not None and action not in (*ACTIONS, BACKGROUND):
        raise SimulationError(
            f"unknown action {action!r}; expected one of {', '.join((*ACTIONS, BACKGROUND))}"
        )


@overload
def action_intensity(rng: np.random.Generator, scene: str, size: None = None) -> float: ...


@overload
def action_intensity(rng: np.random.Generator, scene: str, size: int) -> np.ndarray: ...


def action_intensity(
    rng: np.random.Generator, scene: str, size: int | None = None
) -> float | np.ndarray:
    """How hard actions are performed (0-1): harder in games and confrontations than in drills."""
    harder = SCENES.index(scene) / (len(SCENES) - 1)
    values = rng.beta(2.0 + 1.5 * harder, 2.5, size)
    return float(values) if size is None else values


def _schedule(
    rng: np.random.Generator,
    rates_per_min: dict[str, float],
    t0: float,
    t1: float,
    busy_until: float,
) -> tuple[list[tuple[float, str]], float]:
    """Poisson action times within [t0, t1), dropped where they would overlap."""
    proposals: list[tuple[float, str]] = []
    for action, rate in rates_per_min.items():
        span = SPANS[action]
        lo, hi = t0 + span.before_s, t1 - span.after_s
        if hi <= lo:
            continue
        proposals += [
            (float(t), action) for t in rng.uniform(lo, hi, rng.poisson(rate * (t1 - t0) / 60.0))
        ]
    accepted = []
    for t, action in sorted(proposals):
        span = SPANS[action]
        if t - span.before_s >= busy_until + MIN_ACTION_GAP_S:
            accepted.append((t, action))
            busy_until = t + span.after_s
    return accepted, busy_until


def _observe(
    kin: Kinematics,
    m: Motion,
    traits: AthleteTraits,
    rng: np.random.Generator,
    scene: str,
    session_type: str,
    events: list[SimEvent],
    crop: tuple[float, float] | None,
    with_skeleton: bool,
    hr_start: float,
) -> SessionSignals:
    dead = IMPERFECTIONS.dead_sensor_per_session
    waist, waist_clip = observe_imu(
        kin.waist_force_g, kin.waist_rate_dps, traits.waist_mount, traits.waist_imu, rng
    )
    calf, calf_clip = observe_imu(
        kin.calf_force_g, kin.calf_rate_dps, traits.calf_mount, traits.calf_imu, rng
    )
    gps, gps_t, gps_valid = observe_gps(kin, rng)
    hr, hr_t, hr_valid = observe_hr(kin, m.load_extra, traits, rng, hr_start)
    t0, t1 = crop if crop is not None else (0.0, m.duration_s)
    i0, i1 = int(round(t0 * kin.fs)), int(round(t1 * kin.fs))
    n = i1 - i0
    imu_t = np.arange(n) / kin.fs
    waist, calf = waist[i0:i1], calf[i0:i1]
    waist_valid, calf_valid = imu_valid(rng, n, dead), imu_valid(rng, n, dead)
    waist[~waist_valid] = 0.0
    calf[~calf_valid] = 0.0
    g_sel = (gps_t >= t0 - 1e-9) & (gps_t < t1 - 1e-9)
    h_sel = (hr_t >= t0 - 1e-9) & (hr_t < t1 - 1e-9)
    clocks = {
        "waist": random_clock(rng, traits.waist_imu.drift_ppm),
        "calf": random_clock(rng, traits.calf_imu.drift_ppm),
    }
    sk = conf = sk_t = None
    if with_skeleton:
        sk_t = np.arange(int(round((t1 - t0) * SKELETON_RATE_HZ))) / SKELETON_RATE_HZ
        joints = skeleton(kin, sk_t + t0, traits)
        sk, conf = observe_skeleton(joints, float(kin.heading[i0]), scene, rng, SKELETON_RATE_HZ)
    knee = np.degrees(kin.knee_flexion[0, i0:i1]).astype(np.float32)
    return SessionSignals(
        imu_t_s=imu_t,
        waist=waist,
        calf=calf,
        waist_valid=waist_valid,
        calf_valid=calf_valid,
        waist_clipped=waist_clip[i0:i1] & waist_valid,
        calf_clipped=calf_clip[i0:i1] & calf_valid,
        waist_device_us=clocks["waist"].device_us(imu_t),
        calf_device_us=clocks["calf"].device_us(imu_t),
        gps=gps[g_sel],
        gps_t_s=gps_t[g_sel] - t0,
        gps_valid=gps_valid[g_sel],
        hr=hr[h_sel],
        hr_t_s=hr_t[h_sel] - t0,
        hr_valid=hr_valid[h_sel],
        skeleton=sk,
        skeleton_conf=conf,
        skeleton_t_s=sk_t,
        events=[replace(e, t_s=e.t_s - t0) for e in events if t0 <= e.t_s < t1],
        clocks=clocks,
        scene=scene,
        session_type=session_type,
        true_speed_mps=kin.speed[i0:i1].astype(np.float32),
        true_knee_flexion_deg=knee,
    )


def plan_session(
    traits: AthleteTraits,
    rng: np.random.Generator,
    duration_s: float,
    scene: str,
    session_type: str = "training",
    *,
    fs: float = IMU_RATE_HZ,
    rate_scale: Mapping[str, float] | None = None,
    speed_only: bool = False,
) -> tuple[Motion, list[SimEvent]]:
    """The motion plan of a continuous session and its true events, without rendering
    sensors: phases (warm-up, drills, game, recovery for training; warm-up and play for a
    match) with actions embedded in walking/jogging/running background. At a low `fs`
    (e.g. 10 Hz) this is a cheap speed trace for GPS load metrics. `rate_scale`
    multiplies an action's rate (a striker shoots more than a centre-back). `speed_only`
    writes only the actions that change speed or heading (the events list is complete)."""
    _check(scene, session_type)
    if not 10.0 <= duration_s <= 4 * 3600:
        raise SimulationError(f"session duration must be 10 s to 4 h, got {duration_s} s")
    m = empty_motion(int(round(duration_s * fs)), fs)
    scale = rate_scale or {}
    t, busy = 0.0, -np.inf
    plan: list[tuple[float, str, str]] = []
    for phase in PHASES_BY_SESSION_TYPE[session_type]:
        t_end = min(t + phase.share * duration_s, duration_s)
        phase_scene = phase.scene or scene
        fill_background(m, rng, phase_scene, t, t_end, phase.intensity, traits.top_speed_mps)
        add_scene_contacts(m, rng, phase_scene, t, t_end)
        rates = {a: r * scale.get(a, 1.0) for a, r in phase.actions_per_min.items()}
        actions, busy = _schedule(rng, rates, t, t_end, busy)
        plan += [(ta, action, phase_scene) for ta, action in actions]
        t = t_end
    events = []
    for t_key, action, phase_scene in plan:
        level = float(action_intensity(rng, phase_scene))
        if speed_only and action not in LOCOMOTOR_ACTIONS:
            impact = impact_score(action, level, traits)
        else:
            impact = perform(m, action, t_key, traits, rng, level)
        events.append(SimEvent(action, t_key, impact, phase_scene, level))
    return m, events


def simulate_session(
    traits: AthleteTraits,
    rng: np.random.Generator,
    duration_s: float,
    scene: str,
    session_type: str = "training",
    *,
    with_skeleton: bool = True,
    rate_scale: Mapping[str, float] | None = None,
) -> SessionSignals:
    """A continuous session (see `plan_session`) as every sensor recorded it."""
    m, events = plan_session(traits, rng, duration_s, scene, session_type, rate_scale=rate_scale)
    kin = kinematics(m, traits, rng)
    return _observe(kin, m, traits, rng, scene, session_type, events, None, with_skeleton, 0.2)


def simulate_clip(
    traits: AthleteTraits,
    rng: np.random.Generator,
    action: str,
    scene: str,
    *,
    intensity: float | None = None,
) -> SessionSignals:
    """One stored clip (STORED_CLIP_S = 6 s + 1 s context either side) centred on the action
    (key instant within CLIP_EVENT_JITTER_S of the centre); `background` gives a clip of
    walking/jogging/running with no action."""
    _check(scene, action=action)
    total = STORED_CLIP_S + 2 * CLIP_MARGIN_S
    m = empty_motion(int(round(total * IMU_RATE_HZ)))
    fill_background(m, rng, scene, 0.0, total, 1.0, traits.top_speed_mps)
    add_scene_contacts(m, rng, scene, 0.0, total)
    events: list[SimEvent] = []
    if action != BACKGROUND:
        t_key = (
            CLIP_MARGIN_S
            + STORED_CLIP_S / 2
            + rng.uniform(-CLIP_EVENT_JITTER_S, CLIP_EVENT_JITTER_S)
        )
        level = (
            action_intensity(rng, scene) if intensity is None else float(np.clip(intensity, 0, 1))
        )
        events.append(
            SimEvent(action, t_key, perform(m, action, t_key, traits, rng, level), scene, level)
        )
    kin = kinematics(m, traits, rng)
    hr_start = float(np.clip(0.25 + 0.1 * SCENES.index(scene) + rng.normal(0, 0.1), 0.1, 0.9))
    crop = (CLIP_MARGIN_S, CLIP_MARGIN_S + STORED_CLIP_S)
    return _observe(kin, m, traits, rng, scene, "training", events, crop, True, hr_start)
