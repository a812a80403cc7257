"""What each route answers, as pydantic models: routes build these, never loose dicts, and
the OpenAPI document carries every response's schema for clients to check against."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    status: Literal["ok"]
    version: str = Field(description="Touchline version of the server")
    schema_revision: str | None = Field(description="Database migration the server found")


class HealthDown(BaseModel):
    status: Literal["down"]
    message: str


class ModelInfo(BaseModel):
    """A published edge bundle."""

    version: str
    sha256: str | None
    created: str = Field(description="ISO 8601 time of training")
    synthetic: bool = Field(description="Trained on simulated data")
    metrics: dict[str, Any] | None = Field(description="Test scores recorded at publication")
    bundle_url: str


class AthleteRisk(BaseModel):
    """One athlete's probability of a time-loss injury next week."""

    athlete_id: str
    week: int
    probability: float = Field(ge=0, le=1)
    band: str = Field(description="low, medium, high, or unrated")
    drivers: list[str] = Field(description="Plain-language reasons, strongest first")
    change: float | None = Field(description="Change in probability since the week before")
    model_version: str


class SquadRisk(BaseModel):
    week: int
    players: list[AthleteRisk] = Field(description="Highest risk first")


class StoredOutcome(BaseModel):
    """What posting a session summary did."""

    status: Literal["created", "replaced", "unchanged"]
    session_id: str
    athlete_id: str
    revision: int


class StoredSession(BaseModel):
    revision: int
    source: str = Field(description="summary (posted by a device) or import")
    summary: dict[str, Any] | None = Field(description="The summary as posted")
