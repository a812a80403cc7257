"""Tracks stay with their person: assignment by overlap and distance."""

import numpy as np

from host.pose.config import PoseConfig
from host.pose.estimator import Detection
from host.pose.tracking import Tracker, box_containment, box_iou, drop_duplicates


def person(x: float, y: float, size: float = 100.0, conf: float = 0.9) -> Detection:
    """A detection whose landmarks span a box of `size` at (x, y)."""
    grid = np.linspace(0, size, 33, dtype=np.float32)
    xy = np.stack([x + grid * 0.4, y + grid], axis=1)
    return Detection(xy, np.zeros((33, 3), np.float32), np.full(33, conf, np.float32))


def test_box_overlaps() -> None:
    a = np.array([0, 0, 10, 10])
    assert box_iou(a, np.array([5, 0, 15, 10]))[0, 0] == 50 / 150
    assert box_iou(a, np.array([20, 20, 30, 30]))[0, 0] == 0
    assert np.isclose(box_containment(a, np.array([2, 2, 4, 4]))[0, 0], 1.0)


def test_duplicate_of_the_same_body_is_dropped_but_a_neighbour_kept() -> None:
    whole, part, neighbour = person(0, 0), person(10, 10, size=40, conf=0.5), person(300, 0)
    kept = drop_duplicates([part, whole, neighbour], overlap=0.6)
    assert [d is whole for d in kept] == [True, False] and neighbour in kept


def test_two_people_walking_past_each_other_keep_their_ids() -> None:
    tracker = Tracker(PoseConfig())
    ids_of_walker: list[int] = []
    for step in range(12):
        t = step / 10
        walker, stander = person(20 + 25 * step, 50), person(200, 60)
        # Detection order changes every frame: ids must follow the boxes, not the order.
        detections = [walker, stander] if step % 2 else [stander, walker]
        pairs = dict(
            (id(d), track) for track, d in tracker.update(t, detections, allow_new=step == 0)
        )
        ids_of_walker.append(pairs[id(walker)])
        assert pairs[id(stander)] != pairs[id(walker)]
    assert set(ids_of_walker) == {0}  # leftmost at the start is person 0
    assert len(tracker.tracks) == 2


def test_no_new_track_between_searches_and_lost_tracks_close() -> None:
    tracker = Tracker(PoseConfig(max_gap_s=0.5))
    tracker.update(0.0, [person(0, 0)])
    assert (
        tracker.update(0.1, [person(600, 0)], allow_new=False) == []
    )  # far away, not a new search
    assert tracker.active(0.4) and not tracker.active(0.7)
    assert [track for track, _ in tracker.update(0.8, [person(2, 0)])] == [1]  # re-appears: new id
