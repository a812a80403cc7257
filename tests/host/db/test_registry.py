from __future__ import annotations

import json

from sqlalchemy import select

from host.db.engine import engine_for, session_scope
from host.db.models import ModelVersion
from host.db.registry import latest_published, record_model
from host.risk.evaluate import Interval, evaluate
from host.risk.features import RiskTables, features_from_tables
from tests.host.risk.squad import risky_squad


def test_model_card_with_undefined_metrics_is_stored_as_strict_json(db_url, tmp_path) -> None:
    frames = risky_squad(athletes=16, weeks=6, seed=1)
    features = features_from_tables(
        RiskTables(
            frames["athletes.csv"],
            frames["sessions.csv"],
            frames["injuries.csv"],
            frames["weekly.csv"],
            weeks=6,
        )
    )
    report = evaluate(features, holdout_weeks=2, synthetic=True, rounds=10)
    nan = float("nan")
    report.head["precision"] = Interval(nan, nan, nan)  # nobody flagged high
    card = report.to_dict()
    json.dumps(card, allow_nan=False)
    assert card["head"]["precision"] == {"value": None, "low": None, "high": None}

    with session_scope(engine_for(db_url)) as db:
        record_model(db, "risk-1", "risk", card, synthetic=True, publish=True)
    with session_scope(engine_for(db_url)) as db:
        stored = db.scalars(select(ModelVersion)).one()
        assert stored.metrics["head"]["precision"]["value"] is None
        assert stored.metrics["synthetic"] is True
        assert latest_published(db, "risk").version == "risk-1"
        assert latest_published(db, "bundle") is None
