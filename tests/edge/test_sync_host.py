"""The sideline against the real host API on loopback: pair, pull the model, record, sync."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytest.importorskip("fastapi")
import uvicorn  # noqa: E402

from edge.bundle import pack_bundle  # noqa: E402
from edge.config import EdgeConfig  # noqa: E402
from edge.infer import ActionModel  # noqa: E402
from edge.models_store import ModelStore  # noqa: E402
from edge.outbox import Outbox, SyncError  # noqa: E402
from edge.pairing import PairingError, register_device  # noqa: E402
from edge.session import record  # noqa: E402
from edge.store import Store  # noqa: E402
from edge.transports.virtual import SquadSpec, VirtualSquadTransport  # noqa: E402
from host.api import create_app  # noqa: E402
from host.db.engine import engine_for, session_scope  # noqa: E402
from host.db.registry import publish_bundle  # noqa: E402
from host.db.tokens import create_registration_code  # noqa: E402
from host.settings import Settings  # noqa: E402


@pytest.fixture
def host(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'host.db'}",
        bundle_dir=tmp_path / "bundles",
        rate_limit_per_minute=1000,
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", settings
    server.should_exit = True
    thread.join(timeout=10)
    engine_for(settings.database_url).dispose()


def test_pair_pull_record_and_sync_against_the_host(
    host, tmp_path: Path, trained_bundle_dir, host_public_key
):
    url, settings = host
    engine = engine_for(settings.database_url)
    with session_scope(engine) as db:
        code = create_registration_code(db, "sideline-1", ttl_s=600)
        publish_bundle(
            db,
            pack_bundle(trained_bundle_dir, tmp_path / "b.tar.gz"),
            "linear-1",
            {},
            synthetic=True,
            bundle_dir=settings.bundle_dir,
        )

    with httpx.Client(timeout=10) as client:
        device_id, token, _ = register_device(url, code, client)
        with pytest.raises(PairingError, match="refused pairing code"):
            register_device(url, code, client)  # one-time: a second use is refused
        bundle = ModelStore(tmp_path / "models", [host_public_key]).pull(url, token, client)
    assert device_id == "sideline-1" and bundle.manifest.version == "linear-1"

    config = EdgeConfig(
        data_dir=tmp_path / "edge", host_url=url, device_id=device_id, device_token=token
    )
    address = "virtual://squad?athletes=2&duration_s=30&seed=8"
    with Store(config.store_path) as store:
        result = asyncio.run(
            record(
                config,
                SquadSpec.from_address(address).roles(),
                [VirtualSquadTransport(address)],
                ActionModel.from_bundle(bundle),
                store,
            )
        )
        outbox = Outbox(store, url, token, config.sync)
        report = outbox.sync()
        assert (report.sent, report.rejected, report.pending) == (2, 0, 0)
        assert outbox.sync().sent == 0
        outbox.close()

    with httpx.Client(timeout=10) as client:
        stored = client.get(
            f"{url}/api/v1/sessions/{result.session_id}/V01",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert stored.status_code == 200, stored.text
        assert stored.json()["summary"] == result.summaries["V01"]
        again = client.post(
            f"{url}/api/v1/sessions",
            json=result.summaries["V01"],
            headers={"Authorization": f"Bearer {token}"},
        )
        assert again.status_code == 200  # same key twice: a no-op on the host


def test_wrong_token_stops_sync_with_a_clear_message(host, tmp_path: Path) -> None:
    url, _ = host
    with Store(tmp_path / "e.sqlite") as store:
        store.begin_session("s1", "training", None)
        store.save_summary("s1", "7", 1, "{}")
        outbox = Outbox(store, url, "not-a-token", None)
        with pytest.raises(SyncError, match="refused the device token"):
            outbox.sync()
        assert store.outbox_counts()["pending"] == 1
        outbox.close()


def test_summaries_of_earlier_sessions_sync_in_the_background_while_recording(
    host, tmp_path: Path, trained_bundle
) -> None:
    url, settings = host
    with session_scope(engine_for(settings.database_url)) as db:
        code = create_registration_code(db, "sideline-2", ttl_s=600)
    with httpx.Client(timeout=10) as client:
        device_id, token, _ = register_device(url, code, client)
    config = EdgeConfig(
        data_dir=tmp_path / "edge", host_url=url, device_id=device_id, device_token=token
    )
    config.sync.every_s = 0.2
    model = ActionModel.from_bundle(trained_bundle)
    first = "virtual://squad?athletes=2&duration_s=20&seed=1"
    second = "virtual://squad?athletes=1&duration_s=20&seed=2&speed=20"
    with Store(config.store_path) as store:
        earlier = asyncio.run(
            record(
                config,
                SquadSpec.from_address(first).roles(),
                [VirtualSquadTransport(first)],
                model,
                store,
            )
        )
        assert store.outbox_counts()["pending"] == 2  # queued at the end of the session
        asyncio.run(
            record(
                config,
                SquadSpec.from_address(second).roles(),
                [VirtualSquadTransport(second)],
                model,
                store,
            )
        )
        states = {item.idempotency_key: item.state for item in store.outbox_items()}
    # the earlier session's summaries went out during the second one, which is now queued
    assert states == {
        f"{earlier.session_id}/V01/1": "sent",
        f"{earlier.session_id}/V02/1": "sent",
        **{k: "pending" for k in states if not k.startswith(earlier.session_id)},
    }
    assert list(states.values()).count("pending") == 1


def test_edge_pair_with_host_code_writes_the_token(host, tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from edge.cli import app
    from edge.config import CONFIG_ENV_VAR, load_config

    url, settings = host
    with session_scope(engine_for(settings.database_url)) as db:
        code = create_registration_code(db, "sideline-3", ttl_s=600)
    config_path = tmp_path / "edge.toml"
    monkeypatch.setenv(CONFIG_ENV_VAR, str(config_path))
    runner = CliRunner()
    paired = runner.invoke(app, ["pair", "--host", url, "--code", code])
    assert paired.exit_code == 0, paired.output
    config = load_config(config_path)
    assert (config.host_url, config.device_id) == (url, "sideline-3")
    assert config.device_token
    again = runner.invoke(app, ["pair", "--host", url, "--code", code])
    assert again.exit_code == 1
    assert again.output.startswith("error: host refused pairing code (HTTP 400)")
    assert len(again.output.strip().splitlines()) == 1
