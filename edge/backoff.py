"""Exponential backoff with jitter, shared by sensor reconnects and outbox retries.

Jitter spreads retries so that a squad of sensors (or a rack of sidelines) that lost the
link at the same moment do not all hammer the adapter or the host at the same moment.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delay before attempt n+1: initial·2ⁿ, capped at `max_s`, times 1 ± `jitter`."""

    initial_s: float
    max_s: float
    jitter: float = 0.25
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        base = min(self.max_s, self.initial_s * 2 ** min(attempt, 30))
        return float(base * (1 + self.jitter * self.rng.uniform(-1.0, 1.0)))
