from __future__ import annotations

from host.db.engine import engine_for, session_scope
from host.db.models import Athlete, RiskPrediction


def _predict(settings, rows) -> None:
    with session_scope(engine_for(settings.database_url)) as db:
        for athlete in {row[0] for row in rows}:
            db.add(Athlete(athlete_id=athlete, prior_injuries=0))
        db.flush()
        for athlete, week, probability, version in rows:
            db.add(
                RiskPrediction(
                    athlete_id=athlete,
                    week=week,
                    probability=probability,
                    band="high" if probability >= 0.65 else "low",
                    drivers={"reasons": ["ACWR 1.6"], "change": 0.1},
                    model_version=version,
                )
            )


def test_squad_and_athlete_risk_use_the_newest_model_and_week(client, make_token, settings) -> None:
    _predict(
        settings,
        [
            ("p1", 3, 0.2, "old"),
            ("p2", 3, 0.4, "old"),
            ("p1", 3, 0.7, "new"),
            ("p1", 2, 0.9, "new"),
        ],
    )
    staff = make_token("staff")
    squad = client.get("/api/v1/squad/risk", headers=staff).json()
    assert squad["week"] == 3
    assert [(p["athlete_id"], p["probability"], p["model_version"]) for p in squad["players"]] == [
        ("p1", 0.7, "new"),
        ("p2", 0.4, "old"),
    ]
    one = client.get("/api/v1/athletes/p1/risk?week=2", headers=staff).json()
    assert (one["probability"], one["band"], one["drivers"]) == (0.9, "high", ["ACWR 1.6"])
    missing = client.get("/api/v1/athletes/p9/risk?week=3", headers=staff)
    assert missing.status_code == 404
    assert "p9" in missing.json()["message"]
    bad_week = client.get("/api/v1/squad/risk?week=-1", headers=staff)
    assert bad_week.status_code == 422 and bad_week.json()["field"] == "query.week"


def test_no_risk_yet_says_how_to_get_some(client, make_token) -> None:
    answer = client.get("/api/v1/squad/risk", headers=make_token("staff"))
    assert answer.status_code == 404
    assert "touchline risk" in answer.json()["message"]
