"""One tracker serves early stopping and both best checkpoints."""

from __future__ import annotations

import math

from host.training.tracking import BestTracker


def test_a_lower_value_is_a_new_best_and_resets_the_stale_count() -> None:
    tracker = BestTracker()
    assert tracker.update(0.9, 1) and (tracker.value, tracker.epoch, tracker.stale) == (0.9, 1, 0)
    assert not tracker.update(0.9, 2)  # equal is not better
    assert not tracker.update(1.2, 3)
    assert (tracker.epoch, tracker.stale) == (1, 2)
    assert tracker.update(0.5, 4) and (tracker.value, tracker.epoch, tracker.stale) == (0.5, 4, 0)


def test_nothing_to_score_never_improves() -> None:
    tracker = BestTracker()
    assert not tracker.update(math.nan, 1) and not tracker.update(math.inf, 2)
    assert tracker.epoch == -1 and tracker.stale == 2
