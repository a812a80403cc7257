"""Touchline's own sensors: one frame v1 per BLE notification (or per COBS packet on serial)."""

from __future__ import annotations

from collections import Counter

from firmware_bridge.config import TOUCHLINE_FRAME_CHAR_UUID, TOUCHLINE_SERVICE_UUID
from firmware_bridge.frame import decode_frame
from firmware_bridge.profiles.base import SensorProfile
from firmware_bridge.samples import Sample


class FrameV1Decoder:
    """Frame v1 carries its own sensor id, sequence number and device clock."""

    def __init__(self, sensor_id: int) -> None:
        self.rejects: Counter[str] = Counter()

    def decode(self, data: bytes, t_us: int) -> list[Sample]:
        return [decode_frame(data)]


PROFILE = SensorProfile(
    name="frame",
    family="Touchline sensor (frame v1)",
    transport="ble",
    measures=frozenset({"accel", "gyro", "gps", "hr"}),
    new_decoder=FrameV1Decoder,
    name_patterns=(r"^Touchline-",),
    service_uuids=(TOUCHLINE_SERVICE_UUID,),
    notify_uuids=(TOUCHLINE_FRAME_CHAR_UUID,),
    rates_hz=(100.0,),
    accel_range_g=16.0,
    gyro_range_dps=2000.0,
    clock="device",
    battery="STATUS frame every 10 s",
    sites=("waist", "calf", "gps", "hr"),
)
