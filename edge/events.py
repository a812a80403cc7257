"""Window scores → timed action events with an impact score s_k.

Windows arrive every hop (0.5 s) with one probability per label. For each action, a
score above its threshold opens a candidate; a higher score within `nms_s` replaces it
(non-maximum suppression), and the candidate becomes an event once `nms_s` has passed
with nothing higher. The event time is refined between window centres by fitting a
parabola through the peak score and its two neighbours, so events land closer than one
hop to the true moment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.taxonomy import BACKGROUND


@dataclass(frozen=True)
class ActionEvent:
    """One detected action on the session timeline."""

    label: str
    t_s: float
    score: float
    impact: float = 0.0


@dataclass
class _Candidate:
    t_s: float
    score: float
    before: float  # score one hop earlier
    after: float | None = None  # score one hop later, once seen


class EventDetector:
    """Online peak picking per action label (background is never an event)."""

    def __init__(
        self,
        labels: list[str] | tuple[str, ...],
        thresholds: dict[str, float],
        nms_s: float,
        default_threshold: float = 0.5,
    ) -> None:
        self.labels = list(labels)
        self.nms_s = nms_s
        self._thresholds = np.array(
            [thresholds.get(label, default_threshold) for label in self.labels]
        )
        self._active = np.array([label != BACKGROUND for label in self.labels])
        self._candidates: dict[int, _Candidate] = {}
        self._last_scores = np.zeros(len(self.labels))
        self._last_t: float | None = None
        self._hop_s: float | None = None

    def update(self, t_s: float, probs: np.ndarray) -> list[ActionEvent]:
        """Take the scores of the window centred at `t_s`; return events now final."""
        scores = np.asarray(probs, dtype=np.float64)
        if self._last_t is not None and self._hop_s is None:
            self._hop_s = t_s - self._last_t
        events: list[ActionEvent] = []
        for k, candidate in list(self._candidates.items()):
            if candidate.after is None:
                candidate.after = float(scores[k])
            if t_s - candidate.t_s > self.nms_s:
                events.append(self._finish(k, candidate))
        for k in np.flatnonzero(self._active & (scores >= self._thresholds)):
            held = self._candidates.get(int(k))
            if held is None or scores[k] > held.score:
                self._candidates[int(k)] = _Candidate(
                    t_s, float(scores[k]), float(self._last_scores[k])
                )
        self._last_scores = scores
        self._last_t = t_s
        return sorted(events, key=lambda e: e.t_s)

    def flush(self) -> list[ActionEvent]:
        """End of stream: every open candidate becomes an event."""
        events = [self._finish(k, c) for k, c in list(self._candidates.items())]
        return sorted(events, key=lambda e: e.t_s)

    def _finish(self, k: int, candidate: _Candidate) -> ActionEvent:
        del self._candidates[k]
        t_s = candidate.t_s
        if candidate.after is not None and self._hop_s:
            curvature = candidate.before - 2 * candidate.score + candidate.after
            if curvature < 0:
                shift = 0.5 * (candidate.before - candidate.after) / curvature
                t_s += float(np.clip(shift, -0.5, 0.5)) * self._hop_s
        return ActionEvent(self.labels[k], t_s, candidate.score)


def impact_score(accel_g: np.ndarray, full_scale_g: float) -> float:
    """s_k in 0–1: the peak acceleration above gravity around an event, over full scale.

    `accel_g` is `(n, 3)` (one sensor) or `(n, 6)` (waist and calf side by side); the
    larger peak counts, since a landing loads the shank before the trunk.
    """
    a = np.asarray(accel_g, dtype=np.float64)
    if a.size == 0:
        return 0.0
    magnitudes = [np.linalg.norm(a[:, i : i + 3], axis=1) for i in range(0, a.shape[1], 3)]
    peak = max(float(np.max(np.abs(m - 1.0))) for m in magnitudes)
    return float(np.clip(peak / full_scale_g, 0.0, 1.0))
