"""Kinematic templates of the eight football actions, written onto a motion plan.

Each template takes the action's key instant (the time saved as the true event time),
the player and an intensity in 0-1 and changes the plan around that instant; `perform`
also returns the action's impact score s_k (paper Eq. 19: impact intensity or posture
abnormality, 0-1). Key instants: sprint = 1 s into the acceleration; sudden stop = peak braking;
change of direction = peak turning rate; shot/pass = ball contact; header = ball
contact at the top of the jump; confrontation = first contact; landing = touchdown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from edge.sim.config import ACTION_RANGES, G
from edge.sim.motion import Motion, add_pulse, blend, bump, smoothstep, window_weight
from edge.sim.traits import AthleteTraits
from edge.taxonomy import ACTIONS

R = ACTION_RANGES


@dataclass(frozen=True)
class ActionSpan:
    """Seconds an action occupies before and after its key instant."""

    before_s: float
    after_s: float


def _lerp(bounds: tuple[float, float], x: float) -> float:
    return bounds[0] + (bounds[1] - bounds[0]) * min(max(float(x), 0.0), 1.0)


def quality_deficit(traits: AthleteTraits) -> float:
    """0-1: how far the player's landing/cutting mechanics are from clean (fatigue worsens it)."""
    deficit = traits.valgus_tendency * (1 + 0.6 * traits.fatigue) - 0.2 * traits.technique + 0.1
    return min(max(deficit, 0.0), 1.0)


LOWER_LIMB_LOADING = ("sudden_stop", "change_of_direction", "header", "landing")
# Actions that change running speed or heading: all a GPS speed trace needs.
LOCOMOTOR_ACTIONS = ("sprint", "sudden_stop", "change_of_direction")


def impact_flaw(action: str, traits: AthleteTraits) -> float:
    """The 'posture abnormality' part of s_k: movement-quality deficit for actions that load
    the knee, poor technique for kicks, fatigue for the rest."""
    if action in LOWER_LIMB_LOADING:
        return quality_deficit(traits)
    if action in ("shot", "pass"):
        return 0.5 * (1.0 - traits.technique)
    return traits.fatigue


def impact_score_array(intensity: np.ndarray | float, flaw: np.ndarray | float) -> np.ndarray:
    """s_k = clip(0.15 + 0.6·intensity + 0.25·flaw): how hard and how poorly an action was done."""
    return np.clip(0.15 + 0.6 * np.asarray(intensity) + 0.25 * np.asarray(flaw), 0.0, 1.0)


def impact_score(action: str, intensity: float, traits: AthleteTraits) -> float:
    """s_k of one action: the intensity every template scales its speeds, forces and swing
    by, plus `impact_flaw`. Clips and the weekly tables both use it, so they agree."""
    return float(impact_score_array(np.float64(intensity), impact_flaw(action, traits)))


def perform(
    m: Motion,
    action: str,
    t_key: float,
    traits: AthleteTraits,
    rng: np.random.Generator,
    intensity: float,
) -> float:
    """Write `action` onto the plan with its key instant at t_key; return its impact s_k."""
    TEMPLATES[action](m, t_key, traits, rng, intensity)
    return impact_score(action, intensity, traits)


def _approach(m: Motion, t_from: float, t_key: float, speed: float) -> None:
    """Bring the background speed smoothly to `speed` by t_key."""
    sl, t = m.window(t_from, t_key + 0.2)
    if t.size == 0:
        return
    w = np.clip((t - t_from) / max(t_key - t_from, 1e-3), 0.0, 1.0)
    blend(m.v, sl, w * w * (3 - 2 * w), speed)


def _valgus(m: Motion, t: float, traits: AthleteTraits, width: float = 0.15) -> None:
    sl, ts = m.window(t - 3 * width, t + 3 * width)
    m.valgus[sl] += (0.01 + 0.05 * quality_deficit(traits)) * bump(ts, t, width)


def _plant(m: Motion, t: float, tibial_g: float, waist: np.ndarray, sensor_leg: bool) -> None:
    add_pulse(m.waist_shock, m.index(t), waist, 3)
    if sensor_leg:
        add_pulse(m.calf_shock, m.index(t), np.array([-0.35, 0.15, 1.0]) * tibial_g, 1)


def sprint(
    m: Motion, t_key: float, traits: AthleteTraits, rng: np.random.Generator, intensity: float
) -> None:
    onset = t_key - 1.0
    v0 = float(m.v[m.index(onset)])
    peak = (
        traits.top_speed_mps
        * _lerp(R.sprint_fraction_of_top, intensity)
        * (1 - 0.05 * traits.fatigue)
    )
    tau = peak / traits.accel_capacity
    duration = rng.uniform(*R.sprint_duration_s)
    decel = rng.uniform(2.5, 4.0)
    end_speed = rng.uniform(1.5, 3.5)
    stop_at = onset + duration + (peak - end_speed) / decel
    sl, t = m.window(onset, stop_at + 1.0)
    dt = np.maximum(t - onset, 0.0)
    accel_phase = peak - (max(peak - v0, 0.0)) * np.exp(-dt / tau)
    v_end_accel = peak - max(peak - v0, 0.0) * np.exp(-duration / tau)
    slowing = np.maximum(v_end_accel - decel * (dt - duration), end_speed)
    profile = np.where(dt < duration, accel_phase, slowing)
    blend(m.v, sl, window_weight(t, onset, stop_at, 0.8), profile)
    acc = np.gradient(profile) * m.fs
    m.lean_pitch[sl] += 0.6 * np.arctan(np.clip(acc, 0, None) / G)
    m.load_extra[sl] += 0.3


def sudden_stop(
    m: Motion, t_key: float, traits: AthleteTraits, rng: np.random.Generator, intensity: float
) -> None:
    entry = _lerp(R.stop_entry_mps, 0.5 * intensity + 0.5 * rng.random())
    decel = _lerp(R.stop_decel_mps2, intensity) * (0.9 + 0.2 * rng.random())
    half = entry / (2 * decel)
    _approach(m, t_key - 2.5, t_key - 2 * half, entry)
    still = rng.uniform(0.6, 1.5)
    sl, t = m.window(t_key - 2 * half, t_key + 2 * half + still + 1.0)
    profile = entry * (1 - smoothstep((t - t_key) / half))
    blend(m.v, sl, window_weight(t, t_key - 2 * half, t_key + 2 * half + still, 1.0), profile)
    braking = decel / np.cosh((t - t_key) / half) ** 2
    m.lean_pitch[sl] -= 0.7 * np.arctan(braking / G)
    m.z_extra[sl] -= 0.08 * bump(t, t_key + 0.15, 0.25)
    sensor_first = rng.random() < 0.5
    for k, dt in enumerate((-0.18, 0.12)):
        tibial = _lerp(R.plant_tibial_g, intensity) * rng.uniform(0.85, 1.1) * traits.strength
        _plant(
            m,
            t_key + dt,
            tibial,
            np.array([-0.25 * decel, 0.0, 0.3 * decel]) * rng.uniform(0.8, 1.2),
            sensor_first == (k == 0),
        )
    _valgus(m, t_key + 0.1, traits)
    m.load_extra[sl] += 0.25


def change_of_direction(
    m: Motion, t_key: float, traits: AthleteTraits, rng: np.random.Generator, intensity: float
) -> None:
    entry = _lerp(R.cod_entry_mps, 0.5 * intensity + 0.5 * rng.random())
    angle = np.deg2rad(_lerp(R.cod_angle_deg, 0.6 * intensity + 0.4 * rng.random())) * rng.choice(
        [-1, 1]
    )
    sigma = rng.uniform(*R.cod_turn_s) / 2 * (1 + abs(angle) / np.pi) * traits.tempo
    _approach(m, t_key - 2.0, t_key - 0.5, entry)
    sl, t = m.window(t_key - 0.6, t_key + 1.5)
    dip = 0.25 + 0.4 * abs(angle) / np.pi
    exit_speed = entry * rng.uniform(0.7, 1.0)
    profile = np.where(t < t_key, entry, exit_speed) * (1 - dip * bump(t, t_key, 0.25))
    blend(m.v, sl, window_weight(t, t_key - 0.4, t_key + 0.9, 0.4), profile)
    turn_rate = angle / (sigma * np.sqrt(2 * np.pi)) * bump(t, t_key, sigma)
    m.yaw_rate[sl] += turn_rate
    lateral = m.v[sl] * turn_rate
    m.lean_roll[sl] += 0.8 * np.arctan(lateral / G)
    m.z_extra[sl] -= 0.06 * bump(t, t_key, 0.2)
    side = -np.sign(angle)  # the push comes from the outside foot
    waist = np.array([-0.3, side * 0.9, 0.8]) * _lerp((1.2, 2.6), intensity) * traits.strength
    tibial = _lerp(R.plant_tibial_g, intensity) * traits.strength
    _plant(m, t_key - 0.05, tibial, waist, rng.random() < 0.6)
    _valgus(m, t_key, traits)
    m.load_extra[sl] += 0.2


def _kick(
    m: Motion,
    t_key: float,
    traits: AthleteTraits,
    rng: np.random.Generator,
    intensity: float,
    shank_dps: tuple[float, float],
    approach_mps: tuple[float, float],
    dominant_share: float,
) -> None:
    approach = rng.uniform(*approach_mps)
    _approach(m, t_key - 2.0, t_key - 0.4, approach)
    sl, t = m.window(t_key - 0.9, t_key + 1.2)
    blend(m.v, sl, window_weight(t, t_key - 0.3, t_key + 0.4, 0.5), 0.5 * approach)
    kicking = 0 if rng.random() < dominant_share else 1
    quality = 0.6 * intensity + 0.4 * traits.technique
    peak = np.deg2rad(_lerp(shank_dps, quality)) * (1 - 0.1 * traits.fatigue) * traits.strength
    if kicking == 1:
        peak *= 1 - traits.asymmetry
    # +1 when the kicking foot is the right one: a left foot's kick is the mirror image.
    foot = traits.mirror if kicking == 0 else -traits.mirror
    back, follow = rng.uniform(1.1, 1.4), rng.uniform(0.5, 0.8)
    tau = (back + follow) / (2 * peak)  # peak of d/dt [A·smoothstep(t/tau)] is A/(2·tau)
    rel = t - t_key
    slow = rel / traits.tempo  # wind-up and follow-through at the player's own tempo
    shank = (
        -back * smoothstep((slow + 0.3) / 0.06)
        + (back + follow) * smoothstep(rel / tau)
        - follow * smoothstep((slow - 0.35) / 0.08)
    )
    thigh = (
        -0.35 * smoothstep((slow + 0.3) / 0.08)
        + (0.35 + 0.9) * smoothstep((rel + 0.03) / 0.06)
        - 0.9 * smoothstep((slow - 0.4) / 0.15)
    )
    w = window_weight(t, t_key - 0.5, t_key + 0.5, 0.2)
    m.leg_w[kicking, sl] = np.maximum(m.leg_w[kicking, sl], w)
    m.thigh_override[kicking, sl] = thigh
    m.shank_override[kicking, sl] = shank
    support = 1 - kicking
    m.leg_w[support, sl] = np.maximum(m.leg_w[support, sl], w)
    m.thigh_override[support, sl] = 0.15
    m.shank_override[support, sl] = -0.05
    m.gait_w[sl] = np.minimum(m.gait_w[sl], 1 - w)
    m.pelvis_yaw[sl] += (
        foot * 0.35 * quality * (smoothstep(rel / 0.08) - smoothstep((slow - 0.4) / 0.15))
    )
    m.lean_pitch[sl] -= 0.15 * quality * bump(t, t_key + 0.05, 0.15)
    if kicking == 0:
        contact = _lerp(R.ball_contact_g, quality) * traits.strength
        add_pulse(
            m.calf_shock,
            m.index(t_key + 0.01),
            np.array([-contact, foot * 0.2 * contact, 0.3 * contact]),
            1,
        )
    else:  # the instrumented leg plants beside the ball
        add_pulse(
            m.calf_shock,
            m.index(t_key - 0.08),
            np.array([-1.5, traits.mirror * 0.3, 4.0 + 3.0 * intensity]),
            1,
        )
    add_pulse(m.waist_shock, m.index(t_key - 0.08), np.array([-0.3, 0.0, 0.8 + 0.6 * intensity]), 3)
    m.load_extra[sl] += 0.15


def shot(
    m: Motion, t_key: float, traits: AthleteTraits, rng: np.random.Generator, intensity: float
) -> None:
    _kick(m, t_key, traits, rng, intensity, R.shot_shank_dps, (2.0, 5.0), 0.85)


def pass_(
    m: Motion, t_key: float, traits: AthleteTraits, rng: np.random.Generator, intensity: float
) -> None:
    _kick(m, t_key, traits, rng, intensity, R.pass_shank_dps, (0.0, 3.0), 0.75)


def _jump(
    m: Motion,
    t_takeoff: float,
    height: float,
    landing_tau: float,
    crouch: float,
    tempo: float = 1.0,
) -> tuple[float, float, slice]:
    """Counter-movement jump to `height` m with take-off at t_takeoff: crouch, push,
    ballistic flight, landing absorbed over `landing_tau` s; `tempo` stretches the crouch
    and push. Returns (touchdown time, take-off speed, the slice written)."""
    v_to = np.sqrt(2 * G * height)
    flight = 2 * v_to / G
    t_td = t_takeoff + flight
    push, sink = 0.25 * tempo, 0.45 * tempo
    sl, t = m.window(t_takeoff - push - sink, t_td + 1.2)
    z = np.zeros(t.size)
    dip = (t >= t_takeoff - push - sink) & (t < t_takeoff - push)
    s = (t[dip] - (t_takeoff - push - sink)) / sink
    z[dip] = -crouch * s * s * (3 - 2 * s)
    pushing = (t >= t_takeoff - push) & (t < t_takeoff)
    s = (t[pushing] - (t_takeoff - push)) / push
    # Cubic Hermite from (-crouch, 0) to (0, v_to).
    h00, h01, h11 = 2 * s**3 - 3 * s**2 + 1, -2 * s**3 + 3 * s**2, s**3 - s**2
    z[pushing] = -crouch * h00 + 0 * h01 + v_to * push * h11
    air = (t >= t_takeoff) & (t < t_td)
    tau_air = t[air] - t_takeoff
    z[air] = v_to * tau_air - G / 2 * tau_air**2
    after = t >= t_td
    ta = t[after] - t_td
    depth = v_to * landing_tau
    z[after] = -depth * (1 - np.exp(-ta / landing_tau)) * (1 - (smoothstep((ta - 0.6) / 0.15)))
    m.z_extra[sl] += z
    m.airborne[sl] |= air
    w = window_weight(t, t_takeoff - push - 0.2, t_td + 0.3, 0.25)
    m.gait_w[sl] = np.minimum(m.gait_w[sl], 1 - w)
    return t_td, v_to, sl


def header(
    m: Motion, t_key: float, traits: AthleteTraits, rng: np.random.Generator, intensity: float
) -> None:
    height = _lerp(R.jump_height_m, 0.6 * intensity + 0.4 * rng.random()) * traits.strength
    up_time = np.sqrt(2 * height / G)
    approach = rng.uniform(1.0, 4.0)
    _approach(m, t_key - 2.0, t_key - up_time - 0.5, approach)
    landing_tau = rng.uniform(0.08, 0.12)
    crouch = rng.uniform(0.12, 0.22)
    t_td, v_to, sl = _jump(m, t_key - up_time, height, landing_tau, crouch, traits.tempo)
    t = np.arange(sl.start, sl.stop) / m.fs
    blend(m.v, sl, window_weight(t, t_key - up_time, t_td + 0.4, 0.4), 0.7 * approach)
    m.head_pitch[sl] += 0.5 * (
        smoothstep((t - t_key + 0.15) / 0.05) - smoothstep((t - t_key - 0.25) / 0.1)
    )
    m.lean_pitch[sl] += -0.3 * bump(t, t_key - 0.15, 0.1) + 0.35 * bump(t, t_key + 0.05, 0.08)
    m.arms_up[sl] = np.maximum(
        m.arms_up[sl], 0.7 * window_weight(t, t_key - up_time, t_key + 0.1, 0.2)
    )
    if rng.random() < 0.5:  # aerial duel: shoulder contact at the top
        add_pulse(
            m.waist_shock,
            m.index(t_key),
            np.array([0.2, rng.choice([-1, 1]) * 1.5, 0.0]) * intensity,
            3,
        )
        m.lean_roll[sl] += 0.1 * bump(t, t_key + 0.05, 0.1)
    tibial = _lerp(R.plant_tibial_g, 0.5 * intensity + 0.5 * (v_to / 3.5))
    _plant(m, t_td + 0.01, tibial, np.array([0.0, 0.0, 0.5]), True)
    _valgus(m, t_td + 0.1, traits)
    m.load_extra[sl] += 0.25


def landing(
    m: Motion, t_key: float, traits: AthleteTraits, rng: np.random.Generator, intensity: float
) -> None:
    height = _lerp(R.landing_drop_m, 0.6 * intensity + 0.4 * rng.random())
    stiffness = float(
        np.clip(0.5 * intensity + 0.5 * (1 - traits.technique) + 0.2 * traits.fatigue, 0, 1)
    )
    landing_tau = _lerp(R.landing_contact_s, stiffness)
    up_time = np.sqrt(2 * height / G)
    approach = rng.uniform(0.5, 3.5)
    _approach(m, t_key - 2 * up_time - 1.5, t_key - 2 * up_time - 0.4, approach)
    crouch = rng.uniform(0.15, 0.28)
    t_td, v_to, sl = _jump(m, t_key - 2 * up_time, height, landing_tau, crouch, traits.tempo)
    t = np.arange(sl.start, sl.stop) / m.fs
    blend(m.v, sl, window_weight(t, t_key - 2 * up_time, t_key + 0.6, 0.3), 0.4 * approach)
    m.arms_up[sl] = np.maximum(
        m.arms_up[sl], 0.4 * window_weight(t, t_key - 2 * up_time, t_key, 0.2)
    )
    m.lean_pitch[sl] += 0.35 * bump(t, t_key + 0.15, 0.2)
    single_leg = rng.random() < 0.3
    on_sensor_leg = (not single_leg) or rng.random() < 0.5
    tibial = _lerp(R.landing_tibial_g, 0.5 * intensity + 0.5 * stiffness) * (
        1.2 if single_leg else 1.0
    )
    _plant(
        m,
        t_key + 0.01,
        tibial if on_sensor_leg else 0.0,
        np.array([0.0, 0.0, 1.0 + stiffness]),
        on_sensor_leg,
    )
    _valgus(m, t_key + 0.08, traits, width=0.2)
    m.valgus[sl] += 0.03 * quality_deficit(traits) * single_leg * bump(t, t_key + 0.08, 0.2)
    m.load_extra[sl] += 0.25


def confrontation(
    m: Motion, t_key: float, traits: AthleteTraits, rng: np.random.Generator, intensity: float
) -> None:
    speed = rng.uniform(1.5, 4.0)
    n_push = int(rng.integers(R.confrontation_pushes[0], R.confrontation_pushes[1] + 1))
    gaps = rng.uniform(0.3, 0.8, n_push - 1) * traits.tempo
    times = t_key + np.concatenate([[0.0], np.cumsum(gaps)])
    _approach(m, t_key - 1.5, t_key - 0.2, speed)
    sl, t = m.window(t_key - 0.5, times[-1] + 1.0)
    blend(m.v, sl, window_weight(t, t_key - 0.2, times[-1] + 0.3, 0.5), 0.6 * speed)
    m.gait_w[sl] = np.minimum(m.gait_w[sl], 1 - 0.4 * window_weight(t, t_key, times[-1], 0.3))
    m.arms_up[sl] = np.maximum(m.arms_up[sl], 0.25 * window_weight(t, t_key, times[-1], 0.3))
    side = rng.choice([-1.0, 1.0])
    strongest = 0.0
    for tp in times:
        push = _lerp(R.confrontation_push_g, intensity) * rng.uniform(0.6, 1.1) * traits.strength
        strongest = max(strongest, push)
        sign = side if rng.random() < 0.8 else -side
        add_pulse(m.waist_shock, m.index(tp), np.array([rng.normal(0, 0.3), sign, 0.2]) * push, 5)
        add_pulse(
            m.calf_shock, m.index(tp + 0.03), np.array([0.3, sign * 0.8, 1.0]) * push * 1.5, 2
        )
        m.lean_roll[sl] -= sign * 0.12 * push / 3 * bump(t, tp + 0.08, 0.1)
        m.yaw_rate[sl] += sign * rng.uniform(0.5, 1.5) * bump(t, tp + 0.05, 0.08)
    m.load_extra[sl] += 0.35


Template = Callable[[Motion, float, AthleteTraits, np.random.Generator, float], None]

TEMPLATES: dict[str, Template] = {
    "sprint": sprint,
    "sudden_stop": sudden_stop,
    "change_of_direction": change_of_direction,
    "shot": shot,
    "pass": pass_,
    "header": header,
    "confrontation": confrontation,
    "landing": landing,
}
SPANS: dict[str, ActionSpan] = {
    "sprint": ActionSpan(1.5, 8.0),
    "sudden_stop": ActionSpan(2.5, 3.5),
    "change_of_direction": ActionSpan(2.0, 1.5),
    "shot": ActionSpan(2.0, 1.5),
    "pass": ActionSpan(2.0, 1.2),
    "header": ActionSpan(2.5, 2.0),
    "confrontation": ActionSpan(1.5, 5.0),
    "landing": ActionSpan(3.0, 2.0),
}
assert tuple(TEMPLATES) == ACTIONS and tuple(SPANS) == ACTIONS
