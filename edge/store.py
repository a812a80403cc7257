"""The sideline's SQLite store: sessions, sensors, raw frames, events, summaries, outbox.

WAL mode with `synchronous=NORMAL`: a `kill -9` or power cut at any moment leaves a
readable database holding everything up to the last commit, and readers (`edge status`,
`edge sync`) never block the recorder. Raw frames are kept, zlib-compressed in chunks of
about a second per sensor, so a session can be re-processed with a newer model.

A full disk surfaces as `StoreFullError` (what was committed before stays); any other
database trouble as `StoreError`, both with the file named.
"""

from __future__ import annotations

import sqlite3
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from firmware_bridge.errors import UserError

SCHEMA_VERSION = 2
# Columns added after a table first shipped: (table, column, definition), in order. A
# store written by an older version gains them when opened; nothing stored is touched.
_ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("sensors", "protocol", "TEXT NOT NULL DEFAULT 'frame'"),
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id     TEXT PRIMARY KEY,
    started_at     TEXT NOT NULL,
    ended_at       TEXT,
    type           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('recording', 'closed')),
    model_version  TEXT
);
CREATE TABLE IF NOT EXISTS sensors (
    session_id  TEXT NOT NULL REFERENCES sessions(session_id),
    address     TEXT NOT NULL,
    athlete_id  TEXT NOT NULL,
    site        TEXT NOT NULL,
    sensor_id   INTEGER,
    protocol    TEXT NOT NULL DEFAULT 'frame',
    PRIMARY KEY (session_id, address)
);
CREATE TABLE IF NOT EXISTS frame_chunks (
    id              INTEGER PRIMARY KEY,
    session_id      TEXT NOT NULL REFERENCES sessions(session_id),
    address         TEXT NOT NULL,
    first_arrival_s REAL NOT NULL,
    n_frames        INTEGER NOT NULL,
    data            BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS frame_chunks_by_session ON frame_chunks(session_id, id);
CREATE TABLE IF NOT EXISTS events (
    id          INTEGER PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions(session_id),
    athlete_id  TEXT NOT NULL,
    label       TEXT NOT NULL,
    t_s         REAL NOT NULL,
    score       REAL NOT NULL,
    impact      REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_session ON events(session_id, athlete_id);
CREATE TABLE IF NOT EXISTS summaries (
    session_id  TEXT NOT NULL,
    athlete_id  TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (session_id, athlete_id, revision)
);
CREATE TABLE IF NOT EXISTS outbox (
    id               INTEGER PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    body             TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sent', 'rejected')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  REAL NOT NULL DEFAULT 0,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
"""

# One stored frame: arrival time on the session clock (f64), length (u16), bytes.
_FRAME_HEADER = struct.Struct("<dH")


class StoreError(UserError):
    """The store cannot be opened or written."""


class StoreFullError(StoreError):
    """The disk (or the store's size limit) is full; nothing committed before is lost."""


@dataclass(frozen=True)
class StoredFrame:
    """One raw packet as it arrived from a sensor."""

    address: str
    arrival_s: float
    data: bytes


@dataclass(frozen=True)
class SessionRow:
    session_id: str
    started_at: str
    ended_at: str | None
    type: str
    status: str
    model_version: str | None


@dataclass(frozen=True)
class SensorRow:
    address: str
    athlete_id: str
    site: str
    sensor_id: int | None
    protocol: str = "frame"


@dataclass(frozen=True)
class EventRow:
    athlete_id: str
    label: str
    t_s: float
    score: float
    impact: float


@dataclass(frozen=True)
class OutboxItem:
    id: int
    idempotency_key: str
    body: str
    state: str
    attempts: int
    next_attempt_at: float
    last_error: str | None


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def pack_frames(frames: list[tuple[float, bytes]]) -> bytes:
    """Concatenate (arrival, bytes) records and compress them as one chunk."""
    out = bytearray()
    for arrival_s, data in frames:
        out += _FRAME_HEADER.pack(arrival_s, len(data))
        out += data
    return zlib.compress(bytes(out), 6)


def unpack_frames(blob: bytes) -> list[tuple[float, bytes]]:
    raw = zlib.decompress(blob)
    frames: list[tuple[float, bytes]] = []
    offset = 0
    while offset < len(raw):
        arrival_s, length = _FRAME_HEADER.unpack_from(raw, offset)
        offset += _FRAME_HEADER.size
        frames.append((arrival_s, raw[offset : offset + length]))
        offset += length
    return frames


class Store:
    """One connection to the store; open one per thread."""

    def __init__(self, path: Path | str, max_pages: int | None = None) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            if max_pages is not None:  # a size cap; also how tests make the disk "full"
                self._db.execute(f"PRAGMA max_page_count={int(max_pages)}")
            self._db.executescript(_SCHEMA)  # every statement is CREATE … IF NOT EXISTS
            self._upgrade()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open the store ({exc})") from exc
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the store ({exc})") from exc

    def _upgrade(self) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version >= SCHEMA_VERSION:
            return
        with self._write() as db:
            for table, column, definition in _ADDED_COLUMNS:
                present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
                if column not in present:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction; a full disk rolls it back and raises StoreFullError."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            yield self._db
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._rollback()
            if "full" in str(exc):
                raise StoreFullError(
                    f"{self.path}: disk full, recording stopped; everything up to the last "
                    "second is stored"
                ) from exc
            raise StoreError(f"{self.path}: {exc}") from exc
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        # SQLite rolls back by itself after some errors (SQLITE_FULL among them).
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    # -- sessions and sensors -----------------------------------------------------------

    def begin_session(
        self, session_id: str, session_type: str, model_version: str | None
    ) -> SessionRow:
        started = utc_now()
        with self._write() as db:
            db.execute(
                "INSERT INTO sessions(session_id, started_at, type, status, model_version) "
                "VALUES (?, ?, ?, 'recording', ?)",
                (session_id, started, session_type, model_version),
            )
        return SessionRow(session_id, started, None, session_type, "recording", model_version)

    def add_sensor(self, session_id: str, sensor: SensorRow) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO sensors(session_id, address, athlete_id, site, sensor_id, "
                "protocol) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    sensor.address,
                    sensor.athlete_id,
                    sensor.site,
                    sensor.sensor_id,
                    sensor.protocol,
                ),
            )

    def end_session(self, session_id: str, ended_at: str | None = None) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE sessions SET status='closed', ended_at=? WHERE session_id=?",
                (ended_at or utc_now(), session_id),
            )

    def session(self, session_id: str) -> SessionRow | None:
        row = self._db.execute(
            "SELECT session_id, started_at, ended_at, type, status, model_version "
            "FROM sessions WHERE session_id=?",
            (session_id,),
        ).fetchone()
        return SessionRow(*row) if row else None

    def sessions(self, status: str | None = None) -> list[SessionRow]:
        query = "SELECT session_id, started_at, ended_at, type, status, model_version FROM sessions"
        args: tuple[str, ...] = ()
        if status is not None:
            query += " WHERE status=?"
            args = (status,)
        return [SessionRow(*row) for row in self._db.execute(query + " ORDER BY started_at", args)]

    def sensors(self, session_id: str) -> list[SensorRow]:
        rows = self._db.execute(
            "SELECT address, athlete_id, site, sensor_id, protocol FROM sensors "
            "WHERE session_id=? "
            "ORDER BY rowid",
            (session_id,),
        )
        return [SensorRow(*row) for row in rows]

    # -- raw frames and events ----------------------------------------------------------

    def write_batch(
        self,
        session_id: str,
        frames: dict[str, list[tuple[float, bytes]]],
        events: list[EventRow],
    ) -> None:
        """Commit a second's worth of raw frames (per sensor address) and new events."""
        with self._write() as db:
            for address, chunk in frames.items():
                if chunk:
                    db.execute(
                        "INSERT INTO frame_chunks(session_id, address, first_arrival_s, "
                        "n_frames, data) VALUES (?, ?, ?, ?, ?)",
                        (session_id, address, chunk[0][0], len(chunk), pack_frames(chunk)),
                    )
            db.executemany(
                "INSERT INTO events(session_id, athlete_id, label, t_s, score, impact) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(session_id, e.athlete_id, e.label, e.t_s, e.score, e.impact) for e in events],
            )

    def frames(self, session_id: str) -> Iterator[StoredFrame]:
        """Every stored frame of a session, sensor chunks interleaved in arrival order."""
        chunks = self._db.execute(
            "SELECT address, data FROM frame_chunks WHERE session_id=? "
            "ORDER BY first_arrival_s, id",
            (session_id,),
        )
        for address, blob in chunks:
            for arrival_s, data in unpack_frames(blob):
                yield StoredFrame(address, arrival_s, data)

    def frame_count(self, session_id: str) -> int:
        (count,) = self._db.execute(
            "SELECT COALESCE(SUM(n_frames), 0) FROM frame_chunks WHERE session_id=?",
            (session_id,),
        ).fetchone()
        return int(count)

    def events(self, session_id: str, athlete_id: str | None = None) -> list[EventRow]:
        query = "SELECT athlete_id, label, t_s, score, impact FROM events WHERE session_id=?"
        args: tuple[str, ...] = (session_id,)
        if athlete_id is not None:
            query += " AND athlete_id=?"
            args = (session_id, athlete_id)
        return [EventRow(*row) for row in self._db.execute(query + " ORDER BY t_s", args)]

    def replace_events(self, session_id: str, events: list[EventRow]) -> None:
        """Swap a session's events for a re-processed set, in one transaction."""
        with self._write() as db:
            db.execute("DELETE FROM events WHERE session_id=?", (session_id,))
            db.executemany(
                "INSERT INTO events(session_id, athlete_id, label, t_s, score, impact) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(session_id, e.athlete_id, e.label, e.t_s, e.score, e.impact) for e in events],
            )

    # -- summaries and outbox -----------------------------------------------------------

    def next_revision(self, session_id: str, athlete_id: str) -> int:
        (latest,) = self._db.execute(
            "SELECT COALESCE(MAX(revision), 0) FROM summaries WHERE session_id=? AND athlete_id=?",
            (session_id, athlete_id),
        ).fetchone()
        return int(latest) + 1

    def save_summary(self, session_id: str, athlete_id: str, revision: int, body: str) -> None:
        """Store a summary and queue it for the host in the same transaction."""
        key = f"{session_id}/{athlete_id}/{revision}"
        now = utc_now()
        with self._write() as db:
            db.execute(
                "INSERT INTO summaries(session_id, athlete_id, revision, body, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (session_id, athlete_id, revision, body, now),
            )
            db.execute(
                "INSERT INTO outbox(idempotency_key, body, created_at) VALUES (?, ?, ?)",
                (key, body, now),
            )

    def summaries(self, session_id: str) -> dict[str, str]:
        """Latest summary body per athlete of a session."""
        rows = self._db.execute(
            "SELECT athlete_id, body FROM summaries s WHERE session_id=? AND revision = "
            "(SELECT MAX(revision) FROM summaries WHERE session_id=s.session_id "
            "AND athlete_id=s.athlete_id)",
            (session_id,),
        )
        return dict(rows.fetchall())

    def outbox_due(self, now: float) -> list[OutboxItem]:
        rows = self._db.execute(
            "SELECT id, idempotency_key, body, state, attempts, next_attempt_at, last_error "
            "FROM outbox WHERE state='pending' AND next_attempt_at<=? ORDER BY id",
            (now,),
        )
        return [OutboxItem(*row) for row in rows]

    def outbox_counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state")
        return {"pending": 0, "sent": 0, "rejected": 0, **dict(rows.fetchall())}

    def outbox_items(self) -> list[OutboxItem]:
        rows = self._db.execute(
            "SELECT id, idempotency_key, body, state, attempts, next_attempt_at, last_error "
            "FROM outbox ORDER BY id"
        )
        return [OutboxItem(*row) for row in rows]

    def mark_sent(self, item_id: int) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE outbox SET state='sent', sent_at=?, attempts=attempts+1 WHERE id=?",
                (utc_now(), item_id),
            )

    def mark_rejected(self, item_id: int, reason: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE outbox SET state='rejected', last_error=?, attempts=attempts+1 WHERE id=?",
                (reason, item_id),
            )

    def mark_retry(self, item_id: int, next_attempt_at: float, reason: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE outbox SET attempts=attempts+1, next_attempt_at=?, last_error=? WHERE id=?",
                (next_attempt_at, reason, item_id),
            )
