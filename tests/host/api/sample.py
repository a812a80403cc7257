"""A valid session summary (contract 5) as the sideline posts it."""

from __future__ import annotations

from typing import Any

SUMMARY: dict[str, Any] = {
    "schema": 1,
    "session_id": "2026-03-02-am",
    "athlete_id": "p7",
    "revision": 1,
    "session": {
        "start": "2026-03-02T09:30:00+00:00",
        "end": "2026-03-02T11:00:00+00:00",
        "duration_s": 5400,
        "type": "training",
        "rpe": 6,
    },
    "sensors": [{"sensor_id": 12, "site": "calf", "battery_pct": 80}],
    "quality": {"loss_pct": 0.4, "gaps": 1, "windows_total": 10000, "windows_dropped": 3},
    "actions": {
        "landing": {"n": 14, "impact_mean": 0.6},
        "sprint": {"n": 22, "impact_mean": 0.3},
    },
    "load": {
        "player_load": 612.5,
        "accels": 31,
        "decels": 35,
        "distance_m": 6120.0,
        "hsr_m": 410.0,
        "sprints": 9,
        "impact_score": 10.2,
    },
    "heart_rate": {"mean_bpm": 141, "max_bpm": 187, "zones_s": [600, 1200, 1800, 1200, 600]},
    "model_version": "2026.03.01",
}
