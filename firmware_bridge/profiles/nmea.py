"""NMEA 0183 GPS receivers on a serial line: one line per packet, merged into fixes."""

from __future__ import annotations

from collections import Counter

from firmware_bridge.profiles.base import SensorProfile
from firmware_bridge.samples import Sample
from firmware_bridge.standard.nmea import NmeaGpsDecoder


class NmeaDecoder:
    """Counts its own rejects (a bad sentence is never raised); a fix completes per epoch."""

    def __init__(self, sensor_id: int) -> None:
        self._nmea = NmeaGpsDecoder(sensor_id)

    @property
    def rejects(self) -> Counter[str]:
        return self._nmea.rejects

    def decode(self, data: bytes, t_us: int) -> list[Sample]:
        return list(self._nmea.feed(data + b"\n"))


PROFILE = SensorProfile(
    name="nmea",
    family="NMEA 0183 GPS receiver",
    transport="serial",
    measures=frozenset({"gps"}),
    new_decoder=NmeaDecoder,
    rates_hz=(10.0, 5.0, 1.0),
    clock="device",
    battery="none (powered by the sideline)",
    sites=("gps",),
)
