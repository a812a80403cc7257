"""Does "0.10" mean one in ten? The reliability table and plot of held-out predictions.

Player-weeks are put in bins of equal count by predicted probability; each bin shows how
many weeks it holds, the mean probability predicted and the share actually followed by an
injury, with a Wilson 95 % interval (scipy) since a bin holds few injuries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from scipy.stats import binomtest

RELIABILITY_BINS = 5


@dataclass(frozen=True)
class ReliabilityBin:
    low: float  # predicted probabilities in [low, high]
    high: float
    rows: int
    injuries: int
    predicted: float  # mean predicted probability
    observed: float  # share of the bin's player-weeks followed by an injury
    observed_low: float
    observed_high: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def reliability(y: np.ndarray, p: np.ndarray, bins: int = RELIABILITY_BINS) -> list[ReliabilityBin]:
    """Equal-count bins of `p` (fewer when probabilities repeat), lowest first."""
    if len(p) == 0:
        return []
    edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)))
    which = np.searchsorted(edges[1:-1], p, side="right")
    out = []
    for b in np.unique(which):
        inside = which == b
        rows, injuries = int(inside.sum()), int(y[inside].sum())
        interval = binomtest(injuries, rows).proportion_ci(method="wilson")
        out.append(
            ReliabilityBin(
                low=float(p[inside].min()),
                high=float(p[inside].max()),
                rows=rows,
                injuries=injuries,
                predicted=float(p[inside].mean()),
                observed=injuries / rows,
                observed_low=float(interval.low),
                observed_high=float(interval.high),
            )
        )
    return out


def reliability_figure(
    curves: dict[str, list[ReliabilityBin]], base_rate: float | None = None
) -> Figure:
    """Observed injury rate against predicted probability per model, with the diagonal of
    perfect calibration and, when given, the injury rate of the weeks shown."""
    figure = Figure(figsize=(4.2, 3.6))
    ax = figure.subplots()
    top = max(
        [b.predicted for bins in curves.values() for b in bins]
        + [b.observed_high for bins in curves.values() for b in bins]
        + [0.05]
    )
    top = min(1.0, top * 1.05)
    ax.plot([0, top], [0, top], color="#999", linestyle=":", label="perfectly calibrated")
    if base_rate is not None:
        ax.axhline(base_rate, color="#bbb", linewidth=0.8, label=f"injury rate {base_rate:.3f}")
    for name, bins in curves.items():
        if not bins:
            continue
        predicted = np.array([b.predicted for b in bins])
        observed = np.array([b.observed for b in bins])
        errors = np.array(
            [
                [b.observed - b.observed_low for b in bins],
                [b.observed_high - b.observed for b in bins],
            ]
        )
        ax.errorbar(
            predicted, observed, yerr=np.clip(errors, 0, None), marker="o", capsize=3, label=name
        )
    ax.set(
        xlabel="predicted probability",
        ylabel="observed injury rate",
        title="Reliability on held-out weeks",
        xlim=(0, top),
        ylim=(0, top),
    )
    ax.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    return figure
