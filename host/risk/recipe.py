"""The one recipe by which every risk head is made, for `touchline risk`, the evaluation
and the nightly gate alike: fit the head on the given labelled weeks, recalibrate it on
predictions made out of time, and record what it learnt from.

Out of time means: the later half of the training weeks is cut into a few consecutive
blocks, and each block is predicted by a head fitted only on the weeks before it. The
Platt map is fitted on those predictions and put on the head fitted on every training
week (scikit-learn's CalibratedClassifierCV(ensemble=False) with a time-ordered split).
No week outside `train` is touched, so the weeks being scored never shape the calibration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from host.risk.calibration import calibrate
from host.risk.features import FEATURE_COLUMNS, LABEL
from host.risk.head import HeadConfig, RiskHead, TrainedOn, class_weights, fit_head

CALIBRATION_BLOCKS = 4


def fit_calibrated(
    features: pd.DataFrame,
    train: np.ndarray,
    config: HeadConfig | None = None,
    warm_start: RiskHead | None = None,
    columns: list[str] | None = None,
) -> RiskHead:
    """A calibrated head from the labelled rows of `features` selected by `train` (a boolean
    row mask). `warm_start` only seeds the final fit; the out-of-time heads start cold, as
    a warm start may have seen the weeks they predict. `columns` defaults to every feature."""
    columns = list(columns or FEATURE_COLUMNS)
    rows = np.asarray(train, dtype=bool) & features[LABEL].notna().to_numpy()
    x = features[columns].to_numpy(dtype=np.float64)
    y = features[LABEL].to_numpy(dtype=np.float64)
    week = features.index.get_level_values("week").to_numpy()
    head = fit_head(x[rows], y[rows], columns, config, warm_start)

    weeks = np.unique(week[rows])
    later = weeks[len(weeks) // 2 :] if len(weeks) > 1 else weeks[:0]
    logits, outcomes = [], []
    for block in np.array_split(later, min(CALIBRATION_BLOCKS, len(later))) if len(later) else []:
        before = rows & (week < block[0])
        if y[before].sum() == 0:
            continue
        early = fit_head(x[before], y[before], columns, config)
        inside = rows & np.isin(week, block)
        logits.append(early.logit(x[inside]))
        outcomes.append(y[inside])
    head.calibration = calibrate(
        np.concatenate(logits) if logits else np.empty(0),
        np.concatenate(outcomes) if outcomes else np.empty(0),
        *class_weights(y[rows]),
    )
    head.trained_on = TrainedOn(
        first_week=int(weeks.min()),
        last_week=int(weeks.max()),
        weeks=len(weeks),
        rows=int(rows.sum()),
        injuries=int(y[rows].sum()),
    )
    return head
