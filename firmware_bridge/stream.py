"""Turn a byte stream from a serial port into samples, whatever arrives.

`FrameStream` takes chunks of any size (half a frame, ten frames, garbage), splits them
at 0x00, un-stuffs COBS, decodes frame v1 and returns samples. Nothing raises out of
`feed`: every packet that is not a valid frame is counted in `rejects` by reason and
skipped, so a loose connector or a reader started mid-frame costs only the bad frames.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import NamedTuple, Protocol

from firmware_bridge.cobs import cobs_decode_many
from firmware_bridge.config import COBS_DELIMITER, MAX_ENCODED_BYTES
from firmware_bridge.errors import FrameError
from firmware_bridge.frame import decode_frame
from firmware_bridge.samples import Sample


class DecodedFrame(NamedTuple):
    """A valid frame as received (for the raw store) and its decoded samples."""

    raw: bytes
    sample: Sample


class FrameStream:
    """Incremental COBS + frame v1 decoder for one serial byte stream."""

    def __init__(self) -> None:
        self.rejects: Counter[str] = Counter()
        self.frames_ok = 0
        self._pending = bytearray()
        self._discarding = False  # inside an over-long run of bytes: skip to next 0x00

    def feed(self, chunk: bytes) -> list[Sample]:
        """Decode every complete frame in the bytes so far; keep the incomplete tail."""
        return [frame.sample for frame in self.feed_frames(chunk)]

    def feed_frames(self, chunk: bytes) -> list[DecodedFrame]:
        """Like `feed`, also returning each frame's raw bytes."""
        out: list[DecodedFrame] = []
        for raw in self.unframe(chunk):
            try:
                out.append(DecodedFrame(raw, decode_frame(raw)))
            except FrameError as error:
                self.rejects[error.reason] += 1
                continue
            self.frames_ok += 1
        return out

    def unframe(self, chunk: bytes) -> list[bytes]:
        """Only split and un-stuff: the raw frames completed by `chunk`, not yet decoded.

        For callers that decode many frames at once with `decode_frames_bulk` (counting
        its rejects themselves); bad COBS and over-long packets are counted here.
        """
        self._pending += chunk
        packets = self._pending.split(COBS_DELIMITER)
        tail = packets.pop()
        if self._discarding and packets:
            self._discarding = False
            del packets[0]  # the end of an over-long run of junk
        packets = [packet for packet in packets if packet]  # idle line, doubled delimiters
        if packets and max(map(len, packets)) > MAX_ENCODED_BYTES:
            fitting = [packet for packet in packets if len(packet) <= MAX_ENCODED_BYTES]
            self.rejects["oversized"] += len(packets) - len(fitting)
            packets = fitting
        frames, invalid = cobs_decode_many(packets)
        if invalid:
            self.rejects["bad_cobs"] += invalid
        if len(tail) > MAX_ENCODED_BYTES:
            if not self._discarding:
                self.rejects["oversized"] += 1
            self._discarding = True
            tail = bytearray()
        self._pending = tail
        return frames


class ByteSource(Protocol):
    """What SerialFrameReader needs from a port: pyserial's `serial.Serial` has it."""

    in_waiting: int

    def read(self, size: int = 1) -> bytes: ...


class SerialFrameReader:
    """Reads a serial port (pyserial object, opened by the caller) into samples."""

    def __init__(self, port: ByteSource, stream: FrameStream | None = None) -> None:
        self.port = port
        self.stream = stream or FrameStream()
        self.idle = False  # the last read returned nothing within the port's timeout

    @property
    def rejects(self) -> Counter[str]:
        return self.stream.rejects

    def poll(self) -> list[DecodedFrame]:
        """Read what has arrived (blocking up to the port's timeout for the first byte)."""
        data = self.port.read(max(1, self.port.in_waiting))
        self.idle = not data
        return self.stream.feed_frames(data) if data else []

    def frames(self, stop: threading.Event | None = None) -> Iterator[DecodedFrame]:
        """Frames until `stop` is set, or (without `stop`) until a read times out empty."""
        while stop is None or not stop.is_set():
            yield from self.poll()
            if stop is None and self.idle:
                return
