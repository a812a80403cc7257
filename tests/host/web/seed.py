"""A small squad stored the way `touchline risk` and `edge sync` leave it, for page tests."""

from __future__ import annotations

from datetime import UTC, datetime

from host.db.engine import engine_for, session_scope
from host.db.models import (
    Athlete,
    DataSource,
    Injury,
    RiskPrediction,
    TrainingSession,
    WeeklyFeature,
)
from host.risk.features import FEATURE_COLUMNS

# (athlete, week, probability, band, model): week 4 has two models; the newer one counts.
PREDICTIONS = [
    ("A07", 3, 0.05, "low", "risk-head-w3"),
    ("B12", 3, 0.30, "high", "risk-head-w3"),
    ("C03", 3, 0.12, "medium", "risk-head-w3"),
    ("A07", 4, 0.41, "high", "risk-head-w4"),
    ("B12", 4, 0.08, "low", "risk-head-w4"),
    ("C03", 4, 0.19, "medium", "risk-head-w4"),
    ("D44", 4, 0.02, "unrated", "risk-head-w4"),
]


def seed_squad(database_url: str, *, synthetic: bool = False) -> None:
    with session_scope(engine_for(database_url)) as db:
        for athlete in sorted({row[0] for row in PREDICTIONS}):
            db.add(Athlete(athlete_id=athlete, prior_injuries=0))
        db.add(DataSource(name="club-data", synthetic=synthetic, weeks=5))
        db.flush()
        for athlete, week, probability, band, version in PREDICTIONS:
            db.add(
                RiskPrediction(
                    athlete_id=athlete,
                    week=week,
                    probability=probability,
                    band=band,
                    model_version=version,
                    drivers={"reasons": ["acwr_rolling"], "change": 0.1},
                )
            )
        for week in range(5):
            features = dict.fromkeys(FEATURE_COLUMNS, 1.0)
            features.update(
                acute_load=300.0 + 40 * week,
                chronic_load=320.0,
                acwr_rolling=(300.0 + 40 * week) / 320.0,
                n_sprint=10.0 + week,
            )
            db.add(WeeklyFeature(athlete_id="A07", week=week, features=features, label=0.0))
        db.add(
            Injury(
                athlete_id="A07",
                date=datetime(2026, 2, 20).date(),
                days_lost=9,
                type="muscle",
                location="thigh",
            )
        )
        db.add(
            TrainingSession(
                session_id="20260614T1730-ab12",
                athlete_id="A07",
                source="summary",
                date=datetime(2026, 6, 14).date(),
                duration_min=90.0,
                type="training",
                rpe=6.0,
                distance_m=6120.0,
                hsr_m=410.0,
                sprints=9,
                player_load=612.0,
                actions={"sprint": {"n": 22}, "landing": {"n": 14}},
                payload={"session": {"start": "2026-06-14T17:30:00+00:00"}},
                received=datetime(2026, 6, 14, 19, 5, tzinfo=UTC),
            )
        )
