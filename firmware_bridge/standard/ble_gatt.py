"""Standard Bluetooth SIG characteristics: Heart Rate Measurement (0x2A37), Battery (0x2A19).

Layouts from the Bluetooth GATT Specification Supplement (Heart Rate Measurement,
Battery Level). A strap has no clock of its own on the air, so the caller gives the
arrival time as `t_us`.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from firmware_bridge.config import RR_UNITS_PER_S
from firmware_bridge.errors import FrameError, frame_errors_only
from firmware_bridge.samples import HrSample, StatusSample

# Flags byte of Heart Rate Measurement.
HR_VALUE_UINT16 = 0x01
HR_CONTACT_DETECTED = 0x02
HR_CONTACT_SUPPORTED = 0x04
HR_ENERGY_PRESENT = 0x08
HR_RR_PRESENT = 0x10


@frame_errors_only
def decode_heart_rate_measurement(
    data: bytes | bytearray, *, sensor_id: int, seq: int, t_us: int
) -> HrSample:
    """One 0x2A37 notification; FrameError("truncated"/"bad_length") if malformed.

    Contact: None when the strap does not support contact detection, else True/False.
    An odd byte left over after the RR intervals is malformed ("bad_length").
    """
    data = bytes(data)
    if len(data) < 2:
        raise FrameError("truncated", f"heart rate measurement of {len(data)} bytes")
    flags = data[0]
    at = 1
    width = 2 if flags & HR_VALUE_UINT16 else 1
    needed = at + width + (2 if flags & HR_ENERGY_PRESENT else 0)
    if len(data) < needed:
        raise FrameError("truncated", f"flags 0x{flags:02x} need {needed} bytes, got {len(data)}")
    bpm = int.from_bytes(data[at : at + width], "little")
    at += width
    energy = None
    if flags & HR_ENERGY_PRESENT:
        (energy,) = struct.unpack_from("<H", data, at)
        at += 2
    rest = len(data) - at
    if rest and not flags & HR_RR_PRESENT:
        raise FrameError(
            "bad_length", f"{rest} bytes after the fields flags 0x{flags:02x} announce"
        )
    if rest % 2:
        raise FrameError("bad_length", f"RR intervals take 2 bytes each, {rest} bytes left")
    rr = struct.unpack_from(f"<{rest // 2}H", data, at)
    contact = bool(flags & HR_CONTACT_DETECTED) if flags & HR_CONTACT_SUPPORTED else None
    return HrSample(
        sensor_id=sensor_id,
        seq=seq,
        t_device_us=t_us,
        bpm=bpm,
        rr_s=tuple(r / RR_UNITS_PER_S for r in rr),
        contact=contact,
        energy_kj=energy,
    )


def encode_heart_rate_measurement(
    bpm: int,
    rr_s: Sequence[float] = (),
    *,
    contact: bool | None = None,
    energy_kj: int | None = None,
    uint16: bool | None = None,
) -> bytes:
    """A 0x2A37 value as a strap sends it (the virtual strap uses this)."""
    wide = bpm > 0xFF if uint16 is None else uint16
    flags = HR_VALUE_UINT16 if wide else 0
    if contact is not None:
        flags |= HR_CONTACT_SUPPORTED | (HR_CONTACT_DETECTED if contact else 0)
    body = struct.pack("<H", bpm) if wide else struct.pack("<B", bpm)
    if energy_kj is not None:
        flags |= HR_ENERGY_PRESENT
        body += struct.pack("<H", energy_kj)
    if rr_s:
        flags |= HR_RR_PRESENT
        body += b"".join(struct.pack("<H", round(r * RR_UNITS_PER_S)) for r in rr_s)
    return bytes([flags]) + body


@frame_errors_only
def decode_battery_level(
    data: bytes | bytearray, *, sensor_id: int, seq: int, t_us: int
) -> StatusSample:
    """One 0x2A19 value (a single byte, 0..100 %)."""
    if len(data) != 1:
        reason = "truncated" if len(data) == 0 else "bad_length"
        raise FrameError(reason, f"battery level is 1 byte, got {len(data)}")
    if data[0] > 100:
        raise FrameError("bad_value", f"battery level {data[0]} %")
    return StatusSample(
        sensor_id=sensor_id,
        seq=seq,
        t_device_us=t_us,
        battery_pct=data[0],
        temp_c=float("nan"),
        flags=0,
    )
