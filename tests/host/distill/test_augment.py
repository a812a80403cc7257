"""Augmentations change how a recording looks, never what movement it holds."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from edge import dsp
from host.distill.augment import (
    AugmentConfig,
    Augmenter,
    imu_sensors,
    magnitude_warp,
    mix,
    rotate,
    time_warp,
)
from host.distill.config import DistillConfig, StudentConfig
from host.distill.student import build_student

SENSORS = imu_sensors(2)  # waist + calf, the taxonomy's 12 IMU channels


def _windows(n: int = 6, channels: int = 13, samples: int = 50) -> np.ndarray:
    return np.random.default_rng(1).normal(size=(n, channels, samples)).astype(np.float32)


def _triad(x: np.ndarray, triad: tuple[int, int, int]) -> np.ndarray:
    return x[:, list(triad)]


def test_rotation_keeps_lengths_and_the_angle_between_accel_and_gyro() -> None:
    x = _windows()
    out = rotate(x, SENSORS, 180.0, np.random.default_rng(0))
    for sensor in SENSORS:
        a, g = _triad(x, sensor.accel), _triad(x, sensor.gyro)
        ra, rg = _triad(out, sensor.accel), _triad(out, sensor.gyro)
        np.testing.assert_allclose(np.linalg.norm(ra, axis=1), np.linalg.norm(a, axis=1), rtol=1e-5)
        np.testing.assert_allclose(np.linalg.norm(rg, axis=1), np.linalg.norm(g, axis=1), rtol=1e-5)
        # One rotation for both triads of a sensor: their dot product is unchanged.
        np.testing.assert_allclose((ra * rg).sum(axis=1), (a * g).sum(axis=1), atol=1e-4)
        assert not np.allclose(ra, a, atol=1e-3)
    np.testing.assert_array_equal(out[:, 12], x[:, 12])  # GPS speed is no sensor


def test_rotation_stays_within_its_largest_angle() -> None:
    x = _windows()
    out = rotate(x, SENSORS, 10.0, np.random.default_rng(0))
    a, ra = _triad(x, SENSORS[0].accel), _triad(out, SENSORS[0].accel)
    cosine = (a * ra).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(ra, axis=1))
    assert np.degrees(np.arccos(cosine.clip(-1, 1))).max() <= 10.0 + 1e-3


def test_magnitude_warp_scales_a_sensor_without_turning_it() -> None:
    x = _windows()
    out = magnitude_warp(x, SENSORS, 0.3, 4, np.random.default_rng(0))
    for sensor in SENSORS:
        a, ra = _triad(x, sensor.accel), _triad(out, sensor.accel)
        g, rg = _triad(x, sensor.gyro), _triad(out, sensor.gyro)
        gain_a = np.linalg.norm(ra, axis=1) / np.linalg.norm(a, axis=1)
        gain_g = np.linalg.norm(rg, axis=1) / np.linalg.norm(g, axis=1)
        np.testing.assert_allclose(gain_a, gain_g, rtol=1e-4)  # same curve for the sensor
        np.testing.assert_allclose(
            ra / np.linalg.norm(ra, axis=1, keepdims=True),
            a / np.linalg.norm(a, axis=1, keepdims=True),
            atol=1e-5,
        )
        assert gain_a.std() > 0.01


def test_time_warp_replays_a_ramp_at_a_bounded_speed_about_the_centre() -> None:
    ramp = np.tile(np.arange(101, dtype=np.float32), (5, 1, 1))
    out = time_warp(ramp, 0.2, np.random.default_rng(0))
    centre = out[:, 0, 30:71]  # away from the clipped ends
    slopes = np.diff(centre, axis=1).mean(axis=1)
    assert np.all((slopes >= 0.8 - 1e-5) & (slopes <= 1.2 + 1e-5))
    assert slopes.std() > 0.01
    np.testing.assert_allclose(out[:, 0, 50], 50.0, atol=1e-4)  # the centre stays put


def test_mix_blends_each_row_with_its_partner() -> None:
    x = _windows()
    blended, partner, weight = mix(x, 0.4, np.random.default_rng(0))
    assert 0.0 <= weight <= 1.0 and sorted(partner.tolist()) == list(range(len(x)))
    np.testing.assert_allclose(blended, weight * x + (1 - weight) * x[partner], rtol=1e-6)


def test_z_scored_windows_are_augmented_in_physical_units() -> None:
    physical = _windows() * 3.0 + 1.0
    normaliser = dsp.Normaliser.fit(physical, axis=1)
    augmenter = Augmenter(AugmentConfig(rotation_deg=90.0, magnitude_sigma=0.2), SENSORS)
    z = normaliser.apply(physical).astype(np.float32)
    via_z = augmenter.apply(z, np.random.default_rng(5), normaliser)
    direct = augmenter.apply(physical, np.random.default_rng(5))
    np.testing.assert_allclose(via_z, normaliser.apply(direct), atol=1e-4)


def test_inactive_augmenter_returns_the_batch_untouched() -> None:
    x = _windows()
    assert (
        Augmenter(AugmentConfig(mixup_alpha=0.2), SENSORS).apply(x, np.random.default_rng(0)) is x
    )
    with pytest.raises(ValueError, match="warp_knots"):
        AugmentConfig(warp_knots=1)


def test_augment_settings_survive_the_config_round_trip() -> None:
    config = DistillConfig(augment=AugmentConfig(rotation_deg=30.0, mixup_alpha=0.2))
    assert DistillConfig.from_dict(config.to_dict()) == config


def test_a_centred_student_ignores_each_channels_offset() -> None:
    torch.manual_seed(0)
    model = build_student(StudentConfig(kind="cnn", in_channels=13, centre_input=True)).eval()
    x = torch.from_numpy(_windows(samples=600))
    shifted = x + torch.arange(13, dtype=torch.float32)[None, :, None]
    with torch.no_grad():
        torch.testing.assert_close(model(shifted), model(x), atol=1e-4, rtol=1e-4)
