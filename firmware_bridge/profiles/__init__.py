"""The sensor-profile registry: every device family the sideline can pair and record.

One module per family states everything about it (`SensorProfile`); this module lists
them. Adding a family is one new module with a `SensorProfile` and its tests, and one
line in `PROFILES` below (docs/sensors.md walks through it).
"""

from __future__ import annotations

from firmware_bridge.profiles import ble_hr, frame_v1, movesense, nmea, polar, witmotion
from firmware_bridge.profiles.base import (
    AxisMap,
    Decoder,
    ProfileError,
    SensorProfile,
    strap_id,
)

PROFILES: dict[str, SensorProfile] = {
    p.name: p
    for p in (
        frame_v1.PROFILE,
        ble_hr.PROFILE,
        nmea.PROFILE,
        witmotion.PROFILE,
        witmotion.SERIAL_PROFILE,
        polar.H10,
        polar.VERITY,
        movesense.PROFILE,
    )
}


def get_profile(name: str) -> SensorProfile:
    """The profile of a protocol name; ProfileError naming the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ProfileError(
            f"unknown sensor protocol {name!r}; known: {', '.join(PROFILES)}"
        ) from None


def recognise(local_name: str | None, service_uuids: tuple[str, ...] = ()) -> SensorProfile | None:
    """The family of an advertisement: by name first (several families share services)."""
    ble = [p for p in PROFILES.values() if p.transport == "ble"]
    for profile in ble:
        if local_name and profile.matches(local_name):
            return profile
    for profile in ble:
        if profile.matches(None, service_uuids):
            return profile
    return None


__all__ = [
    "PROFILES",
    "AxisMap",
    "Decoder",
    "ProfileError",
    "SensorProfile",
    "get_profile",
    "recognise",
    "strap_id",
]
