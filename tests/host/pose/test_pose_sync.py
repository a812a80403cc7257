"""The sync jump aligns the video clock with the waist IMU."""

import numpy as np
import pytest
from footage import jump_height

from host.pose.config import PoseError
from host.pose.sync import GRAVITY, find_offset

VIDEO_FPS = 30.0


def recordings(true_offset_s: float, jump_on_video: bool = True) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(11)
    # Sensor clock: 20 s at 100 Hz with the jump at 9 s; accelerometer reads specific force in g.
    imu_t = np.arange(0, 20, 0.01)
    fine = np.arange(0, 20, 0.001)
    height = jump_height(fine, take_off_s=9.0)
    acc = np.gradient(np.gradient(height, fine), fine)
    waist_g = np.interp(imu_t, fine, 1.0 + acc / GRAVITY)
    waist_g[(imu_t > 9.0) & (imu_t < 9.45)] = 0.0  # free fall reads zero
    waist_g += rng.normal(0, 0.05, imu_t.size)
    # Video clock: the same jump seen from a camera that started at another time.
    video_t = np.arange(0, 14, 1 / VIDEO_FPS)
    hip = jump_height(video_t + true_offset_s, take_off_s=9.0 if jump_on_video else 99.0)
    return imu_t, waist_g, video_t, hip + rng.normal(0, 0.004, video_t.size)


@pytest.mark.parametrize("true_offset_s", [2.37, -4.81, 0.0])
def test_known_offset_is_recovered_within_one_frame(true_offset_s: float) -> None:
    result = find_offset(*recordings(true_offset_s))
    assert abs(result.offset_s - true_offset_s) < 1 / VIDEO_FPS
    assert result.peak > 0.4


def test_video_without_the_jump_shows_as_a_weak_peak() -> None:
    assert find_offset(*recordings(2.37, jump_on_video=False)).peak < 0.3


def test_flat_video_signal_is_refused() -> None:
    t = np.arange(0, 5, 0.01)
    with pytest.raises(PoseError, match="flat"):
        find_offset(t, np.sin(t), np.arange(0, 5, 1 / 30), np.ones(150))
