"""Tables of the host database. Changing one means a new Alembic revision beside it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class Athlete(Base):
    __tablename__ = "athletes"

    athlete_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[str | None] = mapped_column(String(8))
    prior_injuries: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime] = mapped_column(default=utcnow)


class Device(Base):
    """A sideline unit; it posts the summaries of the sessions it recorded."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(default=utcnow)


class Token(Base):
    """An API token, stored as its sha256 only. Role `device` (bound to one device) or `staff`."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.device_id"))
    label: Mapped[str | None] = mapped_column(String(128))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    revoked: Mapped[datetime | None] = mapped_column()
    expires: Mapped[datetime | None] = mapped_column()


class RegistrationCode(Base):
    """A one-time pairing code (stored hashed) a sideline unit trades for its device token."""

    __tablename__ = "registration_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[str] = mapped_column(String(64))
    expires: Mapped[datetime] = mapped_column()
    used: Mapped[datetime | None] = mapped_column()


class TrainingSession(Base):
    """One athlete's session: a synced summary (highest revision kept) or an imported CSV row."""

    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("session_id", "athlete_id", name="uq_session_athlete"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64))
    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.athlete_id"), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(16))  # "summary" | "import"
    device_id: Mapped[str | None] = mapped_column(String(64))
    date: Mapped[date] = mapped_column(Date, index=True)
    duration_min: Mapped[float] = mapped_column(Float)
    type: Mapped[str | None] = mapped_column(String(16))
    rpe: Mapped[float | None] = mapped_column(Float)
    srpe_load: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    hsr_m: Mapped[float | None] = mapped_column(Float)
    sprints: Mapped[float | None] = mapped_column(Float)
    accels: Mapped[float | None] = mapped_column(Float)
    decels: Mapped[float | None] = mapped_column(Float)
    player_load: Mapped[float | None] = mapped_column(Float)
    hr_mean: Mapped[float | None] = mapped_column(Float)
    hr_max: Mapped[float | None] = mapped_column(Float)
    wellness: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    actions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received: Mapped[datetime] = mapped_column(default=utcnow)


class Injury(Base):
    __tablename__ = "injuries"

    id: Mapped[int] = mapped_column(primary_key=True)
    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.athlete_id"), index=True)
    date: Mapped[date] = mapped_column(Date)
    days_lost: Mapped[float | None] = mapped_column(Float)
    type: Mapped[str | None] = mapped_column(String(16))
    location: Mapped[str | None] = mapped_column(String(16))


class WellnessAnswer(Base):
    """One athlete-day of questionnaire answers without a session (wellness.csv), on 1-5."""

    __tablename__ = "wellness_answers"
    __table_args__ = (UniqueConstraint("athlete_id", "date", name="uq_wellness_answer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.athlete_id"))
    date: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)


class WeeklyInput(Base):
    """Imported per-week inputs (weekly.csv): action counts, impacts, movement quality, label."""

    __tablename__ = "weekly_inputs"
    __table_args__ = (UniqueConstraint("athlete_id", "week", name="uq_weekly_input"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.athlete_id"))
    week: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)


class WeeklyFeature(Base):
    """V_t of one player-week as last computed."""

    __tablename__ = "weekly_features"
    __table_args__ = (UniqueConstraint("athlete_id", "week", name="uq_weekly_feature"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.athlete_id"))
    week: Mapped[int] = mapped_column(Integer)
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    label: Mapped[float | None] = mapped_column(Float)
    computed: Mapped[datetime] = mapped_column(default=utcnow)


class RiskPrediction(Base):
    __tablename__ = "risk_predictions"
    __table_args__ = (
        UniqueConstraint("athlete_id", "week", "model_version", name="uq_prediction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.athlete_id"), index=True)
    week: Mapped[int] = mapped_column(Integer, index=True)
    probability: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(8))
    drivers: Mapped[dict[str, Any]] = mapped_column(JSON)
    model_version: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(default=utcnow)


class ModelVersion(Base):
    """A trained model: the weekly risk head or an edge bundle, with the metrics that gated it."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "risk" | "bundle"
    path: Mapped[str | None] = mapped_column(String(512))
    sha256: Mapped[str | None] = mapped_column(String(64))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    synthetic: Mapped[bool] = mapped_column(default=False)
    published: Mapped[datetime | None] = mapped_column()
    created: Mapped[datetime] = mapped_column(default=utcnow)


class DataSource(Base):
    """A dataset directory imported into the database; says whether the data is synthetic,
    which every model card and report trained on it must repeat."""

    __tablename__ = "data_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    synthetic: Mapped[bool] = mapped_column()
    weeks: Mapped[int | None] = mapped_column(Integer)
    imported: Mapped[datetime] = mapped_column(default=utcnow)
