"""WitMotion WT901-family IMUs: the serial 0x55 packets and the BLE 0x55 0x61 packet.

Serial (WT901 / HWT905 datasheets, "Output Data Format"): 11-byte packets
`0x55, type, 8 data bytes, SUM` with SUM the low byte of the sum of the first ten.
Type 0x50 time (YY MM DD hh mm ss msL msH), 0x51 acceleration, 0x52 angular rate,
0x53 angle; the rest (magnetometer, pressure, ...) are valid but unused here.
BLE (WT901BLECL manual, "Module to APP"): 20-byte notifications `0x55 0x61` then nine
int16 (acceleration xyz, angular rate xyz, angle xyz), no checksum.
Scales: acceleration raw/32768·16 g, angular rate raw/32768·2000 deg/s.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections import Counter
from collections.abc import Sequence

import numpy as np

from firmware_bridge.config import CLIP_COUNTS
from firmware_bridge.errors import FrameError, frame_errors_only, reject_reason
from firmware_bridge.samples import ImuSamples

HEADER = 0x55
PACKET_BYTES = 11
BLE_PACKET_BYTES = 20
TIME, ACCEL, GYRO, ANGLE = 0x50, 0x51, 0x52, 0x53
BLE_COMBINED = 0x61
KNOWN_TYPES = frozenset(range(0x50, 0x5B))
ACCEL_FULL_SCALE_G = 16.0
GYRO_FULL_SCALE_DPS = 2000.0
_EPOCH = dt.datetime(2000, 1, 1)
_XYZ = struct.Struct("<3h")


def checksum(packet: bytes) -> int:
    """The WitMotion SUM byte of a serial packet (low byte of the sum of bytes 0..9)."""
    return sum(packet[:10]) & 0xFF


def _imu(sensor_id: int, seq: int, t_us: list[int], counts: np.ndarray) -> ImuSamples:
    counts = counts.reshape(-1, 6)
    scaled = counts.astype(np.float32) / np.float32(32768.0)
    return ImuSamples(
        sensor_id=sensor_id,
        seq=seq,
        t_device_us=np.asarray(t_us, dtype=np.int64),
        accel_g=scaled[:, :3] * np.float32(ACCEL_FULL_SCALE_G),
        gyro_dps=scaled[:, 3:] * np.float32(GYRO_FULL_SCALE_DPS),
        clipped=np.asarray((np.abs(counts.astype(np.int32)) >= CLIP_COUNTS).any(axis=1)),
    )


@frame_errors_only
def decode_ble_packet(
    data: bytes | bytearray, *, sensor_id: int, seq: int, t_us: int
) -> ImuSamples:
    """One BLE 0x55 0x61 notification to a one-sample ImuSamples (arrival time t_us)."""
    if len(data) < 2 or data[0] != HEADER:
        raise FrameError("bad_header", f"WitMotion BLE packet starts {bytes(data[:2]).hex()}")
    if data[1] != BLE_COMBINED:
        raise FrameError("unknown_kind", f"WitMotion BLE flag 0x{data[1]:02x} carries no IMU data")
    if len(data) < BLE_PACKET_BYTES:
        raise FrameError("truncated", f"WitMotion BLE packet of {len(data)} bytes, needs 20")
    if len(data) > BLE_PACKET_BYTES:
        raise FrameError("bad_length", f"WitMotion BLE packet of {len(data)} bytes, needs 20")
    counts = np.frombuffer(bytes(data), dtype="<i2", count=6, offset=2)
    return _imu(sensor_id, seq, [t_us], counts)


def encode_ble_packet(
    accel_counts: Sequence[int], gyro_counts: Sequence[int], angle_counts: Sequence[int]
) -> bytes:
    """A BLE 0x55 0x61 packet from raw counts (used by tests and the virtual device)."""
    return bytes([HEADER, BLE_COMBINED]) + struct.pack(
        "<9h", *accel_counts, *gyro_counts, *angle_counts
    )


def encode_serial_packet(kind: int, values: tuple[int, int, int], extra: int = 0) -> bytes:
    """An 11-byte serial packet: three int16, a fourth int16 (temperature/version), SUM."""
    body = bytes([HEADER, kind]) + _XYZ.pack(*values) + struct.pack("<h", extra)
    return body + bytes([checksum(body)])


class WitMotionSerialDecoder:
    """Incremental decoder for a WitMotion serial stream; pairs 0x51 with the next 0x52.

    A sample's device time comes from the 0x50 time packet of its output cycle when the
    sensor sends one, else from the host arrival time passed to `feed`.
    """

    def __init__(self, sensor_id: int) -> None:
        self.sensor_id = sensor_id
        self.rejects: Counter[str] = Counter()
        self._buffer = bytearray()
        self._accel: tuple[int, int, int] | None = None
        self._device_time_us: int | None = None
        self._seq = 0

    def feed(self, chunk: bytes, t_us: int) -> ImuSamples | None:
        """Bytes read at host time t_us; returns the samples they completed, if any."""
        self._buffer += chunk
        buf = self._buffer
        counts: list[tuple[int, ...]] = []
        times: list[int] = []
        at = 0
        while True:
            start = buf.find(HEADER, at)
            if start < 0:
                at = len(buf)
                break
            if start > at:
                self.rejects["garbage"] += 1
            if len(buf) - start < PACKET_BYTES:
                at = start
                break
            packet = bytes(buf[start : start + PACKET_BYTES])
            if packet[1] not in KNOWN_TYPES:
                self.rejects["unknown_kind"] += 1
                at = start + 1  # not a packet start after all: look for the next 0x55
                continue
            if checksum(packet) != packet[10]:
                self.rejects["bad_checksum"] += 1
                at = start + 1
                continue
            at = start + PACKET_BYTES
            try:
                self._take(packet, t_us, counts, times)
            except Exception as error:  # any failure is this packet's reject
                self.rejects[reject_reason(error)] += 1
        del buf[:at]
        if not counts:
            return None
        sample = _imu(self.sensor_id, self._seq, times, np.array(counts, dtype=np.int16))
        self._seq += 1
        return sample

    def _take(
        self, packet: bytes, t_us: int, counts: list[tuple[int, ...]], times: list[int]
    ) -> None:
        kind = packet[1]
        if kind == TIME:
            yy, mo, dd, hh, mi, ss = packet[2:8]
            (ms,) = struct.unpack_from("<H", packet, 8)
            try:
                stamp = dt.datetime(2000 + yy, mo, dd, hh, mi, ss) - _EPOCH
            except ValueError:
                self.rejects["bad_value"] += 1
                return
            self._device_time_us = (stamp // dt.timedelta(microseconds=1)) + ms * 1000
        elif kind == ACCEL:
            if self._accel is not None:
                self.rejects["unpaired"] += 1
            self._accel = _XYZ.unpack_from(packet, 2)
        elif kind == GYRO:
            if self._accel is None:
                self.rejects["unpaired"] += 1
                return
            counts.append(self._accel + _XYZ.unpack_from(packet, 2))
            times.append(self._device_time_us if self._device_time_us is not None else t_us)
            self._accel = None
