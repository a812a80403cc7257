"""Contract 5: one session summary per athlete, validated before it enters the outbox.

The JSON Schema shipped in `edge/schemas/session_summary.v1.json` is the contract with the
host; a summary that does not satisfy it is a bug on the sideline and raises
`SummaryError` naming the field, rather than being posted and refused later. The
summary carries the inputs of the impact score (n_k, s_k per action); the weights rho_k
and D_t itself belong to the host's risk model, so they are computed there only.

Actions are counted under the installed bundle's own labels. A bundle trained on a club's
words says so in `action_labels`; one on the paper's eight leaves it out, so its summaries
read exactly as before on any host.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema
import numpy as np

from edge import taxonomy
from edge.load import hr_zone_seconds
from edge.stream import SessionProcessor
from firmware_bridge.errors import TouchlineError

SCHEMA_FILE = "session_summary.v1.json"


class SummaryError(TouchlineError):
    """A built summary does not satisfy the session summary schema."""


@lru_cache(maxsize=1)
def summary_schema() -> dict[str, Any]:
    text = resources.files("edge").joinpath("schemas", SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_summary(summary: dict[str, Any]) -> None:
    """Raise SummaryError naming the first field that breaks the schema."""
    validator = jsonschema.Draft202012Validator(
        summary_schema(), format_checker=jsonschema.FormatChecker()
    )
    error = jsonschema.exceptions.best_match(validator.iter_errors(summary))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise SummaryError(f"session summary {where}: {error.message}")
    vocabulary = summary.get("action_labels")
    unlisted = sorted(set(summary["actions"]) - set(vocabulary)) if vocabulary else []
    if unlisted:
        raise SummaryError(f"session summary actions: {unlisted} are not in action_labels")


def build_summary(
    processor: SessionProcessor,
    athlete_id: str,
    *,
    session_id: str,
    revision: int,
    started_at: datetime,
    session_type: str,
    device_id: str | None = None,
) -> dict[str, Any]:
    """The validated contract-5 summary of one athlete from the pipeline's totals."""
    athlete = processor.athletes[athlete_id]
    duration_s = (
        max(0.0, athlete.last_t_s - athlete.first_t_s)
        if athlete.first_t_s is not None and athlete.last_t_s is not None
        else 0.0
    )
    sensors = processor.sensors_of(athlete_id)
    gaps = [gap for s in sensors if s.clock for gap in s.clock.gaps]
    residuals = [s.clock.residual_ms for s in sensors if s.clock and s.clock.residual_ms]
    lost = sum(s.clock.frames_lost for s in sensors if s.clock)
    received = sum(s.frames for s in sensors)
    vocabulary = taxonomy.action_labels(processor.model.manifest.labels)
    actions: dict[str, dict[str, Any]] = {}
    for label in vocabulary:
        impacts = [e.impact for e in athlete.events if e.label == label]
        if impacts:
            actions[label] = {
                "n": len(impacts),
                "impact_mean": round(sum(impacts) / len(impacts), 4),
                "impact_max": round(max(impacts), 4),
            }
    zones = processor.speed_zones(athlete_id)
    accels, decels = processor.accel_decel(athlete_id)
    summary: dict[str, Any] = {
        "schema": 1,
        "session_id": session_id,
        "athlete_id": athlete_id,
        "revision": revision,
        "session": {
            "start": started_at.isoformat(),
            "end": (started_at + timedelta(seconds=duration_s)).isoformat(),
            "duration_s": round(duration_s, 2),
            "type": session_type,
        },
        "sensors": [
            {
                "sensor_id": s.sensor_id if s.sensor_id is not None else 0,
                "site": s.role.site,
                "battery_pct": s.battery_pct,
            }
            for s in sensors
            if s.sensor_id is not None
        ],
        "quality": {
            "loss_pct": round(100.0 * lost / max(1, lost + received), 3),
            "gaps": sum(1 for gap in gaps if gap.kind == "loss"),
            "longest_gap_s": round(max((g.duration_s for g in gaps), default=0.0), 3),
            "clock_fit_residual_ms": round(max(residuals), 3) if residuals else None,
            "frames_rejected": dict(processor.rejects),
            "windows_total": athlete.windows_total,
            "windows_dropped": athlete.windows_dropped,
        },
        "actions": actions,
        "load": {
            "player_load": round(athlete.player_load, 3),
            "accels": accels,
            "decels": decels,
            "distance_m": round(zones.distance_m, 1) if zones else None,
            "hsr_m": round(zones.hsr_m, 1) if zones else None,
            "sprints": zones.sprints if zones else None,
            "max_speed_mps": round(zones.max_speed_mps, 2) if zones else None,
        },
        "heart_rate": _heart_rate(athlete.heart_rates, processor.record.hr_max_bpm),
        "model_version": processor.model.version,
    }
    if vocabulary != taxonomy.ACTIONS:
        summary["action_labels"] = list(vocabulary)
    if device_id:
        summary["device_id"] = device_id
    validate_summary(summary)
    return summary


def _heart_rate(bpm: Sequence[float], hr_max_bpm: float) -> dict[str, Any] | None:
    if not len(bpm):
        return None
    zones = hr_zone_seconds(np.asarray(bpm), taxonomy.HR_RATE_HZ, hr_max_bpm)
    return {
        "mean_bpm": round(sum(bpm) / len(bpm), 1),
        "max_bpm": float(max(bpm)),
        "zones_s": [round(z, 1) for z in zones],
    }
