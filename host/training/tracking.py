"""The best value of one validation quantity: early stopping and best checkpoints for
either head use the same tracker."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class BestTracker:
    """The lowest value seen so far, the epoch (1-based) it came in, and the epochs since."""

    value: float = math.inf
    epoch: int = -1
    stale: int = 0

    def update(self, value: float, epoch: int) -> bool:
        """Record `epoch`'s value; True when it is a new best. NaN (nothing to score,
        e.g. no risk split) never improves and counts as a stale epoch."""
        if math.isfinite(value) and value < self.value:
            self.value, self.epoch, self.stale = value, epoch, 0
            return True
        self.stale += 1
        return False
