"""Risk bands staff read, defined relative to the squad's own base rate.

A calibrated weekly injury probability is small (a squad is injured in a few per cent of
its player-weeks), so the paper's absolute cut-offs (0.35, 0.65) would put every player in
"low" once probabilities mean what they say. A band instead says how a player's risk
compares with the squad's usual week: "high" is at least `HIGH_MULTIPLE` times the injury
rate of the weeks the head learnt from, "medium" at least `MEDIUM_MULTIPLE` times.

A head that learnt from too little (fewer than `MIN_HISTORY_WEEKS` labelled weeks or
`MIN_HISTORY_INJURIES` injuries) rates nobody: its band is "unrated" and the table says
why, rather than printing confident bands from a week or two of data.
"""

from __future__ import annotations

import numpy as np

from host.risk.head import TrainedOn

MEDIUM_MULTIPLE = 1.5
HIGH_MULTIPLE = 3.0
MIN_HISTORY_WEEKS = 4
MIN_HISTORY_INJURIES = 5
BANDS = ("low", "medium", "high")
UNRATED = "unrated"


def history_problem(trained_on: TrainedOn | None) -> str | None:
    """Why the head's bands cannot be trusted yet, or None when the history suffices."""
    if trained_on is None:
        return "the head does not record what it was trained on"
    if trained_on.weeks < MIN_HISTORY_WEEKS or trained_on.injuries < MIN_HISTORY_INJURIES:
        return (
            f"too little history to rate players: {trained_on.weeks} labelled week(s) "
            f"with {trained_on.injuries} injur{'y' if trained_on.injuries == 1 else 'ies'}"
            f"; bands need at least {MIN_HISTORY_WEEKS} weeks and "
            f"{MIN_HISTORY_INJURIES} injuries"
        )
    return None


def high_threshold(base_rate: float) -> float:
    """Probability from which a player-week is in the high band."""
    return HIGH_MULTIPLE * base_rate


def band(probability: float, base_rate: float) -> str:
    """low / medium / high by the probability's multiple of the base rate."""
    if probability >= high_threshold(base_rate):
        return "high"
    if probability >= MEDIUM_MULTIPLE * base_rate:
        return "medium"
    return "low"


def bands(probability: np.ndarray, trained_on: TrainedOn | None) -> list[str]:
    """One band per probability, all "unrated" when the history is too short."""
    if trained_on is None or history_problem(trained_on) is not None:
        return [UNRATED] * len(probability)
    return [band(float(p), trained_on.base_rate) for p in probability]
