"""Pairing with the host: the device token, and the host's key that bundles must carry."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from edge.cli import app
from edge.config import CONFIG_ENV_VAR, ConfigError, load_config
from edge.pairing import PairingError, register_device


def _host(body: dict) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/devices/register"
        return httpx.Response(201, json=body)

    return httpx.MockTransport(answer)


def test_register_device_returns_the_hosts_key(host_public_key: str) -> None:
    body = {"device_id": "side-1", "token": "tok", "signing_key": host_public_key}
    with httpx.Client(transport=_host(body)) as client:
        pairing = register_device("http://host", "ABCD-1234", client)
    assert pairing == ("side-1", "tok", host_public_key)
    with httpx.Client(transport=_host({"device_id": "side-1", "token": "tok"})) as client:
        assert register_device("http://host", "ABCD-1234", client).host_key is None


def test_a_host_key_that_is_no_ed25519_key_is_refused() -> None:
    body = {"device_id": "side-1", "token": "tok", "signing_key": "c2hvcnQ="}
    with httpx.Client(transport=_host(body)) as client:
        with pytest.raises(PairingError, match="no Ed25519 key"):
            register_device("http://host", "ABCD-1234", client)


def test_edge_pair_stores_the_hosts_key_replacing_older_ones(
    tmp_path: Path, monkeypatch, host_public_key: str
) -> None:
    config = tmp_path / "edge.toml"
    config.write_text('host_public_keys = ["' + "A" * 43 + '="]\n')
    monkeypatch.setenv(CONFIG_ENV_VAR, str(config))
    body = {"device_id": "side-1", "token": "tok", "signing_key": host_public_key}
    real_client = httpx.Client
    monkeypatch.setattr(httpx, "Client", lambda **kw: real_client(transport=_host(body)))
    result = CliRunner().invoke(app, ["pair", "--host", "http://host:8000", "--code", "ABCD"])
    assert result.exit_code == 0, result.output
    assert "bundles must be signed with host key" in result.output
    assert load_config(config).host_public_keys == [host_public_key]


def test_a_bad_key_in_the_config_names_the_setting(tmp_path: Path) -> None:
    config = tmp_path / "edge.toml"
    config.write_text('host_public_keys = ["not-a-key"]\n')
    with pytest.raises(ConfigError, match="host_public_keys: Value error, 'not-a-key' is not"):
        load_config(config)
