"""GET /health: is the server up and its database reachable at the expected schema."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from edge import __version__
from host.api.responses import Health, HealthDown
from host.db.engine import current_revision

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": HealthDown, "description": "The database is unreachable"}},
)
def health(request: Request) -> Health | JSONResponse:
    try:
        revision = current_revision(request.app.state.engine)
    except SQLAlchemyError as exc:
        down = HealthDown(status="down", message=f"database: unreachable ({type(exc).__name__})")
        return JSONResponse(status_code=503, content=down.model_dump())
    return Health(status="ok", version=__version__, schema_revision=revision)
