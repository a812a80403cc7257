"""The SQLite store keeps raw frames and events, and a full disk loses nothing committed."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from edge.store import EventRow, SensorRow, Store, StoreFullError


def test_frames_round_trip_in_arrival_order_across_sensors(tmp_path: Path) -> None:
    with Store(tmp_path / "edge.sqlite") as store:
        store.begin_session("s1", "training", "m1")
        store.add_sensor("s1", SensorRow("virtual://a", "7", "waist", 3))
        waist = [(0.1 * i, os.urandom(142)) for i in range(10)]
        calf = [(0.05 + 0.1 * i, os.urandom(142)) for i in range(10)]
        store.write_batch("s1", {"virtual://a": waist[:5], "virtual://b": calf[:5]}, [])
        store.write_batch("s1", {"virtual://a": waist[5:], "virtual://b": calf[5:]}, [])
        frames = list(store.frames("s1"))
        assert store.frame_count("s1") == 20
        assert [f.data for f in frames if f.address == "virtual://a"] == [d for _, d in waist]
        chunk_starts = [f.arrival_s for f in frames[::5]]
        assert chunk_starts == sorted(chunk_starts)
        assert store.sensors("s1") == [SensorRow("virtual://a", "7", "waist", 3)]


def test_summary_enters_outbox_in_the_same_transaction(tmp_path: Path) -> None:
    with Store(tmp_path / "edge.sqlite") as store:
        store.begin_session("s1", "training", None)
        assert store.next_revision("s1", "7") == 1
        store.save_summary("s1", "7", 1, '{"a": 1}')
        store.save_summary("s1", "7", 2, '{"a": 2}')
        assert store.next_revision("s1", "7") == 3
        assert store.summaries("s1") == {"7": '{"a": 2}'}
        keys = [item.idempotency_key for item in store.outbox_items()]
        assert keys == ["s1/7/1", "s1/7/2"]


def test_full_disk_raises_store_full_and_keeps_what_was_committed(tmp_path: Path) -> None:
    path = tmp_path / "edge.sqlite"
    with Store(path, max_pages=64) as store:  # 64 pages of 4 KiB: a tiny "disk"
        store.begin_session("s1", "training", None)
        event = EventRow("7", "shot", 12.5, 0.9, 0.4)
        store.write_batch("s1", {"a": [(0.0, b"x" * 100)]}, [event])
        with pytest.raises(StoreFullError, match="disk full") as caught:
            for i in range(1000):  # incompressible frames until the cap is hit
                store.write_batch("s1", {"a": [(float(i), os.urandom(4000))]}, [event])
        assert str(path) in str(caught.value)
        committed = store.frame_count("s1")
    # A fresh connection (as after a restart) reads everything committed before the error.
    with Store(path) as again:
        assert again.frame_count("s1") == committed > 1
        assert again.events("s1")[0] == event
        assert again.session("s1").status == "recording"


def test_store_file_is_in_wal_mode(tmp_path: Path) -> None:
    Store(tmp_path / "edge.sqlite").close()
    mode = sqlite3.connect(tmp_path / "edge.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_store_from_an_older_version_is_upgraded_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "edge.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE sessions (session_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, "
        "ended_at TEXT, type TEXT NOT NULL, status TEXT NOT NULL, model_version TEXT);"
        "CREATE TABLE sensors (session_id TEXT NOT NULL, address TEXT NOT NULL, "
        "athlete_id TEXT NOT NULL, site TEXT NOT NULL, sensor_id INTEGER, "
        "PRIMARY KEY (session_id, address));"
        "INSERT INTO sessions VALUES ('s0', '2026-01-01T10:00:00', NULL, 'training', "
        "'recording', NULL);"
        "INSERT INTO sensors VALUES ('s0', '/dev/ttyUSB0', '7', 'waist', 3);"
        "PRAGMA user_version=1;"
    )
    old.close()
    with Store(path) as store:
        assert store.sensors("s0") == [SensorRow("/dev/ttyUSB0", "7", "waist", 3, "frame")]
        store.add_sensor("s0", SensorRow("AA:BB", "7", "hr", None, "ble_hr"))
        assert store.sensors("s0")[-1].protocol == "ble_hr"
        assert store.session("s0").status == "recording"
