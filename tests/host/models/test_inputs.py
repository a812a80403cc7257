"""Model inputs: resampling without aliasing, missing modalities as zeros plus a flag,
training-split statistics, and the augmentations' contracts."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from edge import taxonomy
from host.data.dataset import Clips
from host.models.config import TrainConfig
from host.models.inputs import (
    crop,
    drop_modalities,
    fit_stats,
    perturb_pose,
    prepare,
    stored_imu,
)

CONFIG = TrainConfig()


def _clips(n: int = 6, seed: int = 0) -> Clips:
    rng = np.random.default_rng(seed)
    j = len(taxonomy.JOINTS)
    return Clips(
        clip_id=np.arange(n).astype(str),
        athlete_id=np.array(["a"] * n),
        session_id=np.array(["s"] * n),
        label=np.zeros(n, np.int16),
        scene=np.zeros(n, np.int16),
        week=np.zeros(n, np.int16),
        imu=rng.normal(0, 1, (n, 12, 800)).astype(np.float32),
        imu_valid=np.ones((n, 2, 800), bool),
        gps=rng.normal(0, 1, (n, 3, 80)).astype(np.float32),
        gps_valid=np.ones((n, 80), bool),
        hr=(130 + rng.normal(0, 5, (n, 1, 8))).astype(np.float32),
        hr_valid=np.ones((n, 8), bool),
        skeleton=rng.normal(0, 0.3, (n, 480, j, 3)).astype(np.float32),
        skeleton_conf=np.ones((n, 480, j), np.float32),
    )


def test_imu_is_low_passed_below_the_model_rate_before_resampling() -> None:
    clips = _clips(2)
    t = np.arange(800) / taxonomy.IMU_RATE_HZ
    clips.imu[:] = 0
    clips.imu[0, 0] = np.sin(2 * np.pi * 40.0 * t)  # would alias to 10 Hz at 25 Hz
    clips.imu[1, 0] = np.sin(2 * np.pi * 2.0 * t)  # an action-band signal passes
    arrays = prepare(clips, fit_stats(clips, CONFIG), CONFIG)
    aliased, kept = arrays.imu[0, 0], arrays.imu[1, 0]
    assert arrays.imu.shape == (2, 14, int(taxonomy.STORED_CLIP_S * CONFIG.imu_rate_hz))
    assert np.std(aliased[20:-20]) < 0.05 * np.std(kept[20:-20])


def test_missing_modalities_are_zero_with_their_presence_flag_off() -> None:
    clips = _clips()
    clips.imu_valid[1] = False
    clips.skeleton_conf[2] = 0.0
    blind = dataclasses.replace(clips, gps=None, gps_valid=None)
    arrays = prepare(blind, fit_stats(clips, CONFIG), CONFIG)
    assert arrays.present[:, 2].sum() == 0  # no GPS anywhere
    assert not arrays.present[1, 1] and arrays.present[0, 1]
    assert not arrays.present[2, 0] and arrays.present[0, 0]
    assert np.all(arrays.imu[1] == 0) and np.all(arrays.skeleton[2] == 0)
    assert np.all(np.isfinite(arrays.imu))


def test_statistics_come_from_the_clips_given_and_ignore_missing_samples() -> None:
    clips = _clips()
    clips.hr[:, :, 4:] = 0.0
    clips.hr_valid[:, 4:] = False
    stats = fit_stats(clips, CONFIG)
    assert 120 < stats.hr.mean[0] < 140  # the zeros of missing samples do not drag it down


def test_the_companion_imu_is_the_stored_rate_series_z_scored_without_validity() -> None:
    # The IMU companion reads every stored sample (100 Hz, unfiltered), z-scored with the
    # run's IMU normaliser; a sensor's invalid samples are its mean (0), not flagged.
    clips = _clips(3)
    clips.imu[:, :, 300] = 50.0  # a spike the model grid's low-pass would smear
    clips.imu_valid[1, 1, 100:200] = False  # the calf sensor drops out for a second
    stats = fit_stats(clips, CONFIG)
    imu = stored_imu(clips, stats)
    assert imu.shape == (3, 12, 800) and imu.dtype == np.float32
    expected = (clips.imu - stats.imu.mean[:, None]) / (stats.imu.std[:, None] + stats.imu.eps)
    expected[1, 6:, 100:200] = 0.0
    np.testing.assert_allclose(imu, expected, rtol=1e-5, atol=1e-5)
    assert np.all(imu[1, :6, 100:200] != 0)  # the waist sensor stayed valid
    absent = stored_imu(dataclasses.replace(clips, imu=None, imu_valid=None), stats)
    assert absent.shape == (3, 12, 800) and not absent.any()


def test_crop_keeps_the_same_seconds_of_every_modality() -> None:
    arrays = prepare(_clips(2), fit_stats(_clips(2), CONFIG), CONFIG)
    rates = {"imu": CONFIG.imu_rate_hz, "gps": 10.0, "hr": 1.0, "skeleton": CONFIG.skeleton_rate_hz}
    cropped = crop(arrays.tensors(), 6.0, 1.0, rates)
    assert cropped["imu"].shape[2] == 6 * CONFIG.imu_rate_hz and cropped["gps"].shape[2] == 60
    assert cropped["skeleton"].shape[1] == 6 * CONFIG.skeleton_rate_hz
    assert torch.equal(cropped["gps"], arrays.tensors()["gps"][:, :, 20:])


def test_modality_dropout_never_hides_everything() -> None:
    present = torch.tensor([[True, False, False, False]] * 50 + [[True, True, True, True]] * 50)
    dropped = drop_modalities(present, 0.9, torch.Generator().manual_seed(0))
    assert dropped.any(1).all()
    assert not (dropped & ~present).any()
    assert dropped[50:].sum() < present[50:].sum()


def test_pose_perturbation_moves_visible_joints_only() -> None:
    skeleton = torch.randn(3, 10, len(taxonomy.JOINTS), 4)
    skeleton[..., 3] = 1.0
    skeleton[0, :, 0, :] = 0.0  # an occluded joint (confidence 0)
    moved = perturb_pose(skeleton, torch.Generator().manual_seed(1), 15.0, 0.1, 0.02)
    assert torch.all(moved[0, :, 0, :3] == 0)
    assert not torch.allclose(moved[..., :3], skeleton[..., :3])
    assert torch.equal(moved[..., 3], skeleton[..., 3])


def test_skeleton_enters_the_model_in_the_body_frame() -> None:
    """Where on the pitch and which way the player faced do not reach the model; the
    movement within the clip does."""
    from host.models.inputs import body_frame

    rng = np.random.default_rng(0)
    joints = rng.normal(0, 0.3, (3, 20, len(taxonomy.JOINTS), 3))
    left, right = taxonomy.JOINTS.index("left_hip"), taxonomy.JOINTS.index("right_hip")
    joints[:, :, left] = [0.0, 0.1, 1.0]
    joints[:, :, right] = [0.0, -0.1, 1.0]
    joints[:, :, :, 0] += np.linspace(0, 2, 20)[None, :, None]  # running forward
    visible = np.ones(joints.shape[:3], bool)
    turn = 2.1
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    placed = joints.copy()
    placed[..., :2] = joints[..., :2] @ rotation.T + [31.0, -12.0]  # elsewhere, facing elsewhere
    assert np.allclose(body_frame(placed, visible), body_frame(joints, visible), atol=1e-9)
    framed = body_frame(joints, visible)
    assert np.allclose(framed[..., 2], joints[..., 2])  # heights kept
    assert np.allclose(framed[:, :, left, :2].mean(1), [0.0, 0.1])  # left hip at +y: x forward
    hips = (framed[:, :, left, :2] + framed[:, :, right, :2]) / 2
    assert np.allclose(hips.mean(axis=1), 0.0, atol=1e-9)
    assert np.ptp(hips[..., 0], axis=1).min() > 1.9  # the run within the clip is kept
    hidden = visible.copy()
    hidden[1, :, [left, right]] = False  # no hips seen: the clip is left as it was
    assert np.allclose(body_frame(joints, hidden)[1], joints[1])


def test_a_sensor_absent_from_every_clip_gets_the_identity_and_the_other_its_statistics() -> None:
    # A squad recorded with a waist unit only: the calf's channels are never valid.
    clips = _clips()
    clips.imu[:, :6] += 3.0
    both = fit_stats(clips, CONFIG)
    clips.imu_valid[:, 1] = False
    stats = fit_stats(clips, CONFIG)
    assert np.all(stats.imu.mean[6:] == 0.0) and np.all(stats.imu.std[6:] == 1.0)
    # The waist's statistics are those it has with the calf present.
    np.testing.assert_allclose(stats.imu.mean[:6], both.imu.mean[:6])
    np.testing.assert_allclose(stats.imu.std[:6], both.imu.std[:6])
    assert np.all(np.abs(stats.imu.mean[:6] - 3.0) < 0.1)
    arrays = prepare(clips, stats, CONFIG)
    assert np.all(np.isfinite(arrays.imu)) and not arrays.imu[:, 6:12].any()
