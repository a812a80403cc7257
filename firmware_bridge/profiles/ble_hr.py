"""Any standard Bluetooth heart-rate strap: Heart Rate Measurement (0x2A37) notifications."""

from __future__ import annotations

from collections import Counter

from firmware_bridge.config import HEART_RATE_MEASUREMENT_UUID, HEART_RATE_SERVICE_UUID
from firmware_bridge.profiles.base import SensorProfile
from firmware_bridge.samples import Sample
from firmware_bridge.standard.ble_gatt import decode_heart_rate_measurement


class HeartRateDecoder:
    """A strap has no clock or counter on the air: stamped on arrival, numbered here."""

    def __init__(self, sensor_id: int) -> None:
        self.sensor_id = sensor_id
        self.rejects: Counter[str] = Counter()
        self._seq = 0

    def decode(self, data: bytes, t_us: int) -> list[Sample]:
        self._seq += 1
        return [
            decode_heart_rate_measurement(data, sensor_id=self.sensor_id, seq=self._seq, t_us=t_us)
        ]


PROFILE = SensorProfile(
    name="ble_hr",
    family="Bluetooth heart-rate strap",
    transport="ble",
    measures=frozenset({"hr"}),
    new_decoder=HeartRateDecoder,
    service_uuids=(HEART_RATE_SERVICE_UUID,),
    notify_uuids=(HEART_RATE_MEASUREMENT_UUID,),
    rates_hz=(1.0,),
    clock="arrival",
    battery="Battery Level 0x2A19",
    sites=("hr",),
)
