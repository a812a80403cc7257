"""An in-process BLE world with bleak's method names, for the edge's BLE transport.

`FakeRadio` holds `VirtualPeripheral`s (Touchline sensors, standard heart-rate straps)
and hands out `FakeBleakScanner` / `FakeBleakClient` classes bound to it, which the edge
uses where it would use `bleak.BleakScanner` / `bleak.BleakClient`: `discover()`,
`connect()`, `start_notify(uuid, callback)` with one frame per notification,
`read_gatt_char`, `stop_notify`, `disconnect()`, `is_connected`, `mtu_size`, and the
`disconnected_callback`. Errors are bleak's own exception types.

Time: the radio keeps session time. At `speed=1` notifications arrive in real time, at
`speed=10` ten times faster, and at `speed=None` as fast as the event loop runs them
(session time then jumps from one notification to the next). Connections drop at the
device's disconnect windows (and by `drop_connection()`); reconnecting inside a window
fails with `BleakDeviceNotFoundError`, as an out-of-range sensor does.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, overload

from bleak.exc import BleakCharacteristicNotFoundError, BleakDeviceNotFoundError, BleakError

from firmware_bridge.config import (
    BATTERY_LEVEL_UUID,
    BATTERY_SERVICE_UUID,
    BLE_MTU,
    HEART_RATE_MEASUREMENT_UUID,
    HEART_RATE_SERVICE_UUID,
    TOUCHLINE_FRAME_CHAR_UUID,
    TOUCHLINE_SERVICE_UUID,
)
from firmware_bridge.profiles.base import SensorProfile
from firmware_bridge.virtual.devices import Emission, VirtualDevice, VirtualHrDevice

_NOTIFY_HEADER_BYTES = 3  # ATT opcode + handle in every notification


@dataclass(frozen=True)
class FakeBLEDevice:
    """What a scan finds (bleak's BLEDevice has address, name, details; rssi added here)."""

    address: str
    name: str | None
    rssi: int
    details: Any = field(default=None, repr=False)


@dataclass(frozen=True)
class FakeAdvertisementData:
    local_name: str | None
    rssi: int
    service_uuids: list[str]


@dataclass(frozen=True)
class FakeCharacteristic:
    """Passed to notification callbacks as bleak passes a BleakGATTCharacteristic."""

    uuid: str
    handle: int
    properties: tuple[str, ...]
    service_uuid: str
    description: str = ""


@dataclass
class VirtualPeripheral:
    """A device on the fake radio: notify sources, readable values, disconnect windows."""

    address: str
    name: str
    notifications: dict[str, list[Emission]] = field(repr=False)
    reads: dict[str, Callable[[float], bytes]] = field(repr=False)
    services: dict[str, str] = field(repr=False)  # characteristic uuid -> service uuid
    rssi: int = -60
    mtu: int = BLE_MTU
    down_windows: tuple[tuple[float, float], ...] = ()
    in_range: bool = True
    connections: int = 0  # successful connects so far
    written: list[tuple[str, bytes]] = field(default_factory=list, repr=False)  # commands
    _clients: list[FakeBleakClient] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        limit = self.mtu - _NOTIFY_HEADER_BYTES
        for uuid, emissions in self.notifications.items():
            too_big = [e for e in emissions if len(e.data) > limit]
            if too_big:
                raise ValueError(f"{uuid}: {len(too_big)} notifications exceed {limit} bytes")

    def drop_connection(self) -> None:
        """Knob: the link drops now (as walking out of range would)."""
        for client in list(self._clients):
            client._lost()

    def down_at(self, t_s: float) -> tuple[float, float] | None:
        for start, length in self.down_windows:
            if start <= t_s < start + length:
                return start, start + length
        return None

    def next_drop(self, after_s: float, until_s: float) -> float | None:
        starts = [s for s, _ in self.down_windows if after_s < s <= until_s]
        return min(starts) if starts else None


def touchline_sensor(
    device: VirtualDevice, *, address: str | None = None, name: str | None = None, rssi: int = -60
) -> VirtualPeripheral:
    """A Touchline sensor: frame v1 notifications on the Touchline characteristic."""
    return VirtualPeripheral(
        address=address or f"TL:00:00:00:{device.sensor_id >> 8:02X}:{device.sensor_id & 0xFF:02X}",
        name=name or f"Touchline-{device.sensor_id:04X}",
        notifications={TOUCHLINE_FRAME_CHAR_UUID: device.emissions()},
        reads={BATTERY_LEVEL_UUID: lambda t: bytes([device.battery.percent(t)])},
        services={
            TOUCHLINE_FRAME_CHAR_UUID: TOUCHLINE_SERVICE_UUID,
            BATTERY_LEVEL_UUID: BATTERY_SERVICE_UUID,
        },
        rssi=rssi,
        down_windows=device.link.disconnects,
    )


def heart_rate_strap(
    device: VirtualHrDevice, *, address: str | None = None, name: str = "HRM-Pro", rssi: int = -70
) -> VirtualPeripheral:
    """A standard chest strap: Heart Rate Measurement (0x2A37) and Battery Level (0x2A19)."""
    return VirtualPeripheral(
        address=address or f"HR:00:00:00:{device.sensor_id >> 8:02X}:{device.sensor_id & 0xFF:02X}",
        name=name,
        notifications={HEART_RATE_MEASUREMENT_UUID: device.strap_emissions()},
        reads={BATTERY_LEVEL_UUID: lambda t: bytes([device.battery.percent(t)])},
        services={
            HEART_RATE_MEASUREMENT_UUID: HEART_RATE_SERVICE_UUID,
            BATTERY_LEVEL_UUID: BATTERY_SERVICE_UUID,
        },
        rssi=rssi,
        down_windows=device.link.disconnects,
    )


def profiled_sensor(
    device: VirtualDevice,
    profile: SensorProfile,
    *,
    address: str | None = None,
    name: str | None = None,
    rssi: int = -65,
) -> VirtualPeripheral:
    """A vendor's device (firmware_bridge.virtual.vendors) behind its profile's GATT layout:
    each notification on the characteristic its index names, the battery readable."""
    service = profile.service_uuids[0] if profile.service_uuids else profile.notify_uuids[0]
    by_uuid: dict[str, list[Emission]] = {uuid: [] for uuid in profile.notify_uuids}
    for emission in device.emissions():
        if len(profile.notify_uuids) > 1:
            uuid = profile.notify_uuids[emission.data[0]]
            emission = emission._replace(data=emission.data[1:])
        else:
            uuid = profile.notify_uuids[0]
        by_uuid[uuid].append(emission)
    services = {uuid: service for uuid in profile.notify_uuids}
    if profile.write_uuid:
        services[profile.write_uuid] = service
    services[BATTERY_LEVEL_UUID] = BATTERY_SERVICE_UUID
    return VirtualPeripheral(
        address=address or f"VD:00:00:00:{device.sensor_id >> 8:02X}:{device.sensor_id & 0xFF:02X}",
        name=name or f"{profile.family.split(' (')[0]} {device.sensor_id:05d}",
        notifications=by_uuid,
        reads={BATTERY_LEVEL_UUID: lambda t: bytes([device.battery.percent(t)])},
        services=services,
        rssi=rssi,
        down_windows=device.link.disconnects,
    )


class FakeRadio:
    """The shared air: peripherals in range and the session clock."""

    def __init__(
        self, peripherals: Sequence[VirtualPeripheral] = (), speed: float | None = 1.0
    ) -> None:
        if speed is not None and speed <= 0:
            raise ValueError(f"speed must be positive or None, got {speed}")
        self.peripherals = {p.address.upper(): p for p in peripherals}
        self.speed = speed
        self._t0: float | None = None
        self._virtual_now = 0.0

    def add(self, peripheral: VirtualPeripheral) -> None:
        self.peripherals[peripheral.address.upper()] = peripheral

    def now_s(self) -> float:
        """Session time; starts at 0 on first use."""
        if self.speed is None:
            return self._virtual_now
        loop_time = asyncio.get_running_loop().time()
        if self._t0 is None:
            self._t0 = loop_time
        return (loop_time - self._t0) * self.speed

    async def wait_until(self, t_s: float) -> None:
        if self.speed is None:
            self._virtual_now = max(self._virtual_now, t_s)
            await asyncio.sleep(0)
        else:
            await asyncio.sleep(max(0.0, (t_s - self.now_s()) / self.speed))

    def skip_to(self, t_s: float) -> None:
        """At speed=None, let session time pass (e.g. while a sensor is away)."""
        if self.speed is None:
            self._virtual_now = max(self._virtual_now, t_s)

    def lookup(self, address: str) -> VirtualPeripheral | None:
        return self.peripherals.get(address.upper())

    @property
    def scanner(self) -> type[FakeBleakScanner]:
        return type("FakeBleakScanner", (FakeBleakScanner,), {"radio": self})

    @property
    def client(self) -> type[FakeBleakClient]:
        return type("FakeBleakClient", (FakeBleakClient,), {"radio": self})


class FakeBleakScanner:
    """bleak.BleakScanner's class methods over a FakeRadio (use `radio.scanner`)."""

    radio: FakeRadio

    @overload
    @classmethod
    async def discover(
        cls, timeout: float = ..., *, return_adv: Literal[False] = ..., **kwargs: Any
    ) -> list[FakeBLEDevice]: ...

    @overload
    @classmethod
    async def discover(
        cls, timeout: float = ..., *, return_adv: Literal[True], **kwargs: Any
    ) -> dict[str, tuple[FakeBLEDevice, FakeAdvertisementData]]: ...

    @classmethod
    async def discover(
        cls, timeout: float = 5.0, *, return_adv: bool = False, **kwargs: Any
    ) -> list[FakeBLEDevice] | dict[str, tuple[FakeBLEDevice, FakeAdvertisementData]]:
        """Peripherals in range and not inside a disconnect window."""
        await asyncio.sleep(0)
        now = cls.radio.now_s()
        found: dict[str, tuple[FakeBLEDevice, FakeAdvertisementData]] = {}
        for p in cls.radio.peripherals.values():
            if p.in_range and p.down_at(now) is None:
                device = FakeBLEDevice(p.address, p.name, p.rssi, details=p)
                adv = FakeAdvertisementData(p.name, p.rssi, sorted(set(p.services.values())))
                found[p.address] = (device, adv)
        return found if return_adv else [device for device, _ in found.values()]

    @classmethod
    async def find_device_by_address(
        cls, device_identifier: str, timeout: float = 10.0, **kwargs: Any
    ) -> FakeBLEDevice | None:
        for device in await cls.discover(timeout):
            if device.address.upper() == device_identifier.upper():
                return device
        return None


# What start_notify calls per notification, as in bleak: plain or coroutine function.
NotifyCallback: TypeAlias = Callable[[FakeCharacteristic, bytearray], object]


class FakeBleakClient:
    """bleak.BleakClient's interface over a FakeRadio (use `radio.client`)."""

    radio: FakeRadio
    _handles = itertools.count(0x10)

    def __init__(
        self,
        address_or_ble_device: str | FakeBLEDevice,
        disconnected_callback: Callable[[FakeBleakClient], None] | None = None,
        *,
        timeout: float = 10.0,
        **kwargs: Any,
    ) -> None:
        if not hasattr(self, "radio"):
            raise TypeError("FakeBleakClient needs a radio: use FakeRadio(...).client(address)")
        self._address = (
            address_or_ble_device
            if isinstance(address_or_ble_device, str)
            else address_or_ble_device.address
        )
        self._disconnected_callback = disconnected_callback
        self._peripheral: VirtualPeripheral | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._characteristics: dict[str, FakeCharacteristic] = {}

    @property
    def address(self) -> str:
        return self._address

    @property
    def is_connected(self) -> bool:
        return self._peripheral is not None

    @property
    def mtu_size(self) -> int:
        peripheral = self.radio.lookup(self._address)
        return peripheral.mtu if peripheral else 23

    async def connect(self, **kwargs: Any) -> bool:
        await asyncio.sleep(0)
        peripheral = self.radio.lookup(self._address)
        if peripheral is None or not peripheral.in_range or peripheral.down_at(self.radio.now_s()):
            raise BleakDeviceNotFoundError(
                self._address, f"Device with address {self._address} was not found."
            )
        self._peripheral = peripheral
        peripheral._clients.append(self)
        peripheral.connections += 1
        if self.radio.speed is not None:
            self._tasks["__link__"] = asyncio.create_task(self._watch_link(peripheral))
        return True

    async def disconnect(self) -> bool:
        self._close(notify=False)
        await asyncio.sleep(0)
        return True

    async def __aenter__(self) -> FakeBleakClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()

    def _characteristic(self, uuid: str) -> FakeCharacteristic:
        peripheral = self._require_connected()
        key = str(uuid).lower()
        if key not in peripheral.services:
            raise BleakCharacteristicNotFoundError(uuid)
        if key not in self._characteristics:
            props = ("notify",) if key in peripheral.notifications else ("read",)
            self._characteristics[key] = FakeCharacteristic(
                key, next(self._handles), props, peripheral.services[key]
            )
        return self._characteristics[key]

    def _require_connected(self) -> VirtualPeripheral:
        if self._peripheral is None:
            raise BleakError("Not connected")
        return self._peripheral

    async def read_gatt_char(self, char_specifier: str, **kwargs: Any) -> bytearray:
        characteristic = self._characteristic(char_specifier)
        read = self._require_connected().reads.get(characteristic.uuid)
        if read is None:
            raise BleakError(f"Characteristic {characteristic.uuid} is not readable")
        await asyncio.sleep(0)
        return bytearray(read(self.radio.now_s()))

    async def write_gatt_char(
        self, char_specifier: str, data: bytes | bytearray, response: bool | None = None
    ) -> None:
        """Record a command the central writes (start/stop commands of a profile)."""
        characteristic = self._characteristic(char_specifier)
        await asyncio.sleep(0)
        self._require_connected().written.append((characteristic.uuid, bytes(data)))

    async def start_notify(
        self, char_specifier: str, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        characteristic = self._characteristic(char_specifier)
        peripheral = self._require_connected()
        if characteristic.uuid not in peripheral.notifications:
            raise BleakError(f"Characteristic {characteristic.uuid} does not notify")
        if characteristic.uuid in self._tasks:
            raise BleakError(f"Notifications already started on {characteristic.uuid}")
        self._tasks[characteristic.uuid] = asyncio.create_task(
            self._deliver(peripheral, characteristic, callback)
        )

    async def stop_notify(self, char_specifier: str) -> None:
        task = self._tasks.pop(str(char_specifier).lower(), None)
        if task is not None:
            task.cancel()
        await asyncio.sleep(0)

    async def _deliver(
        self,
        peripheral: VirtualPeripheral,
        characteristic: FakeCharacteristic,
        callback: NotifyCallback,
    ) -> None:
        """Notify every emission due from now on, in time order, while connected."""
        last = self.radio.now_s()
        for emission in peripheral.notifications[characteristic.uuid]:
            if emission.t_s < last:
                continue  # sent before we subscribed (or while away): lost, as on air
            drop = peripheral.next_drop(last, emission.t_s)
            if drop is not None:
                await self.radio.wait_until(drop)
                self._lost()
                return
            await self.radio.wait_until(emission.t_s)
            if self._peripheral is not peripheral:
                return
            last = emission.t_s
            result = callback(characteristic, bytearray(emission.data))
            if inspect.isawaitable(result):
                await result

    async def _watch_link(self, peripheral: VirtualPeripheral) -> None:
        """Real-time mode: drop the link when a disconnect window opens."""
        for start, _ in sorted(peripheral.down_windows):
            if start >= self.radio.now_s():
                await self.radio.wait_until(start)
                if self._peripheral is peripheral:
                    self._lost()
                return

    def _lost(self) -> None:
        """The peripheral went away: close and tell the owner, as bleak does."""
        if self._peripheral is None:
            return
        window = self._peripheral.down_at(self.radio.now_s())
        if window is not None:
            self.radio.skip_to(window[1])
        self._close(notify=True)

    def _close(self, notify: bool) -> None:
        peripheral, self._peripheral = self._peripheral, None
        if peripheral is not None and self in peripheral._clients:
            peripheral._clients.remove(self)
        current = asyncio.current_task()
        for task in self._tasks.values():
            if task is not current:
                task.cancel()
        self._tasks.clear()
        if peripheral is not None and notify and self._disconnected_callback is not None:
            self._disconnected_callback(self)
