"""One contract for every decoder: bad bytes give FrameError or a counted reject, never
another exception, and valid input from the matching encoder is never rejected."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge.errors import FrameError
from firmware_bridge.frame import decode_frame, encode_status
from firmware_bridge.standard.ble_gatt import (
    decode_battery_level,
    decode_heart_rate_measurement,
    encode_heart_rate_measurement,
)
from firmware_bridge.standard.nmea import NmeaGpsDecoder, format_epoch
from firmware_bridge.standard.witmotion import (
    WitMotionSerialDecoder,
    decode_ble_packet,
    encode_ble_packet,
    encode_serial_packet,
)
from firmware_bridge.stream import FrameStream

# Message decoders: bytes -> sample, or FrameError.
MESSAGE_DECODERS: dict[str, tuple[Callable[[bytes], object], bytes]] = {
    "frame v1": (decode_frame, encode_status(1, 2, 3, 50, 20.0)),
    "ble heart rate": (
        lambda b: decode_heart_rate_measurement(b, sensor_id=1, seq=0, t_us=0),
        encode_heart_rate_measurement(150, [0.4, 0.41], contact=True, energy_kj=12),
    ),
    "ble battery": (lambda b: decode_battery_level(b, sensor_id=1, seq=0, t_us=0), b"\x32"),
    "witmotion ble": (
        lambda b: decode_ble_packet(b, sensor_id=1, seq=0, t_us=0),
        encode_ble_packet((1, 2, 3), (4, 5, 6), (7, 8, 9)),
    ),
}


@pytest.mark.parametrize("name", sorted(MESSAGE_DECODERS))
def test_valid_message_decodes(name: str) -> None:
    decode, valid = MESSAGE_DECODERS[name]
    assert decode(valid) is not None


@pytest.mark.parametrize("name", sorted(MESSAGE_DECODERS))
@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300), flip=st.integers(0, 10_000))
def test_message_decoders_raise_only_frame_error(name: str, data: bytes, flip: int) -> None:
    decode, valid = MESSAGE_DECODERS[name]
    mutated = bytearray(valid)
    mutated[flip % len(mutated)] ^= 1 + flip % 255
    for candidate in (data, bytes(mutated), valid[: flip % len(valid)]):
        try:
            decode(candidate)
        except FrameError as error:
            assert error.reason and error.detail


def _nmea_valid() -> bytes:
    return "".join(s + "\r\n" for s in format_epoch(3600.0, 1.0, 2.0, 3.0, 0.9, 9, True)).encode()


def _frame_stream_valid() -> bytes:
    from firmware_bridge.cobs import cobs_encode

    return cobs_encode(encode_status(1, 2, 3, 50, 20.0))


def _wit_valid() -> bytes:
    return encode_serial_packet(0x51, (1, 2, 3)) + encode_serial_packet(0x52, (4, 5, 6))


# Stream decoders: (factory, feed(decoder, chunk) -> outputs, valid bytes, expected outputs)
STREAM_DECODERS = {
    "frame stream": (FrameStream, lambda d, c: d.feed(c), _frame_stream_valid, 1),
    "nmea": (lambda: NmeaGpsDecoder(1), lambda d, c: d.feed(c) + d.flush(), _nmea_valid, 1),
    "witmotion serial": (
        lambda: WitMotionSerialDecoder(1),
        lambda d, c: [s for s in [d.feed(c, t_us=0)] if s is not None],
        _wit_valid,
        1,
    ),
}


@pytest.mark.parametrize("name", sorted(STREAM_DECODERS))
@settings(max_examples=80, deadline=None)
@given(junk=st.lists(st.binary(max_size=200), max_size=6))
def test_stream_decoders_survive_junk_and_still_decode_after_it(name: str, junk) -> None:
    make, feed, valid, expected = STREAM_DECODERS[name]
    decoder = make()
    for chunk in junk:
        feed(decoder, chunk)  # must not raise
    # After any junk, a separator and the message twice, it comes through (at least once:
    # junk may swallow the first copy as the start of a message it was waiting for).
    separator = {"frame stream": b"\x00", "nmea": b"\r\n", "witmotion serial": b""}[name]
    assert len(feed(decoder, separator + valid() + valid())) >= expected
