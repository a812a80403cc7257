"""From the head's logit to a probability that means what it says.

The head is trained with the class-weighted loss of Eq. 22, which ranks injured weeks well
but lifts every probability by roughly the ratio of healthy to injured player-weeks (a
squad injured in 2 % of its weeks sees 0.75 where 0.05 is true). Platt scaling refits
p = sigmoid(a * logit + b) on predictions the head made for weeks it had not been trained
on (see `host.risk.recipe`), so the map is learnt out of time, never on the weeks being
scored. The slope is kept positive: the map is monotone and the ranking, hence the AUC, is
exactly the head's.

With too few injuries to fit a and b, the weighting is undone analytically instead (prior
correction, King & Zeng 2001: subtract log(omega_1 / omega_0) from the logit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

# Out-of-time predictions need at least this many injuries (and as many healthy weeks)
# for Platt's two parameters; below it the prior correction is used.
MIN_PLATT_INJURIES = 10
# A slope at or below zero would mean the head ranks no better than chance out of time;
# it is floored here so that the map stays monotone (ranking kept, probabilities flat).
MIN_SLOPE = 1e-3


@dataclass(frozen=True)
class Calibration:
    """p = sigmoid(slope * logit + intercept), and what it was fitted on."""

    slope: float
    intercept: float
    method: str  # "platt" (fitted out of time) or "prior" (weighting undone analytically)
    rows: int  # player-weeks it was fitted on (0 for "prior")
    injuries: int

    def apply(self, logit: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.slope * np.asarray(logit) + self.intercept)))


def fit_platt(logit: np.ndarray, y: np.ndarray) -> Calibration:
    """Platt scaling of out-of-time logits against what happened (scikit-learn's logistic
    regression on the one logit feature, unweighted so the base rate is kept)."""
    model = LogisticRegression(C=1.0).fit(np.asarray(logit).reshape(-1, 1), y)
    return Calibration(
        slope=max(float(model.coef_[0, 0]), MIN_SLOPE),
        intercept=float(model.intercept_[0]),
        method="platt",
        rows=len(y),
        injuries=int(np.sum(y)),
    )


def prior_correction(omega0: float, omega1: float) -> Calibration:
    """Undo Eq. 22's class weights: the logit of a weighted fit is shifted by
    log(omega_1 / omega_0) from an unweighted one."""
    return Calibration(
        slope=1.0, intercept=-float(np.log(omega1 / omega0)), method="prior", rows=0, injuries=0
    )


def calibrate(logit: np.ndarray, y: np.ndarray, omega0: float, omega1: float) -> Calibration:
    """Platt on the out-of-time predictions when they hold enough injuries and healthy
    weeks, else the prior correction for the given class weights."""
    injuries = int(np.sum(y))
    if min(injuries, len(y) - injuries) >= MIN_PLATT_INJURIES:
        return fit_platt(logit, y)
    return prior_correction(omega0, omega1)
