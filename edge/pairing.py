"""Pairing: find sensors, check they really send frames, and pair the sideline with the host.

`scan()` lists BLE devices (bleak, with signal strength) and serial ports (pyserial's
list_ports); `verify()` opens one address through its transport and reads frames for a
few seconds, so a sensor is only written into the config once it has proved it works
(sensor id, battery and frame count come back); `register_device()` swaps the one-time
code shown on the host for this device's token (contract 6) and receives the host's
public key, which model bundles must be signed with (edge.signing).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import httpx

from edge.config import ReconnectSettings
from edge.signing import is_public_key_text
from edge.stream import Packet, PacketDecoder, SensorRole
from edge.transports import build_transports
from edge.transports.virtual import SquadSpec
from firmware_bridge.errors import FrameError
from firmware_bridge.samples import ImuSamples, StatusSample

REGISTER_PATH = "/api/v1/devices/register"
VERIFY_FRAMES = 20
VERIFY_TIMEOUT_S = 8.0


class PairingError(Exception):
    """A sensor could not be verified or the host refused the pairing code."""


@dataclass(frozen=True)
class FoundSensor:
    """A device seen while scanning."""

    kind: str  # "ble" or "serial"
    address: str
    name: str
    rssi_dbm: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class Verified:
    """What reading a sensor for a few seconds showed."""

    address: str
    frames: int
    rejected: int
    sensor_id: int | None
    kinds: tuple[str, ...]
    battery_pct: int | None
    clipped_pct: float


def scan_serial() -> list[FoundSensor]:
    from serial.tools import list_ports

    return [
        FoundSensor("serial", port.device, port.description or port.name or "",
                    detail=port.hwid or "")
        for port in list_ports.comports()
    ]


async def scan_ble(timeout_s: float = 5.0) -> list[FoundSensor]:
    """BLE devices in range with their signal strength; PairingError when no adapter."""
    from bleak import BleakScanner
    from bleak.exc import BleakError

    try:
        found = await BleakScanner.discover(timeout=timeout_s, return_adv=True)
    except (BleakError, OSError, FileNotFoundError) as exc:
        raise PairingError(f"Bluetooth not available: {exc}") from exc
    return sorted(
        (
            FoundSensor("ble", device.address, device.name or adv.local_name or "",
                        rssi_dbm=adv.rssi)
            for device, adv in found.values()
        ),
        key=lambda s: -(s.rssi_dbm or -200),
    )


def virtual_sensors(address: str) -> Iterator[tuple[str, str, str]]:
    """(sensor address, athlete id, site) of every sensor of a virtual squad."""
    spec = SquadSpec.from_address(address)
    for role in spec.roles():
        yield role.address, role.athlete_id, role.site


async def verify(address: str, frames: int = VERIFY_FRAMES,
                 timeout_s: float = VERIFY_TIMEOUT_S, protocol: str = "frame") -> Verified:
    """Read frames from one sensor address through its real transport."""
    role = SensorRole(address, "pairing", "gps" if protocol == "nmea" else "waist", protocol)
    transports = build_transports([role], ReconnectSettings())
    received: list[Packet] = []

    async def collect() -> None:
        for transport in transports:
            await transport.open()
        async for packet in transports[0].packets():
            if packet.address == address:
                received.append(packet)
            if len(received) >= frames:
                return

    try:
        await asyncio.wait_for(collect(), timeout=timeout_s)
    except TimeoutError:
        pass
    finally:
        for transport in transports:
            await transport.close()
    if not received:
        raise PairingError(f"{address}: no frames within {timeout_s:.0f} s — is it switched on?")
    return _inspect(address, received, PacketDecoder(address, protocol))


def _inspect(address: str, packets: list[Packet], decoder: PacketDecoder) -> Verified:
    rejected = 0
    sensor_id = battery = None
    kinds: set[str] = set()
    clipped = samples = 0
    decoded = []
    for packet in packets:
        try:
            decoded += decoder.decode(packet)
        except FrameError:
            rejected += 1
    rejected += sum(decoder.rejects.values())
    for sample in decoded:
        sensor_id = sample.sensor_id
        kinds.add(type(sample).__name__.removesuffix("Sample").removesuffix("Samples").lower())
        if isinstance(sample, StatusSample):
            battery = sample.battery_pct
        if isinstance(sample, ImuSamples):
            clipped += int(sample.clipped.sum())
            samples += len(sample)
    if not decoded:
        raise PairingError(f"{address}: {len(packets)} packets arrived and none was valid")
    return Verified(address, len(packets) - rejected, rejected, sensor_id, tuple(sorted(kinds)),
                    battery, 100.0 * clipped / samples if samples else 0.0)


class HostPairing(NamedTuple):
    """What the host answers a pairing code with. `host_key` is None when the host has no
    signing key yet (`touchline key create` makes one)."""

    device_id: str
    token: str
    host_key: str | None


def register_device(host_url: str, code: str, client: httpx.Client) -> HostPairing:
    """Exchange a one-time pairing code for this device's id, token and the host's key."""
    url = host_url.rstrip("/") + REGISTER_PATH
    try:
        response = client.post(url, json={"code": code})
    except httpx.HTTPError as exc:
        raise PairingError(f"cannot reach the host at {host_url}: {exc}") from exc
    if response.status_code >= 400:
        try:
            body = response.json()
            detail = body.get("message") or body.get("detail") or response.text
        except (ValueError, AttributeError):
            detail = response.text
        raise PairingError(f"host refused pairing code (HTTP {response.status_code}): {detail}")
    try:
        body = response.json()
        pairing = HostPairing(str(body["device_id"]), str(body["token"]), body.get("signing_key"))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PairingError(f"host answered without device_id and token: {response.text}") from exc
    if pairing.host_key is not None and not (
        isinstance(pairing.host_key, str) and is_public_key_text(pairing.host_key)
    ):
        raise PairingError(f"host answered with a signing key that is no Ed25519 key: "
                           f"{pairing.host_key!r}")
    return pairing
