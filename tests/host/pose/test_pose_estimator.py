"""The estimator on a real photograph: the standing cameraman from scikit-image."""

import numpy as np

from edge import taxonomy
from host.pose.joints import occluded, select_joints, world_to_body_frame

J = taxonomy.JOINTS.index


def chain_names() -> tuple[str, ...]:
    return ("nose", "left_shoulder", "right_shoulder", "left_hip", "right_hip", "right_knee")


def test_cameraman_is_found_with_joints_in_head_to_ankle_order(estimator, cameraman) -> None:
    people = estimator.detect(cameraman)
    assert len(people) == 1
    person = people[0]
    conf = select_joints(person.confidence)
    xy = select_joints(person.image_xy)
    # Shoulders and hips are seen clearly; of the legs, his right one is visible and the
    # left one (behind the tripod) is not: it must be masked, not trusted.
    for name in chain_names():
        assert conf[J(name)] >= 0.5, name
    mask = occluded(conf)
    assert mask[J("left_knee")] and mask[J("left_ankle")]
    # Confident joints run head to foot down the image: head and shoulders (he stoops
    # to the eyepiece, so the nose is level with the shoulders), then hips, then knee.
    y = {name: xy[J(name)][1] for name in chain_names()}
    top = max(y["nose"], y["left_shoulder"], y["right_shoulder"])
    assert top < min(y["left_hip"], y["right_hip"])
    assert max(y["left_hip"], y["right_hip"]) < y["right_knee"]
    # Plausible body: the person stands in the left half of the 512 px photo, hips below
    # the middle, shoulder width well under the shoulder-to-hip length.
    mid_hip = (xy[J("left_hip")] + xy[J("right_hip")]) / 2
    assert 0 < mid_hip[0] < 256 and mid_hip[1] > 256
    trunk = np.linalg.norm(mid_hip - (xy[J("left_shoulder")] + xy[J("right_shoulder")]) / 2)
    assert 60 < trunk < 300


def test_world_joints_are_metres_with_the_head_up(estimator, cameraman) -> None:
    body = world_to_body_frame(select_joints(estimator.detect(cameraman)[0].world))
    mid_hip = (body[J("left_hip")] + body[J("right_hip")]) / 2
    assert np.abs(mid_hip).max() < 0.05  # hip-centred
    head_height = body[J("nose")][2]
    assert 0.2 < head_height < 1.0  # a stooping adult's nose, metres above the hips
    assert body[J("right_knee")][2] < -0.2


def test_crop_finds_the_same_person_in_full_frame_pixels(estimator, cameraman) -> None:
    full = estimator.detect(cameraman)[0]
    cropped = estimator.detect(cameraman, region=(0, 60, 460, 512))[0]
    shoulder = J("left_shoulder")
    delta = select_joints(full.image_xy)[shoulder] - select_joints(cropped.image_xy)[shoulder]
    assert np.abs(delta).max() < 12


def test_empty_picture_has_nobody(estimator) -> None:
    assert estimator.detect(np.full((256, 256, 3), 128, np.uint8)) == []
