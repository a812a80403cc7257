"""Serial sensors (USB/UART), read with pyserial and reopened on unplug: COBS-framed
frame v1 from Touchline sensors, NMEA 0183 sentences from a GPS receiver, or the raw
chunks of a family that finds its own packets (WitMotion serial).

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
NMEA_BAUDRATE = 9_600  # what GPS receivers (u-blox, MediaTek) talk out of the box
MAX_LINE_BYTES = 120
READ_TIMEOUT_S = 0.1
READ_CHUNK = 4096


class SerialLink:
    """One serial port carrying COBS frames."""

    def __init__(self, address: str, baudrate: int | None = None, protocol: str = "frame") -> None:
        self.address = address
        self.protocol = protocol
        self.baudrate = baudrate or (NMEA_BAUDRATE if protocol == "nmea" else BAUDRATE)
        self.stream = FrameStream()
        self._line = bytearray()
        self._port: serial.SerialBase | None = None

    async def connect(self) -> None:
        try:
            self._port = await asyncio.to_thread(
                serial.serial_for_url,
                self.address,
                baudrate=self.baudrate,
                timeout=READ_TIMEOUT_S,
            )
        except (serial.SerialException, ValueError) as exc:
            raise LinkLost(f"{self.address}: {exc}") from exc
        self.stream = FrameStream()  # a half frame from before the unplug is not resumed
        self._line = bytearray()

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
                if self.protocol == "nmea":
                    frames = self._sentences(data)
                elif self.protocol == "frame":
                    frames = [frame.raw for frame in self.stream.feed_frames(data)]
                else:  # a stream family (WitMotion serial) finds its own packets in chunks
                    frames = [data]
                if frames:
                    return frames

    def _sentences(self, data: bytes) -> list[bytes]:
        """Complete NMEA lines; an over-long run without a newline is dropped up to its
        last `$`, where a sentence after binary packets starts."""
        self._line += data
        *lines, tail = self._line.split(b"\n")
        if len(tail) > MAX_LINE_BYTES:  # binary packets without a newline: keep a sentence
            start = tail.rfind(b"$")
            tail = tail[start:] if start >= len(tail) - MAX_LINE_BYTES else bytearray()
        self._line = tail
        return [bytes(line.strip(b"\r")) for line in lines if line.strip(b"\r")]

    async def disconnect(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass
