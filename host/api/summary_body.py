"""The body of POST /sessions: contract 5 with the bounds a database and a physiologist
would insist on. Vocabularies are read from the shipped JSON Schema (checked again after
this), so the two never drift; this model adds what the schema lets through: NaN and
Infinity, integers beyond the database's columns, values no athlete produces, and text no
database can store.

A field written `name: T = LEFT_OUT` may be left out (then it is None) but not sent as
null, as in the schema.

Action labels are the producing model's own words (`action_labels`, else the paper's
eight); a key that is no label, or not one of that vocabulary, is refused naming the key.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from host.api.fields import INT32_MAX, Count, Identifier, ShortText
from host.db.summaries import summary_schema

_SCHEMA = summary_schema()
_CONTRACT: dict[str, Any] = _SCHEMA["properties"]
# Without `action_labels`, the keys the schema's first version allowed: the paper's eight.
PAPER_ACTIONS: tuple[str, ...] = tuple(
    _SCHEMA["then"]["properties"]["actions"]["propertyNames"]["enum"]
)
_LABEL_RULE: dict[str, Any] = _CONTRACT["actions"]["propertyNames"]
LABEL_PATTERN = re.compile(_LABEL_RULE["pattern"])
NOT_A_LABEL = _LABEL_RULE["not"]["const"]  # background is a class, never an action
MAX_ACTION_LABELS: int = _CONTRACT["actions"]["maxProperties"]
ActionLabel = Annotated[str, Field(pattern=_LABEL_RULE["pattern"])]
if TYPE_CHECKING:  # literals built from the schema at run time; plain text to mypy
    SessionType = str
    Site = str
else:
    SessionType = Literal[tuple(_CONTRACT["session"]["properties"]["type"]["enum"])]
    Site = Literal[tuple(_CONTRACT["sensors"]["items"]["properties"]["site"]["enum"])]
# Default of a field that may be left out but not sent as null: pydantic does not validate
# defaults, so a left-out field is None while an explicit null is refused by its type. Any,
# so that `name: T = LEFT_OUT` type-checks.
LEFT_OUT: Any = None

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
    longest_gap_s: Seconds = LEFT_OUT
    clock_fit_residual_ms: Annotated[float, Field(ge=0, le=DAY_S * 1000)] | None = None
    frames_rejected: dict[ShortText, Count] = LEFT_OUT
    windows_total: Count
    windows_dropped: Count


class ActionCount(Strict):
    n: Count
    impact_mean: Fraction
    impact_max: Fraction = LEFT_OUT


class Load(Strict):
    player_load: Annotated[float, Field(ge=0, le=100_000)]
    accels: Count = LEFT_OUT
    decels: Count = LEFT_OUT
    distance_m: Metres | None = None
    hsr_m: Metres | None = None
    sprints: Count | None = None
    max_speed_mps: Annotated[float, Field(ge=0, le=50)] | None = None
    impact_score: Annotated[float, Field(ge=0, le=1e6)] = LEFT_OUT


class HeartRate(Strict):
    mean_bpm: Bpm = LEFT_OUT
    max_bpm: Bpm = LEFT_OUT
    zones_s: Annotated[list[Seconds], Field(min_length=5, max_length=5)] = LEFT_OUT


class SessionSummaryBody(Strict):
    """session_summary.v1 as the sideline posts it (key: session_id, athlete_id, revision)."""

    schema_version: Literal[1] = Field(alias="schema")
    session_id: Identifier
    athlete_id: Identifier
    revision: Annotated[int, Field(ge=1, le=INT32_MAX)]
    device_id: ShortText = LEFT_OUT
    session: SessionTimes
    sensors: Annotated[list[Sensor], Field(max_length=64)]
    quality: Quality
    action_labels: Annotated[
        list[ActionLabel], Field(min_length=1, max_length=MAX_ACTION_LABELS)
    ] = LEFT_OUT
    actions: Annotated[
        dict[str, ActionCount],
        Field(max_length=MAX_ACTION_LABELS, json_schema_extra={"propertyNames": _LABEL_RULE}),
    ]
    load: Load
    heart_rate: HeartRate | None = None
    model_version: ShortText | None

    @field_validator("action_labels")
    @classmethod
    def _a_vocabulary(cls, labels: list[str]) -> list[str]:
        if NOT_A_LABEL in labels:
            raise PydanticCustomError("action_label", f"{NOT_A_LABEL!r} is not an action label")
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            raise PydanticCustomError(
                "action_label", "{labels} appear more than once", {"labels": repeated}
            )
        return labels

    @field_validator("actions")
    @classmethod
    def _labelled_by_the_model(
        cls, actions: dict[str, ActionCount], info: ValidationInfo
    ) -> dict[str, ActionCount]:
        """Each key a label of the vocabulary that produced the counts; the first bad one
        is named (a malformed `action_labels` is reported on its own, before this)."""
        vocabulary = info.data.get("action_labels") or PAPER_ACTIONS
        for label in actions:
            if not LABEL_PATTERN.match(label) or label == NOT_A_LABEL:
                raise PydanticCustomError(
                    "action_label",
                    "key {label} is not an action label: 1 to 40 letters, "
                    "digits, '_' or '-', starting with a letter or digit, not 'background'",
                    {"label": repr(label)},
                )
            if label not in vocabulary:
                where = (
                    "action_labels"
                    if info.data.get("action_labels")
                    else ("the paper's eight actions; send action_labels for a club's own words")
                )
                raise PydanticCustomError(
                    "action_label",
                    "key {label} is not one of {where}",
                    {"label": repr(label), "where": where},
                )
        return actions

    def as_posted(self) -> dict[str, Any]:
        """The summary as JSON data, with exactly the keys the client sent."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)
