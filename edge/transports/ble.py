"""BLE sensors through bleak, driven by their family's profile, reconnecting with backoff.

A link subscribes to every characteristic its profile lists (`notify_uuids`), writes the
profile's start commands (a Polar PMD start, a Movesense subscribe, a WitMotion rate) and,
when it lets go, its stop commands. With several characteristics each notification is
handed on with its characteristic's index in front (`SensorProfile.framed`).

Connections are made with bleak-retry-connector's `establish_connection` (the retries,
adapter-busy and out-of-slot handling BlueZ needs, as Home Assistant uses it); a lost
connection surfaces as `LinkLost` and `run_link` reconnects with exponential backoff and
jitter. The scanner and client classes are parameters, so the same code runs against
bleak on the Pi and against a fake backend with bleak's method names in tests.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError
from bleak_retry_connector import establish_connection

from edge.transports.base import LinkLost
from firmware_bridge.profiles import SensorProfile, get_profile

SCAN_TIMEOUT_S = 5.0
CONNECT_ATTEMPTS = 3


class BleLink:
    """One BLE sensor of any family in the registry (Touchline frame v1 by default)."""

    def __init__(
        self,
        address: str,
        scanner_class: Any = BleakScanner,
        client_class: Any = BleakClient,
        profile: SensorProfile | None = None,
    ) -> None:
        self.address = address
        self._scanner_class = scanner_class
        self._client_class = client_class
        self.profile = profile or get_profile("frame")
        self._client: Any = None
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._lost = asyncio.Event()
        self.mtu: int | None = None

    async def connect(self) -> None:
        try:
            devices = await self._scanner_class.discover(timeout=SCAN_TIMEOUT_S)
        except (BleakError, OSError) as exc:
            raise LinkLost(f"{self.address}: adapter busy or off ({exc})") from exc
        device = next((d for d in devices if d.address.upper() == self.address.upper()), None)
        if device is None:
            raise LinkLost(f"{self.address}: not advertising")
        self._lost = asyncio.Event()
        self._queue = asyncio.Queue()
        try:
            self._client = await establish_connection(
                self._client_class,
                device,
                device.name or self.address,
                disconnected_callback=lambda _client: self._lost.set(),
                max_attempts=CONNECT_ATTEMPTS,
            )
            self.mtu = getattr(self._client, "mtu_size", None)
            for index, uuid in enumerate(self.profile.notify_uuids):
                await self._client.start_notify(uuid, self._notifier(index))
            for command in self.profile.start_commands:
                await self._client.write_gatt_char(self.profile.write_uuid, command, response=True)
        except (BleakError, TimeoutError, OSError) as exc:
            await self.disconnect()
            raise LinkLost(f"{self.address}: {exc}") from exc

    def _notifier(self, index: int) -> Any:
        def on_notify(_sender: Any, data: bytearray) -> None:
            self._queue.put_nowait(self.profile.framed(index, bytes(data)))

        return on_notify

    async def read(self) -> list[bytes]:
        if self._queue.empty():
            getter = asyncio.ensure_future(self._queue.get())
            lost = asyncio.ensure_future(self._lost.wait())
            done, _ = await asyncio.wait({getter, lost}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                raise LinkLost(f"{self.address}: disconnected")
            lost.cancel()
            frames = [getter.result()]
        else:
            frames = []
        while not self._queue.empty():
            frames.append(self._queue.get_nowait())
        return frames

    async def disconnect(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if getattr(client, "is_connected", False):
                for command in self.profile.stop_commands:
                    await client.write_gatt_char(self.profile.write_uuid, command, response=True)
            await client.disconnect()
        except (BleakError, OSError, TimeoutError):
            pass
