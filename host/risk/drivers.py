"""Why a player's risk is what it is, in words staff use: the features that pushed the
prediction up most, with their values this week ("ACWR 1.6 and 14 landings this week").

A feature is named only when it pushed risk up *and* sits on its alarming side of the
squad's usual value (above for loads and counts; below for wellness, movement quality
and weeks since the last injury). A model may learn that an unusually quiet week adds
risk, but "0 previous injuries" is no reason staff can act on.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from edge import taxonomy
from host.risk.features import CLUB_ACTIONS, COUNT_PREFIX

TOP_DRIVERS = 3
LOW_IS_ALARMING = frozenset({"wellness", "movement_quality", "weeks_since_injury"})


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
    "weeks_since_injury": lambda v: (
        "injured this week"
        if v < 1
        else "injured last week"
        if v < 2
        else f"injured {v:.0f} weeks ago"
    ),
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
    _PHRASES[f"{COUNT_PREFIX}{_action}"] = _count(_ACTION_NOUNS[_action])
_PHRASES[CLUB_ACTIONS] = _count("actions in the club's own labels")


def describe(feature: str, value: float) -> str:
    """One feature's value as staff would say it; a club's label reads as its own words
    ("31 instep kick this week")."""
    if feature in _PHRASES:
        return _PHRASES[feature](value)
    return _count(feature.removeprefix(COUNT_PREFIX).replace("_", " "))(value)


def top_drivers(
    features: list[str],
    values: np.ndarray,
    contributions: np.ndarray,
    standardised: np.ndarray,
    limit: int = TOP_DRIVERS,
) -> list[str]:
    """The features (at most `limit`) that raised this prediction from their alarming
    side (`standardised`: z-score against the training weeks), largest push first."""
    side = np.array([-1.0 if name in LOW_IS_ALARMING else 1.0 for name in features])
    alarming = (contributions > 0) & (standardised * side > 0)
    order = [i for i in np.argsort(-contributions) if alarming[i]]
    return [describe(features[i], float(values[i])) for i in order[:limit]]


def sentence(drivers: list[str]) -> str:
    """'ACWR 1.6 and 14 hard landings this week' from the driver phrases."""
    if not drivers:
        return "nothing above an average week"
    if len(drivers) == 1:
        return drivers[0]
    return ", ".join(drivers[:-1]) + " and " + drivers[-1]
