"""Frame v1 encode/decode: round trips, scales, clipping, every rejection reason."""

from __future__ import annotations

import math
import struct
from binascii import crc_hqx

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge.config import ACCEL_RANGES_G, GYRO_RANGES_DPS, MAX_IMU_SAMPLES, Kind
from firmware_bridge.frame import (
    FrameError,
    crc16,
    crc16_many,
    decode_frame,
    decode_frames_bulk,
    encode_gps,
    encode_hr,
    encode_imu,
    encode_imu_raw,
    encode_status,
    range_code,
    range_of_code,
)
from firmware_bridge.samples import GpsSample, HrSample, ImuSamples, StatusSample


def test_crc_is_ccitt_false_check_value() -> None:
    # The catalogue check value of CRC-16/CCITT-FALSE for "123456789" is 0x29B1.
    assert crc16(b"123456789") == 0x29B1


def test_bulk_crc_equals_binascii_on_random_rows() -> None:
    rows = np.random.default_rng(3).integers(0, 256, size=(5000, 142), dtype=np.uint8)
    expected = [crc_hqx(row[:140].tobytes(), 0xFFFF) for row in rows]
    assert crc16_many(rows, 140, chunk=777).tolist() == expected


def test_ten_sample_imu_frame_is_142_bytes_and_decodes_to_physical_units() -> None:
    accel = np.array([[0.5, -1.0, 9.75]] * 10)
    gyro = np.array([[100.0, -1500.0, 0.0]] * 10)
    frame = encode_imu(9, 3, 5_000_000, accel, gyro, accel_range_g=16, gyro_range_dps=2000)
    assert len(frame) == 142
    sample = decode_frame(frame)
    assert isinstance(sample, ImuSamples)
    assert (sample.sensor_id, sample.seq, len(sample)) == (9, 3, 10)
    # One count is 16/32768 g and 2000/32768 deg/s: quantisation error is at most half.
    np.testing.assert_allclose(sample.accel_g, accel, atol=16 / 32768 / 2 + 1e-7)
    np.testing.assert_allclose(sample.gyro_dps, gyro, atol=2000 / 32768 / 2 + 1e-6)
    assert sample.t_device_us.dtype == np.int64
    assert sample.t_device_us.tolist() == [5_000_000 + 10_000 * i for i in range(10)]
    assert sample.accel_g.dtype == np.float32 and not sample.clipped.any()


def test_values_beyond_full_scale_saturate_and_are_flagged_clipped() -> None:
    accel = np.zeros((4, 3))
    gyro = np.zeros((4, 3))
    accel[1, 2] = 20.0  # beyond ±16 g
    gyro[2, 0] = -2600.0  # beyond ±2000 deg/s (a hard kick on the shank)
    accel[3, 0] = 15.9  # inside the range
    sample = decode_frame(encode_imu(1, 0, 0, accel, gyro))
    assert sample.clipped.tolist() == [False, True, True, False]
    assert sample.accel_g[1, 2] == pytest.approx(16.0, abs=1e-3)
    assert sample.gyro_dps[2, 0] == pytest.approx(-2000.0)
    # The same motion on a ±32 g / ±4000 deg/s sensor is not clipped.
    wide = decode_frame(encode_imu(1, 0, 0, accel, gyro, accel_range_g=32, gyro_range_dps=4000))
    assert not wide.clipped.any()
    assert wide.gyro_dps[2, 0] == pytest.approx(-2600.0, abs=0.1)


def test_range_table_round_trips_and_rejects_unknown_ranges() -> None:
    for accel in ACCEL_RANGES_G:
        for gyro in GYRO_RANGES_DPS:
            assert range_of_code(range_code(accel, gyro)) == (accel, gyro)
    with pytest.raises(ValueError, match="not one of"):
        range_code(12.0, 2000.0)
    with pytest.raises(FrameError) as caught:
        range_of_code(0x55)
    assert caught.value.reason == "bad_range"


@settings(max_examples=150, deadline=None)
@given(
    sensor_id=st.integers(0, 0xFFFF),
    seq=st.integers(0, 0xFFFFFFFF),
    t0=st.integers(0, (1 << 63) - 1 - 0xFFFF * (MAX_IMU_SAMPLES - 1)),  # last sample < 2^63
    period=st.integers(1, 0xFFFF),
    counts=st.integers(1, MAX_IMU_SAMPLES).flatmap(
        lambda n: st.lists(st.integers(-32768, 32767), min_size=6 * n, max_size=6 * n)
    ),
    accel=st.integers(0, 4),
    gyro=st.integers(0, 4),
)
def test_imu_raw_round_trip_is_exact(sensor_id, seq, t0, period, counts, accel, gyro) -> None:
    raw = np.array(counts, np.int16).reshape(-1, 6)
    frame = encode_imu_raw(sensor_id, seq, t0, raw, accel | gyro << 4, period)
    sample = decode_frame(frame)
    scale_a = ACCEL_RANGES_G[accel] / 32768
    scale_g = GYRO_RANGES_DPS[gyro] / 32768
    np.testing.assert_array_equal(np.rint(sample.accel_g / scale_a), raw[:, :3])
    np.testing.assert_array_equal(np.rint(sample.gyro_dps / scale_g), raw[:, 3:])
    assert sample.t_device_us[-1] == t0 + period * (raw.shape[0] - 1)
    assert sample.clipped.tolist() == (np.abs(raw.astype(int)) >= 32767).any(axis=1).tolist()
    bulk = decode_frames_bulk([frame])
    np.testing.assert_array_equal(bulk.imu.accel_g, sample.accel_g)
    np.testing.assert_array_equal(bulk.imu.gyro_dps, sample.gyro_dps)
    np.testing.assert_array_equal(bulk.imu.clipped, sample.clipped)
    np.testing.assert_array_equal(bulk.imu.t_device_us, sample.t_device_us)


@settings(max_examples=100, deadline=None)
@given(
    lat=st.floats(-90, 90),
    lon=st.floats(-180, 180),
    speed=st.floats(0, 650),
    hdop=st.floats(0, 25.5),
    sats=st.integers(0, 255),
)
def test_gps_round_trip_within_wire_resolution(lat, lon, speed, hdop, sats) -> None:
    sample = decode_frame(encode_gps(4, 10, 123, lat, lon, speed, hdop, sats, True))
    assert isinstance(sample, GpsSample) and sample.fix
    assert sample.lat_deg == pytest.approx(lat, abs=0.5e-7)
    assert sample.lon_deg == pytest.approx(lon, abs=0.5e-7)
    assert sample.speed_mps == pytest.approx(speed, abs=0.005 + 1e-9)  # half a wire step
    assert sample.hdop == pytest.approx(hdop, abs=0.05 + 1e-9)
    assert sample.sats == sats


def test_gps_without_fix_decodes_to_nan_position() -> None:
    sample = decode_frame(encode_gps(4, 11, 5, math.nan, math.nan, 0.0, 99.0, 0, False))
    assert not sample.fix and math.isnan(sample.lat_deg) and math.isnan(sample.lon_deg)
    assert sample.hdop == 25.5  # saturates at the u8 limit


@settings(max_examples=60, deadline=None)
@given(bpm=st.integers(0, 0xFFFF), rr=st.lists(st.floats(0, 63.99), max_size=109))
def test_hr_round_trip_with_any_number_of_rr_intervals(bpm, rr) -> None:
    sample = decode_frame(encode_hr(2, 1, 77, bpm, rr))
    assert isinstance(sample, HrSample) and sample.bpm == bpm
    assert len(sample.rr_s) == len(rr)
    for got, want in zip(sample.rr_s, rr, strict=True):
        assert got == pytest.approx(want, abs=0.5 / 1024)


def test_status_round_trip() -> None:
    sample = decode_frame(encode_status(5, 6, 7, 42, -3.21, 0x0012))
    assert sample == StatusSample(5, 6, 7, 42, -3.21, 0x0012)


def test_encoders_refuse_frames_that_cannot_exist() -> None:
    with pytest.raises(ValueError, match="1..18"):
        encode_imu_raw(1, 0, 0, np.zeros((19, 6)), 0x33)
    with pytest.raises(ValueError, match="at most 109"):
        encode_hr(1, 0, 0, 60, [0.5] * 110)


def _with_crc(body: bytes) -> bytes:
    return body + struct.pack("<H", crc16(body))


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda f: f[:21], "truncated"),
        (lambda f: f[:-12], "truncated"),
        (lambda f: f + bytes(200), "oversized"),
        (lambda f: _with_crc(bytes([3]) + f[1:-2]), "bad_version"),
        (lambda f: _with_crc(f[:1] + bytes([0]) + f[2:-2]), "unknown_kind"),
        (lambda f: _with_crc(f[:18] + bytes([0]) + f[19:-2]), "bad_length"),
        (lambda f: f[:-1] + bytes([f[-1] ^ 0xFF]), "bad_crc"),
        (lambda f: f[:50] + bytes([f[50] ^ 0x01]) + f[51:], "bad_crc"),
        (lambda f: _with_crc(f[:19] + bytes([0xF0]) + f[20:-2]), "bad_range"),
    ],
)
def test_each_defect_is_rejected_with_its_reason(mutate, reason, imu_frames) -> None:
    frame = mutate(imu_frames(1)[0])
    with pytest.raises(FrameError) as caught:
        decode_frame(frame)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)
    assert reason in str(caught.value)
    # The bulk decoder names the same reason and returns no samples for it.
    bulk = decode_frames_bulk([frame])
    assert bulk.rejects == {reason: 1} and len(bulk.imu) == 0


def test_bulk_keeps_input_order_across_lengths_and_kinds() -> None:
    rng = np.random.default_rng(1)
    frames = []
    for seq in range(60):
        n = int(rng.integers(1, 19))
        frames.append(
            encode_imu(seq % 3, seq, seq * 1000, np.full((n, 3), seq / 10), np.zeros((n, 3)))
        )
        if seq % 7 == 0:
            frames.append(encode_hr(9, seq, seq, 60 + seq))
        if seq % 11 == 0:
            frames.append(b"\x01\x01garbage")
    result = decode_frames_bulk(frames)
    singles = [decode_frame(f) for f in frames if len(f) > 30 and f[1] == Kind.IMU]
    assert result.imu.seq.tolist() == [s.seq for s in singles for _ in range(len(s))]
    np.testing.assert_array_equal(result.imu.accel_g, np.concatenate([s.accel_g for s in singles]))
    assert [s.bpm for s in result.other] == [60 + seq for seq in range(0, 60, 7)]
    assert result.rejects == {"truncated": 6}
    one = result.imu.for_sensor(2)
    assert set(one.sensor_id.tolist()) == {2} and len(one) == sum(
        len(s) for s in singles if s.sensor_id == 2
    )


def test_bulk_decodes_many_frames_identically_to_single_decoder(imu_frames) -> None:
    frames = imu_frames(300, seed=5)
    frames[17] = frames[17][:-2] + b"\x00\x00"
    result = decode_frames_bulk(frames)
    singles = [decode_frame(f) for i, f in enumerate(frames) if i != 17]
    assert result.rejects == {"bad_crc": 1}
    np.testing.assert_array_equal(
        result.imu.gyro_dps, np.concatenate([s.gyro_dps for s in singles])
    )
    np.testing.assert_array_equal(
        result.imu.t_device_us, np.concatenate([s.t_device_us for s in singles])
    )
