"""From a motion plan to a moving body: gait, joint angles, positions, and the true
(noise-free) motion each sensor experiences.

The body is a sagittal-plane stick figure on a heading: pelvis, two legs (thigh, shank),
trunk, arms, head. The waist IMU sees the pelvis' specific force (stance force pulses,
braking, turning) and rotation; the calf IMU sees the second derivative of its own
position on the shank plus gravity, rotated into the shank frame, and the tibial shock
of each foot strike. The skeleton uses the same angles and positions, so video and IMU
agree by construction.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import butter, sosfiltfilt

from edge.sim.config import (
    FOREARM_FRACTION,
    GAIT,
    HEAD_FRACTION,
    HIP_WIDTH_FRACTION,
    SHANK_FRACTION,
    SHOULDER_WIDTH_FRACTION,
    THIGH_FRACTION,
    TRUNK_FRACTION,
    UPPER_ARM_FRACTION,
    G,
)
from edge.sim.motion import Motion, pulse_kernel
from edge.sim.traits import AthleteTraits
from edge.taxonomy import JOINTS

GAIT_HIGHPASS_HZ = 0.6  # removes integration drift from the gait's vertical displacement
STANDING_KNEE_FLEX_RAD = 0.05
KNEE_BEND_SMOOTHING_S = 0.03


@dataclass
class Kinematics:
    """True body state at the IMU rate, and the true signals of both IMUs."""

    fs: float
    speed: np.ndarray  # (T,) m/s
    x: np.ndarray  # pelvis centre, world, m
    y: np.ndarray
    z: np.ndarray
    heading: np.ndarray  # rad
    pelvis_yaw: np.ndarray  # rotation of the pelvis beyond heading, rad
    thigh: np.ndarray  # (2,T) rad from vertical, forward positive; leg 0 wears the calf IMU
    shank: np.ndarray  # (2,T)
    valgus: np.ndarray
    lean_pitch: np.ndarray
    lean_roll: np.ndarray
    arm: np.ndarray  # (2,T) shoulder flexion, rad
    elbow: np.ndarray  # (T,) elbow flexion, rad
    head_pitch: np.ndarray
    waist_force_g: np.ndarray  # (T,3) specific force in the pelvis frame (x fwd, y left, z up)
    waist_rate_dps: np.ndarray  # (T,3) angular rate in the pelvis frame
    calf_force_g: np.ndarray  # (T,3) specific force in the shank frame (x ant, y left, z up)
    calf_rate_dps: np.ndarray  # (T,3)
    sensor_leg_right: bool

    @property
    def knee_flexion(self) -> np.ndarray:
        """(2,T) knee flexion, rad (0 = straight)."""
        flexion: np.ndarray = self.thigh - self.shank
        return flexion


@functools.cache
def _gait_highpass(fs: float) -> np.ndarray:
    return butter(2, GAIT_HIGHPASS_HZ, "highpass", fs=fs, output="sos")


def _cubic_step(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    step: np.ndarray = x * x * (3 - 2 * x)
    return step


def _second_derivative(values: np.ndarray, fs: float) -> np.ndarray:
    second: np.ndarray = np.gradient(np.gradient(values, axis=0), axis=0) * fs * fs
    return second


def kinematics(m: Motion, traits: AthleteTraits, rng: np.random.Generator) -> Kinematics:
    """Run the body through the plan, vectorised over the whole session."""
    fs, n = m.fs, m.n
    v = np.clip(m.v, 0.0, None)
    height = traits.height_m
    thigh_len, shank_len = THIGH_FRACTION * height, SHANK_FRACTION * height
    leg_len = thigh_len + shank_len
    gait = GAIT

    # --- gait rhythm -------------------------------------------------------------------
    amp = m.gait_w * _cubic_step((v - 0.15) / 0.75)
    step_hz = traits.cadence * np.clip(
        gait.step_hz_at_rest + gait.step_hz_per_mps * v, 0.0, gait.step_hz_max
    )
    phase = 2 * np.pi * np.cumsum(step_hz / 2) / fs + rng.uniform(0, 2 * np.pi)
    running = _cubic_step((v - gait.walk_to_run_mps[0]) / np.diff(gait.walk_to_run_mps)[0])
    duty = np.clip(gait.duty_at_3mps + gait.duty_per_mps * (v - 3.0), gait.duty_min, 0.8)
    stride = np.mod(phase, 2 * np.pi)  # 0 = foot strike of the sensor leg, pi = other leg
    step_u = np.mod(stride, np.pi) / np.pi
    sensor_stance = stride < np.pi
    step_index = np.floor(phase / np.pi).astype(np.int64)
    step_index -= step_index[0]
    per_step = rng.normal(1.0, 0.06, int(step_index[-1]) + 2)[step_index]
    side = np.where(sensor_stance, 1 + traits.asymmetry / 2, 1 - traits.asymmetry / 2)
    in_stance = step_u < duty
    pulse = np.where(in_stance, np.pi / (2 * duty) * np.sin(np.pi * step_u / duty), 0.0)
    vertical_g = 1.0 + amp * (
        (1 - running) * gait.walk_vertical_g * np.cos(2 * np.pi * step_u)
        + running * (pulse * per_step * side - 1.0)
    )
    fore_g = amp * (
        running * gait.fore_aft_run_g * np.where(in_stance, -np.sin(2 * np.pi * step_u / duty), 0.0)
        + (1 - running) * 0.1 * np.sin(2 * np.pi * step_u)
    )
    # Stride phase 0 is the instrumented (dominant) leg's strike: for a left-footer every
    # left-right swing of the gait is the mirror image of a right-footer's.
    mirror = traits.mirror
    lateral_g = mirror * amp * gait.lateral_sway_g * np.sin(stride)

    # --- legs ----------------------------------------------------------------------------
    thigh = np.empty((2, n))
    shank = np.empty((2, n))
    knee_peak = np.pi * (1 + duty / 2)
    for leg in range(2):
        leg_phase = stride + leg * np.pi
        asym = 1.0 - traits.asymmetry * leg
        lift = amp * asym * traits.knee_lift
        thigh_amp = (gait.thigh_amp_rad[0] + gait.thigh_amp_rad[1] * v) * lift
        knee_amp = (gait.knee_flex_rad[0] + gait.knee_flex_rad[1] * v) * lift
        leg_u = np.mod(leg_phase, 2 * np.pi) / np.pi
        stance_flex = (
            0.25 * amp * running * np.where(leg_u < duty, np.sin(np.pi * leg_u / duty), 0.0)
        )
        th = 0.03 * v * amp + thigh_amp * np.cos(leg_phase + 0.3)
        knee = (
            STANDING_KNEE_FLEX_RAD
            + knee_amp * (1 + np.cos(leg_phase - knee_peak)) / 2
            + stance_flex
        )
        w = m.leg_w[leg]
        thigh[leg] = (1 - w) * th + w * m.thigh_override[leg]
        shank[leg] = (1 - w) * (th - knee) + w * m.shank_override[leg]
    # Crouching on the ground flexes both knees so the feet stay under the pelvis; in the
    # air the legs tuck.
    crouch = np.where(m.airborne, 0.0, np.clip(-m.z_extra, 0.0, 0.5 * leg_len))
    flex = np.arccos(np.clip(1.0 - crouch / leg_len, -1.0, 1.0))
    tuck = np.where(m.airborne, 0.35 * np.clip(m.z_extra / 0.1, 0.0, 1.0), 0.0)
    # Joints cannot switch from tucked to crouched within one sample: smooth over ~30 ms.
    bend = gaussian_filter1d(flex + tuck, KNEE_BEND_SMOOTHING_S * fs, mode="nearest")
    thigh += bend
    shank -= bend

    # --- pelvis trajectory -------------------------------------------------------------------
    heading = np.cumsum(m.yaw_rate) / fs + rng.uniform(-np.pi, np.pi)
    x = np.cumsum(v * np.cos(heading)) / fs
    y = np.cumsum(v * np.sin(heading)) / fs
    gait_dz = np.cumsum(np.cumsum((vertical_g - 1.0) * G) / fs) / fs
    if n > 40:
        gait_dz = sosfiltfilt(_gait_highpass(fs), gait_dz)
    z = 0.985 * leg_len + gait_dz + m.z_extra

    # --- waist IMU (pelvis frame) ----------------------------------------------------------
    z_extra_g = _second_derivative(m.z_extra, fs) / G
    force_heading = (
        np.stack(
            [
                np.gradient(v) * fs / G + fore_g,
                v * m.yaw_rate / G + lateral_g,
                vertical_g + z_extra_g,
            ],
            axis=1,
        )
        + m.waist_shock
    )
    # Strike transient at the waist, both feet.
    strikes = np.flatnonzero(np.diff(step_index) > 0) + 1
    waist_strike = np.zeros(n)
    waist_strike[strikes] = (gait.waist_strike_g * v * running * amp * per_step)[strikes]
    force_heading[:, 2] += np.convolve(waist_strike, pulse_kernel(2), mode="same")
    pitch = (
        0.4 * m.lean_pitch + amp * 0.03 * np.sin(2 * stride) + traits.trunk_lean_rad * amp * running
    )
    roll = 0.5 * m.lean_roll + mirror * amp * 0.05 * np.sin(stride)
    yaw_osc = (
        mirror * amp * (gait.pelvis_yaw_rad[0] + gait.pelvis_yaw_rad[1] * v) * np.sin(stride + 0.5)
    )
    pelvis_yaw = m.pelvis_yaw + yaw_osc
    waist_force = _to_body_frame(force_heading, pelvis_yaw, pitch, roll)
    omega = np.stack(
        [
            np.gradient(roll) * fs,
            np.gradient(pitch) * fs,
            m.yaw_rate + np.gradient(pelvis_yaw) * fs,
        ],
        axis=1,
    )
    waist_force += lever_arm_force_g(omega, traits.waist_offset_m, fs)
    waist_rate = np.degrees(omega)

    # --- calf IMU (shank frame) --------------------------------------------------------------
    sensor_right = traits.dominant_right
    lateral_sign = -1.0 if sensor_right else 1.0
    ch, sh = np.cos(heading), np.sin(heading)
    fwd = np.stack([ch, sh, np.zeros(n)], axis=1)
    left = np.stack([-sh, ch, np.zeros(n)], axis=1)
    up = np.array([0.0, 0.0, 1.0])
    th0, sk0 = thigh[0], shank[0]
    along = traits.calf_along_shank
    sensor_pos = (
        np.stack([x, y, z], axis=1)
        + lateral_sign * HIP_WIDTH_FRACTION * height / 2 * left
        + (thigh_len * np.sin(th0) + along * shank_len * np.sin(sk0))[:, None] * fwd
        - (thigh_len * np.cos(th0) + along * shank_len * np.cos(sk0))[:, None] * up
    )
    force_world = _second_derivative(sensor_pos, fs) + G * up
    cs, ss = np.cos(sk0), np.sin(sk0)
    anterior = cs[:, None] * fwd + ss[:, None] * up
    along = -ss[:, None] * fwd + cs[:, None] * up
    calf_force = (
        np.stack(
            [
                np.einsum("ij,ij->i", force_world, anterior),
                np.einsum("ij,ij->i", force_world, left),
                np.einsum("ij,ij->i", force_world, along),
            ],
            axis=1,
        )
        / G
        + m.calf_shock
    )
    sensor_strikes = strikes[sensor_stance[strikes]]
    tibial = np.zeros(n)
    shock = (gait.tibial_shock_g[0] + gait.tibial_shock_g[1] * v) * running + 1.0 * (1 - running)
    tibial[sensor_strikes] = (shock * amp * per_step * (1 + traits.asymmetry))[sensor_strikes]
    tibial = np.convolve(tibial, pulse_kernel(1), mode="same")
    calf_force[:, 2] += tibial
    calf_force[:, 0] -= 0.3 * tibial
    shank_rate = np.gradient(sk0) * fs
    calf_rate = np.degrees(np.stack([m.yaw_rate * ss, -shank_rate, m.yaw_rate * cs], axis=1))

    swing = -0.9 * traits.arm_swing
    arm = np.stack([swing * (thigh[1] - thigh[1].mean()), swing * (thigh[0] - thigh[0].mean())])
    arm = (1 - m.arms_up) * arm + m.arms_up * 2.6
    return Kinematics(
        fs=fs,
        speed=v,
        x=x,
        y=y,
        z=z,
        heading=heading,
        pelvis_yaw=pelvis_yaw,
        thigh=thigh,
        shank=shank,
        valgus=m.valgus,
        lean_pitch=m.lean_pitch,
        lean_roll=m.lean_roll,
        arm=arm,
        elbow=0.3 + 1.0 * running * amp,
        head_pitch=m.head_pitch,
        waist_force_g=waist_force,
        waist_rate_dps=waist_rate,
        calf_force_g=calf_force,
        calf_rate_dps=calf_rate,
        sensor_leg_right=sensor_right,
    )


def lever_arm_force_g(omega: np.ndarray, offset_m: np.ndarray, fs: float) -> np.ndarray:
    """(T,3) extra specific force (g) at a point `offset_m` from the pelvis centre of a
    rigid pelvis turning at `omega` (rad/s, pelvis frame): angular acceleration × r plus
    the centripetal ω × (ω × r). A pod on the back of the belt feels both in a turn."""
    r = np.asarray(offset_m, dtype=float)
    if not r.any():
        return np.zeros_like(omega)
    alpha = np.gradient(omega, axis=0) * fs
    force: np.ndarray = (np.cross(alpha, r) + np.cross(omega, np.cross(omega, r))) / G
    return force


def _to_body_frame(
    force: np.ndarray, yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray
) -> np.ndarray:
    """Rotate heading-frame vectors into a frame turned by yaw, then pitched, then rolled."""
    cy, sy = np.cos(yaw), np.sin(yaw)
    fx = cy * force[:, 0] + sy * force[:, 1]
    fy = -sy * force[:, 0] + cy * force[:, 1]
    fz = force[:, 2]
    cp, sp = np.cos(pitch), np.sin(pitch)
    fx, fz = cp * fx - sp * fz, sp * fx + cp * fz
    cr, sr = np.cos(roll), np.sin(roll)
    fy, fz = cr * fy + sr * fz, -sr * fy + cr * fz
    return np.stack([fx, fy, fz], axis=1)


_JOINT = {name: i for i, name in enumerate(JOINTS)}


def skeleton(kin: Kinematics, t_s: np.ndarray, traits: AthleteTraits) -> np.ndarray:
    """Joint positions (len(t_s), 13, 3) in world metres at times t_s, by forward kinematics."""
    t_imu = np.arange(kin.speed.shape[0]) / kin.fs

    def at(series: np.ndarray) -> np.ndarray:
        return np.asarray(np.interp(t_s, t_imu, series))

    h = traits.height_m
    psi = at(kin.heading)
    pelvis_psi = psi + at(kin.pelvis_yaw)
    n = t_s.shape[0]
    zeros = np.zeros(n)
    fwd = np.stack([np.cos(psi), np.sin(psi), zeros], axis=1)
    left = np.stack([-np.sin(psi), np.cos(psi), zeros], axis=1)
    pelvis_left = np.stack([-np.sin(pelvis_psi), np.cos(pelvis_psi), zeros], axis=1)
    up = np.array([0.0, 0.0, 1.0])
    centre = np.stack([at(kin.x), at(kin.y), at(kin.z)], axis=1)
    valgus = at(kin.valgus)[:, None]
    out = np.empty((n, len(JOINTS), 3))
    # leg 0 wears the calf sensor: the right leg when the player is right-footed.
    sides = ("right", "left") if kin.sensor_leg_right else ("left", "right")
    for leg, side in enumerate(sides):
        sign = 1.0 if side == "left" else -1.0
        th, sk = at(kin.thigh[leg])[:, None], at(kin.shank[leg])[:, None]
        hip = centre + sign * HIP_WIDTH_FRACTION * h / 2 * pelvis_left
        knee = (
            hip + THIGH_FRACTION * h * (np.sin(th) * fwd - np.cos(th) * up) - sign * valgus * left
        )
        ankle = knee + SHANK_FRACTION * h * (np.sin(sk) * fwd - np.cos(sk) * up)
        out[:, _JOINT[f"{side}_hip"]] = hip
        out[:, _JOINT[f"{side}_knee"]] = knee
        out[:, _JOINT[f"{side}_ankle"]] = ankle
    lean_p, lean_r = at(kin.lean_pitch)[:, None], at(kin.lean_roll)[:, None]
    trunk = np.sin(lean_p) * fwd + np.sin(lean_r) * left + (np.cos(lean_p) * np.cos(lean_r)) * up
    shoulder_centre = centre + TRUNK_FRACTION * h * trunk
    elbow_flex = at(kin.elbow)[:, None]
    for leg, side in enumerate(sides):
        sign = 1.0 if side == "left" else -1.0
        arm = at(kin.arm[leg])[:, None]
        shoulder = shoulder_centre + sign * SHOULDER_WIDTH_FRACTION * h / 2 * left
        elbow = shoulder + UPPER_ARM_FRACTION * h * (np.sin(arm) * fwd - np.cos(arm) * up)
        fore = arm + elbow_flex
        wrist = elbow + FOREARM_FRACTION * h * (np.sin(fore) * fwd - np.cos(fore) * up)
        out[:, _JOINT[f"{side}_shoulder"]] = shoulder
        out[:, _JOINT[f"{side}_elbow"]] = elbow
        out[:, _JOINT[f"{side}_wrist"]] = wrist
    nod = lean_p + at(kin.head_pitch)[:, None]
    out[:, _JOINT["nose"]] = shoulder_centre + HEAD_FRACTION * h * (
        0.35 * np.cos(nod) * fwd + np.sin(nod) * fwd + np.cos(nod) * up
    )
    return out
