"""COBS framing of frames on a serial line: each frame is COBS-encoded and ends in 0x00.

COBS (Cheshire & Baker 1999) removes every zero byte from the frame, so 0x00 can only
mean "end of frame" and a reader that joins mid-stream or loses bytes resynchronises at
the next 0x00. The byte stuffing itself comes from the `cobs` package (C extension).
"""

from __future__ import annotations

import contextlib

from cobs import cobs as _cobs

from firmware_bridge.config import COBS_DELIMITER
from firmware_bridge.errors import FrameError


def cobs_encode(frame: bytes) -> bytes:
    """One frame as it goes on the wire: COBS bytes followed by the 0x00 delimiter."""
    stuffed: bytes = _cobs.encode(frame)  # the cobs package ships no type hints
    return stuffed + COBS_DELIMITER


def cobs_decode(packet: bytes) -> bytes:
    """The frame inside one packet (without its delimiter); FrameError("bad_cobs") if invalid."""
    try:
        frame: bytes = _cobs.decode(packet)
    except _cobs.DecodeError as error:
        raise FrameError("bad_cobs", str(error)) from None
    return frame


def cobs_decode_many(packets: list[bytes] | list[bytearray]) -> tuple[list[bytes], int]:
    """The frames of many packets and how many packets were not valid COBS (skipped)."""
    with contextlib.suppress(Exception):  # the usual case: all valid, in one call
        return list(map(_cobs.decode, packets)), 0
    frames = []  # some packet is bad: find which, one by one
    for packet in packets:
        try:
            frames.append(_cobs.decode(packet))
        except Exception:  # any failure to un-stuff is that packet's reject
            continue
    return frames, len(packets) - len(frames)
