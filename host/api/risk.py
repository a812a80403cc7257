"""GET /athletes/{id}/risk and GET /squad/risk: next week's injury risk, staff only."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from host.api.deps import DB, Staff
from host.api.fields import INT32_MAX, IdPath
from host.api.responses import AthleteRisk, SquadRisk
from host.db.models import RiskPrediction

router = APIRouter(tags=["risk"])


def _week(db: Session, week: int | None) -> int:
    if week is not None:
        return week
    newest = db.scalar(select(func.max(RiskPrediction.week)))
    if newest is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail="week: no risk computed yet (run touchline risk or nightly)",
        )
    return newest


def newest_predictions(
    db: Session, week: int, athlete_id: str | None = None
) -> list[RiskPrediction]:
    """The newest model's prediction per athlete for `week`, riskiest first: the rows and
    the order both risk routes answer with, public so the staff pages list exactly the
    same."""
    query = select(RiskPrediction).where(RiskPrediction.week == week)
    if athlete_id is not None:
        query = query.where(RiskPrediction.athlete_id == athlete_id)
    newest: dict[str, RiskPrediction] = {}
    for row in db.scalars(query.order_by(RiskPrediction.created, RiskPrediction.id)):
        newest[row.athlete_id] = row
    return sorted(newest.values(), key=lambda row: -row.probability)


def _describe(row: RiskPrediction) -> AthleteRisk:
    return AthleteRisk(
        athlete_id=row.athlete_id,
        week=row.week,
        probability=row.probability,
        band=row.band,
        drivers=row.drivers.get("reasons", []),
        change=row.drivers.get("change"),
        model_version=row.model_version,
    )


WeekQuery = Query(
    default=None, ge=0, le=INT32_MAX, description="Week number; newest with risk if omitted"
)


@router.get("/athletes/{athlete_id}/risk", response_model=AthleteRisk)
def athlete_risk(
    athlete_id: IdPath,
    caller: Staff,
    db: DB,
    week: int | None = WeekQuery,
) -> AthleteRisk:
    chosen = _week(db, week)
    rows = newest_predictions(db, chosen, athlete_id)
    if not rows:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"athlete_id: no risk for {athlete_id!r} in week {chosen}",
        )
    return _describe(rows[0])


@router.get("/squad/risk", response_model=SquadRisk)
def squad_risk(caller: Staff, db: DB, week: int | None = WeekQuery) -> SquadRisk:
    chosen = _week(db, week)
    return SquadRisk(
        week=chosen, players=[_describe(row) for row in newest_predictions(db, chosen)]
    )
