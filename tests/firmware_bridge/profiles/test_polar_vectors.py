"""Polar PMD decodes the byte sequences of Polar's own SDK tests to the values they state.

Source: github.com/polarofficial/polar-ble-sdk at commit
8fb5311c8f63fd58fdd03df1b46cbb2e8f05209e, under
sources/Android/android-communications/library/src/test/java/com/polar/
androidcommunications/api/ble/model/gatt/client/pmd/ — `model/AccDataTest.kt`,
`model/GyrDataTest.kt`, `model/MagDataTest.kt`, `PmdSettingTest.kt`,
`BlePmdClientControlPointResponseTest.kt`. Each vector is the test's header + content
bytes; the expected values are the ones those tests assert, written as they compute them.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

from firmware_bridge.errors import FrameError
from firmware_bridge.profiles.polar import (
    MeasurementType,
    OpCode,
    SettingType,
    decode_data,
    delta_samples,
    factor_of,
    parse_response,
    parse_settings,
    sample_times_ns,
    start_command,
)

TS = 2_000_000_000  # "00 94 35 77 00 00 00 00" in the tests

ACC_RAW_TYPE1 = bytes.fromhex(
    "02009435770000000001"
    "f7ffffffe703f8fffeffe503f9ffffffe503faffffffe603fafffeffe603f9ffffffe503f8ffffffe603"
    "f8fffeffe603faffffffe503faffffffe703faffffffe503f8ffffffe603f7ffffffe603f8fffeffe603"
    "f9fffeffe703f9ff0000e603f9ffffffe603f7fffeffe503f9ffffffe503f9ffffffe503faff0000e603"
    "f9fffeffe603f8ffffffe603f8ffffffe503f9ffffffe603f9ffffffe503faffffffe603f9ffffffe503"
    "f9ffffffe503f8fffeffe603f9ffffffe603f9ffffffe603f9ff0000e503f9fffeffe603f8fffeffe603"
    "f7fffeffe603"
)
ACC_DELTA_TYPE0 = bytes.fromhex(
    "02009435770000000080"
    "7107f06a9e8d0a38be5cbeba2f96b3ee4be5adfb42b9ebbe4cfeba2f92bfee4be4b1fb12b9ecbd3c3ebb2f"
    "8fd3de4be3b5f7d2b8edbd307e7b2f8be3ce8be2baf7a2b8eebc20be7b2f88f3cecbe1bdef52f8efbc18fe"
    "3b2f8403bfcbe0c2ef32b8f0bb044ebc2e8113af0be0c6eff2f7f1b9fc7dbc2e7d279f4bdfcaebc2f7f2b8"
    "eccd7c2e7b378f4bdecee392f7f3b8e00dfd2d774b7fcbddd2df6237f5b7d44dbd2d745b6fcbdcd7d73237"
    "f6b5c88d7d2d716b4f4bdcdcd3f236f7b4bcddfd2c6f7b3f4bdbe0cfd236f8b2b02dbe2c6c8f1fcbdae3c7"
    "a276f9"
)
ACC_DELTA_TYPE1 = bytes.fromhex("02650000000000000081f1ff1400f00306017b0f08")
GYR_DELTA_TYPE0 = bytes.fromhex("05ffffffffffffff7f80eaff08000d000301df00")
GYR_DELTA_TYPE1 = bytes.fromhex(
    "050094357700000000810000803f000020410000a0411c010000a001000008cdccec0d"
)
MAG_DELTA_TYPE0 = bytes.fromhex("06009435770000000080e2e6fa15490a06017f20fc")
MAG_DELTA_TYPE1 = bytes.fromhex("0600943577000000008137ff51fd6cf600000301f802")


def _f32(bits: int) -> np.float32:
    return np.frombuffer(struct.pack("<I", bits & 0xFFFFFFFF), dtype="<f4")[0]


def test_acc_raw_type1_h10() -> None:
    frame = decode_data(ACC_RAW_TYPE1, rate_hz=52)
    assert frame.measurement_type == MeasurementType.ACC
    assert frame.values.shape == (36, 3)  # 216 bytes / 2 / 3
    assert frame.values[0].tolist() == [-9, -1, 999]
    assert frame.values[1].tolist() == [-8, -2, 997]
    assert frame.timestamps_ns[-1] == TS


def test_acc_delta_type0_with_factor_and_previous_timestamp() -> None:
    factor = 2.44e-4
    frame = decode_data(ACC_DELTA_TYPE0, rate_hz=0, factor=factor, previous_ns=100)
    assert frame.values.shape == (57, 3)  # reference + 56 delta samples

    def as_sdk(sample: int) -> int:  # (factor * sample * 1000f).toInt() in float32
        return int(np.float32(np.float32(factor) * np.float32(sample)) * np.float32(1000))

    assert frame.values[0].tolist() == [as_sdk(1905), as_sdk(27376), as_sdk(-29282)]
    assert frame.values[1].tolist() == [
        as_sdk(1905 + 190),
        as_sdk(27376 - 105),
        as_sdk(-29282 - 85),
    ]
    assert np.abs(frame.values).max() <= 8 * 1000  # the test's ±8 g range check
    delta = (TS - 100) / 57
    assert frame.timestamps_ns[0] == round(100 + delta)
    assert frame.timestamps_ns[-1] == TS


def test_acc_delta_type1() -> None:
    frame = decode_data(ACC_DELTA_TYPE1, rate_hz=0, previous_ns=100)
    assert frame.values.tolist() == [[-15, 20, 1008], [-20, 17, 1008]]
    assert frame.timestamps_ns == (100, 101)


def test_gyro_delta_type0() -> None:
    frame = decode_data(GYR_DELTA_TYPE0, rate_hz=0, previous_ns=100)
    assert frame.values.tolist() == [[-22.0, 8.0, 13.0], [-23.0, 11.0, 16.0]]
    assert frame.timestamps_ns[-1] == 9223372036854775807


@pytest.mark.parametrize("factor", [1.0, 0.5])
def test_gyro_delta_type1_float_bits(factor: float) -> None:
    frame = decode_data(GYR_DELTA_TYPE1, rate_hz=0, factor=factor, previous_ns=100)
    f = np.float32(factor)
    expected = [
        [_f32(0x3F800000), _f32(0x41200000), _f32(0x41A00000)],
        [_f32(0x3F800000 + 0x1A00000), _f32(0x41200000 + 0x0800000), _f32(0x41A00000 + 0xFDECCCCD)],
    ]
    assert frame.values.tolist() == [
        [float(v * f if factor != 1.0 else v) for v in row] for row in expected
    ]
    assert frame.timestamps_ns[1] == TS


def test_mag_delta_type0() -> None:
    frame = decode_data(MAG_DELTA_TYPE0, rate_hz=0, previous_ns=100)
    assert frame.values.tolist() == [[-6430.0, 5626.0, 2633.0], [-6431.0, 5627.0, 2635.0]]
    assert frame.timestamps_ns[1] == TS


def test_mag_delta_type1_milligauss_with_status_channel() -> None:
    frame = decode_data(MAG_DELTA_TYPE1, rate_hz=0, previous_ns=100)
    expected = np.array([[-201, -687, -2452], [-201, -688, -2449]]) / 1000
    np.testing.assert_allclose(frame.values, expected, atol=1e-5)


def test_settings_with_range_from_pmd_setting_test() -> None:
    raw = bytes.fromhex("0001340001011000020 4f500f401e803d007040103".replace(" ", ""))
    settings = parse_settings(raw)
    assert settings == {
        SettingType.SAMPLE_RATE: (52,),
        SettingType.RESOLUTION: (16,),
        SettingType.RANGE: (245, 500, 1000, 2000),
        SettingType.CHANNELS: (3,),
    }
    assert factor_of(settings) == 1.0


def test_settings_with_range_milliunit() -> None:
    raw = bytes(
        [
            SettingType.RANGE_MILLIUNIT,
            2,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            0,
            0,
            0,
            SettingType.RESOLUTION,
            1,
            0x0E,
            0,
        ]
    )
    assert parse_settings(raw) == {
        SettingType.RANGE_MILLIUNIT: (-1, 0xFF),
        SettingType.RESOLUTION: (14,),
    }


def test_start_command_round_trips_its_settings_and_leaves_out_the_factor() -> None:
    selected = {
        SettingType.SAMPLE_RATE: 0x7FFF,
        SettingType.RESOLUTION: 0,
        SettingType.RANGE: 15,
        SettingType.RANGE_MILLIUNIT: 2**31 - 1,
        SettingType.CHANNELS: 4,
        SettingType.FACTOR: 15,
    }
    command = start_command(MeasurementType.ACC, selected)
    assert command[:2] == bytes([OpCode.REQUEST_MEASUREMENT_START, MeasurementType.ACC])
    settings = parse_settings(command[2:])
    assert len(settings) == 5 and SettingType.FACTOR not in settings
    assert settings[SettingType.RANGE_MILLIUNIT] == (2**31 - 1,)


def test_control_point_responses() -> None:
    ok = parse_response(bytes.fromhex("f00102000 0ffffff".replace(" ", "")))
    assert (ok.op_code, ok.measurement_type, ok.ok, ok.more, ok.parameters) == (
        OpCode.GET_MEASUREMENT_SETTINGS,
        2,
        True,
        False,
        b"\xff\xff\xff",
    )
    failed = parse_response(bytes.fromhex("f001060700"))
    assert (failed.measurement_type, failed.ok, failed.status_text, failed.parameters) == (
        6,
        False,
        "invalid resolution",
        b"",
    )


def test_first_frame_is_timed_back_from_its_timestamp_by_the_rate() -> None:
    times = sample_times_ns(TS, 0, 3, 100.0)
    assert times == (TS - 20_000_000, TS - 10_000_000, TS)


@pytest.mark.parametrize(
    "data, reason",
    [
        (bytes.fromhex("0200943577"), "truncated"),
        (ACC_DELTA_TYPE1[:-2], "truncated"),
        (bytes.fromhex("05009435770000000001") + b"\x00" * 6, "unknown_kind"),
        (ACC_RAW_TYPE1[:-1], "bad_length"),
    ],
)
def test_bad_frames_are_frame_errors(data: bytes, reason: str) -> None:
    with pytest.raises(FrameError) as caught:
        decode_data(data, rate_hz=52)
    assert caught.value.reason == reason


def test_delta_samples_reference_only() -> None:
    assert delta_samples(bytes.fromhex("0100feff0300"), 3, 16).tolist() == [[1, -2, 3]]
