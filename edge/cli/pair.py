"""`edge pair`: find sensors, assign them to athletes and body sites, pair with the host."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from edge.cli import app
from edge.cli._common import ConfigOption, edge_config
from edge.cli.errors import CommandError

if TYPE_CHECKING:
    from rich.console import Console

    from edge.config import EdgeConfig, SensorConfig
    from edge.pairing import FoundSensor

SITES = ("waist", "calf", "chest", "gps", "hr")


def _scan(console: Console, timeout_s: float) -> list[FoundSensor]:
    from rich.table import Table

    from edge.pairing import PairingError, read_batteries, scan_ble, scan_serial
    from firmware_bridge.profiles import get_profile

    found = scan_serial()
    try:
        found += asyncio.run(read_batteries(asyncio.run(scan_ble(timeout_s))))
    except PairingError as exc:
        console.print(f"[yellow]{exc}[/yellow]")
    table = Table(title="Sensors found")
    for column in ("#", "kind", "family", "address", "name", "signal", "battery"):
        table.add_column(column)
    for index, sensor in enumerate(found, 1):
        signal = f"{sensor.rssi_dbm} dBm" if sensor.rssi_dbm is not None else "–"
        family = get_profile(sensor.family).family if sensor.family else "–"
        battery = f"{sensor.battery_pct}%" if sensor.battery_pct is not None else "–"
        table.add_row(str(index), sensor.kind, family, sensor.address, sensor.name, signal, battery)
    console.print(table if found else "no sensors found (switched on? in range? plugged in?)")
    return found


def _add(config: EdgeConfig, sensor: SensorConfig) -> None:
    """One sensor per athlete and site: a new one replaces the old."""
    config.sensors = [
        s
        for s in config.sensors
        if s.address != sensor.address
        and not (s.athlete_id == sensor.athlete_id and s.site == sensor.site)
    ] + [sensor]


def _check_feeds_model(config: EdgeConfig, sensor: SensorConfig, console: Console) -> None:
    """Refuse a sensor that cannot feed what the installed model needs at its site; say
    which channels the athlete's other sites still lack."""
    from edge.bundle import BundleError
    from edge.models_store import ModelStore, ModelStoreError
    from edge.pairing import missing_channels
    from firmware_bridge.profiles import get_profile

    try:
        manifest = ModelStore(config.models_dir).load().manifest
    except (ModelStoreError, BundleError):
        return  # no model yet: `edge models install` comes later
    at_site = [
        c
        for c in manifest.channels
        if c.name.startswith(f"{sensor.site}_") or (sensor.site == "gps" and c.name == "speed_mps")
    ]
    missing = missing_channels([(sensor.site, sensor.protocol)], at_site)
    if missing:
        raise CommandError(
            f"{sensor.address} ({get_profile(sensor.protocol).family}) on the {sensor.site} "
            f"cannot feed model {manifest.version}: it needs {', '.join(missing)}",
            exit_code=2,
        )
    own = [(s.site, s.protocol) for s in config.sensors if s.athlete_id == sensor.athlete_id]
    rest = missing_channels(own, manifest.channels)
    if rest:
        console.print(
            f"[yellow]athlete {sensor.athlete_id} still needs sensors for model "
            f"{manifest.version}: {', '.join(rest)}[/yellow]"
        )


def _pair_virtual(config: EdgeConfig, address: str, console: Console) -> None:
    from edge.config import SensorConfig
    from edge.pairing import verify, virtual_sensors

    sensors = list(virtual_sensors(address))
    for sensor_address, athlete_id, site, family in sensors:
        sensor = SensorConfig.model_validate(
            {"address": sensor_address, "site": site, "athlete_id": athlete_id, "protocol": family}
        )
        _add(config, sensor)
    checked = asyncio.run(verify(sensors[0][0], protocol=sensors[0][3]))
    console.print(
        f"virtual squad: {len(sensors)} sensors paired; "
        f"{sensors[0][0]} sent {checked.frames} valid frames"
    )


@app.command("pair")
def pair_command(
    config_path: Path | None = ConfigOption,
    athlete: str | None = typer.Option(None, "--athlete", "-a", help="Athlete id the club uses."),
    site: str | None = typer.Option(None, "--site", "-s", help="waist, calf, chest, gps or hr."),
    address: str | None = typer.Option(
        None,
        "--address",
        help="BLE address, serial port, or virtual://squad?athletes=N "
        "(athlete ids V01…, or ids=A001,A002,… / prefix=…).",
    ),
    side: str | None = typer.Option(None, "--side", help="left or right (calf sensor)."),
    host: str | None = typer.Option(None, "--host", help="The club's host, e.g. https://host:8000"),
    code: str | None = typer.Option(None, "--code", help="One-time code shown on the host."),
    scan_s: float = typer.Option(5.0, "--scan-seconds", min=1, help="BLE scan time."),
    protocol: str | None = typer.Option(
        None,
        "--protocol",
        help="Sensor family (docs/sensors.md): frame (Touchline sensors, "
        "the default), ble_hr (a heart-rate strap), nmea (a serial GPS), witmotion, "
        "witmotion_serial, polar_h10, polar_verity, movesense. A scan fills it in.",
    ),
) -> None:
    """Pair sensors with athletes (verified by reading frames), or this sideline with the host.

    Without --address it scans BLE and serial ports and asks which sensor to pair.

    Examples:
      edge pair --athlete 7 --site calf --address AA:BB:CC:DD:EE:01 --side right
      edge pair --athlete 7 --site calf --address 0C:8C:DC:41:E2:10 --protocol movesense
      edge pair            (scans, lists family, signal and battery, asks which to pair)
      edge pair --address 'virtual://squad?athletes=4'
      edge pair --host https://club-host:8000 --code 4F7K-9Q
    """
    import httpx
    from rich.console import Console
    from rich.prompt import Prompt

    from edge.config import SensorConfig, save_config
    from edge.pairing import register_device, verify
    from edge.signing import key_id
    from edge.transports.virtual import is_virtual

    config = edge_config(config_path, must_exist=False)  # pairing writes a new file
    console = Console()
    if host or code:
        if not (host and code):
            raise CommandError("--host and --code go together", exit_code=2)
        with httpx.Client(timeout=config.sync.timeout_s) as client:
            device_id, token, host_key = register_device(host, code, client)
        try:
            config.host_url, config.device_id, config.device_token = host, device_id, token
        except ValueError as exc:  # pydantic checks each value as it is set
            raise CommandError(f"cannot keep the pairing: {exc}") from exc
        console.print(f"paired with {config.host_url} as device {device_id}")
        if host_key is None:
            console.print(
                "[yellow]the host has no bundle-signing key yet, so this sideline "
                "cannot check model bundles: run `touchline key create` on the host, "
                "then pair again[/yellow]"
            )
        else:
            # Pairing resets trust to the host's current key (after a suspected key leak too).
            config.host_public_keys = [host_key]
            console.print(f"bundles must be signed with host key {key_id(host_key)}")
    if address and is_virtual(address):
        _pair_virtual(config, address, console)
    elif address or athlete or site or not (host or code):
        if not address:
            found = _scan(console, scan_s)
            if not found:
                raise CommandError("nothing to pair")
            choice = Prompt.ask("pair which #", choices=[str(i) for i in range(1, len(found) + 1)])
            address = found[int(choice) - 1].address
            protocol = protocol or found[int(choice) - 1].family
        athlete = athlete or Prompt.ask("athlete id")
        site = site or Prompt.ask("body site", choices=list(SITES))
        if site not in SITES:
            raise CommandError(
                f"--site must be one of {', '.join(SITES)}, got {site!r}", exit_code=2
            )
        protocol = protocol or "frame"
        try:
            sensor = SensorConfig.model_validate(
                {
                    "address": address,
                    "site": site,
                    "athlete_id": athlete,
                    "side": side,
                    "protocol": protocol,
                }
            )
        except ValueError as exc:  # pydantic's ValidationError
            raise CommandError(f"bad sensor settings: {exc}", exit_code=2) from exc
        checked = asyncio.run(verify(address, protocol=protocol))
        sensor.sensor_id = checked.sensor_id
        _add(config, sensor)
        _check_feeds_model(config, sensor, console)
        battery = f", battery {checked.battery_pct}%" if checked.battery_pct is not None else ""
        console.print(
            f"{address}: {checked.frames} valid frames from sensor "
            f"{checked.sensor_id}{battery} → athlete {athlete}, {site}"
        )
    try:
        path = save_config(config, config_path)
    except OSError as exc:
        raise CommandError(f"cannot write the configuration: {exc}") from exc
    console.print(f"saved {path}")
