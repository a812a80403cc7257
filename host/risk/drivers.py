"""Why a player's risk is what it is, in words staff use: the features that pushed the
prediction up most, with their values this week ("ACWR 1.6 and 14 landings this week")."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from edge import taxonomy

TOP_DRIVERS = 3


def _count(noun: str) -> Callable[[float], str]:
    return lambda v: f"{v:.0f} {noun} this week"


_PHRASES: dict[str, Callable[[float], str]] = {
    "impact_score": lambda v: f"action impact score {v:.1f}",
    "acwr_rolling": lambda v: f"ACWR {v:.1f}",
    "acwr_ewma": lambda v: f"EWMA ACWR {v:.1f}",
    "acute_load": lambda v: f"acute load {v:.0f} AU/day",
    "chronic_load": lambda v: f"chronic load {v:.0f} AU/day",
    "srpe_load": lambda v: f"session-RPE load {v:.0f} AU",
    "monotony": lambda v: f"monotony {v:.1f}",
    "strain": lambda v: f"strain {v:.0f}",
    "hr_mean": lambda v: f"mean HR {v:.0f} bpm",
    "wellness": lambda v: f"wellness {v:.1f}/5",
    "sessions": _count("sessions"),
    "minutes": lambda v: f"{v:.0f} min trained",
    "distance_m": lambda v: f"{v / 1000:.1f} km covered",
    "hsr_m": lambda v: f"{v:.0f} m high-speed running",
    "sprints": _count("sprints"),
    "accel_decel": _count("hard accelerations/decelerations"),
    "player_load": lambda v: f"PlayerLoad {v:.0f}",
    "injuries_before": lambda v: f"{v:.0f} previous injuries",
    "weeks_since_injury": lambda v: f"injured {v:.0f} weeks ago",
    "days_lost_recent": lambda v: f"{v:.0f} days lost to injury in 8 weeks",
    "movement_quality": lambda v: f"movement quality {v:.2f}",
}
_ACTION_NOUNS = {
    "sprint": "sprints",
    "sudden_stop": "sudden stops",
    "change_of_direction": "changes of direction",
    "shot": "shots",
    "pass": "passes",
    "header": "headers",
    "confrontation": "physical duels",
    "landing": "hard landings",
}
for _action in taxonomy.ACTIONS:
    _PHRASES[f"n_{_action}"] = _count(_ACTION_NOUNS[_action])


def describe(feature: str, value: float) -> str:
    """One feature's value as staff would say it."""
    return _PHRASES[feature](value)


def top_drivers(features: list[str], values: np.ndarray, contributions: np.ndarray,
                limit: int = TOP_DRIVERS) -> list[str]:
    """The features (at most `limit`) that raised this prediction, largest push first."""
    order = np.argsort(-contributions)
    return [describe(features[i], float(values[i])) for i in order[:limit] if contributions[i] > 0]


def sentence(drivers: list[str]) -> str:
    """'ACWR 1.6 and 14 hard landings this week' from the driver phrases."""
    if not drivers:
        return "nothing above an average week"
    if len(drivers) == 1:
        return drivers[0]
    return ", ".join(drivers[:-1]) + " and " + drivers[-1]
