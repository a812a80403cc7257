"""`kill -9` in the middle of `edge record` leaves a readable store and a closable session."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from edge.cli import app
from edge.config import CONFIG_ENV_VAR
from edge.store import Store
from tests.ports import free_port

SQUAD = "virtual://squad?athletes=1&duration_s=60&speed=20&seed=2"


def _record_process(config: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, CONFIG_ENV_VAR: str(config)}
    code = "from edge.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "record", "--no-live", "--web-port", str(free_port())]
        + ["--simulate", SQUAD, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for_frames(store_path: Path, at_least: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if store_path.exists():
            with Store(store_path) as store:
                sessions = store.sessions()
                if sessions and store.frame_count(sessions[0].session_id) >= at_least:
                    return
        time.sleep(0.3)
    raise AssertionError("the recorder stored nothing in time")


def test_sigkill_during_record_leaves_store_readable_and_session_closable(
    tmp_path: Path, trained_bundle_dir, monkeypatch
) -> None:
    config = tmp_path / "edge.toml"
    config.write_text(f'data_dir = "{(tmp_path / "data").as_posix()}"\n')
    store_path = tmp_path / "data" / "edge.sqlite"
    process = _record_process(config, "--bundle", str(trained_bundle_dir))
    try:
        _wait_for_frames(store_path, at_least=400)  # ~13 s of session from 4 sensors
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    with Store(store_path) as store:
        (session,) = store.sessions()
        assert session.status == "recording"
        stored = store.frame_count(session.session_id)
        assert stored >= 400
        assert sum(1 for _ in store.frames(session.session_id)) == stored

    monkeypatch.setenv(CONFIG_ENV_VAR, str(config))
    closed = CliRunner().invoke(app, ["close", "--bundle", str(trained_bundle_dir)])
    assert closed.exit_code == 0, closed.output
    with Store(store_path) as store:
        row = store.session(session.session_id)
        assert row.status == "closed"
        summaries = store.summaries(session.session_id)
        assert set(summaries) == {"V01"}
        summary = json.loads(summaries["V01"])
        assert summary["session"]["duration_s"] > 5
        assert summary["quality"]["windows_total"] > 0
        assert store.outbox_counts()["pending"] == 1


def test_ctrl_c_ends_the_session_cleanly_with_summaries(tmp_path: Path, trained_bundle_dir):
    config = tmp_path / "edge.toml"
    config.write_text(f'data_dir = "{(tmp_path / "data").as_posix()}"\n')
    store_path = tmp_path / "data" / "edge.sqlite"
    process = _record_process(config, "--bundle", str(trained_bundle_dir))
    try:
        _wait_for_frames(store_path, at_least=200)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err.decode()
    assert "stopped by staff" in out.decode()
    with Store(store_path) as store:
        (session,) = store.sessions()
        assert session.status == "closed"
        assert set(store.summaries(session.session_id)) == {"V01"}
