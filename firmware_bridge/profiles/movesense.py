"""Movesense sensors through the GATT SensorData Protocol (GSP, `gatt_sensordata_app`).

Layout as Movesense's sample firmware and its Python client implement it
(movesense-device-lib, `samples/gatt_sensordata_app/GATTSensorDataClient.cpp` and
`python_client/`): commands are written to `34800001-…` as `[command, reference,
data…]` (HELLO 0, SUBSCRIBE 1 with the resource path as text, UNSUBSCRIBE 2), answers and
data come on `34800002-…` as `[type, reference, …]`: type 1 a command result (`Hello`, or a
big-endian HTTP status such as `01 FB` = 507), type 2 data, type 3 the second part of data
too long for one notification. `/Meas/IMU6/<rate>` data is a u32 timestamp in ms of the
first sample, then n × 3 float32 acceleration (m/s²), then n × 3 float32 angular rate
(deg/s), all little-endian.

Axes: Touchline assumes the sensor on the front of the shin in its strap clip, logo facing
out (Z forward), Y up along the shank and X to the wearer's left.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from firmware_bridge.errors import FrameError, frame_errors_only
from firmware_bridge.profiles.base import AxisMap, SensorProfile
from firmware_bridge.samples import ImuSamples, Sample

SERVICE_UUID = "34802252-7185-4d5d-b431-630e7050e8f0"
WRITE_UUID = "34800001-7185-4d5d-b431-630e7050e8f0"
NOTIFY_UUID = "34800002-7185-4d5d-b431-630e7050e8f0"
HELLO, SUBSCRIBE, UNSUBSCRIBE = 0, 1, 2
COMMAND_RESULT, DATA, DATA_PART2 = 1, 2, 3
REFERENCE = 99  # the client reference our subscription uses
IMU6_RATES_HZ = (13.0, 26.0, 52.0, 104.0, 208.0, 416.0, 833.0, 1666.0)
RATE_HZ = 104.0
STANDARD_GRAVITY = 9.80665
ACCEL_RANGE_G = 8.0  # the sensor's default range
GYRO_RANGE_DPS = 2000.0
IMU6_SAMPLE_BYTES = 24  # 3 float32 acceleration + 3 float32 angular rate
HEADER_BYTES = 6  # type, reference, u32 timestamp
SHANK_AXES = AxisMap(
    "front of the shin, logo facing out: X left, Y up, Z forward", ((2, 1), (0, 1), (1, 1))
)


def subscribe_command(path: str, reference: int = REFERENCE) -> bytes:
    """`[1, reference, path]`: start streaming a resource such as `/Meas/IMU6/104`."""
    return bytes([SUBSCRIBE, reference]) + path.encode("utf-8")


def unsubscribe_command(reference: int = REFERENCE) -> bytes:
    return bytes([UNSUBSCRIBE, reference])


def hello_command(reference: int = REFERENCE) -> bytes:
    return bytes([HELLO, reference])


@frame_errors_only
def decode_imu6(payload: bytes, rate_hz: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An IMU6 data body (after type and reference) → (t_ms per sample, acc m/s², gyro deg/s)."""
    if len(payload) < 4 + IMU6_SAMPLE_BYTES:
        raise FrameError("truncated", f"Movesense IMU6 data of {len(payload)} bytes")
    if (len(payload) - 4) % IMU6_SAMPLE_BYTES:
        raise FrameError(
            "bad_length",
            f"Movesense IMU6 data of {len(payload)} bytes is not a "
            f"timestamp and whole 24-byte samples",
        )
    n = (len(payload) - 4) // IMU6_SAMPLE_BYTES
    t0 = int.from_bytes(payload[:4], "little")
    floats = np.frombuffer(payload, dtype="<f4", offset=4).reshape(2, n, 3)
    if not np.isfinite(floats).all():
        raise FrameError("bad_value", "Movesense IMU6 data holds NaN or infinity")
    t_ms = t0 + np.arange(n) * (1000.0 / rate_hz)
    return t_ms, floats[0].astype(np.float64), floats[1].astype(np.float64)


def encode_imu6(
    t0_ms: int, acc_ms2: np.ndarray, gyro_dps: np.ndarray, reference: int = REFERENCE
) -> bytes:
    """A DATA notification as the sensor sends it (virtual devices use this)."""
    body = np.asarray(acc_ms2, dtype="<f4").tobytes() + np.asarray(gyro_dps, dtype="<f4").tobytes()
    return bytes([DATA, reference]) + (t0_ms & 0xFFFFFFFF).to_bytes(4, "little") + body


class MovesenseDecoder:
    """GSP notifications of one sensor → `ImuSamples` in the sensor frame, g and deg/s.

    A DATA packet that is not whole IMU6 samples waits for its DATA_PART2; the u32
    millisecond clock is unwrapped (it turns over every 49.7 days).
    """

    def __init__(self, sensor_id: int, rate_hz: float = RATE_HZ) -> None:
        self.sensor_id = sensor_id
        self.rate_hz = rate_hz
        self.rejects: Counter[str] = Counter()
        self._part: bytes | None = None
        self._wraps = 0
        self._last_t0: int | None = None
        self._seq = 0

    def decode(self, data: bytes, t_us: int) -> list[Sample]:
        if len(data) < 2:
            raise FrameError("truncated", f"Movesense notification of {len(data)} bytes")
        kind, reference, body = data[0], data[1], bytes(data[2:])
        if kind == COMMAND_RESULT:
            status = int.from_bytes(body, "big") if len(body) == 2 else 0
            if status >= 400:
                raise FrameError(
                    "refused", f"Movesense answered HTTP {status} to reference {reference}"
                )
            return []
        if kind not in (DATA, DATA_PART2):
            raise FrameError("unknown_kind", f"Movesense packet type {kind}")
        if reference != REFERENCE:
            raise FrameError(
                "bad_value", f"Movesense data for reference {reference}, subscribed as {REFERENCE}"
            )
        if kind == DATA_PART2:
            if self._part is None:
                raise FrameError("unpaired", "Movesense DATA_PART2 without its first part")
            body, self._part = self._part + body, None
        elif len(body) >= 4 and (len(body) - 4) % IMU6_SAMPLE_BYTES:
            self._part = body
            return []
        else:
            self._part = None
        return [self._samples(body)]

    def _samples(self, body: bytes) -> ImuSamples:
        t_ms, acc, gyro = decode_imu6(body, self.rate_hz)
        t0 = int(body[0]) | int(body[1]) << 8 | int(body[2]) << 16 | int(body[3]) << 24
        if self._last_t0 is not None and t0 < self._last_t0 - (1 << 31):
            self._wraps += 1
        self._last_t0 = t0
        t_us = np.round((t_ms + self._wraps * (1 << 32)) * 1000).astype(np.int64)
        self._seq += 1
        accel_g = acc / STANDARD_GRAVITY
        clipped = (np.abs(accel_g) >= ACCEL_RANGE_G).any(axis=1) | (
            np.abs(gyro) >= GYRO_RANGE_DPS
        ).any(axis=1)
        return SHANK_AXES.imu(
            ImuSamples(
                self.sensor_id,
                self._seq,
                t_us,
                accel_g.astype(np.float32),
                gyro.astype(np.float32),
                clipped,
            )
        )


def _decoder(sensor_id: int) -> MovesenseDecoder:
    return MovesenseDecoder(sensor_id)


PROFILE = SensorProfile(
    name="movesense",
    family="Movesense (GATT SensorData, IMU6)",
    transport="ble",
    measures=frozenset({"accel", "gyro"}),
    new_decoder=_decoder,
    name_patterns=(r"^Movesense",),
    service_uuids=(SERVICE_UUID,),
    notify_uuids=(NOTIFY_UUID,),
    write_uuid=WRITE_UUID,
    start_commands=(subscribe_command(f"/Meas/IMU6/{RATE_HZ:.0f}"),),
    stop_commands=(unsubscribe_command(),),
    rates_hz=(RATE_HZ, 52.0, 208.0),
    accel_range_g=ACCEL_RANGE_G,
    gyro_range_dps=GYRO_RANGE_DPS,
    clock="device",
    battery="Battery Level 0x2A19",
    axes=SHANK_AXES,
    sites=("calf", "waist"),
)
