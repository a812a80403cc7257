"""POST /sessions (a device posts its session summaries, idempotently) and GET them back."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy import select

from host.api.deps import DB, Caller
from host.api.fields import IdPath
from host.api.responses import StoredOutcome, StoredSession
from host.api.summary_body import SessionSummaryBody
from host.db.models import TrainingSession
from host.db.roles import Role
from host.db.summaries import (
    ForeignSessionError,
    RevisionConflictError,
    StaleRevisionError,
    StoreOutcome,
    store_summary,
    validate_summary,
)

router = APIRouter(tags=["sessions"])


@router.post(
    "/sessions",
    status_code=status.HTTP_200_OK,
    response_model=StoredOutcome,
    responses={
        201: {
            "model": StoredOutcome,
            "description": "Created: the first revision of this session for this athlete",
        },
        403: {"description": "The session belongs to another device, or to staff"},
        409: {"description": "An older revision, or this revision with different content"},
    },
)
def post_session(
    summary: SessionSummaryBody, caller: Caller, db: DB, response: Response
) -> StoredOutcome:
    """Store a session summary. The same (session_id, athlete_id, revision) twice is a
    no-op (200 unchanged); a higher revision replaces (200 replaced); an older one, or
    the stored revision with different content, is refused (409) and nothing changes."""
    posted = validate_summary(summary.as_posted())
    device_id = caller.device_id if caller.role is Role.DEVICE else None
    try:
        result = store_summary(db, posted, device_id)
    except (StaleRevisionError, RevisionConflictError) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    except ForeignSessionError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from None
    if result.outcome is StoreOutcome.CREATED:
        response.status_code = status.HTTP_201_CREATED
    return StoredOutcome(
        status=result.outcome.value,
        session_id=result.session_id,
        athlete_id=result.athlete_id,
        revision=result.revision,
    )


@router.get("/sessions/{session_id}/{athlete_id}", response_model=StoredSession)
def get_session(session_id: IdPath, athlete_id: IdPath, caller: Caller, db: DB) -> StoredSession:
    """The stored summary; staff read any, a device only those it posted."""
    stored = db.scalars(
        select(TrainingSession).where(
            TrainingSession.session_id == session_id, TrainingSession.athlete_id == athlete_id
        )
    ).one_or_none()
    if stored is None or (caller.role is Role.DEVICE and stored.device_id != caller.device_id):
        # A device learns nothing about sessions that are not its own, not even that they exist.
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"session {session_id!r} of athlete {athlete_id!r}: not found",
        )
    return StoredSession(revision=stored.revision, source=stored.source, summary=stored.payload)
