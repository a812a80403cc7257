"""Drills and RPE staff add to a session: kept in the session's store, checked at the door,
and an RPE after the summaries exist becomes a new revision queued for the host."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from edge.cli import app
from edge.config import CONFIG_ENV_VAR
from edge.marks import MarkError, SessionMarks, current_session
from edge.store import SensorRow, Store
from tests.host.api.sample import SUMMARY

runner = CliRunner()


def _session(store: Store, session_id: str = "S1", athletes=("p7", "p8")) -> str:
    store.begin_session(session_id, "training", "m1")
    for i, athlete in enumerate(athletes):
        store.add_sensor(session_id, SensorRow(f"virtual://{athlete}", athlete, "calf", i))
    return session_id


def _summarise(store: Store, session_id: str, athletes=("p7", "p8")) -> None:
    for athlete in athletes:
        body = copy.deepcopy(SUMMARY)
        body.update(session_id=session_id, athlete_id=athlete, revision=1)
        del body["session"]["rpe"]
        store.save_summary(session_id, athlete, 1, json.dumps(body))
    store.end_session(session_id)


def test_drills_start_and_end_one_at_a_time(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store, SessionMarks(store) as marks:
        sid = _session(store)
        with pytest.raises(MarkError, match="drill: no drill is running"):
            marks.end_drill(sid)
        marks.start_drill(sid, "  rondo   4v2 ")
        with pytest.raises(MarkError, match="drill: 'rondo 4v2' is still running"):
            marks.start_drill(sid, "other")
        ended = marks.end_drill(sid)
        assert ended.name == "rondo 4v2" and ended.ended_at >= ended.started_at
        marks.start_drill(sid, "7v7")
        assert [(d.name, d.ended_at is None) for d in marks.drills(sid)] == [
            ("rondo 4v2", False),
            ("7v7", True),
        ]
        for bad in ("", "x" * 65, "tab\there\x00"):
            with pytest.raises(MarkError, match="drill: a name of 1-64 printable"):
                marks.start_drill(sid, bad)
        with pytest.raises(MarkError, match="session: no session 'nope'"):
            marks.start_drill("nope", "rondo")


def test_rpe_is_checked_and_kept_for_the_summaries(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store, SessionMarks(store) as marks:
        sid = _session(store)
        for value in (-1, 10.5, math.nan):
            with pytest.raises(MarkError, match="rpe: a value from 0 to 10"):
                marks.set_rpe(sid, "p7", value)
        with pytest.raises(MarkError, match="athlete_id: 'p9' did not wear a sensor"):
            marks.set_rpe(sid, "p9", 5)
        marks.set_rpe(sid, "p7", 6)
        marks.set_rpe(sid, "p7", 7.5)  # a correction replaces
        assert marks.rpes(sid) == {"p7": 7.5}
        _summarise(store, sid)  # the recording ends: `edge record` then applies the RPE
        assert marks.apply_rpe(sid) == 1
        assert marks.apply_rpe(sid) == 0  # nothing new: no further revision
        latest = {a: json.loads(b) for a, b in store.summaries(sid).items()}
        assert latest["p7"]["session"]["rpe"] == 7.5 and latest["p7"]["revision"] == 2
        assert latest["p8"]["revision"] == 1 and "rpe" not in latest["p8"]["session"]
        assert store.outbox_counts()["pending"] == 3


def test_rpe_after_the_session_reissues_the_summary_at_once(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store, SessionMarks(store) as marks:
        sid = _session(store)
        _summarise(store, sid)
        marks.set_rpe(sid, "p8", 4)
        body = json.loads(store.summaries(sid)["p8"])
        assert (body["revision"], body["session"]["rpe"]) == (2, 4.0)


def test_current_session_prefers_the_recording_one(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        with pytest.raises(MarkError, match="no sessions in"):
            current_session(store)
        _session(store, "S1")
        _summarise(store, "S1")
        assert current_session(store) == "S1"
        _session(store, "S2")
        assert current_session(store) == "S2"
        assert current_session(store, "S1") == "S1"


def test_cli_twins_mark_drills_and_rpe_in_the_same_store(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "edge.toml"
    config.write_text(f'data_dir = "{(tmp_path / "data").as_posix()}"\n')
    monkeypatch.setenv(CONFIG_ENV_VAR, str(config))
    with Store(tmp_path / "data" / "edge.sqlite") as store:
        _session(store)
    started = runner.invoke(app, ["drill", "start", "rondo 4v2"])
    assert started.exit_code == 0 and "drill 'rondo 4v2' started" in started.output
    again = runner.invoke(app, ["drill", "start", "other"])
    assert again.exit_code == 2
    assert again.output.strip() == "error: drill: 'rondo 4v2' is still running; end it first"
    assert runner.invoke(app, ["drill", "end"]).exit_code == 0
    kept = runner.invoke(app, ["rpe", "p7", "6.5"])
    assert kept.exit_code == 0 and "RPE 6.5 kept for p7 in session S1" in kept.output
    bad = runner.invoke(app, ["rpe", "p7", "12"])
    assert bad.exit_code == 2 and "rpe: a value from 0 to 10" in bad.output
    with Store(tmp_path / "data" / "edge.sqlite") as store, SessionMarks(store) as marks:
        assert [d.name for d in marks.drills("S1")] == ["rondo 4v2"]
        assert marks.rpes("S1") == {"p7": 6.5}
