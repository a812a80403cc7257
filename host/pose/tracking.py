"""Keep one track per person across frames: detections are matched to the tracks they
overlap (IoU, or centre distance for small fast boxes) by optimal assignment
(`scipy.optimize.linear_sum_assignment`), so a player passing another keeps their id."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from host.pose.config import PoseConfig
from host.pose.estimator import Detection

NO_MATCH = 1e6


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in `a` (n, 4) with every box in `b` (m, 4), boxes as x0, y0, x1, y1."""
    a, b = (
        np.asarray(a, dtype=np.float64).reshape(-1, 4),
        np.asarray(b, dtype=np.float64).reshape(-1, 4),
    )
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


def box_containment(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Share of the smaller box covered by the other, for each pair of `a` (n, 4), `b` (m, 4)."""
    a, b = (
        np.asarray(a, dtype=np.float64).reshape(-1, 4),
        np.asarray(b, dtype=np.float64).reshape(-1, 4),
    )
    iou = box_iou(a, b)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    inter = iou * (area_a[:, None] + area_b[None, :]) / (1.0 + iou)
    return inter / np.maximum(np.minimum(area_a[:, None], area_b[None, :]), 1e-9)


def drop_duplicates(detections: list[Detection], overlap: float) -> list[Detection]:
    """One detection per person: when most of one box lies inside another (a second
    detection of the same body, or of a part of it), keep the more confident."""
    order = sorted(detections, key=lambda d: -float(d.confidence.mean()))
    kept: list[Detection] = []
    for detection in order:
        if (
            not kept
            or box_containment(detection.box, np.stack([k.box for k in kept])).max() <= overlap
        ):
            kept.append(detection)
    return kept


@dataclass
class Track:
    """One person followed over frames; `id` numbers tracks in order of first appearance."""

    id: int
    box: np.ndarray
    last_t_s: float
    frames: int = 0


@dataclass
class Tracker:
    """Assigns each frame's detections to tracks; opens a track for an unmatched person."""

    config: PoseConfig = field(default_factory=PoseConfig)
    tracks: list[Track] = field(default_factory=list)
    next_id: int = 0

    def active(self, t_s: float) -> list[Track]:
        """Tracks seen within the last `max_gap_s`."""
        return [t for t in self.tracks if t_s - t.last_t_s <= self.config.max_gap_s]

    def _cost(self, tracks: list[Track], detections: list[Detection]) -> np.ndarray:
        boxes_t = np.stack([t.box for t in tracks])
        boxes_d = np.stack([d.box for d in detections])
        iou = box_iou(boxes_t, boxes_d)
        centre_t = (boxes_t[:, :2] + boxes_t[:, 2:]) / 2
        centre_d = (boxes_d[:, :2] + boxes_d[:, 2:]) / 2
        diagonal = np.linalg.norm(boxes_t[:, 2:] - boxes_t[:, :2], axis=1)[:, None]
        distance = np.linalg.norm(centre_t[:, None] - centre_d[None], axis=2) / np.maximum(
            diagonal, 1.0
        )
        cost = (1.0 - iou) + distance
        allowed = (iou >= self.config.match_iou) | (distance <= self.config.match_centre_diagonals)
        return np.where(allowed, cost, NO_MATCH)

    def update(
        self, t_s: float, detections: list[Detection], allow_new: bool = True
    ) -> list[tuple[int, Detection]]:
        """Match this frame's detections to tracks; returns (track id, detection) pairs.

        New tracks open only when `allow_new` (frames where the whole picture was searched)
        and are numbered left to right, so `--person 0` is the leftmost person at the start.
        """
        active = self.active(t_s)
        matched: list[tuple[int, Detection]] = []
        unmatched = list(range(len(detections)))
        if active and detections:
            cost = self._cost(active, detections)
            rows, cols = linear_sum_assignment(cost)
            for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
                if cost[row, col] >= NO_MATCH:
                    continue
                track = active[row]
                track.box, track.last_t_s = detections[col].box, t_s
                track.frames += 1
                matched.append((track.id, detections[col]))
                unmatched.remove(col)
        if allow_new:
            for col in sorted(unmatched, key=lambda c: float(detections[c].box[0])):
                track = Track(self.next_id, detections[col].box, t_s, frames=1)
                self.next_id += 1
                self.tracks.append(track)
                matched.append((track.id, detections[col]))
        return sorted(matched, key=lambda pair: pair[0])
