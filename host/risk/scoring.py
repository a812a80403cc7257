"""Next week's risk for the squad: fit the head on every week whose outcome is known by
the end of week W, score week W, compare with week W-1, and say why."""

from __future__ import annotations

import numpy as np
import pandas as pd

from edge import taxonomy
from host.risk.drivers import top_drivers
from host.risk.evaluate import EvaluationError
from host.risk.features import FEATURE_COLUMNS, LABEL
from host.risk.head import HeadConfig, RiskHead, fit_head

TABLE_COLUMNS = ("athlete_id", "probability", "band", "change", "drivers")


def weeks_of(features: pd.DataFrame) -> list[int]:
    return sorted(int(w) for w in features.index.get_level_values("week").unique())


def fit_until(features: pd.DataFrame, week: int, config: HeadConfig | None = None,
              warm_start: RiskHead | None = None) -> RiskHead:
    """The head trained on labelled weeks before `week` (their outcomes are known by then)."""
    weeks = features.index.get_level_values("week")
    known = features[(weeks < week) & features[LABEL].notna()]
    if known.empty or known[LABEL].sum() == 0:
        raise EvaluationError(
            f"week {week}: no injuries recorded before it, so there is nothing to learn risk "
            "from yet (import injuries.csv or pick a later week)"
        )
    return fit_head(known[list(FEATURE_COLUMNS)].to_numpy(dtype=np.float64),
                    known[LABEL].to_numpy(dtype=np.float64), list(FEATURE_COLUMNS), config,
                    warm_start)


def squad_table(features: pd.DataFrame, head: RiskHead, week: int) -> pd.DataFrame:
    """One row per player for `week`, highest risk first: probability, band, change since
    the week before (same model), and the top drivers in words."""
    available = weeks_of(features)
    if week not in available:
        raise EvaluationError(
            f"week {week}: not in the data (weeks {available[0]}..{available[-1]})"
        )
    now = features.xs(week, level="week")
    x = now[list(FEATURE_COLUMNS)].to_numpy(dtype=np.float64)
    probability = head.predict_proba(x)
    pushes = head.contributions(x)
    z = head.standardise(x).numpy()
    if week - 1 in available:
        before = features.xs(week - 1, level="week").reindex(now.index)
        previous = head.predict_proba(before[list(FEATURE_COLUMNS)].to_numpy(dtype=np.float64))
        change = probability - previous
    else:
        change = np.full(len(now), np.nan)
    table = pd.DataFrame({
        "athlete_id": now.index.astype(str),
        "probability": probability,
        "band": [taxonomy.risk_band(p) for p in probability],
        "change": change,
        "drivers": [top_drivers(head.features, x[i], pushes[i], z[i]) for i in range(len(now))],
    })
    return table.sort_values("probability", ascending=False, kind="stable").reset_index(drop=True)
