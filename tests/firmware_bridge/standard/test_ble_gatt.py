"""BLE Heart Rate Measurement (0x2A37) and Battery Level (0x2A19) decoding."""

from __future__ import annotations

import itertools

import pytest

from firmware_bridge.errors import FrameError
from firmware_bridge.standard.ble_gatt import (
    decode_battery_level,
    decode_heart_rate_measurement,
    encode_heart_rate_measurement,
)


def _hr(data: bytes):
    return decode_heart_rate_measurement(data, sensor_id=3, seq=0, t_us=0)


def test_public_capture_with_contact_and_two_rr_intervals() -> None:
    # Bytes and expected values from the movisens SmartGattLib unit test
    # (src/test/java/HeartRateMeasurementTest.java): "16485401EC02" is 72 bpm, sensor
    # worn, no energy, RR 0.33203125 s and 0.73046875 s.
    sample = _hr(bytes.fromhex("16485401EC02"))
    assert sample.bpm == 72 and sample.contact is True and sample.energy_kj is None
    assert sample.rr_s == (0.33203125, 0.73046875)


def test_bluetooth_spec_field_order_uint16_energy_then_rr() -> None:
    # GATT Specification Supplement, Heart Rate Measurement: flags, HR (uint8 or uint16
    # per bit 0), Energy Expended (uint16 kJ, bit 3), then RR-Intervals (uint16, 1/1024 s,
    # bit 4). Flags 0x19 = uint16 HR + energy + RR.
    sample = _hr(bytes([0x19, 0x2C, 0x01, 0x10, 0x27, 0x00, 0x04]))
    assert (sample.bpm, sample.energy_kj, sample.rr_s, sample.contact) == (300, 10000, (1.0,), None)


@pytest.mark.parametrize(
    ("flags", "contact"),
    [(0x00, None), (0x02, None), (0x04, False), (0x06, True)],
)
def test_contact_bits(flags: int, contact: bool | None) -> None:
    # Bit 2 says whether the strap supports contact detection, bit 1 whether skin contact
    # is detected; bit 1 alone means nothing.
    assert _hr(bytes([flags, 60])).contact is contact


def test_every_flag_combination_round_trips() -> None:
    for wide, contact, energy, n_rr in itertools.product(
        (False, True), (None, False, True), (None, 0, 65535), (0, 1, 2, 9)
    ):
        rr = [0.25 + 0.125 * i for i in range(n_rr)]
        data = encode_heart_rate_measurement(
            75 if not wide else 275, rr, contact=contact, energy_kj=energy, uint16=wide
        )
        sample = _hr(data)
        assert sample.bpm == (75 if not wide else 275)
        assert sample.contact is contact and sample.energy_kj == energy
        assert sample.rr_s == tuple(rr)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "truncated"),
        (b"\x00", "truncated"),
        (b"\x01\x48", "truncated"),  # says uint16, has one byte
        (b"\x08\x48\x10", "truncated"),  # says energy, has half of it
        (b"\x10\x48\x54", "bad_length"),  # odd byte where RR pairs should be
        (b"\x10\x48\x54\x01\xec", "bad_length"),
        (b"\x00\x48\x54\x01", "bad_length"),  # bytes the flags do not announce
    ],
)
def test_malformed_measurements_name_the_problem(data: bytes, reason: str) -> None:
    with pytest.raises(FrameError) as caught:
        _hr(data)
    assert caught.value.reason == reason


def test_battery_level() -> None:
    sample = decode_battery_level(b"\x57", sensor_id=3, seq=4, t_us=99)
    assert (sample.battery_pct, sample.seq, sample.t_device_us) == (87, 4, 99)
    for data, reason in ((b"", "truncated"), (b"\x50\x00", "bad_length"), (b"\x65", "bad_value")):
        with pytest.raises(FrameError) as caught:
            decode_battery_level(data, sensor_id=3, seq=0, t_us=0)
        assert caught.value.reason == reason
