"""GET /health: is the server up and its database reachable at the expected schema."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from edge import __version__
from host.db.engine import current_revision

router = APIRouter(tags=["health"])


@router.get("/health")
def health(request: Request) -> Any:
    try:
        revision = current_revision(request.app.state.engine)
    except SQLAlchemyError as exc:
        return JSONResponse(status_code=503, content={
            "status": "down", "message": f"database: unreachable ({type(exc).__name__})",
        })
    return {"status": "ok", "version": __version__, "schema_revision": revision}
