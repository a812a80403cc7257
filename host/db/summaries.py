"""Storing session summaries (contract 5): validated once against the shipped JSON Schema,
then kept one row per (session_id, athlete_id) at the highest revision seen."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from host.db.models import Athlete, TrainingSession, utcnow

SCHEMA_RESOURCE = "schemas/session_summary.v1.json"


class SummaryError(ValueError):
    """A summary does not follow the schema; `field` is the dotted path of the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class StaleRevisionError(ValueError):
    """A summary arrived with an older revision than the one stored; nothing was changed."""


class ForeignSessionError(PermissionError):
    """A device tried to post or replace a session that belongs to another device."""


class StoreOutcome(enum.StrEnum):
    CREATED = "created"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class StoreResult:
    outcome: StoreOutcome
    session_id: str
    athlete_id: str
    revision: int


@lru_cache(maxsize=1)
def summary_validator() -> Draft202012Validator:
    schema = json.loads((resources.files("edge") / SCHEMA_RESOURCE).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate_summary(summary: Any) -> dict[str, Any]:
    """Check a summary against the schema; raise `SummaryError` naming the first bad field."""
    error = best_match(summary_validator().iter_errors(summary))
    if error is not None:
        field = ".".join(str(part) for part in error.absolute_path)
        raise SummaryError(field or "(body)", error.message)
    start, end = (_parse_time(summary["session"], key) for key in ("start", "end"))
    if end < start:
        raise SummaryError("session.end", "is before session.start")
    return summary


def _parse_time(session: dict[str, Any], key: str) -> datetime:
    try:
        return datetime.fromisoformat(session[key])
    except ValueError:
        raise SummaryError(
            f"session.{key}", f"{session[key]!r} is not an ISO 8601 date-time"
        ) from None


def _columns(summary: dict[str, Any], device_id: str | None) -> dict[str, Any]:
    session, load = summary["session"], summary["load"]
    heart = summary.get("heart_rate") or {}
    minutes = session["duration_s"] / 60.0
    rpe = session.get("rpe")
    return {
        "revision": summary["revision"],
        "source": "summary",
        "device_id": device_id,
        "date": datetime.fromisoformat(session["start"]).date(),
        "duration_min": minutes,
        "type": session["type"],
        "rpe": rpe,
        "srpe_load": None if rpe is None else rpe * minutes,
        "distance_m": load.get("distance_m"),
        "hsr_m": load.get("hsr_m"),
        "sprints": load.get("sprints"),
        "accels": load.get("accels"),
        "decels": load.get("decels"),
        "player_load": load["player_load"],
        "hr_mean": heart.get("mean_bpm"),
        "hr_max": heart.get("max_bpm"),
        "actions": summary["actions"],
        "payload": summary,
        "received": utcnow(),
    }


def store_summary(db: Session, summary: dict[str, Any], device_id: str | None) -> StoreResult:
    """Keep `summary` (already validated) once: a repeat is a no-op, a higher revision replaces.

    `device_id` is the posting device (None for staff); a device may not touch a session
    another device posted. Commits; safe against two identical posts racing.
    """
    key = (summary["session_id"], summary["athlete_id"])
    claimed = summary.get("device_id")
    if device_id is not None and claimed not in (None, device_id):
        raise ForeignSessionError(
            f"device_id: this token belongs to device {device_id!r}, not {claimed!r}"
        )
    owner = device_id or claimed
    try:
        result = _upsert(db, key, summary, owner, device_id)
        db.commit()
    except IntegrityError:
        db.rollback()  # the same key was inserted concurrently: this time it is found
        result = _upsert(db, key, summary, owner, device_id)
        db.commit()
    return result


def _upsert(db: Session, key: tuple[str, str], summary: dict[str, Any], owner: str | None,
            device_id: str | None) -> StoreResult:
    session_id, athlete_id = key
    revision = summary["revision"]
    stored = db.scalars(
        select(TrainingSession).where(
            TrainingSession.session_id == session_id, TrainingSession.athlete_id == athlete_id
        )
    ).one_or_none()
    if stored is not None and device_id is not None and stored.device_id not in (None, device_id):
        raise ForeignSessionError(
            f"session {session_id!r} of athlete {athlete_id!r} was posted by another device"
        )
    if stored is None:
        if db.get(Athlete, athlete_id) is None:
            db.add(Athlete(athlete_id=athlete_id, prior_injuries=0))
            db.flush()
        db.add(TrainingSession(session_id=session_id, athlete_id=athlete_id,
                               **_columns(summary, owner)))
        db.flush()
        return StoreResult(StoreOutcome.CREATED, session_id, athlete_id, revision)
    if revision == stored.revision:
        return StoreResult(StoreOutcome.UNCHANGED, session_id, athlete_id, revision)
    if revision < stored.revision:
        raise StaleRevisionError(
            f"revision: {revision} is older than stored revision {stored.revision} of session "
            f"{session_id!r} for athlete {athlete_id!r}; nothing was changed"
        )
    for name, value in _columns(summary, owner).items():
        setattr(stored, name, value)
    db.flush()
    return StoreResult(StoreOutcome.REPLACED, session_id, athlete_id, revision)
