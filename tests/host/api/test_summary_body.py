"""Properties of the strict summary body: any number in any field is either refused, naming
that field, or kept exactly; nothing non-finite or beyond the database gets through."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from host.api.fields import INT32_MAX
from host.api.summary_body import SessionSummaryBody
from tests.host.api.sample import SUMMARY

FLOAT_FIELDS = [
    "session.duration_s",
    "session.rpe",
    "quality.loss_pct",
    "load.player_load",
    "load.distance_m",
    "load.hsr_m",
    "heart_rate.mean_bpm",
    "heart_rate.max_bpm",
    "actions.landing.impact_mean",
    "sensors.0.battery_pct",
]
INT_FIELDS = [
    "revision",
    "quality.gaps",
    "quality.windows_total",
    "load.accels",
    "actions.sprint.n",
    "sensors.0.sensor_id",
]


def _with(path: str, value: Any) -> dict[str, Any]:
    body = copy.deepcopy(SUMMARY)
    *parents, leaf = path.split(".")
    target: Any = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(leaf) if leaf.isdigit() else leaf] = value
    return body


def _get(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data[int(part)] if part.isdigit() else data[part]
    return data


def _refused_at(body: dict[str, Any]) -> str | None:
    try:
        SessionSummaryBody.model_validate(body)
    except ValidationError as exc:
        return ".".join(str(part) for part in exc.errors()[0]["loc"])
    return None


@settings(max_examples=300, deadline=None, derandomize=True)
@given(path=st.sampled_from(FLOAT_FIELDS), value=st.floats())
def test_any_float_is_refused_at_its_field_or_kept_exactly(path: str, value: float) -> None:
    body = _with(path, value)
    refused = _refused_at(body)
    if refused is not None:
        assert refused == path
        return
    assert math.isfinite(value)
    posted = SessionSummaryBody.model_validate(body).as_posted()
    assert _get(posted, path) == value
    assert json.loads(json.dumps(posted, allow_nan=False)) == posted


@settings(max_examples=200, deadline=None, derandomize=True)
@given(path=st.sampled_from(INT_FIELDS), value=st.integers(min_value=-(2**70), max_value=2**70))
def test_any_integer_beyond_the_database_is_refused_at_its_field(path: str, value: int) -> None:
    refused = _refused_at(_with(path, value))
    if refused is None:
        assert 0 <= value <= INT32_MAX
    else:
        assert refused == path


@pytest.mark.parametrize("value", ["\x00", "\ud800", "ok\udc00"])
def test_text_a_database_cannot_hold_is_refused(value: str) -> None:
    assert _refused_at(_with("model_version", value)) == "model_version"
    assert _refused_at(_with("device_id", value)) == "device_id"


def test_the_sample_summary_is_kept_exactly() -> None:
    assert SessionSummaryBody.model_validate(SUMMARY).as_posted() == SUMMARY
