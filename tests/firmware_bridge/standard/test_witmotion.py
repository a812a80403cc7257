"""WitMotion serial and BLE packets, per the vendor datasheets."""

from __future__ import annotations

import numpy as np
import pytest

from firmware_bridge.errors import FrameError
from firmware_bridge.standard.witmotion import (
    WitMotionSerialDecoder,
    checksum,
    decode_ble_packet,
    encode_ble_packet,
    encode_serial_packet,
)


def test_serial_checksum_is_low_byte_of_sum_as_in_the_datasheet() -> None:
    # WT901 datasheet: Sum = 0x55 + 0x51 + AxH + AxL + AyH + AyL + AzH + AzL + TH + TL.
    packet = bytes([0x55, 0x51, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0xE8, 0x0B])
    assert checksum(packet) == (0x55 + 0x51 + 0x08 + 0xE8 + 0x0B) & 0xFF
    assert encode_serial_packet(0x51, (0, 0, 0x0800), 0x0BE8) == packet + bytes([checksum(packet)])


def test_datasheet_formulas_for_acceleration_and_angular_rate() -> None:
    # a = ((AxH << 8) | AxL) / 32768 * 16 g and w = ((wxH << 8) | wxL) / 32768 * 2000 deg/s,
    # signed: 0x0800 is 1 g, 0xF800 is -1 g, 0x7FFF is full scale (clipped).
    stream = encode_serial_packet(0x51, (0x0800, -0x0800, 0x7FFF)) + encode_serial_packet(
        0x52, (0x0100, 0x4000, -0x8000)
    )
    sample = WitMotionSerialDecoder(2).feed(stream, t_us=5)
    np.testing.assert_allclose(sample.accel_g[0], [1.0, -1.0, 16 * 32767 / 32768])
    np.testing.assert_allclose(sample.gyro_dps[0], [2000 / 128, 1000.0, -2000.0])
    assert sample.clipped.tolist() == [True] and sample.t_device_us.tolist() == [5]


def test_serial_stream_resynchronises_after_garbage_and_bad_checksums() -> None:
    good = [
        encode_serial_packet(0x51, (i, 0, 2048))
        + encode_serial_packet(0x52, (0, i, 0))
        + encode_serial_packet(0x53, (0, 0, 100))
        for i in range(6)
    ]
    broken = bytearray(good[2])
    broken[5] ^= 0x01  # accel packet fails its checksum: that sample is lost
    data = (
        b"\x55\x55\x13"
        + good[0]
        + good[1]
        + bytes(broken)
        + b"\xaa" * 7
        + good[3]
        + good[4]
        + good[5]
    )
    decoder = WitMotionSerialDecoder(2)
    samples = [decoder.feed(data[i : i + 5], t_us=i) for i in range(0, len(data), 5)]
    accel_x = np.concatenate([s.accel_g[:, 0] for s in samples if s is not None]) * 32768 / 16
    assert np.rint(accel_x).tolist() == [0, 1, 3, 4, 5]
    assert decoder.rejects["bad_checksum"] >= 1 and decoder.rejects["unpaired"] == 1


def test_time_packet_sets_the_device_clock() -> None:
    # 0x50: YY MM DD hh mm ss msL msH (WT901 datasheet "Time Output").
    time_packet = bytes([0x55, 0x50, 24, 6, 1, 12, 30, 15, 0xF4, 0x01])
    time_packet += bytes([checksum(time_packet)])
    data = (
        time_packet + encode_serial_packet(0x51, (0, 0, 0)) + encode_serial_packet(0x52, (0, 0, 0))
    )
    sample = WitMotionSerialDecoder(1).feed(data, t_us=123)
    seconds = (np.datetime64("2024-06-01T12:30:15") - np.datetime64("2000-01-01")).astype(int)
    assert sample.t_device_us.tolist() == [seconds * 1_000_000 + 500_000]


def test_ble_combined_packet_layout_from_the_wt901blecl_manual() -> None:
    # WT901BLECL manual, 6.1.1: 0x55 0x61 then ax ay az wx wy wz roll pitch yaw, low byte first.
    packet = encode_ble_packet((0x0800, 0, -0x0800), (0x0100, 0, 0), (0x4000, 0, 0))
    assert packet[:2] == b"\x55\x61" and len(packet) == 20
    sample = decode_ble_packet(packet, sensor_id=4, seq=9, t_us=77)
    np.testing.assert_allclose(sample.accel_g[0], [1.0, 0.0, -1.0])
    assert sample.gyro_dps[0, 0] == pytest.approx(15.625)


def test_real_ble_register_reply_from_the_manual_is_not_imu_data() -> None:
    # WT901BLECL manual, 6.1: reading the magnetic field returns
    # "55 71 3A 00 68 01 69 00 7A 00 00 00 00 00 00 00 00 00 00 00" (20 bytes).
    reply = bytes.fromhex("55713A00680169007A0000000000000000000000")
    with pytest.raises(FrameError) as caught:
        decode_ble_packet(reply, sensor_id=1, seq=0, t_us=0)
    assert caught.value.reason == "unknown_kind"


def test_truncated_public_captures_are_rejected_not_misread() -> None:
    # WT901BLE68 notifications as logged by a public project (obedier/vib,
    # analyze_wt901_data.py): 16 of the 20 bytes, the console cut them short.
    for capture in (
        "55 61 35 ff 59 ff 0a 08 00 00 00 00 00 00 b9 fc",
        "55 61 e4 03 eb f4 3f 00 7c 02 02 ff 33 00 52 fe",
    ):
        with pytest.raises(FrameError) as caught:
            decode_ble_packet(bytes.fromhex(capture), sensor_id=1, seq=0, t_us=0)
        assert caught.value.reason == "truncated"
    # Their first 14 bytes still read as the datasheet says: about 1 g on z at rest.
    first = bytes.fromhex("55 61 35 ff 59 ff 0a 08 00 00 00 00 00 00 b9 fc")[:14] + bytes(6)
    sample = decode_ble_packet(first, sensor_id=1, seq=0, t_us=0)
    np.testing.assert_allclose(sample.accel_g[0], [-0.0991, -0.0815, 1.0049], atol=1e-3)
    with pytest.raises(FrameError):
        decode_ble_packet(b"\xaa\x61" + bytes(18), sensor_id=1, seq=0, t_us=0)
