"""Property tests for every decoder: whatever the bytes and however they are split, only
the package's own reject path is taken (a FrameError or a counted reason, never the
`decoder_error` safety net), and a valid input after garbage still decodes."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge.cobs import cobs_decode, cobs_decode_many, cobs_encode
from firmware_bridge.errors import DECODER_ERROR, FrameError
from firmware_bridge.frame import decode_frame, encode_gps, encode_status
from firmware_bridge.profiles import movesense, polar
from firmware_bridge.standard.ble_gatt import decode_battery_level, decode_heart_rate_measurement
from firmware_bridge.standard.nmea import NmeaGpsDecoder, format_epoch
from firmware_bridge.standard.witmotion import (
    WitMotionSerialDecoder,
    decode_ble_packet,
    encode_serial_packet,
)
from firmware_bridge.stream import FrameStream

MESSAGE_DECODERS = (
    decode_frame,
    lambda b: decode_heart_rate_measurement(b, sensor_id=1, seq=0, t_us=0),
    lambda b: decode_battery_level(b, sensor_id=1, seq=0, t_us=0),
    lambda b: decode_ble_packet(b, sensor_id=1, seq=0, t_us=0),
    lambda b: polar.decode_data(b, rate_hz=52.0),
    lambda b: polar.decode_data(b, rate_hz=0.0, factor=0.5, previous_ns=100),
    polar.parse_response,
    polar.parse_settings,
    lambda b: movesense.decode_imu6(b, 104.0),
)


def _pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    edges = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    return [data[a:b] for a, b in zip(edges, edges[1:], strict=False)]


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300), which=st.integers(0, len(MESSAGE_DECODERS) - 1))
def test_message_decoders_reject_by_their_own_reasons(data: bytes, which: int) -> None:
    try:
        MESSAGE_DECODERS[which](data)
    except FrameError as error:
        assert error.reason != DECODER_ERROR, error.detail


@settings(max_examples=200, deadline=None)
@given(
    frames=st.lists(st.binary(min_size=1, max_size=60), max_size=6),
    junk=st.lists(st.binary(max_size=60), max_size=6),
)
def test_cobs_gives_back_every_valid_packet_and_counts_the_rest(frames, junk) -> None:
    valid = [cobs_encode(f)[:-1] for f in frames]
    decoded, invalid = cobs_decode_many([*junk, *valid])
    assert decoded[len(decoded) - len(frames) :] == frames
    assert len(decoded) + invalid == len(junk) + len(frames)
    for packet in junk:
        try:
            cobs_decode(packet)
        except FrameError as error:
            assert error.reason == "bad_cobs"


def _frame_samples(pieces: list[bytes]) -> tuple[list, FrameStream]:
    stream = FrameStream()
    return [(type(s).__name__, s.seq) for p in pieces for s in stream.feed(p)], stream


@settings(max_examples=150, deadline=None)
@given(junk=st.binary(max_size=400), cuts=st.lists(st.integers(0, 10_000), max_size=10))
def test_frame_stream_in_any_split_decodes_what_follows_garbage(junk: bytes, cuts) -> None:
    valid = cobs_encode(encode_status(1, 7, 3, 50, 20.0)) + cobs_encode(
        encode_gps(1, 8, 4, 51.5, -0.1, 3.0, 0.9, 9, True)
    )
    data = junk + b"\x00" + valid
    whole, _ = _frame_samples([data])
    split, stream = _frame_samples(_pieces(data, cuts))
    assert split == whole and split[-2:] == [("StatusSample", 7), ("GpsSample", 8)]
    assert DECODER_ERROR not in stream.rejects


def _wit_samples(pieces: list[bytes]) -> tuple[np.ndarray, WitMotionSerialDecoder]:
    decoder = WitMotionSerialDecoder(1)
    out = [s.accel_g for p in pieces if (s := decoder.feed(p, t_us=0)) is not None]
    return (np.concatenate(out) if out else np.zeros((0, 3), np.float32)), decoder


@settings(max_examples=150, deadline=None)
@given(junk=st.binary(max_size=400), cuts=st.lists(st.integers(0, 10_000), max_size=10))
def test_witmotion_serial_in_any_split_decodes_what_follows_garbage(junk: bytes, cuts) -> None:
    pair = encode_serial_packet(0x51, (2048, 0, -2048)) + encode_serial_packet(0x52, (1, 2, 3))
    data = junk + pair * 3
    whole, _ = _wit_samples([data])
    split, decoder = _wit_samples(_pieces(data, cuts))
    assert np.array_equal(split, whole)
    # Junk may swallow the first pair as a packet it was inside; never the last two.
    assert len(split) >= 2 and np.allclose(split[-1], [1.0, 0.0, -1.0])
    assert DECODER_ERROR not in decoder.rejects


def _checksummed(body: str) -> str:
    value = 0
    for char in body:
        value ^= ord(char)
    return f"${body}*{value:02X}"


# Sentences with valid checksums and any field content: what a confused receiver sends.
FIELD = st.text(alphabet="0123456789.-+,NSEWAVKMT|x: e", max_size=12)
CHECKSUMMED = st.builds(
    lambda name, fields: _checksummed(",".join([name, *fields])),
    st.sampled_from(["GPGGA", "GNRMC", "GPVTG", "GNGSA", "GPGSV", "PUBX", "GN", "GPGGAX"]),
    st.lists(FIELD, max_size=16),
)
GARBAGE = st.one_of(CHECKSUMMED.map(lambda s: (s + "\r\n").encode()), st.binary(max_size=120))
LATER = "".join(
    s + "\r\n"
    for t in (45_400.0, 45_400.1, 45_400.2)
    for s in format_epoch(t, 48.1, 11.5, 4.0, 0.8, 9, True)
).encode()


def _nmea(pieces: list[bytes]) -> tuple[list[tuple], NmeaGpsDecoder]:
    decoder = NmeaGpsDecoder(1)
    fixes = [f for p in pieces for f in decoder.feed(p)] + decoder.flush()
    return [
        (f.t_device_us % 86_400_000_000, f.fix, f.lat_deg, f.lon_deg, f.speed_mps) for f in fixes
    ], decoder


@settings(max_examples=300, deadline=None)
@given(garbage=st.lists(GARBAGE, max_size=12), cuts=st.lists(st.integers(0, 10_000), max_size=10))
def test_nmea_in_any_split_never_stops_and_is_never_poisoned(garbage, cuts) -> None:
    data = b"".join(garbage) + b"\r\n" + LATER
    whole, decoder = _nmea([data])
    split, _ = _nmea(_pieces(data, cuts))
    assert [str(f) for f in split] == [str(f) for f in whole]  # NaN-safe equality
    assert DECODER_ERROR not in decoder.rejects
    # The fixes after the garbage are what a fresh decoder makes of them alone.
    clean, _ = _nmea([LATER])
    assert [str(f) for f in whole[-3:]] == [str(f) for f in clean]
    for fix in whole:  # a speed is NaN or a real, non-negative number
        assert math.isnan(fix[4]) or 0.0 <= fix[4] < 1000.0
