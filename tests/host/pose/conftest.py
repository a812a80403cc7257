"""Real footage for the pose tests, made from photographs that ship with scikit-image:
the standing cameraman and the astronaut. Tests needing the `video` extra skip cleanly
without it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from footage import jump_height, moving_person, write_video


@pytest.fixture(scope="session")
def cv2():
    return pytest.importorskip("cv2")


@pytest.fixture(scope="session")
def estimator(cv2) -> Iterator[object]:
    pytest.importorskip("mediapipe")
    from host.pose.estimator import PoseEstimator

    with PoseEstimator() as instance:
        yield instance


@pytest.fixture(scope="session")
def cameraman() -> np.ndarray:
    from skimage import data

    return np.repeat(data.camera()[:, :, None], 3, axis=2)


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="session")
def one_person_video(cv2, cameraman, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("video")
    return write_video(cv2, folder / "drill.avi", moving_person(cv2, cameraman, 8))


@pytest.fixture(scope="session")
def two_people_video(cv2, cameraman, astronaut, tmp_path_factory) -> Path:
    """The cameraman on the left and the astronaut on the right, both drifting a little."""
    folder = tmp_path_factory.mktemp("video2")
    frames = []
    for i in range(6):
        canvas = np.full((512, 1064, 3), 90, np.uint8)
        canvas[:, 4 * i : 4 * i + 512] = cameraman
        canvas[:, 540 - 4 * i : 1052 - 4 * i] = astronaut
        frames.append(canvas)
    return write_video(cv2, folder / "pair.avi", frames)


@pytest.fixture(scope="session")
def jump_video(cv2, cameraman, tmp_path_factory) -> Path:
    """The sync gesture on video: 3 s at 15 fps, the cameraman photo moved up and down as
    a jump with take-off at 1.2 s (250 px per metre)."""
    t = np.arange(0, 3.0, 1 / 15)
    rise_px = (jump_height(t, take_off_s=1.2) - 1.0) * 250
    frames = [
        cv2.warpAffine(
            cameraman,
            np.float32([[1, 0, 0], [0, 1, -p]]),
            (512, 512),
            borderMode=cv2.BORDER_REPLICATE,
        )
        for p in rise_px
    ]
    return write_video(cv2, tmp_path_factory.mktemp("jump") / "jump.avi", frames, fps=15.0)
