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
import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, NamedTuple, Protocol

import httpx

from edge.config import ReconnectSettings
from edge.packets import Packet, PacketDecoder, SensorRole
from edge.signing import is_public_key_text
from edge.transports import build_transports
from edge.transports.virtual import SquadSpec
from firmware_bridge.errors import FrameError, UserError
from firmware_bridge.profiles import get_profile, recognise
from firmware_bridge.samples import ImuSamples, StatusSample

if TYPE_CHECKING:
    from edge.bundle import BundleChannel, Manifest

REGISTER_PATH = "/api/v1/devices/register"
VERIFY_FRAMES = 20
VERIFY_TIMEOUT_S = 8.0


class PairingError(UserError):
    """A sensor could not be verified or the host refused the pairing code."""


@dataclass(frozen=True)
class FoundSensor:
    """A device seen while scanning."""

    kind: str  # "ble" or "serial"
    address: str
    name: str
    rssi_dbm: int | None = None
    detail: str = ""
    family: str | None = None  # the registry's protocol name, when recognised
    battery_pct: int | None = None


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
        FoundSensor(
            "serial", port.device, port.description or port.name or "", detail=port.hwid or ""
        )
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
            FoundSensor(
                "ble",
                device.address,
                device.name or adv.local_name or "",
                rssi_dbm=adv.rssi,
                family=_family(device.name or adv.local_name, adv.service_uuids),
            )
            for device, adv in found.values()
        ),
        key=lambda s: -(s.rssi_dbm or -200),
    )


def _family(name: str | None, service_uuids: list[str] | None) -> str | None:
    profile = recognise(name, tuple(service_uuids or ()))
    return profile.name if profile else None


class BatteryClient(Protocol):
    """What reading a battery needs of a BLE client: bleak's BleakClient, or a fake one."""

    async def __aenter__(self) -> BatteryClient: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def read_gatt_char(self, char_specifier: str) -> bytearray: ...


async def read_batteries(
    found: list[FoundSensor],
    client_class: Callable[[str], BatteryClient] | None = None,
    timeout_s: float = 4.0,
) -> list[FoundSensor]:
    """The recognised BLE devices with their Battery Level (0x2A19) read, where they have
    one; a device that does not answer in time keeps an unknown battery."""
    from bleak import BleakClient
    from bleak.exc import BleakError

    from firmware_bridge.config import BATTERY_LEVEL_UUID

    connect: Callable[[str], BatteryClient] = client_class or BleakClient

    async def one(sensor: FoundSensor) -> FoundSensor:
        if sensor.kind != "ble" or sensor.family is None:
            return sensor
        try:
            async with asyncio.timeout(timeout_s):
                async with connect(sensor.address) as client:
                    level = await client.read_gatt_char(BATTERY_LEVEL_UUID)
        except (BleakError, OSError, TimeoutError):
            return sensor
        if len(level) != 1 or level[0] > 100:
            return sensor
        return dataclasses.replace(sensor, battery_pct=level[0])

    return [await one(sensor) for sensor in found]


def missing_channels(
    sensors: Iterable[tuple[str, str]], channels: Iterable[BundleChannel]
) -> list[str]:
    """Required model channels that one athlete's sensors, given as (site, protocol), cannot
    feed: a site with no sensor, an accelerometer-only sensor where gyro is needed, no GPS.

    `channels` are the bundle manifest's `BundleChannel`s; optional ones never count.
    """
    measures: dict[str, set[str]] = {}
    for site, protocol in sensors:
        measures.setdefault(site, set()).update(get_profile(protocol).measures)
    missing = []
    for channel in channels:
        if channel.optional:
            continue
        name = channel.name
        site, _, axis = name.partition("_")
        if name == "speed_mps":
            needed, site = "gps", "gps"
        else:
            needed = "gyro" if axis.startswith("g") else "accel"
        if needed not in measures.get(site, set()):
            missing.append(name)
    return missing


class UnfedModelError(PairingError):
    """The paired sensors cannot feed channels the model requires: the sideline's
    configuration cannot be used with that model (exit 2, as `edge pair` refuses such a
    sensor)."""

    exit_code = 2


def check_feeds_model(roles: Iterable[SensorRole], manifest: Manifest) -> None:
    """UnfedModelError naming, per athlete, the required channels its sensors cannot feed.

    A channel the bundle marks optional (absent by design, as an accelerometer-only
    site's gyroscope is masked) never counts; `missing_channels` says which do.
    """
    by_athlete: dict[str, list[SensorRole]] = {}
    for role in roles:
        by_athlete.setdefault(role.athlete_id, []).append(role)
    problems = [
        f"athlete {athlete} ({', '.join(f'{r.site} {r.protocol}' for r in own)}) cannot feed "
        f"model {manifest.version}: it needs {', '.join(missing)}"
        for athlete, own in by_athlete.items()
        if (missing := missing_channels([(r.site, r.protocol) for r in own], manifest.channels))
    ]
    if problems:
        raise UnfedModelError("; ".join(problems))


def virtual_sensors(address: str) -> Iterator[tuple[str, str, str, str]]:
    """(sensor address, athlete id, site, family) of every sensor of a virtual squad."""
    spec = SquadSpec.from_address(address)
    for role in spec.roles():
        yield role.address, role.athlete_id, role.site, role.protocol


async def verify(
    address: str,
    frames: int = VERIFY_FRAMES,
    timeout_s: float = VERIFY_TIMEOUT_S,
    protocol: str = "frame",
) -> Verified:
    """Read frames from one sensor address through its real transport."""
    sites = get_profile(protocol).sites
    role = SensorRole(address, "pairing", sites[0] if sites else "waist", protocol)
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
    return Verified(
        address,
        len(packets) - rejected,
        rejected,
        sensor_id,
        tuple(sorted(kinds)),
        battery,
        100.0 * clipped / samples if samples else 0.0,
    )


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
        raise PairingError(
            f"host answered with a signing key that is no Ed25519 key: {pairing.host_key!r}"
        )
    return pairing
