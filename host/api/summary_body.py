"""The body of POST /sessions: contract 5 with the bounds a database and a physiologist
would insist on. Vocabularies are read from the shipped JSON Schema (checked again after
this), so the two never drift; this model adds what the schema lets through: NaN and
Infinity, integers beyond the database's columns, values no athlete produces, and text no
database can store.

A field written `name: T = None` may be left out but not sent as null, as in the schema.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from host.api.fields import INT32_MAX, Count, Identifier, ShortText
from host.db.summaries import summary_validator

_CONTRACT: dict[str, Any] = summary_validator().schema["properties"]
ActionName = Literal[tuple(_CONTRACT["actions"]["propertyNames"]["enum"])]  # type: ignore[valid-type]
SessionType = Literal[tuple(_CONTRACT["session"]["properties"]["type"]["enum"])]  # type: ignore[valid-type]
Site = Literal[tuple(_CONTRACT["sensors"]["items"]["properties"]["site"]["enum"])]  # type: ignore[valid-type]

DAY_S = 24 * 3600  # a session, a gap or an HR zone lasts at most a day
Fraction = Annotated[float, Field(ge=0, le=1)]
Percent = Annotated[float, Field(ge=0, le=100)]
Seconds = Annotated[float, Field(ge=0, le=DAY_S)]
Metres = Annotated[float, Field(ge=0, le=100_000)]
Bpm = Annotated[float, Field(ge=0, le=300)]
Timestamp = Annotated[ShortText, Field(json_schema_extra={"format": "date-time"})]


class Strict(BaseModel):
    """No unknown keys, no NaN or Infinity anywhere."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class SessionTimes(Strict):
    start: Timestamp = Field(description="ISO 8601; with a UTC offset only if `end` has one")
    end: Timestamp
    duration_s: Seconds
    type: SessionType
    rpe: Annotated[float, Field(ge=0, le=10)] | None = None


class Sensor(Strict):
    sensor_id: Annotated[int, Field(ge=0, le=65535)]
    site: Site
    battery_pct: Percent | None = None


class Quality(Strict):
    loss_pct: Percent
    gaps: Count
    longest_gap_s: Seconds = None
    clock_fit_residual_ms: Annotated[float, Field(ge=0, le=DAY_S * 1000)] | None = None
    frames_rejected: dict[ShortText, Count] = None
    windows_total: Count
    windows_dropped: Count


class ActionCount(Strict):
    n: Count
    impact_mean: Fraction
    impact_max: Fraction = None


class Load(Strict):
    player_load: Annotated[float, Field(ge=0, le=100_000)]
    accels: Count = None
    decels: Count = None
    distance_m: Metres | None = None
    hsr_m: Metres | None = None
    sprints: Count | None = None
    max_speed_mps: Annotated[float, Field(ge=0, le=50)] | None = None
    impact_score: Annotated[float, Field(ge=0, le=1e6)] = None


class HeartRate(Strict):
    mean_bpm: Bpm = None
    max_bpm: Bpm = None
    zones_s: Annotated[list[Seconds], Field(min_length=5, max_length=5)] = None


class SessionSummaryBody(Strict):
    """session_summary.v1 as the sideline posts it (key: session_id, athlete_id, revision)."""

    schema_version: Literal[1] = Field(alias="schema")
    session_id: Identifier
    athlete_id: Identifier
    revision: Annotated[int, Field(ge=1, le=INT32_MAX)]
    device_id: ShortText = None
    session: SessionTimes
    sensors: Annotated[list[Sensor], Field(max_length=64)]
    quality: Quality
    actions: dict[ActionName, ActionCount]
    load: Load
    heart_rate: HeartRate | None = None
    model_version: ShortText | None

    def as_posted(self) -> dict[str, Any]:
        """The summary as JSON data, with exactly the keys the client sent."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)
