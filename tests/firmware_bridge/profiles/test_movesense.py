"""Movesense GSP: the command bytes of Movesense's sample client, and IMU6 notifications
in the layout that client reads.

Source: github.com/alexisduque/movesense-device-lib (a mirror of Movesense's
movesense-device-lib), `samples/gatt_sensordata_app/python_client/movesense_sensor_data.py`
at commit 4c25f0f2bc26e917657af2e8198ea58bebb96c3b writes `bytearray([1, 99]) +
"/Meas/Acc/13"` to subscribe and `bytearray([2, 99])` to unsubscribe;
`GATTSensorDataClient.cpp` answers HELLO with `[1, ref, 'H','e','l','l','o']` and a full
subscription table with `[1, ref, 0x01, 0xFB]` (HTTP 507). The public sources publish no
captured IMU6 notification with its values, so the IMU6 bytes below are built from the
layout the vendor's IMU client reads (u32 ms timestamp at byte 2, float32 vectors from
byte 6, acceleration block then gyro block).
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

from firmware_bridge.errors import FrameError
from firmware_bridge.profiles.movesense import (
    PROFILE,
    STANDARD_GRAVITY,
    MovesenseDecoder,
    encode_imu6,
    subscribe_command,
    unsubscribe_command,
)


def test_commands_are_the_vendor_clients_bytes() -> None:
    assert subscribe_command("/Meas/Acc/13") == bytearray([1, 99]) + bytearray(
        "/Meas/Acc/13", "utf-8"
    )
    assert unsubscribe_command() == bytearray([2, 99])
    assert PROFILE.start_commands == (bytes([1, 99]) + b"/Meas/IMU6/104",)


def test_command_results() -> None:
    decoder = MovesenseDecoder(7)
    assert decoder.decode(bytes([1, 99]) + b"Hello", 0) == []
    with pytest.raises(FrameError) as caught:
        decoder.decode(bytes([1, 99, 0x01, 0xFB]), 0)
    assert caught.value.reason == "refused" and "507" in caught.value.detail


def _imu6_bytes(t0_ms: int) -> bytes:
    acc = [(0.1, 0.2, 9.80665), (0.3, -0.4, 9.5)]
    gyro = [(1.0, -2.0, 3.0), (4.0, 5.0, -6.0)]
    body = (
        struct.pack("<I", t0_ms)
        + struct.pack("<6f", *acc[0], *acc[1])
        + struct.pack("<6f", *gyro[0], *gyro[1])
    )
    return bytes([2, 99]) + body


def test_imu6_notification_layout_units_time_and_axes() -> None:
    data = _imu6_bytes(123_456)
    assert data == encode_imu6(
        123_456, [(0.1, 0.2, 9.80665), (0.3, -0.4, 9.5)], [(1.0, -2.0, 3.0), (4.0, 5.0, -6.0)]
    )
    (sample,) = MovesenseDecoder(7).decode(data, 0)
    assert sample.t_device_us.tolist() == [123_456_000, round((123_456 + 1000 / 104) * 1000)]
    # Device (X, Y, Z) = (left, up, forward) on the shin: sensor frame is (Z, X, Y).
    device_acc = np.array([[0.1, 0.2, 9.80665], [0.3, -0.4, 9.5]], dtype=np.float32)
    np.testing.assert_allclose(
        sample.accel_g, device_acc[:, [2, 0, 1]] / STANDARD_GRAVITY, rtol=1e-6
    )
    np.testing.assert_allclose(sample.gyro_dps, [[3.0, 1.0, -2.0], [-6.0, 4.0, 5.0]])
    assert not sample.clipped.any()


def test_split_notification_is_joined_and_the_clock_unwraps() -> None:
    decoder = MovesenseDecoder(7)
    whole = _imu6_bytes(0xFFFFFF00)
    assert decoder.decode(whole[:40], 0) == []
    (first,) = decoder.decode(bytes([3, 99]) + whole[40:], 0)
    (after_wrap,) = decoder.decode(_imu6_bytes(10), 0)
    assert first.t_device_us[0] == 0xFFFFFF00 * 1000
    assert after_wrap.t_device_us[0] == ((1 << 32) + 10) * 1000


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\x02", "truncated"),
        (bytes([3, 99, 1, 2]), "unpaired"),
        (bytes([2, 98]) + bytes(28), "bad_value"),
        (bytes([9, 99]), "unknown_kind"),
        (bytes([2, 99]) + struct.pack("<I6f6f", 1, *[float("nan")] * 12), "bad_value"),
    ],
)
def test_bad_notifications(data: bytes, reason: str) -> None:
    with pytest.raises(FrameError) as caught:
        MovesenseDecoder(7).decode(data, 0)
    assert caught.value.reason == reason
