"""BLE sensors through bleak: frame v1 notifications, reconnect with backoff.

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
from firmware_bridge.config import HEART_RATE_MEASUREMENT_UUID, TOUCHLINE_FRAME_CHAR_UUID

SCAN_TIMEOUT_S = 5.0
CONNECT_ATTEMPTS = 3


def characteristic_for(protocol: str) -> str:
    """The characteristic a sensor notifies on: Touchline frames or standard heart rate."""
    return HEART_RATE_MEASUREMENT_UUID if protocol == "ble_hr" else TOUCHLINE_FRAME_CHAR_UUID


class BleLink:
    """One BLE sensor notifying frame v1 on the Touchline frame characteristic."""

    def __init__(
        self,
        address: str,
        scanner_class: Any = BleakScanner,
        client_class: Any = BleakClient,
        characteristic: str = TOUCHLINE_FRAME_CHAR_UUID,
    ) -> None:
        self.address = address
        self._scanner_class = scanner_class
        self._client_class = client_class
        self._characteristic = characteristic
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
                self._client_class, device, device.name or self.address,
                disconnected_callback=lambda _client: self._lost.set(),
                max_attempts=CONNECT_ATTEMPTS,
            )
            self.mtu = getattr(self._client, "mtu_size", None)
            await self._client.start_notify(self._characteristic, self._on_notify)
        except (BleakError, TimeoutError, OSError) as exc:
            await self.disconnect()
            raise LinkLost(f"{self.address}: {exc}") from exc

    def _on_notify(self, _sender: Any, data: bytearray) -> None:
        self._queue.put_nowait(bytes(data))

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
            await client.disconnect()
        except (BleakError, OSError, TimeoutError):
            pass
