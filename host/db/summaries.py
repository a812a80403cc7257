"""Storing session summaries (contract 5): validated once against the shipped JSON Schema,
then kept one row per (session_id, athlete_id) at the highest revision seen."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from firmware_bridge.errors import UserError
from host.db.models import Athlete, TrainingSession, utcnow

SCHEMA_RESOURCE = "schemas/session_summary.v1.json"
KEY = ["session_id", "athlete_id"]
SESSIONS = TrainingSession.__table__  # Core statements; RETURNING says which one wrote


class SummaryError(UserError, ValueError):
    """A summary does not follow the schema; `field` is the dotted path of the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class StaleRevisionError(UserError, ValueError):
    """A summary arrived with an older revision than the one stored; nothing was changed."""


class RevisionConflictError(UserError, ValueError):
    """A summary reuses the stored revision with different content; nothing was changed."""


class ForeignSessionError(UserError, PermissionError):
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
def summary_schema() -> dict[str, Any]:
    """Contract 5 as the edge ships it, checked to be a valid JSON Schema."""
    schema: dict[str, Any] = json.loads((resources.files("edge") / SCHEMA_RESOURCE).read_text())
    Draft202012Validator.check_schema(schema)
    return schema


@lru_cache(maxsize=1)
def summary_validator() -> Draft202012Validator:
    return Draft202012Validator(summary_schema())


def validate_summary(summary: Any) -> dict[str, Any]:
    """Check a summary against the schema; raise `SummaryError` naming the first bad field."""
    error = best_match(summary_validator().iter_errors(summary))
    if error is not None:
        field = ".".join(str(part) for part in error.absolute_path)
        raise SummaryError(field or "(body)", error.message)
    start, end = (_parse_time(summary["session"], key) for key in ("start", "end"))
    if (start.tzinfo is None) != (end.tzinfo is None):
        naive, other = ("start", "end") if start.tzinfo is None else ("end", "start")
        raise SummaryError(
            f"session.{naive}",
            f"has no UTC offset but session.{other} has one; "
            "give both with an offset (e.g. +00:00) or both without",
        )
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

    `device_id` is the posting device (None for staff); a device may replace only the
    sessions it posted itself, never another device's nor one staff posted without a device.
    A new key is claimed with `INSERT … ON CONFLICT DO NOTHING`; a replacement is one
    conditional statement (`INSERT … ON CONFLICT … DO UPDATE … WHERE stored.revision < new`),
    so racing posts can never leave an acknowledged revision overwritten by an older one,
    and what each statement returns says truthfully whether it created or replaced. Commits.
    """
    session_id, athlete_id = summary["session_id"], summary["athlete_id"]
    claimed = summary.get("device_id")
    if device_id is not None and claimed not in (None, device_id):
        raise ForeignSessionError(
            f"device_id: this token belongs to device {device_id!r}, not {claimed!r}"
        )
    columns = {
        "session_id": session_id,
        "athlete_id": athlete_id,
        **_columns(summary, device_id or claimed),
    }
    insert = _dialect_insert(db)
    # The athlete first: on SQLite this write also takes the database's write lock.
    db.execute(
        insert(Athlete.__table__)
        .values(athlete_id=athlete_id, prior_injuries=0, created=utcnow())
        .on_conflict_do_nothing()
    )
    created = db.execute(
        insert(SESSIONS)
        .values(columns)
        .on_conflict_do_nothing(index_elements=KEY)
        .returning(SESSIONS.c.id)
    ).first()
    if created is not None:
        db.commit()
        return StoreResult(StoreOutcome.CREATED, session_id, athlete_id, summary["revision"])
    replaced = db.execute(_replace(insert, columns, device_id).returning(SESSIONS.c.id)).first()
    if replaced is not None:
        db.commit()
        return StoreResult(StoreOutcome.REPLACED, session_id, athlete_id, summary["revision"])
    db.commit()  # nothing of this post was written; end the transaction before explaining
    return _refusal(db, summary, device_id)


def _dialect_insert(db: Session) -> Callable[..., Any]:
    """The INSERT construct with ON CONFLICT of the database in use."""
    name = db.get_bind().dialect.name
    if name == "sqlite":
        return sqlite.insert
    if name == "postgresql":
        return postgresql.insert
    raise NotImplementedError(f"database {name!r}: only SQLite and PostgreSQL are supported")


def _replace(insert: Callable[..., Any], columns: dict[str, Any], device_id: str | None) -> Any:
    """The conditional upsert: replace only an older revision (of this device's own row when
    a device posts). Staff keep the stored device unless they name one."""
    statement = insert(SESSIONS).values(columns)
    stored, new = SESSIONS.c, statement.excluded
    condition = stored.revision < new.revision
    if device_id is not None:
        condition = and_(condition, stored.device_id == device_id)
    updates = {name: new[name] for name in columns if name not in KEY}
    updates["device_id"] = func.coalesce(new.device_id, stored.device_id)
    return statement.on_conflict_do_update(index_elements=KEY, set_=updates, where=condition)


def _refusal(db: Session, summary: dict[str, Any], device_id: str | None) -> StoreResult:
    """Why the stored row was kept: foreign, newer, or the same revision (same or not)."""
    session_id, athlete_id, revision = (
        summary[key] for key in ("session_id", "athlete_id", "revision")
    )
    stored = db.scalars(
        select(TrainingSession).where(
            TrainingSession.session_id == session_id, TrainingSession.athlete_id == athlete_id
        )
    ).one_or_none()
    where = f"session {session_id!r} of athlete {athlete_id!r}"
    changed = StaleRevisionError(
        f"revision: {where} changed while storing revision {revision}; post it again"
    )
    if stored is None:  # the row went away between the refused write and this read
        raise changed
    if device_id is not None and stored.device_id != device_id:
        owner = "another device" if stored.device_id else "staff (no device)"
        raise ForeignSessionError(
            f"{where} was posted by {owner}; a device may only replace its own sessions"
        )
    if revision < stored.revision:
        raise StaleRevisionError(
            f"revision: {revision} is older than stored revision {stored.revision} of "
            f"{where}; nothing was changed"
        )
    if revision == stored.revision and stored.payload == summary:
        return StoreResult(StoreOutcome.UNCHANGED, session_id, athlete_id, revision)
    if revision == stored.revision:
        raise RevisionConflictError(
            f"revision: {revision} of {where} is already stored with different content; "
            "post it as a higher revision; nothing was changed"
        )
    raise changed  # the stored row was replaced by a lower revision meanwhile
