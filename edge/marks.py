"""What staff add to a session by hand: drills marked as they start and end, and each
athlete's RPE (Borg CR-10, 0-10) entered at the end.

`edge drill` / `edge rpe` and the sideline page's staff buttons call these functions, and
both keep the marks in the session's own SQLite store. An RPE for a session whose summaries
are already built is written into a new summary revision and queued for the host, so the
host's session-RPE load follows what staff entered; nothing stored before is changed.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from edge.store import Store, StoreError, utc_now
from edge.summary import validate_summary
from firmware_bridge.errors import UserError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS drills (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(session_id),
    name TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE TABLE IF NOT EXISTS rpe (
    session_id TEXT NOT NULL REFERENCES sessions(session_id),
    athlete_id TEXT NOT NULL,
    rpe REAL NOT NULL,
    entered_at TEXT NOT NULL,
    PRIMARY KEY (session_id, athlete_id)
);
"""
RPE_RANGE = (0.0, 10.0)  # Borg CR-10, as the session summary schema bounds it
MAX_DRILL_NAME = 64


class MarkError(UserError, ValueError):
    """A drill or RPE that cannot be stored: says which field and why."""

    exit_code = 2


@dataclass(frozen=True)
class Drill:
    name: str
    started_at: str
    ended_at: str | None


class SessionMarks:
    """Drills and RPE of the sessions in one store; one per thread, like `Store`."""

    def __init__(self, store: Store, *, owns_store: bool = False) -> None:
        self.store = store
        self._owns_store = owns_store
        try:
            self._db = sqlite3.connect(store.path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{store.path}: cannot open the store ({exc})") from exc

    @classmethod
    def open(cls, path: Path | str) -> SessionMarks:
        """Marks on the store at `path`, with a connection of their own."""
        return cls(Store(path), owns_store=True)

    def close(self) -> None:
        self._db.close()
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> SessionMarks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _session(self, session_id: str) -> str:
        row = self.store.session(session_id)
        if row is None:
            raise MarkError(f"session: no session {session_id!r} in {self.store.path}")
        return row.status

    # -- drills --------------------------------------------------------------------------

    def start_drill(self, session_id: str, name: str) -> Drill:
        """Start the drill `name` now; a drill still running must be ended first."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_DRILL_NAME or not name.isprintable():
            raise MarkError(
                f"drill: a name of 1-{MAX_DRILL_NAME} printable characters "
                f"is expected (got {name[:20]!r})"
            )
        self._session(session_id)
        running = self.running_drill(session_id)
        if running is not None:
            raise MarkError(f"drill: {running.name!r} is still running; end it first")
        started = utc_now()
        self._db.execute(
            "INSERT INTO drills(session_id, name, started_at) VALUES (?, ?, ?)",
            (session_id, name, started),
        )
        return Drill(name, started, None)

    def end_drill(self, session_id: str) -> Drill:
        """End the drill that is running."""
        self._session(session_id)
        running = self.running_drill(session_id)
        if running is None:
            raise MarkError("drill: no drill is running; start one first")
        ended = utc_now()
        self._db.execute(
            "UPDATE drills SET ended_at=? WHERE session_id=? AND ended_at IS NULL",
            (ended, session_id),
        )
        return Drill(running.name, running.started_at, ended)

    def running_drill(self, session_id: str) -> Drill | None:
        row = self._db.execute(
            "SELECT name, started_at, ended_at FROM drills WHERE session_id=? "
            "AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
            (session_id,),
        ).fetchone()
        return Drill(*row) if row else None

    def drills(self, session_id: str) -> list[Drill]:
        rows = self._db.execute(
            "SELECT name, started_at, ended_at FROM drills WHERE session_id=? ORDER BY id",
            (session_id,),
        )
        return [Drill(*row) for row in rows]

    # -- RPE -----------------------------------------------------------------------------

    def set_rpe(self, session_id: str, athlete_id: str, rpe: float) -> None:
        """Keep `athlete_id`'s RPE; once the session's summaries exist, re-issue theirs."""
        status = self._session(session_id)
        athletes = {sensor.athlete_id for sensor in self.store.sensors(session_id)}
        if athlete_id not in athletes:
            raise MarkError(
                f"athlete_id: {athlete_id!r} did not wear a sensor in session "
                f"{session_id!r} (athletes: {', '.join(sorted(athletes))})"
            )
        low, high = RPE_RANGE
        if not low <= rpe <= high:  # also refuses NaN
            raise MarkError(
                f"rpe: a value from {low:g} to {high:g} (CR-10) is expected (got {rpe!r})"
            )
        self._db.execute(
            "INSERT INTO rpe(session_id, athlete_id, rpe, entered_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(session_id, athlete_id) DO UPDATE SET rpe=excluded.rpe, "
            "entered_at=excluded.entered_at",
            (session_id, athlete_id, float(rpe), utc_now()),
        )
        if status != "recording":
            self.apply_rpe(session_id)

    def rpes(self, session_id: str) -> dict[str, float]:
        rows = self._db.execute(
            "SELECT athlete_id, rpe FROM rpe WHERE session_id=? ORDER BY athlete_id", (session_id,)
        )
        return dict(rows.fetchall())

    def apply_rpe(self, session_id: str) -> int:
        """Write each entered RPE into a new revision of that athlete's latest summary
        (queued for the host) where it differs; returns how many were re-issued."""
        entered = self.rpes(session_id)
        reissued = 0
        for athlete_id, body in self.store.summaries(session_id).items():
            summary = json.loads(body)
            rpe = entered.get(athlete_id)
            if rpe is None or summary["session"].get("rpe") == rpe:
                continue
            summary["session"]["rpe"] = rpe
            summary["revision"] = self.store.next_revision(session_id, athlete_id)
            validate_summary(summary)
            self.store.save_summary(
                session_id, athlete_id, summary["revision"], json.dumps(summary)
            )
            reissued += 1
        return reissued


def current_session(store: Store, session_id: str | None = None) -> str:
    """`session_id` if stored, else the session recording now, else the newest one."""
    if session_id is not None:
        if store.session(session_id) is None:
            raise MarkError(f"session: no session {session_id!r} in {store.path}")
        return session_id
    recording = store.sessions("recording")
    every = recording or store.sessions()
    if not every:
        raise MarkError(f"session: no sessions in {store.path} yet (edge record first)")
    return every[-1].session_id
