"""MediaPipe landmarks onto the model's joints, and what counts as occluded."""

import numpy as np

from edge import taxonomy
from host.pose.joints import (
    MEDIAPIPE_LANDMARK,
    frame_occluded,
    occluded,
    select_joints,
    world_to_body_frame,
)


def test_every_model_joint_has_its_blazepose_landmark() -> None:
    assert set(MEDIAPIPE_LANDMARK) == set(taxonomy.JOINTS)
    # BlazePose topology: left side has the odd index of each pair.
    assert MEDIAPIPE_LANDMARK["left_hip"] == 23 and MEDIAPIPE_LANDMARK["right_ankle"] == 28
    landmarks = np.arange(33 * 3, dtype=np.float32).reshape(33, 3)
    joints = select_joints(landmarks)
    assert joints.shape == (13, 3)
    assert joints[taxonomy.JOINTS.index("left_knee")].tolist() == landmarks[25].tolist()
    scores = np.linspace(0, 1, 33)
    assert select_joints(scores)[0] == scores[0] and select_joints(scores)[-1] == scores[28]


def test_world_frame_turns_mediapipe_y_down_into_z_up() -> None:
    # A nose above the hips in MediaPipe's world frame has negative y.
    world = np.array([[0.1, -0.6, -0.2]], dtype=np.float32)
    body = world_to_body_frame(world)
    assert body.tolist() == [[np.float32(0.1), np.float32(0.2), np.float32(0.6)]]


def test_frame_is_occluded_only_when_a_lower_body_joint_is_unsure() -> None:
    conf = np.ones((3, 13), dtype=np.float32)
    conf[1, taxonomy.JOINTS.index("left_wrist")] = 0.1  # arms do not count
    conf[2, taxonomy.JOINTS.index("right_knee")] = 0.49
    assert frame_occluded(conf).tolist() == [False, False, True]
    assert occluded(conf)[1].sum() == 1
