"""The `edge` commands through the CLI runner: the flows staff use, and one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from edge.bundle import MANIFEST_NAME, SIGNATURE_NAME, read_bundle
from edge.cli import app
from edge.config import CONFIG_ENV_VAR, load_config, save_config
from edge.signing import endorse, key_id, public_key_text, sign_manifest
from edge.store import Store
from tests.ports import free_port

runner = CliRunner()


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch, host_public_key: str) -> Path:
    """A sideline paired with the tests' host: it trusts `host_public_key`."""
    path = tmp_path / "edge.toml"
    path.write_text(
        f'data_dir = "{(tmp_path / "data").as_posix()}"\nhost_public_keys = ["{host_public_key}"]\n'
    )
    monkeypatch.setenv(CONFIG_ENV_VAR, str(path))
    return path


def test_bad_config_is_one_line_without_traceback(config_file: Path) -> None:
    config_file.write_text("[record]\nhop_s = 0\n")
    for command in (["status"], ["record", "--simulate", "virtual://squad"], ["sync"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2
        lines = result.output.strip().splitlines()
        assert lines == [f"error: {config_file}: record.hop_s: Input should be greater than 0"]
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_pair_virtual_squad_record_and_status(config_file: Path, trained_bundle_dir) -> None:
    assert runner.invoke(app, ["models", "install", str(trained_bundle_dir)]).exit_code == 0
    paired = runner.invoke(
        app, ["pair", "--address", "virtual://squad?athletes=2&duration_s=30&seed=4"]
    )
    assert paired.exit_code == 0, paired.output
    assert "8 sensors paired" in paired.output
    assert len(load_config(config_file).sensors) == 8

    recorded = runner.invoke(app, ["record", "--no-live", "--web-port", str(free_port())])
    assert recorded.exit_code == 0, recorded.output
    assert "sideline page: http://" in recorded.output
    assert "V01" in recorded.output and "V02" in recorded.output

    store = Store(load_config(config_file).store_path)
    (session,) = store.sessions()
    summaries = {a: json.loads(body) for a, body in store.summaries(session.session_id).items()}
    assert set(summaries) == {"V01", "V02"} and session.status == "closed"
    assert summaries["V01"]["model_version"] == "linear-1"
    assert store.outbox_counts()["pending"] == 2
    store.close()

    status = runner.invoke(app, ["status"])
    assert "2 waiting" in status.output and "linear-1" in status.output

    replayed = runner.invoke(app, ["replay", session.session_id], terminal_width=200)
    assert replayed.exit_code == 0, replayed.output
    assert "2 athletes, 4 IMUs" in replayed.output and "real time" in replayed.output
    missing = runner.invoke(app, ["replay", "no-such-session"])
    assert missing.exit_code == 1 and "no session 'no-such-session'" in missing.output


def test_unknown_virtual_knob_and_missing_model_are_clear(config_file: Path) -> None:
    result = runner.invoke(app, ["record", "--simulate", "virtual://squad?athletes=2&lossy=1"])
    assert result.exit_code == 2 and "unknown knob 'lossy'" in result.output
    result = runner.invoke(app, ["record", "--simulate", "virtual://squad?athletes=2"])
    assert result.exit_code == 1 and "no model installed" in result.output


def test_models_rollback_through_the_cli(config_file: Path, trained_bundle_dir) -> None:
    assert runner.invoke(app, ["models", "install", str(trained_bundle_dir)]).exit_code == 0
    result = runner.invoke(app, ["models", "rollback"])
    assert result.exit_code == 1 and "nothing to roll back" in result.output
    refused = runner.invoke(app, ["models", "install", str(config_file)])
    assert refused.exit_code == 1 and "still using linear-1" in refused.output


def test_status_probe_reads_every_paired_sensor(config_file: Path) -> None:
    # The squad plays its 12 s on its own session clock (speed 0): what each probe reads,
    # and when a silent sensor's stream ends, does not depend on the machine's load.
    paired = runner.invoke(
        app, ["pair", "--address", "virtual://squad?athletes=1&duration_s=12&seed=9"]
    )
    assert paired.exit_code == 0, paired.output
    config = load_config(config_file)
    # a sensor that is not there: out of range for the whole session
    config.sensors[0].address += "&disconnect=0:12"
    save_config(config, config_file)
    result = runner.invoke(app, ["status", "--probe"], terminal_width=300)
    assert result.exit_code == 0, result.output
    assert result.output.count("sending") == 3
    assert result.output.count("silent") == 1


def test_status_probe_calls_a_missing_serial_port_silent(config_file: Path, monkeypatch) -> None:
    # A port that does not exist never sends, so a short probe can never be too short.
    monkeypatch.setattr("edge.cli.status.PROBE_TIMEOUT_S", 0.2)
    paired = runner.invoke(app, ["pair", "--address", "virtual://squad?athletes=1&duration_s=10"])
    assert paired.exit_code == 0, paired.output
    config = load_config(config_file)
    config.sensors = config.sensors[:1]
    config.sensors[0].address = "/dev/ttyTouchlineGone"  # a serial address: under /dev/
    save_config(config, config_file)
    result = runner.invoke(app, ["status", "--probe"], terminal_width=300)
    assert result.exit_code == 0, result.output
    assert result.output.count("silent") == 1 and "sending" not in result.output
    assert "serial" in result.output  # the kind column names the transport that was probed


def test_help_and_version_load_no_heavy_dependency() -> None:
    # A fresh interpreter: what `edge --help` costs on a Pi is what `import edge.cli` pulls in.
    heavy = ("numpy", "scipy", "onnxruntime", "bleak", "serial", "httpx", "pydantic")
    code = (
        "import sys, edge.cli\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    listed = runner.invoke(app, ["--help"])
    assert listed.exit_code == 0
    for command in ("pair", "record", "close", "replay", "status", "sync", "models"):
        assert command in listed.output


def test_virtual_squad_with_club_ids_and_a_bad_id_list(config_file: Path) -> None:
    paired = runner.invoke(
        app, ["pair", "--address", "virtual://squad?ids=A001,A002&duration_s=10"]
    )
    assert paired.exit_code == 0, paired.output
    assert [s.athlete_id for s in load_config(config_file).sensors] == ["A001"] * 4 + ["A002"] * 4
    result = runner.invoke(
        app, ["record", "--simulate", "virtual://squad?athletes=3&ids=A001,A002"]
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: virtual://squad?athletes=3&ids=A001,A002: ids lists 2 athletes but athletes=3"
    ]


def _crafted(src: Path, out: Path, sign, **changes) -> Path:
    """A copy of bundle `src` with manifest fields changed and every hash still valid."""
    out.mkdir(parents=True)
    for name in read_bundle(src).files:
        shutil.copy(src / name, out / name)
    data = json.dumps({**json.loads((src / MANIFEST_NAME).read_text()), **changes}).encode()
    (out / MANIFEST_NAME).write_bytes(data)
    if sign is not None:
        (out / SIGNATURE_NAME).write_bytes(sign(data))
    return out


@pytest.mark.parametrize(
    ("changes", "signed", "words"),
    [
        ({"version": "linear/2"}, True, "'linear/2' is not a safe name"),
        ({"version": "v" * 4000}, True, "is not a safe name"),
        ({"version": "linear-2"}, False, "the bundle is unsigned"),
        ({"version": "linear-2", "sample_rate_hz": float("inf")}, True, "finite number"),
    ],
)
def test_refused_install_is_one_line_and_the_model_stays(
    config_file: Path, trained_bundle_dir, sign, tmp_path: Path, changes, signed, words
) -> None:
    assert runner.invoke(app, ["models", "install", str(trained_bundle_dir)]).exit_code == 0
    crafted = _crafted(
        trained_bundle_dir, tmp_path / "crafted", sign if signed else None, **changes
    )
    result = runner.invoke(app, ["models", "install", str(crafted)])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: bundle refused, still using linear-1: ") and words in line
    assert runner.invoke(app, ["models", "list"]).output.count("linear") == 1


def test_empty_archive_is_one_line(config_file: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.tar.gz"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["models", "install", str(empty)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: bundle refused, still using no model: {empty}: empty file, not a .tar.gz bundle"
    ]


def test_allow_unsigned_installs_with_a_loud_warning(
    config_file: Path, trained_bundle_dir, tmp_path: Path
) -> None:
    unsigned = _crafted(trained_bundle_dir, tmp_path / "unsigned", None)
    refused = runner.invoke(app, ["models", "install", str(unsigned)])
    assert refused.exit_code == 1 and "unsigned" in refused.output
    result = runner.invoke(app, ["models", "install", "--allow-unsigned", str(unsigned)])
    assert result.exit_code == 0, result.output
    assert "WARNING: INSTALLING AN UNVERIFIED MODEL BUNDLE (the bundle is unsigned" in result.output
    assert result.output.strip().endswith("using model linear-1")


def test_install_saves_the_rotated_key_the_bundle_vouches_for(
    config_file: Path, trained_bundle_dir, host_key, tmp_path: Path
) -> None:
    new_key = Ed25519PrivateKey.generate()
    chain = [endorse(host_key, public_key_text(new_key))]
    rotated = _crafted(
        trained_bundle_dir,
        tmp_path / "rotated",
        partial(sign_manifest, new_key, endorsements=chain),
    )
    result = runner.invoke(app, ["models", "install", str(rotated)])
    assert result.exit_code == 0, result.output
    assert f"now also trusting {key_id(public_key_text(new_key))}" in result.output
    assert load_config(config_file).host_public_keys[-1] == public_key_text(new_key)


def test_record_help_teaches_the_mixed_kit() -> None:
    shown = runner.invoke(app, ["record", "--help"], terminal_width=100)
    text = " ".join(shown.output.replace("│", " ").split())
    assert shown.exit_code == 0
    assert "kit=mixed" in text and "Movesense on the calf" in text
    assert "edge record --simulate 'virtual://squad?athletes=4&kit=mixed'" in text


def test_replay_warns_of_thresholds_the_model_lacks(config_file: Path, trained_bundle_dir) -> None:
    config_file.write_text(config_file.read_text() + "[events.thresholds]\nvolly = 0.5\n")
    assert runner.invoke(app, ["models", "install", str(trained_bundle_dir)]).exit_code == 0
    replayed = runner.invoke(
        app, ["replay", "--simulate", "1", "--duration", "10"], terminal_width=300
    )
    assert replayed.exit_code == 0, replayed.output
    warning = next(line for line in replayed.output.splitlines() if "volly" in line)
    assert warning.startswith("events.thresholds names volly, which the model bundle does not")
    assert "its actions: sprint, sudden_stop," in warning
