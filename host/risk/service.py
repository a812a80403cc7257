"""`touchline risk` as a function: data in the database (optionally a dataset directory
imported first) -> weekly features -> risk head -> squad table, stored for the API."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import delete
from sqlalchemy.orm import Session

from host.data.dataset import load_dataset
from host.db.engine import engine_for, session_scope
from host.db.models import RiskPrediction
from host.risk.bands import history_problem
from host.risk.evaluate import Evaluation, evaluate
from host.risk.features import features_from_tables
from host.risk.scoring import fit_until, squad_table
from host.risk.store import holds_synthetic_data, import_dataset, load_tables, save_features
from host.settings import Settings, get_settings


@dataclass(frozen=True)
class SquadRisk:
    week: int
    table: pd.DataFrame
    model_version: str
    synthetic: bool  # anything in the database came from the simulator
    base_rate: float  # injury rate of the weeks the head learnt from; bands are multiples
    history_problem: str | None  # why nobody is rated yet (too little history), if so


def current_features(db: Session, settings: Settings) -> pd.DataFrame:
    """V_t for every player-week the database knows, saved back for the report and API."""
    features = features_from_tables(
        load_tables(db, settings.season_start), settings.impact_weights, settings.time_loss_min_days
    )
    save_features(db, features)
    return features


def evaluate_until(
    week: int,
    *,
    data: Path | None = None,
    holdout_weeks: int | None = None,
    split: str = "time",
    settings: Settings | None = None,
) -> Evaluation:
    """Time-ordered evaluation on weeks 0..`week`: head and baseline fitted on the earlier
    weeks, scored on the newest `holdout_weeks` whose outcome is known."""
    settings = settings or get_settings()
    with session_scope(engine_for(settings.database_url)) as db:
        if data is not None:
            import_dataset(db, load_dataset(data))
        features = current_features(db, settings)
        synthetic = holds_synthetic_data(db)
    seen = features[features.index.get_level_values("week") <= week]
    return evaluate(
        seen,
        holdout_weeks=holdout_weeks or settings.risk_holdout_weeks,
        synthetic=synthetic,
        split=split,
    )


def squad_risk(
    week: int, *, data: Path | None = None, settings: Settings | None = None
) -> SquadRisk:
    """Score `week` for the whole squad and store the predictions (staff read them over the
    API). With `data`, that dataset directory is imported into the database first."""
    settings = settings or get_settings()
    engine = engine_for(settings.database_url)
    with session_scope(engine) as db:
        if data is not None:
            import_dataset(db, load_dataset(data))
        synthetic = holds_synthetic_data(db)
        features = current_features(db, settings)
        head = fit_until(features, week)
        table = squad_table(features, head, week)
        version = f"risk-head-w{week}"
        db.execute(
            delete(RiskPrediction).where(
                RiskPrediction.week == week, RiskPrediction.model_version == version
            )
        )
        for row in table.itertuples(index=False):
            db.add(
                RiskPrediction(
                    athlete_id=row.athlete_id,
                    week=week,
                    probability=float(row.probability),
                    band=row.band,
                    model_version=version,
                    drivers={
                        "reasons": list(row.drivers),
                        "change": None if pd.isna(row.change) else float(row.change),
                    },
                )
            )
    return SquadRisk(
        week=week,
        table=table,
        model_version=version,
        synthetic=synthetic,
        base_rate=head.trained_on.base_rate if head.trained_on else float("nan"),
        history_problem=history_problem(head.trained_on),
    )
