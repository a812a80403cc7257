"""The simulated signals obey the physics a sports scientist would check first."""

from __future__ import annotations

import numpy as np
import pytest

from edge.sim import SimulationError, random_traits, simulate_clip, simulate_session
from edge.sim.body import kinematics
from edge.sim.config import IMPERFECTIONS
from edge.sim.motion import empty_motion
from edge.sim.sensors import IMU_FRAME_SAMPLES, imu_valid, observe_imu
from edge.taxonomy import IMU_RATE_HZ, JOINTS, STORED_CLIP_S

N_CLIPS = 24


def _clips(action: str, scene: str = "small_sided_game", seed: int = 0, n: int = N_CLIPS):
    rng = np.random.default_rng(seed)
    players = [random_traits(rng, f"P{i}") for i in range(6)]
    return [simulate_clip(players[i % len(players)], rng, action, scene) for i in range(n)]


def _near_event(clip, values: np.ndarray, half_window_s: float = 0.3) -> np.ndarray:
    t = clip.events[0].t_s
    sel = np.abs(clip.imu_t_s - t) <= half_window_s
    return values[sel]


def _calf_peak_g(clip) -> float:
    return float(np.linalg.norm(_near_event(clip, clip.calf[:, :3]), axis=1).max())


def _calf_peak_dps(clip, half_window_s: float = 0.15) -> float:
    return float(np.abs(_near_event(clip, clip.calf[:, 3:], half_window_s)).max())


def test_resting_accelerometer_reads_one_g() -> None:
    rng = np.random.default_rng(3)
    player = random_traits(rng, "P0")
    still = empty_motion(1000)
    kin = kinematics(still, player, rng)
    for force, rate, mount, spec in (
        (kin.waist_force_g, kin.waist_rate_dps, player.waist_mount, player.waist_imu),
        (kin.calf_force_g, kin.calf_rate_dps, player.calf_mount, player.calf_imu),
    ):
        reading, _ = observe_imu(force, rate, mount, spec, rng)
        magnitude = np.linalg.norm(reading[:, :3], axis=1)
        assert abs(magnitude.mean() - 1.0) < 0.07  # bias ±0.03 g/axis and gain ±2 % allowed
        assert np.abs(reading[:, 3:].mean(axis=0)).max() < 2.5  # only gyro bias remains


def test_sprints_reach_plausible_top_speeds() -> None:
    clips = _clips("sprint")
    top = np.array([c.true_speed_mps.max() for c in clips])
    assert top.min() > 6.0 and top.max() < 10.3
    assert 7.0 < np.median(top) < 9.8  # elite sprint speeds 7-10 m/s
    background = np.array([c.true_speed_mps.max() for c in _clips("background", n=12)])
    assert np.median(top) > np.median(background) + 2.0
    # GPS Doppler speed follows the true speed.
    for c in clips[:6]:
        ok = c.gps_valid
        truth = np.interp(c.gps_t_s[ok], c.imu_t_s, c.true_speed_mps)
        assert np.median(np.abs(c.gps[ok, 2] - truth)) < 0.4


def test_landing_calf_peaks_exceed_running_peaks() -> None:
    landing = np.array([_calf_peak_g(c) for c in _clips("landing")])
    running = []
    for c in _clips("background", n=40, seed=5):
        fast = (c.true_speed_mps > 3.0) & c.calf_valid
        if fast.sum() > 100:
            running.append(np.linalg.norm(c.calf[fast, :3], axis=1).max())
    assert len(running) >= 5
    assert np.median(landing) > 1.3 * np.median(running)
    assert np.median(landing) > 10.0  # tibial peaks of landings: ~10-25 g


def test_shots_out_swing_passes() -> None:
    shots = np.array([_calf_peak_dps(c) for c in _clips("shot")])
    passes = np.array([_calf_peak_dps(c) for c in _clips("pass")])
    assert np.median(shots) > 1.5 * np.median(passes)
    assert 1000.0 < np.median(shots) <= 4000.0  # instep kicks: shank 1000-2000+ deg/s


def test_sudden_stop_brakes_to_standstill_at_the_event() -> None:
    for c in _clips("sudden_stop", n=12):
        t = c.events[0].t_s
        before = np.interp(t - 1.0, c.imu_t_s, c.true_speed_mps)
        after = np.interp(t + 1.0, c.imu_t_s, c.true_speed_mps)
        assert before > 2.5 and after < 1.0


def test_change_of_direction_turns_at_the_event() -> None:
    peaks = []
    for c in _clips("change_of_direction", n=12, scene="technique_drill"):
        yaw_rate = np.abs(c.waist[:, 3:]).max(axis=1)  # any axis: the mount tilts the frame
        # A radio gap over the turn hides it: such a clip says nothing about the turn.
        if _near_event(c, c.waist_valid, 0.4).all():
            peaks.append(_near_event(c, yaw_rate, 0.4).max())
    assert len(peaks) >= 9  # gaps over a 0.8 s window are rare (~1 clip in 30)
    assert min(peaks) > 100.0


def test_skeleton_matches_the_body_the_imus_measure() -> None:
    rng = np.random.default_rng(11)
    player = random_traits(rng, "P1")
    clip = simulate_clip(player, rng, "landing", "technique_drill")
    if clip.skeleton_conf.max() == 0:  # the camera missed this clip; draw another
        clip = simulate_clip(player, rng, "landing", "technique_drill")
    j = {name: i for i, name in enumerate(JOINTS)}
    side = "right" if player.dominant_right else "left"
    hip, knee, ankle = (clip.skeleton[:, j[f"{side}_{n}"]] for n in ("hip", "knee", "ankle"))
    visible = (
        clip.skeleton_conf[:, [j[f"{side}_{n}"] for n in ("hip", "knee", "ankle")]] >= 0.5
    ).all(axis=1)
    thigh = np.linalg.norm(knee - hip, axis=1)[visible]
    assert abs(np.median(thigh) - 0.245 * player.height_m) < 0.03
    a, b = hip - knee, ankle - knee
    cos = np.einsum("ij,ij->i", a, b) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    flexion = 180.0 - np.degrees(np.arccos(np.clip(cos, -1, 1)))
    truth = np.interp(clip.skeleton_t_s, clip.imu_t_s, clip.true_knee_flexion_deg)
    # jitter of 1 cm on 45 cm segments is a few degrees; valgus adds a little.
    assert np.median(np.abs(flexion[visible] - truth[visible])) < 6.0
    assert truth.max() > 60.0  # landings are absorbed by deep knee flexion
    assert clip.skeleton.shape == (int(STORED_CLIP_S * 60), len(JOINTS), 3)


def test_heavy_occlusion_hides_more_than_drills() -> None:
    def hidden_share(scene: str) -> float:
        clips = _clips("pass", scene=scene, n=16, seed=2)
        return float(np.mean([(c.skeleton_conf < 0.5).mean() for c in clips]))

    assert hidden_share("heavy_occlusion") > 3 * hidden_share("technique_drill")


def test_clock_drift_is_recoverable_from_device_timestamps() -> None:
    rng = np.random.default_rng(4)
    player = random_traits(rng, "P2")
    session = simulate_session(player, rng, 600.0, "full_match", "match", with_skeleton=False)
    for site in ("waist", "calf"):
        clock = session.clocks[site]
        device_us = getattr(session, f"{site}_device_us")
        valid = getattr(session, f"{site}_valid")
        slope, intercept = np.polyfit(
            session.imu_t_s[valid], device_us[valid].astype(np.float64), 1
        )
        assert (slope / 1e6 - 1) * 1e6 == pytest.approx(clock.drift_ppm, abs=0.05)
        assert intercept / 1e6 / (1 + clock.drift_ppm * 1e-6) == pytest.approx(
            clock.offset_s, abs=1e-5
        )
        # and the drift is large enough to matter over a match: > 1 sample over 90 minutes
        assert abs(slope / 1e6 - 1) * 90 * 60 > 1 / IMU_RATE_HZ
        assert np.all(np.diff(device_us) > 0)
    assert session.clocks["waist"] != session.clocks["calf"]


def test_sessions_embed_ordered_actions_in_background() -> None:
    rng = np.random.default_rng(8)
    player = random_traits(rng, "P3")
    session = simulate_session(
        player, rng, 1800.0, "small_sided_game", "training", with_skeleton=False
    )
    times = np.array([e.t_s for e in session.events])
    assert len(session.events) > 20
    assert np.all(np.diff(times) > 0) and times.min() >= 0 and times.max() < 1800.0
    labels = {e.label for e in session.events}
    assert {"pass", "sprint", "change_of_direction"} <= labels
    assert all(0.0 <= e.impact <= 1.0 for e in session.events)
    # Most of the time is background locomotion, not standing still.
    assert 0.3 < np.mean(session.true_speed_mps > 1.0) < 0.95
    assert session.gps.shape[0] == 18000 and session.hr.shape[0] == 1800


def test_heart_rate_lags_the_load() -> None:
    rng = np.random.default_rng(9)
    player = random_traits(rng, "P4")
    session = simulate_session(player, rng, 2400.0, "full_match", "match", with_skeleton=False)
    speed = session.true_speed_mps.reshape(-1, 100).mean(axis=1)
    hr = session.hr.astype(float)
    ok = session.hr_valid
    speed = (speed - speed.mean()) / speed.std()
    hr = np.where(ok, (hr - hr[ok].mean()) / hr[ok].std(), 0.0)
    lags = np.arange(0, 120)
    corr = [np.dot(speed[: len(speed) - k], hr[k:]) for k in lags]
    best = lags[int(np.argmax(corr))]
    assert 5 <= best <= 90  # HR on-kinetics: tens of seconds
    assert session.hr[ok].min() > player.hr_rest and session.hr[ok].max() <= player.hr_max + 8


def test_imperfections_happen_at_documented_rates() -> None:
    rng = np.random.default_rng(10)
    player = random_traits(rng, "P5")
    session = simulate_session(player, rng, 3600.0, "full_match", "match", with_skeleton=False)
    # One hour holds ~1.4 long gaps, which carry half the loss: a factor of 2 either way.
    loss = 1 - session.waist_valid.mean()
    assert 0.5 * _documented_imu_loss() < loss < 2 * _documented_imu_loss()
    # Invalid samples (there are some: loss > 0) are zero, never NaN.
    assert np.all(session.waist[~session.waist_valid] == 0) and np.isfinite(session.waist).all()
    # Readings never exceed the device's full scale.
    assert np.abs(session.calf[:, :3]).max() <= player.calf_imu.accel_range_g
    assert np.abs(session.calf[:, 3:]).max() <= player.calf_imu.gyro_range_dps


def _documented_imu_loss() -> float:
    """Share of IMU samples lost to bursts, from the documented rates (docs/synthetic.md):
    bursts per minute x mean burst length, where long bursts last 3-10 s (6.5 s on average)."""
    rates = IMPERFECTIONS
    short_s = rates.imu_loss_mean_frames * IMU_FRAME_SAMPLES / IMU_RATE_HZ
    mean_s = (1 - rates.imu_long_gap_share) * short_s + rates.imu_long_gap_share * 6.5
    return rates.imu_loss_bursts_per_min * mean_s / 60.0


def test_imu_losses_are_whole_frames_at_the_documented_rate() -> None:
    hours = 100  # ~3600 bursts, 144 of them long: the lost share is known to +-5 % (1 sd)
    valid = imu_valid(np.random.default_rng(12), int(hours * 3600 * IMU_RATE_HZ), 0.0)
    assert 1 - valid.mean() == pytest.approx(_documented_imu_loss(), rel=0.15)
    steps = np.diff(np.concatenate([[True], valid, [True]]).astype(np.int8))
    starts, ends = np.flatnonzero(steps == -1), np.flatnonzero(steps == 1)
    assert len(starts) > 3000
    assert np.all(starts % IMU_FRAME_SAMPLES == 0)  # every gap begins at a radio frame
    short = ends - starts < 3 * IMU_RATE_HZ
    assert short.mean() > 0.9  # and short gaps are whole frames
    assert np.all((ends - starts)[short] % IMU_FRAME_SAMPLES == 0)


def test_same_seed_same_signals_and_different_seed_different() -> None:
    def run(seed: int):
        rng = np.random.default_rng(seed)
        return simulate_clip(random_traits(rng, "P"), rng, "header", "full_match")

    a, b, c = run(1), run(1), run(2)
    assert np.array_equal(a.calf, b.calf) and np.array_equal(a.skeleton, b.skeleton)
    assert a.events == b.events
    assert not np.array_equal(a.calf, c.calf)


def test_unknown_names_are_refused_with_the_valid_choices() -> None:
    rng = np.random.default_rng(0)
    player = random_traits(rng, "P")
    with pytest.raises(SimulationError, match="unknown action 'bicycle_kick'.*sprint"):
        simulate_clip(player, rng, "bicycle_kick", "full_match")
    with pytest.raises(SimulationError, match="unknown scene 'beach'"):
        simulate_session(player, rng, 60.0, "beach")
    with pytest.raises(SimulationError, match="duration"):
        simulate_session(player, rng, 1.0, "full_match")
