"""The live state the sideline page shows, built once per update and shared by every open
page: `edge record` calls the board with the pipeline's state (as it calls the terminal
table), the board turns it into one JSON text, and each server-sent-events stream only
sends that text on when it changes. Many browsers cost one build per update, not one each.

The board is written by the recording thread and read by the web server's thread; a lock
guards the (version, text) pair."""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any, TypedDict

from edge.store import EventRow, Store
from edge.stream import SessionProcessor
from edge.transports.base import LinkStatus


class CardLink(TypedDict):
    site: str
    up: bool


class LastAction(TypedDict):
    label: str
    t_s: float


class AthleteCard(TypedDict):
    """One athlete on the sideline page, as the page's JSON carries it."""

    athlete_id: str
    links: list[CardLink]
    battery_pct: float | None
    loss_pct: float
    distance_m: int | None
    hsr_m: int | None
    sprints: int | None
    player_load: int
    actions: dict[str, int]
    last: LastAction | None


def athlete_cards(processor: SessionProcessor, statuses: list[LinkStatus]) -> list[AthleteCard]:
    """One card per athlete: the live table's columns, as numbers rather than text."""
    by_address = {status.address: status for status in statuses}
    cards: list[AthleteCard] = []
    for athlete_id, athlete in processor.athletes.items():
        sensors = processor.sensors_of(athlete_id)
        links: list[CardLink] = []
        for sensor in sensors:
            status = by_address.get(sensor.role.address)
            links.append(
                {"site": sensor.role.site, "up": status.connected if status else sensor.frames > 0}
            )
        batteries = [s.battery_pct for s in sensors if s.battery_pct is not None]
        zones = processor.speed_zones(athlete_id)
        last = athlete.events[-1] if athlete.events else None
        cards.append(
            {
                "athlete_id": athlete_id,
                "links": links,
                "battery_pct": min(batteries) if batteries else None,
                "loss_pct": round(max((s.loss_pct for s in sensors), default=0.0), 1),
                "distance_m": round(zones.distance_m) if zones else None,
                "hsr_m": round(zones.hsr_m) if zones else None,
                "sprints": zones.sprints if zones else None,
                "player_load": round(athlete.player_load),
                "actions": dict(Counter(event.label for event in athlete.events).most_common()),
                "last": {"label": last.label, "t_s": round(last.t_s, 1)} if last else None,
            }
        )
    return cards


class LiveBoard:
    """The newest state of the session as JSON, with a version that grows on each change."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self._lock = threading.Lock()
        self._version = 0
        self._state: dict[str, Any] = {
            "session_id": session_id,
            "session_s": 0.0,
            "athletes": [],
            "drill": None,
            "rpe": {},
            "closed": False,
        }
        self._text = json.dumps(self._state)

    def __call__(
        self, processor: SessionProcessor, statuses: list[LinkStatus], session_s: float
    ) -> None:
        """`record`'s observer: the same call the terminal's live table gets."""
        self.publish(session_s=round(session_s, 1), athletes=athlete_cards(processor, statuses))

    def publish(self, **changes: Any) -> None:
        with self._lock:
            self._state.update(changes)
            self._text = json.dumps(self._state, separators=(",", ":"))
            self._version += 1

    def close(self) -> None:
        """The session is over: open pages say so and their streams end."""
        self.publish(closed=True)

    def read(self) -> tuple[int, str]:
        with self._lock:
            return self._version, self._text

    @property
    def closed(self) -> bool:
        with self._lock:
            return bool(self._state["closed"])

    def athlete_ids(self) -> list[str]:
        with self._lock:
            return [card["athlete_id"] for card in self._state["athletes"]]


def stored_cards(store: Store, session_id: str) -> list[AthleteCard]:
    """Cards of a session from what its store holds (for `edge serve` on its own): actions
    from the stored events, loads from the summaries once built; no link state."""
    summaries = {a: json.loads(body) for a, body in store.summaries(session_id).items()}
    events: dict[str, list[EventRow]] = {}
    for event in store.events(session_id):
        events.setdefault(event.athlete_id, []).append(event)
    athletes = dict.fromkeys(sensor.athlete_id for sensor in store.sensors(session_id))
    cards: list[AthleteCard] = []
    for athlete_id in athletes:
        mine = events.get(athlete_id, [])
        load = summaries.get(athlete_id, {}).get("load", {})
        last = mine[-1] if mine else None
        cards.append(
            {
                "athlete_id": athlete_id,
                "links": [],
                "battery_pct": None,
                "loss_pct": 0.0,
                "distance_m": _rounded(load.get("distance_m")),
                "hsr_m": _rounded(load.get("hsr_m")),
                "sprints": load.get("sprints"),
                "player_load": round(load.get("player_load", 0)),
                "actions": dict(Counter(event.label for event in mine).most_common()),
                "last": {"label": last.label, "t_s": round(last.t_s, 1)} if last else None,
            }
        )
    return cards


def _rounded(value: float | None) -> int | None:
    return None if value is None else round(value)
