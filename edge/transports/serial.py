"""Serial sensors (USB/UART): COBS-framed frame v1, read with pyserial, reopened on unplug.

The address is anything pyserial opens: a port (`/dev/ttyUSB0`, a stable
`/dev/serial/by-id/...` link that udev recreates on replug, a pty) or a pyserial URL
(`loop://`, `spy://`). Reads run in a worker thread so the event loop never blocks; a
vanished port raises `LinkLost` and `run_link` reopens it with backoff.
"""

from __future__ import annotations

import asyncio

import serial

from edge.transports.base import LinkLost
from firmware_bridge.stream import FrameStream

BAUDRATE = 921_600
READ_TIMEOUT_S = 0.1
READ_CHUNK = 4096


class SerialLink:
    """One serial port carrying COBS frames."""

    def __init__(self, address: str, baudrate: int = BAUDRATE) -> None:
        self.address = address
        self.baudrate = baudrate
        self.stream = FrameStream()
        self._port: serial.SerialBase | None = None

    async def connect(self) -> None:
        try:
            self._port = await asyncio.to_thread(
                serial.serial_for_url, self.address, baudrate=self.baudrate,
                timeout=READ_TIMEOUT_S,
            )
        except (serial.SerialException, ValueError) as exc:
            raise LinkLost(f"{self.address}: {exc}") from exc
        self.stream = FrameStream()  # a half frame from before the unplug is not resumed

    async def read(self) -> list[bytes]:
        port = self._port
        if port is None:
            raise LinkLost(f"{self.address}: not open")
        while True:
            try:
                data = await asyncio.to_thread(port.read, READ_CHUNK)
            except (serial.SerialException, OSError, TypeError) as exc:
                # pyserial raises SerialException (or OSError/TypeError from a closed fd)
                # when the device node disappears under it.
                raise LinkLost(f"{self.address}: {exc}") from exc
            if data:
                frames = self.stream.feed_frames(data)
                if frames:
                    return [frame.raw for frame in frames]

    async def disconnect(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass
