"""Pairing off-the-shelf sensors: the family a scan recognises, their battery, and a
clear refusal of a sensor that cannot feed the installed model's channels, when pairing
and again when recording starts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from typer.testing import CliRunner

from edge import pairing
from edge.cli import app
from edge.config import SensorConfig, load_config, save_config
from edge.models_store import ModelStore
from edge.packets import SensorRole
from edge.pairing import (
    FoundSensor,
    UnfedModelError,
    Verified,
    check_feeds_model,
    missing_channels,
    read_batteries,
)
from firmware_bridge.profiles import get_profile, polar
from firmware_bridge.virtual.ble import FakeRadio, profiled_sensor
from firmware_bridge.virtual.devices import BatteryProfile
from firmware_bridge.virtual.vendors import VirtualPolar

KIT = [("waist", "witmotion"), ("calf", "movesense"), ("gps", "nmea"), ("hr", "ble_hr")]


def test_a_full_mixed_kit_feeds_the_model(trained_bundle) -> None:
    assert missing_channels(KIT, trained_bundle.manifest.channels) == []


def test_accelerometer_only_calf_and_absent_waist_name_their_channels(trained_bundle) -> None:
    missing = missing_channels([("calf", "polar_h10")], trained_bundle.manifest.channels)
    assert missing == [
        "waist_ax",
        "waist_ay",
        "waist_az",
        "waist_gx",
        "waist_gy",
        "waist_gz",
        "calf_gx",
        "calf_gy",
        "calf_gz",
    ]


def _config(tmp_path: Path, trained_bundle_dir: Path, host_public_key: str) -> Path:
    data = tmp_path / "data"
    ModelStore(data / "models", [host_public_key]).install(trained_bundle_dir)
    path = tmp_path / "edge.toml"
    path.write_text(tomli_w.dumps({"data_dir": str(data), "host_public_keys": [host_public_key]}))
    return path


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the sensor over the air is `verify`'s job, tested elsewhere; here it answers."""

    async def answer(address: str, protocol: str = "frame", **_: object) -> Verified:
        return Verified(address, 20, 0, 4242, ("imu",), 80, 0.0)

    monkeypatch.setattr(pairing, "verify", answer)


def test_pairing_an_h10_on_the_calf_is_refused_naming_the_channels(
    tmp_path: Path, trained_bundle_dir: Path, host_public_key: str, verified
) -> None:
    path = _config(tmp_path, trained_bundle_dir, host_public_key)
    result = CliRunner().invoke(
        app,
        [
            "pair",
            "--config",
            str(path),
            "--athlete",
            "7",
            "--site",
            "calf",
            "--address",
            "AA:BB:CC:DD:EE:01",
            "--protocol",
            "polar_h10",
        ],
    )
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "cannot feed model" in message and "calf_gx, calf_gy, calf_gz" in message
    assert load_config(path).sensors == []  # nothing stored


def test_pairing_a_movesense_calf_is_stored_and_names_what_is_still_missing(
    tmp_path: Path, trained_bundle_dir: Path, host_public_key: str, verified
) -> None:
    path = _config(tmp_path, trained_bundle_dir, host_public_key)
    result = CliRunner().invoke(
        app,
        [
            "pair",
            "--config",
            str(path),
            "--athlete",
            "7",
            "--site",
            "calf",
            "--address",
            "AA:BB:CC:DD:EE:02",
            "--protocol",
            "movesense",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "still needs sensors" in result.output and "waist_ax" in result.output
    (sensor,) = load_config(path).sensors
    assert (sensor.site, sensor.protocol, sensor.sensor_id) == ("calf", "movesense", 4242)


def test_an_unknown_family_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "edge.toml"
    result = CliRunner().invoke(
        app,
        [
            "pair",
            "--config",
            str(path),
            "--athlete",
            "7",
            "--site",
            "calf",
            "--address",
            "AA:BB:CC:DD:EE:03",
            "--protocol",
            "garmin",
        ],
    )
    assert result.exit_code == 2 and "unknown sensor family 'garmin'" in result.output


def test_scan_reads_the_battery_of_recognised_devices() -> None:
    t = np.arange(0, 2, 0.01)
    device = VirtualPolar(
        3,
        profile=polar.H10,
        t_s=t,
        accel_g=np.zeros((len(t), 3)),
        gyro_dps=np.zeros((len(t), 3)),
        battery=BatteryProfile(start_pct=64, status_every_s=0),
    )
    peripheral = profiled_sensor(device, get_profile("polar_h10"), name="Polar H10 1A2B3C")
    radio = FakeRadio([peripheral], speed=None)
    found = [
        FoundSensor(
            "ble",
            peripheral.address,
            peripheral.name,
            -60,
            family=pairing._family(peripheral.name, []),
        ),
        FoundSensor("ble", "11:22:33:44:55:66", "a phone", -80),
    ]
    read = asyncio.run(read_batteries(found, client_class=radio.client))
    assert [(s.family, s.battery_pct) for s in read] == [("polar_h10", 64), (None, None)]


def test_pairing_a_mixed_virtual_squad_stores_each_sensors_family(tmp_path: Path) -> None:
    path = tmp_path / "edge.toml"
    result = CliRunner().invoke(
        app, ["pair", "--config", str(path), "--address", "virtual://squad?athletes=1&kit=mixed"]
    )
    assert result.exit_code == 0, result.output
    stored = {(s.site, s.protocol) for s in load_config(path).sensors}
    assert stored == {
        ("waist", "witmotion"),
        ("calf", "movesense"),
        ("chest", "polar_h10"),
        ("gps", "nmea"),
        ("hr", "ble_hr"),
    }


H10_CALF = [
    SensorRole("AA:BB:CC:DD:EE:01", "7", "waist", "witmotion"),
    SensorRole("AA:BB:CC:DD:EE:02", "7", "calf", "polar_h10"),
    SensorRole("AA:BB:CC:DD:EE:03", "8", "waist", "witmotion"),
    SensorRole("AA:BB:CC:DD:EE:04", "8", "calf", "movesense"),
]


def test_a_set_that_cannot_feed_the_model_names_the_athlete_and_channels(trained_bundle) -> None:
    with pytest.raises(UnfedModelError) as caught:
        check_feeds_model(H10_CALF, trained_bundle.manifest)
    assert str(caught.value) == (
        "athlete 7 (waist witmotion, calf polar_h10) cannot feed model linear-1: "
        "it needs calf_gx, calf_gy, calf_gz"
    )
    assert caught.value.exit_code == 2


def test_channels_the_bundle_masks_by_design_are_not_required(trained_bundle) -> None:
    manifest = trained_bundle.manifest
    masked = [
        c.model_copy(update={"optional": c.name.startswith("calf_g")}) for c in manifest.channels
    ]
    check_feeds_model(H10_CALF, manifest.model_copy(update={"channels": masked}))


def test_record_refuses_at_start_a_pairing_the_installed_model_cannot_use(
    tmp_path: Path, trained_bundle_dir: Path, host_public_key: str
) -> None:
    path = _config(tmp_path, trained_bundle_dir, host_public_key)
    config = load_config(path)
    config.sensors = [
        SensorConfig(address=r.address, site=r.site, athlete_id=r.athlete_id, protocol=r.protocol)
        for r in H10_CALF
    ]
    save_config(config, path)
    result = CliRunner().invoke(app, ["record", "--config", str(path), "--duration", "5"])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "athlete 7 (waist witmotion, calf polar_h10) cannot feed model linear-1" in message
    assert "athlete 8" not in message
    assert not config.store_path.exists()  # refused before a session was opened
