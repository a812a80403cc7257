"""WitMotion WT901 family: BLE 0x55 0x61 notifications (WT901BLECL) or a serial stream.

Discovery and commands follow the WT901BLECL manual: service FFE5, notify FFE4, write FFE9
(on WitMotion's own base UUID, `…00805f9a34fb`); `FF AA 69 88 B5` unlocks the
configuration and `FF AA 03 09 00` sets the return rate to 100 Hz. Packets carry no device
clock, so samples are counted at the set rate from their arrivals (see the decoder).

Axes: worn on the back of the waist belt, label upright and facing out, the device's X
points up, Y to the wearer's left and Z backwards, so the sensor frame is
(x, y, z) = (-Z, Y, X).
"""

from __future__ import annotations

from collections import Counter

from firmware_bridge.profiles.base import AxisMap, SensorProfile
from firmware_bridge.samples import Sample
from firmware_bridge.standard.witmotion import (
    ACCEL_FULL_SCALE_G,
    GYRO_FULL_SCALE_DPS,
    WitMotionSerialDecoder,
    decode_ble_packet,
)

SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9a34fb"
NOTIFY_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE_UUID = "0000ffe9-0000-1000-8000-00805f9a34fb"
UNLOCK = bytes.fromhex("ffaa6988b5")
RATE_100_HZ = bytes.fromhex("ffaa030900")
WAIST_AXES = AxisMap(
    "back of the waist belt, label upright facing out: X up, Y left, Z backwards",
    ((2, -1), (1, 1), (0, 1)),
)


class WitMotionBleDecoder:
    """One 20-byte 0x55 0x61 notification is one sample; without a device clock on the air
    the samples are counted at the nominal rate from the earliest arrival they allow.

    The radio delays each notification by a few to tens of ms, more than a 100 Hz sample
    period, so arrival times alone would shuffle samples. A sample cannot arrive before it
    was taken: the count is pulled back whenever it runs ahead of an arrival, and restarts
    after a gap (lost packets) longer than `GAP_US`.
    """

    GAP_US = 200_000

    def __init__(self, sensor_id: int, rate_hz: float = 100.0) -> None:
        self.sensor_id = sensor_id
        self.rejects: Counter[str] = Counter()
        self._period_us = 1e6 / rate_hz
        self._anchor_us: float | None = None
        self._count = 0
        self._seq = 0

    def decode(self, data: bytes, t_us: int) -> list[Sample]:
        self._seq += 1
        sample = decode_ble_packet(
            data, sensor_id=self.sensor_id, seq=self._seq, t_us=self._sample_time(t_us)
        )
        return [WAIST_AXES.imu(sample)]

    def _sample_time(self, arrival_us: int) -> int:
        if self._anchor_us is not None:
            predicted = self._anchor_us + self._count * self._period_us
            if arrival_us - predicted > self.GAP_US:
                self._anchor_us = None
            elif predicted > arrival_us:
                self._anchor_us = arrival_us - self._count * self._period_us
        if self._anchor_us is None:
            self._anchor_us, self._count = float(arrival_us), 0
        t_us = round(self._anchor_us + self._count * self._period_us)
        self._count += 1
        return t_us


class WitMotionStreamDecoder:
    """Serial bytes in any chunking; packets pair 0x51 with 0x52 into samples."""

    def __init__(self, sensor_id: int) -> None:
        self._serial = WitMotionSerialDecoder(sensor_id)

    @property
    def rejects(self) -> Counter[str]:
        return self._serial.rejects

    def decode(self, data: bytes, t_us: int) -> list[Sample]:
        sample = self._serial.feed(data, t_us)
        return [] if sample is None else [WAIST_AXES.imu(sample)]


PROFILE = SensorProfile(
    name="witmotion",
    family="WitMotion WT901 (BLE)",
    transport="ble",
    measures=frozenset({"accel", "gyro"}),
    new_decoder=WitMotionBleDecoder,
    name_patterns=(r"^WT9",),
    service_uuids=(SERVICE_UUID,),
    notify_uuids=(NOTIFY_UUID,),
    write_uuid=WRITE_UUID,
    start_commands=(UNLOCK, RATE_100_HZ),
    rates_hz=(100.0, 50.0, 200.0),
    accel_range_g=ACCEL_FULL_SCALE_G,
    gyro_range_dps=GYRO_FULL_SCALE_DPS,
    clock="arrival",
    battery="Battery Level 0x2A19 where the firmware has it",
    axes=WAIST_AXES,
    sites=("waist",),
)

SERIAL_PROFILE = SensorProfile(
    name="witmotion_serial",
    family="WitMotion WT901 (serial)",
    transport="serial",
    measures=frozenset({"accel", "gyro"}),
    new_decoder=WitMotionStreamDecoder,
    rates_hz=(100.0, 200.0),
    accel_range_g=ACCEL_FULL_SCALE_G,
    gyro_range_dps=GYRO_FULL_SCALE_DPS,
    clock="device",
    battery="none (powered by the sideline)",
    axes=WAIST_AXES,
    sites=("waist",),
)
