"""Real headless Chromium against a running sideline (`edge record` of a virtual squad, as
a separate process) and a running host (`touchline serve`'s app under uvicorn)."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.signing import public_key_text, sign_manifest
from tests.browser.sim_bundle import simulator_bundle
from tests.capabilities import missing_capability
from tests.host.api.conftest import settings  # noqa: F401  (the host's test settings)
from tests.ports import free_port
from tools.browser import BrowserMissing, open_chromium

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def chrome() -> Iterator:
    try:
        driver = open_chromium(1024, 900)
    except BrowserMissing as exc:
        missing_capability(str(exc))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def test_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture(scope="session")
def sim_bundle(tmp_path_factory: pytest.TempPathFactory, test_key: Ed25519PrivateKey) -> Path:
    return simulator_bundle(
        tmp_path_factory.mktemp("bundle") / "sim-1", partial(sign_manifest, test_key)
    )


@dataclass
class Recording:
    """A running `edge record` and what it printed for staff."""

    process: subprocess.Popen
    url: str
    pin: str
    staff_code: str
    store_path: Path
    output: list[str]

    def wait(self, timeout_s: float = 60) -> int:
        code = self.process.wait(timeout=timeout_s)
        time.sleep(0.2)  # the reader thread takes the last lines
        return code


def _reader(stream, lines: list[str], fresh: queue.Queue) -> None:
    for line in stream:
        lines.append(line.rstrip("\n"))
        fresh.put(line)


@pytest.fixture
def start_recording(
    tmp_path: Path, sim_bundle: Path, test_key: Ed25519PrivateKey
) -> Iterator[Callable[..., Recording]]:
    """Start `edge record --simulate …` with its page on a free port on loopback."""
    started: list[Recording] = []

    def start(athletes: int = 4, speed: float = 3.0, duration_s: float = 900) -> Recording:
        data = tmp_path / "edge-data"
        config = tmp_path / "edge.toml"
        config.write_text(
            f'data_dir = "{data.as_posix()}"\nhost_public_keys = ["{public_key_text(test_key)}"]\n'
        )
        port = free_port()
        address = f"virtual://squad?athletes={athletes}&speed={speed}&duration_s={duration_s}"
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from edge.cli import main; main()",
                "record",
                "--config",
                str(config),
                "--simulate",
                address,
                "--bundle",
                str(sim_bundle),
                "--no-live",
                "--web-port",
                str(port),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
        )
        lines: list[str] = []
        fresh: queue.Queue = queue.Queue()
        threading.Thread(target=_reader, args=(process.stdout, lines, fresh), daemon=True).start()
        pin = code = None
        deadline = time.monotonic() + 60
        while (pin is None or code is None) and time.monotonic() < deadline:
            try:
                line = fresh.get(timeout=1)
            except queue.Empty:
                if process.poll() is not None:
                    break
                continue
            pin = pin or _found(r"\(PIN (\d+)\)", line)
            code = code or _found(r"staff code for drills, RPE and closing: (\d+)", line)
        if pin is None or code is None:
            process.kill()
            raise AssertionError("edge record printed no page address:\n" + "\n".join(lines))
        recording = Recording(
            process, f"http://127.0.0.1:{port}", pin, code, data / "edge.sqlite", lines
        )
        started.append(recording)
        return recording

    yield start
    for recording in started:
        if recording.process.poll() is None:
            recording.process.terminate()
            recording.process.wait(timeout=30)


def _found(pattern: str, line: str) -> str | None:
    match = re.search(pattern, line)
    return match.group(1) if match else None


@pytest.fixture
def live_host(settings) -> Iterator[str]:  # noqa: F811
    """The host app (API and staff pages) served by uvicorn on a free loopback port."""
    import uvicorn

    from host.api import create_app
    from host.db.engine import engine_for

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the host did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    engine_for(settings.database_url).dispose()
