"""MediaPipe's 33 pose landmarks mapped onto Touchline's 13 joints (`taxonomy.JOINTS`)."""

from __future__ import annotations

import numpy as np

from edge import taxonomy

# Index of each Touchline joint among MediaPipe Pose's 33 landmarks (BlazePose topology).
MEDIAPIPE_LANDMARK: dict[str, int] = {
    "nose": 0,
    "left_shoulder": 11,
    "right_shoulder": 12,
    "left_elbow": 13,
    "right_elbow": 14,
    "left_wrist": 15,
    "right_wrist": 16,
    "left_hip": 23,
    "right_hip": 24,
    "left_knee": 25,
    "right_knee": 26,
    "left_ankle": 27,
    "right_ankle": 28,
}
LANDMARK_INDEX = np.array([MEDIAPIPE_LANDMARK[name] for name in taxonomy.JOINTS])
N_LANDMARKS = 33
LOWER_BODY = np.array([taxonomy.JOINTS.index(name) for name in taxonomy.OCCLUSION_JOINTS])


def select_joints(landmarks: np.ndarray) -> np.ndarray:
    """The 13 taxonomy joints out of `(..., 33, k)` landmarks (or `(..., 33)` scores)."""
    if landmarks.shape[-1] == N_LANDMARKS:
        return landmarks[..., LANDMARK_INDEX]
    if landmarks.shape[-2] != N_LANDMARKS:
        raise ValueError(f"expected 33 MediaPipe landmarks, got shape {landmarks.shape}")
    return landmarks[..., LANDMARK_INDEX, :]


def world_to_body_frame(world: np.ndarray) -> np.ndarray:
    """MediaPipe world landmarks (metres, hip-centred, x right, y down, z towards the
    camera) to the dataset's body-centred frame with z up: x to the image's right, y away
    from the camera, z up. Same origin (mid-hip), same units."""
    x, y, z = world[..., 0], world[..., 1], world[..., 2]
    return np.stack([x, -z, -y], axis=-1).astype(np.float32)


def occluded(
    confidence: np.ndarray, threshold: float = taxonomy.OCCLUSION_CONFIDENCE
) -> np.ndarray:
    """Per joint: True where the estimator is not confident enough to trust the position."""
    return np.asarray(confidence) < threshold


def frame_occluded(
    confidence: np.ndarray, threshold: float = taxonomy.OCCLUSION_CONFIDENCE
) -> np.ndarray:
    """Per frame: True where any hip, knee or ankle is occluded (the loader's rule)."""
    return np.asarray(occluded(confidence, threshold)[..., LOWER_BODY].any(axis=-1))
