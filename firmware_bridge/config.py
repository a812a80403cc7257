"""Constants of the Touchline sensor wire protocol, in one place with their meaning.

Frame v1 is Contract 1 of the design: every number a sensor, the edge and the C header
must agree on lives here (the C header repeats them and a test checks they match).
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

# --- Frame v1 layout -------------------------------------------------------------------
FRAME_VERSION = 1
HEADER_BYTES = 20  # version .. range, see docs/protocol.md
CRC_BYTES = 2
OVERHEAD_BYTES = HEADER_BYTES + CRC_BYTES
# One frame must fit one BLE notification: ATT MTU 247 minus the 3-byte ATT header.
MAX_FRAME_BYTES = 244
IMU_SAMPLE_BYTES = 12  # six little-endian int16: ax ay az gx gy gz
MAX_IMU_SAMPLES = (MAX_FRAME_BYTES - OVERHEAD_BYTES) // IMU_SAMPLE_BYTES  # 18
GPS_PAYLOAD_BYTES = 13  # i32 lat·1e7, i32 lon·1e7, u16 speed cm/s, u8 hdop·10, u8 sats, u8 fix
STATUS_PAYLOAD_BYTES = 5  # u8 battery %, i16 temp·100, u16 flags
HR_FIXED_BYTES = 3  # u16 bpm, u8 n_rr; then n_rr × u16 rr in 1/1024 s
MAX_RR_INTERVALS = (MAX_FRAME_BYTES - OVERHEAD_BYTES - HR_FIXED_BYTES) // 2  # 109
CRC_INIT = 0xFFFF  # CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no xorout


class Kind(IntEnum):
    """What a frame carries (byte 1)."""

    IMU = 1
    GPS = 2
    HR = 3
    STATUS = 4


class StatusFlags(IntFlag):
    """Bits of the STATUS frame's `flags` field."""

    CHARGING = 0x0001
    LOW_BATTERY = 0x0002
    IMU_FAULT = 0x0004
    GPS_NO_FIX = 0x0008
    CLOCK_RESET = 0x0010  # device clock restarted (power cycle): edge.clock refits
    STORAGE_FULL = 0x0020


# --- IMU full-scale range codes (byte 19) ------------------------------------------------
# Low nibble: accelerometer code, high nibble: gyroscope code. A calf sensor on kicks needs
# at least ±16 g / ±2000 deg/s (design, Contract 1); waist sensors may use less.
ACCEL_RANGES_G: tuple[float, ...] = (2.0, 4.0, 8.0, 16.0, 32.0)
GYRO_RANGES_DPS: tuple[float, ...] = (250.0, 500.0, 1000.0, 2000.0, 4000.0)
DEFAULT_ACCEL_RANGE_G = 16.0
DEFAULT_GYRO_RANGE_DPS = 2000.0
# Raw counts at or beyond this magnitude mean the sensor saturated: the sample is clipped.
CLIP_COUNTS = 32767

# Default sampling: 100 Hz IMU in frames of ten samples (100 ms, 142 bytes).
IMU_PERIOD_US = 10_000
IMU_SAMPLES_PER_FRAME = 10

# --- Scales of the non-IMU payloads -----------------------------------------------------
DEG_E7 = 1e7  # lat/lon are degrees × 1e7 in an int32
SPEED_CM = 100.0  # speed in cm/s
HDOP_X10 = 10.0  # hdop × 10 in a u8 (max 25.5)
TEMP_X100 = 100.0  # temperature °C × 100 in an int16
RR_UNITS_PER_S = 1024.0  # RR intervals in 1/1024 s, as the BLE Heart Rate Service

# --- Serial framing ---------------------------------------------------------------------
COBS_DELIMITER = b"\x00"
# A COBS packet for a 244-byte frame is at most 244 + ceil(244/254) = 245 bytes; anything
# longer without a delimiter is garbage and is dropped as "oversized".
MAX_ENCODED_BYTES = MAX_FRAME_BYTES + 2

# --- BLE GATT identifiers ---------------------------------------------------------------
# Touchline's own sensors: one vendor service with one notify characteristic carrying one
# frame v1 per notification. Random 128-bit UUIDs chosen once for Touchline.
TOUCHLINE_SERVICE_UUID = "6e1f7a00-3b9c-4d52-9a7e-2c5b1d0e8f41"
TOUCHLINE_FRAME_CHAR_UUID = "6e1f7a01-3b9c-4d52-9a7e-2c5b1d0e8f41"
# Standard Bluetooth SIG services every strap and Touchline sensor also exposes.
HEART_RATE_SERVICE_UUID = "0000180d-0000-1000-8000-00805f9b34fb"
HEART_RATE_MEASUREMENT_UUID = "00002a37-0000-1000-8000-00805f9b34fb"
BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"
# Largest notification payload with the usual negotiated MTU of 247.
BLE_MTU = 247
