"""A virtual serial sensor on a pseudo-terminal: open its `path` with pyserial.

The device writes its emissions (frame v1 as COBS packets, or raw bytes such as NMEA
lines or WitMotion packets) into the pty master from a background thread, at real time
(`speed=1`), accelerated (`speed=10`) or as fast as the reader takes them
(`speed=None`). The reading side is an ordinary tty: `serial.Serial(device.path)`.
Like a real sensor it transmits whether or not anyone listens, and pyserial flushes
what is waiting when it opens a port; to read from the first frame, `open()` the device,
open the port on `path`, then `start()` playback.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections.abc import Callable, Sequence
from typing import Literal

from firmware_bridge.cobs import cobs_encode
from firmware_bridge.virtual.devices import Emission

CLOCK_POLL_S = 0.05  # a paced writer looks at its clock at least this often


class PtySerialDevice:
    """Plays emissions on a pty; use as a context manager or start()/stop()."""

    def __init__(
        self,
        emissions: Sequence[Emission],
        *,
        framing: Literal["cobs", "raw"] = "cobs",
        speed: float | None = 1.0,
        lead_zero: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` (seconds, monotonic) paces playback; tests pass one they move by hand."""
        if speed is not None and speed <= 0:
            raise ValueError(f"speed must be positive or None, got {speed}")
        self.emissions = list(emissions)
        self.framing = framing
        self.speed = speed
        self.clock = clock
        # Firmware sends one 0x00 at start-up so the first frame is clean on the wire.
        self.lead_zero = lead_zero and framing == "cobs"
        self.bytes_written = 0
        self.done = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master = self._slave = -1
        self.path = ""

    def open(self) -> str:
        """Create the pty (without transmitting yet); returns the path to open."""
        if self._master < 0:
            self._master, self._slave = os.openpty()
            # Raw mode on the device side: no echo, no newline translation, bytes as sent.
            tty.setraw(self._slave)
            self.path = os.ttyname(self._slave)
            os.set_blocking(self._master, False)
        return self.path

    def start(self) -> PtySerialDevice:
        """Begin transmitting (opening the pty first if needed)."""
        self.open()
        self._thread = threading.Thread(target=self._play, name=f"pty {self.path}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def __enter__(self) -> PtySerialDevice:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wire(self, emission: Emission) -> bytes:
        return cobs_encode(emission.data) if self.framing == "cobs" else emission.data

    def _play(self) -> None:
        started = self.clock()
        try:
            if self.lead_zero:
                self._write(b"\x00")
            for emission in self.emissions:
                if self.speed is not None and not self._wait_until(
                    started + emission.t_s / self.speed
                ):
                    return
                if not self._write(self._wire(emission)):
                    return
        finally:
            self.done.set()

    def _wait_until(self, due: float) -> bool:
        """Wait until the clock reads `due`; False once stopped."""
        while (left := due - self.clock()) > 0:
            if self._stop.wait(min(left, CLOCK_POLL_S)):
                return False
        return True

    def _write(self, data: bytes) -> bool:
        """Write all of data, waiting while the tty buffer is full; False once stopped."""
        view = memoryview(data)
        while view:
            if self._stop.is_set():
                return False
            _, ready, _ = select.select([], [self._master], [], 0.05)
            if not ready:
                continue
            try:
                written = os.write(self._master, view)
            except BlockingIOError:
                continue
            except OSError:
                return False
            view = view[written:]
            self.bytes_written += written
        return True
