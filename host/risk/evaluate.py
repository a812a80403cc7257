"""Honest evaluation of weekly risk: train on earlier weeks, test on the newest ones, with
athlete-level bootstrap intervals, for the calibrated risk head, the same head before
calibration, and the baseline side by side.

Brier score is the mean squared gap between probability and outcome; the Brier skill
score (BSS) compares it with always predicting the held-out weeks' own injury rate
(1 - Brier / Brier of that rate): above 0 beats the base rate, 1 is perfect. High-risk
recall is the share of player-weeks followed by an injury that a model put in its high
band (calibrated head: at least 3x the training base rate, `host.risk.bands`; the raw head
and the baseline, whose probabilities are inflated by class weighting: the paper's
P >= 0.65); precision is the share of high-band weeks that were.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.model_selection import train_test_split

from edge import taxonomy
from firmware_bridge.errors import UserError
from host.risk.bands import high_threshold, history_problem
from host.risk.baseline import fit_baseline
from host.risk.features import FEATURE_COLUMNS, LABEL
from host.risk.head import HeadConfig, RiskHead
from host.risk.recipe import fit_calibrated
from host.risk.reliability import ReliabilityBin, reliability

PAPER_HIGH_RISK = dict(taxonomy.RISK_BANDS)["high"]
BOOTSTRAP_ROUNDS = 300


class EvaluationError(UserError, ValueError):
    """Not enough labelled weeks (or no injuries) to train and test on."""


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float

    def __str__(self) -> str:
        low, high = format_figure(self.low), format_figure(self.high)
        return f"{format_figure(self.value)} [{low}, {high}]"


def format_figure(value: float) -> str:
    """Three decimals, or two significant digits for the small values a Brier score of a
    rare injury takes (0.0035 rather than 0.004)."""
    return f"{value:.2g}" if 0 < abs(value) < 0.01 else f"{value:.3f}"


@dataclass(frozen=True)
class Split:
    kind: str  # "time" (train on earlier weeks) or "random" (the paper's 7:1.5:1.5)
    train_weeks: list[int]
    test_weeks: list[int]
    train_rows: int
    test_rows: int
    test_injuries: int


def auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney statistic (ties count half), equal to scikit-learn's
    roc_auc_score but cheap enough to run hundreds of times in a bootstrap."""
    injured = y > 0.5
    positives = int(injured.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(p)
    return float((ranks[injured].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def brier_skill(y: np.ndarray, p: np.ndarray) -> float:
    """1 - Brier / Brier of always predicting `y`'s own rate; NaN when that rate is 0 or 1."""
    rate = float(np.mean(y))
    reference = rate * (1 - rate)
    return 1 - float(np.mean((p - y) ** 2)) / reference if reference > 0 else float("nan")


def _metrics(y: np.ndarray, p: np.ndarray, high: float) -> dict[str, float]:
    flagged = p >= high
    injured = y > 0.5
    return {
        "auc": auc(y, p),
        "brier": float(np.mean((p - y) ** 2)),
        "brier_skill": brier_skill(y, p),
        "high_risk_recall": float(flagged[injured].mean()) if injured.any() else float("nan"),
        "precision": float(injured[flagged].mean()) if flagged.any() else float("nan"),
    }


def score(
    y: np.ndarray,
    p: np.ndarray,
    athletes: np.ndarray,
    seed: int = 0,
    rounds: int = BOOTSTRAP_ROUNDS,
    high: float = PAPER_HIGH_RISK,
) -> dict[str, Interval]:
    """Metrics with 95 % intervals from resampling whole athletes (their weeks correlate);
    `high` is the probability from which a week counts as flagged high."""
    point = _metrics(y, p, high)
    rng = np.random.default_rng(seed)
    ids = np.unique(athletes)
    rows_of = {athlete: np.flatnonzero(athletes == athlete) for athlete in ids}
    draws: dict[str, list[float]] = {name: [] for name in point}
    for _ in range(rounds):
        rows = np.concatenate([rows_of[a] for a in rng.choice(ids, size=len(ids))])
        for name, value in _metrics(y[rows], p[rows], high).items():
            draws[name].append(value)
    out = {}
    for name, value in point.items():
        finite = np.asarray([d for d in draws[name] if np.isfinite(d)])
        low, high = np.percentile(finite, [2.5, 97.5]) if len(finite) else (np.nan, np.nan)
        out[name] = Interval(float(value), float(low), float(high))
    return out


def time_ordered_split(features: pd.DataFrame, holdout_weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """Boolean row masks: test = the newest `holdout_weeks` labelled weeks, train = before."""
    labelled = features[LABEL].notna().to_numpy()
    week = features.index.get_level_values("week").to_numpy()
    weeks = np.unique(week[labelled])
    if len(weeks) <= holdout_weeks:
        raise EvaluationError(
            f"only {len(weeks)} labelled week(s); need more than {holdout_weeks} to hold some out"
        )
    cutoff = weeks[-holdout_weeks]
    return labelled & (week < cutoff), labelled & (week >= cutoff)


def _strict(interval: Interval) -> dict[str, float | None]:
    return {key: value if np.isfinite(value) else None for key, value in asdict(interval).items()}


PAPER_FRACTIONS = (0.70, 0.15, 0.15)


def random_split(features: pd.DataFrame, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The paper's random 7:1.5:1.5 split of labelled player-weeks, stratified by label;
    returns (train, test) masks. The 15 % validation part is left unused: nothing here is
    tuned. Weeks of one athlete and neighbouring weeks land on both sides, so this is
    optimistic next to `time_ordered_split`; it is reported to compare with the paper."""
    labelled = np.flatnonzero(features[LABEL].notna().to_numpy())
    y = features[LABEL].to_numpy()[labelled]
    if y.sum() < 3:
        raise EvaluationError("fewer than 3 injuries: too few for a stratified random split")
    train_part, rest = train_test_split(
        labelled, train_size=PAPER_FRACTIONS[0], stratify=y, random_state=seed
    )
    rest_y = features[LABEL].to_numpy()[rest]
    stratify = rest_y if min(rest_y.sum(), len(rest_y) - rest_y.sum()) >= 2 else None
    _, test_part = train_test_split(rest, test_size=0.5, stratify=stratify, random_state=seed)
    train = np.zeros(len(features), dtype=bool)
    test = np.zeros(len(features), dtype=bool)
    train[train_part] = True
    test[test_part] = True
    return train, test


@dataclass
class Evaluation:
    split: Split
    head: dict[str, Interval]  # the calibrated head staff read
    uncalibrated: dict[str, Interval]  # the same head's raw output (before calibration)
    baseline: dict[str, Interval]
    reliability: list[ReliabilityBin]  # the calibrated head's, on the held-out weeks
    base_rate: float  # injury rate of the training player-weeks
    test_rate: float  # injury rate of the held-out player-weeks
    synthetic: bool
    model: RiskHead

    @property
    def history_problem(self) -> str | None:
        """Why the head's bands are not to be trusted yet (too little history), if so."""
        return history_problem(self.model.trained_on)

    def to_dict(self) -> dict[str, Any]:
        """Plain, strict JSON for the model card and the model registry: an undefined metric
        (e.g. precision when nobody was flagged) is null, never NaN, which PostgreSQL's JSON
        type refuses."""
        calibration = self.model.calibration
        return {
            "split": asdict(self.split),
            "head": {name: _strict(value) for name, value in self.head.items()},
            "uncalibrated": {name: _strict(value) for name, value in self.uncalibrated.items()},
            "baseline": {name: _strict(value) for name, value in self.baseline.items()},
            "reliability": [_strict_dict(b.to_dict()) for b in self.reliability],
            "base_rate": self.base_rate,
            "test_rate": self.test_rate,
            "calibration": None if calibration is None else asdict(calibration),
            "trained_on": asdict(self.model.trained_on) if self.model.trained_on else None,
            "history_problem": self.history_problem,
            "synthetic": self.synthetic,
            "high_risk_threshold": high_threshold(self.base_rate),
        }


def _strict_dict(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: None if isinstance(value, float) and not np.isfinite(value) else value
        for key, value in values.items()
    }


def evaluate(
    features: pd.DataFrame,
    *,
    holdout_weeks: int,
    synthetic: bool,
    config: HeadConfig | None = None,
    warm_start: RiskHead | None = None,
    seed: int = 0,
    rounds: int = BOOTSTRAP_ROUNDS,
    split: str = "time",
) -> Evaluation:
    """Fit the calibrated head (`host.risk.recipe`) and the baseline on the training part,
    score them on the held-out part: the newest `holdout_weeks` (split="time", the default
    and the honest one) or the paper's random 7:1.5:1.5 (split="random")."""
    if split == "time":
        train, test = time_ordered_split(features, holdout_weeks)
    elif split == "random":
        train, test = random_split(features, seed)
    else:
        raise EvaluationError(f"split {split!r}: choose 'time' or 'random'")
    columns = list(FEATURE_COLUMNS)
    x = features[columns].to_numpy(dtype=np.float64)
    y = features[LABEL].to_numpy(dtype=np.float64)
    if y[train].sum() == 0:
        raise EvaluationError("no injuries in the training weeks: nothing to learn risk from")
    head = fit_calibrated(features, train, config, warm_start)
    baseline = fit_baseline(x[train], y[train], seed)
    athletes = features.index.get_level_values("athlete_id").to_numpy()[test]
    p_head = head.predict_proba(x[test])
    p_raw = head.predict_raw(x[test])
    p_base = baseline.predict_proba(x[test])[:, 1]
    week = features.index.get_level_values("week").to_numpy()
    parts = Split(
        kind=split,
        train_weeks=sorted(int(w) for w in np.unique(week[train])),
        test_weeks=sorted(int(w) for w in np.unique(week[test])),
        train_rows=int(train.sum()),
        test_rows=int(test.sum()),
        test_injuries=int(y[test].sum()),
    )
    base_rate = float(y[train].mean())
    return Evaluation(
        split=parts,
        head=score(y[test], p_head, athletes, seed, rounds, high_threshold(base_rate)),
        uncalibrated=score(y[test], p_raw, athletes, seed, rounds),
        baseline=score(y[test], p_base, athletes, seed, rounds),
        reliability=reliability(y[test], p_head),
        base_rate=base_rate,
        test_rate=float(y[test].mean()),
        synthetic=synthetic,
        model=head,
    )
