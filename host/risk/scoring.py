"""Next week's risk for the squad: fit the calibrated head on every week whose outcome is
known by the end of week W, score week W, compare with week W-1, band each player against
the squad's base rate (`host.risk.bands`), and say why."""

from __future__ import annotations

import numpy as np
import pandas as pd

from host.risk.bands import bands
from host.risk.drivers import top_drivers
from host.risk.evaluate import EvaluationError
from host.risk.features import LABEL
from host.risk.head import HeadConfig, RiskHead
from host.risk.recipe import fit_calibrated

TABLE_COLUMNS = ("athlete_id", "probability", "band", "change", "drivers")


def weeks_of(features: pd.DataFrame) -> list[int]:
    return sorted(int(w) for w in features.index.get_level_values("week").unique())


def fit_until(
    features: pd.DataFrame,
    week: int,
    config: HeadConfig | None = None,
    warm_start: RiskHead | None = None,
) -> RiskHead:
    """The calibrated head trained on labelled weeks before `week` (their outcomes are known
    by then)."""
    before = np.asarray(features.index.get_level_values("week") < week)
    known = before & features[LABEL].notna().to_numpy()
    if not known.any() or features[LABEL].to_numpy()[known].sum() == 0:
        raise EvaluationError(
            f"week {week}: no injuries recorded before it, so there is nothing to learn risk "
            "from yet (import injuries.csv or pick a later week)"
        )
    return fit_calibrated(features, before, config, warm_start)


def squad_table(features: pd.DataFrame, head: RiskHead, week: int) -> pd.DataFrame:
    """One row per player for `week`, highest risk first: calibrated probability, band
    ("unrated" for all when the head learnt from too little), change since the week before
    (same model), and the top drivers in words."""
    available = weeks_of(features)
    if week not in available:
        raise EvaluationError(
            f"week {week}: not in the data (weeks {available[0]}..{available[-1]})"
        )
    now = features.xs(week, level="week")
    x = now[head.features].to_numpy(dtype=np.float64)
    probability = head.predict_proba(x)
    pushes = head.contributions(x)
    z = head.standardise(x).numpy()
    if week - 1 in available:
        before = features.xs(week - 1, level="week").reindex(now.index)
        previous = head.predict_proba(before[head.features].to_numpy(dtype=np.float64))
        change = probability - previous
    else:
        change = np.full(len(now), np.nan)
    table = pd.DataFrame(
        {
            "athlete_id": now.index.astype(str),
            "probability": probability,
            "band": bands(probability, head.trained_on),
            "change": change,
            "drivers": [top_drivers(head.features, x[i], pushes[i], z[i]) for i in range(len(now))],
        }
    )
    return table.sort_values("probability", ascending=False, kind="stable").reset_index(drop=True)
