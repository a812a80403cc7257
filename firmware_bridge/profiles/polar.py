"""Polar Measurement Data (PMD): H10 chest straps and Verity Sense, over BLE.

Layouts as Polar's BLE SDK implements and tests them (polarofficial/polar-ble-sdk,
`BlePMDClient.kt`, `PmdDataFrame.kt`, `PmdSetting.kt`, `PmdControlPointResponse.kt`,
`model/AccData.kt`, `GyrData.kt`, `MagData.kt`, `PmdTimeStampUtils.kt`):

- Control point (write + notify `FB005C81`): `[op, type, settings…]`; op 1 asks for the
  settings of a measurement type, 2 starts it, 3 stops it. Settings are `[setting type,
  count, count × value]` with values little-endian of 2 bytes (rate, resolution, range),
  4 (range in milli-units, factor as IEEE-754 bits), 1 (channels) or 16 (security).
  Responses are `[0xF0, op, type, status, more, parameters…]`.
- Data (notify `FB005C82`): `[type, timestamp u64 ns since 2000-01-01, frame type,
  content…]`. The timestamp is that of the frame's last sample. Bit 7 of the frame type
  marks a delta-compressed frame: a reference sample, then blocks of `[bit width, count,
  count × channels deltas packed LSB first]`.
- ACC values are mG; compressed type 0 carries g and is scaled by factor × 1000. GYR is
  deg/s times the factor; compressed GYR type 1 adds deltas to IEEE-754 bit patterns.
  MAG is gauss (type 1: mG plus a calibration status channel).

Sample times follow the SDK: spread evenly since the previous frame's timestamp, or by the
sample rate for the first frame.

Axes: the maps below state the mountings Touchline assumes (an H10 on its chest strap,
connector facing out: X left, Y up, Z forward; a Verity Sense in its clip on the
shank: X up, Y backwards, Z to the right). `docs/sensors.md` shows how staff check a mounting by
standing still: gravity must read +1 g on z.
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from firmware_bridge.config import HEART_RATE_MEASUREMENT_UUID
from firmware_bridge.errors import FrameError, frame_errors_only
from firmware_bridge.profiles.base import AxisMap, SensorProfile
from firmware_bridge.samples import ImuSamples, Sample
from firmware_bridge.standard.ble_gatt import decode_heart_rate_measurement

PMD_SERVICE_UUID = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
PMD_CP_UUID = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
PMD_DATA_UUID = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"
RESPONSE_CODE = 0xF0
HEADER_BYTES = 10
COMPRESSED = 0x80
EPOCH = "2000-01-01T00:00:00"  # what the u64 ns timestamps count from
# Characteristic index a link puts in front of each notification (SensorProfile.framed).
CP_INDEX, DATA_INDEX, HR_INDEX = 0, 1, 2


class MeasurementType(IntEnum):
    ECG = 0
    PPG = 1
    ACC = 2
    PPI = 3
    GYRO = 5
    MAG = 6


class OpCode(IntEnum):
    GET_MEASUREMENT_SETTINGS = 1
    REQUEST_MEASUREMENT_START = 2
    STOP_MEASUREMENT = 3
    GET_SDK_MODE_MEASUREMENT_SETTINGS = 4
    GET_MEASUREMENT_STATUS = 5


class SettingType(IntEnum):
    SAMPLE_RATE = 0
    RESOLUTION = 1
    RANGE = 2
    RANGE_MILLIUNIT = 3
    CHANNELS = 4
    FACTOR = 5
    SECURITY = 6


SETTING_BYTES = {
    SettingType.SAMPLE_RATE: 2,
    SettingType.RESOLUTION: 2,
    SettingType.RANGE: 2,
    SettingType.RANGE_MILLIUNIT: 4,
    SettingType.CHANNELS: 1,
    SettingType.FACTOR: 4,
    SettingType.SECURITY: 16,
}
STATUS = (
    "success",
    "invalid op code",
    "invalid measurement type",
    "not supported",
    "invalid length",
    "invalid parameter",
    "already in state",
    "invalid resolution",
    "invalid sample rate",
    "invalid range",
    "invalid MTU",
    "invalid number of channels",
    "invalid state",
    "device in charger",
    "disk full",
)


# --- control point ------------------------------------------------------------------------


def settings_query(kind: MeasurementType) -> bytes:
    """Ask which rates, resolutions and ranges a measurement type offers."""
    return bytes([OpCode.GET_MEASUREMENT_SETTINGS, kind])


def start_command(kind: MeasurementType, settings: Mapping[SettingType, int]) -> bytes:
    """Start an online stream with one value per setting (the factor is the device's)."""
    body = bytearray([OpCode.REQUEST_MEASUREMENT_START, kind])
    for setting, value in settings.items():
        if setting == SettingType.FACTOR:
            continue
        body += bytes([setting, 1]) + value.to_bytes(SETTING_BYTES[setting], "little")
    return bytes(body)


def stop_command(kind: MeasurementType) -> bytes:
    return bytes([OpCode.STOP_MEASUREMENT, kind])


@dataclass(frozen=True)
class ControlPointResponse:
    """The device's answer to one control point command."""

    op_code: OpCode
    measurement_type: int
    status: int
    more: bool
    parameters: bytes

    @property
    def ok(self) -> bool:
        return self.status == 0

    @property
    def status_text(self) -> str:
        return STATUS[self.status]


@frame_errors_only
def parse_response(data: bytes) -> ControlPointResponse:
    """`[0xF0, op, type, status, more, parameters…]`; FrameError if it is not one."""
    if len(data) < 4:
        raise FrameError("truncated", f"PMD control point response of {len(data)} bytes")
    if data[0] != RESPONSE_CODE:
        raise FrameError("bad_header", f"PMD response starts 0x{data[0]:02x}, not 0xf0")
    if data[1] not in OpCode._value2member_map_:
        raise FrameError("unknown_kind", f"PMD response to unknown op code {data[1]}")
    if data[3] >= len(STATUS):
        raise FrameError("bad_value", f"PMD response status {data[3]}")
    ok = data[3] == 0
    return ControlPointResponse(
        OpCode(data[1]),
        data[2],
        data[3],
        ok and len(data) > 4 and data[4] != 0,
        bytes(data[5:]) if ok else b"",
    )


@frame_errors_only
def parse_settings(data: bytes) -> dict[SettingType, tuple[int, ...]]:
    """Settings parameters → every value offered per setting type, in the order sent."""
    out: dict[SettingType, tuple[int, ...]] = {}
    if len(data) <= 1:
        return out
    at = 0
    while at < len(data):
        if at + 2 > len(data):
            raise FrameError("truncated", f"PMD setting header at byte {at}")
        if data[at] not in SettingType._value2member_map_:
            raise FrameError("bad_value", f"PMD setting type {data[at]} at byte {at}")
        setting, count = SettingType(data[at]), data[at + 1]
        size = SETTING_BYTES[setting]
        at += 2
        if at + count * size > len(data):
            raise FrameError("truncated", f"PMD {setting.name} needs {count} × {size} bytes")
        out[setting] = tuple(
            int.from_bytes(data[at + i * size : at + (i + 1) * size], "little", signed=True)
            for i in range(count)
        )
        at += count * size
    return out


def factor_of(settings: Mapping[SettingType, tuple[int, ...]]) -> float:
    """The scale factor a start response carries (IEEE-754 bits), 1.0 when absent."""
    values = settings.get(SettingType.FACTOR)
    if not values:
        return 1.0
    (factor,) = struct.unpack("<f", (values[0] & 0xFFFFFFFF).to_bytes(4, "little"))
    return float(factor)


# --- data frames --------------------------------------------------------------------------


@dataclass(frozen=True)
class PmdValues:
    """One decoded data frame: sample times (ns since 2000-01-01) and values (n, channels)."""

    measurement_type: int
    timestamps_ns: tuple[int, ...]
    values: np.ndarray  # float64 (n, channels): mG (ACC), deg/s (GYR), gauss (MAG)


def delta_samples(
    content: bytes, channels: int, resolution: int, *, float_bits: bool = False
) -> np.ndarray:
    """A delta-compressed frame's samples (n, channels) as integers.

    The reference sample is `channels` little-endian values of ceil(resolution/8) bytes,
    signed; with `float_bits` they are IEEE-754 bit patterns and sums wrap at 32 bits.
    """
    size = math.ceil(resolution / 8)
    if len(content) < channels * size:
        raise FrameError(
            "truncated", f"PMD reference sample needs {channels * size} bytes, got {len(content)}"
        )
    ref = [
        int.from_bytes(content[i * size : (i + 1) * size], "little", signed=not float_bits)
        for i in range(channels)
    ]
    rows = [np.array(ref, dtype=np.int64)[None, :]]
    at = channels * size
    while at < len(content):
        if at + 2 > len(content):
            raise FrameError("truncated", f"PMD delta block header at byte {at}")
        width, count = content[at], content[at + 1]
        if width > 32:
            raise FrameError("bad_value", f"PMD delta width {width} bits at byte {at}")
        bits = count * width * channels
        length = math.ceil(bits / 8)
        at += 2
        if at + length > len(content):
            raise FrameError("truncated", f"PMD delta block of {length} bytes at byte {at}")
        if width and count:
            packed = np.frombuffer(content, dtype=np.uint8, count=length, offset=at)
            flat = np.unpackbits(packed, bitorder="little")[:bits].reshape(-1, width)
            values = flat.astype(np.int64) @ (np.int64(1) << np.arange(width, dtype=np.int64))
            values = np.where(values >= 1 << (width - 1), values - (1 << width), values)
            rows.append(values.reshape(count, channels))
        at += length
    samples = np.cumsum(np.concatenate(rows), axis=0)
    return samples & 0xFFFFFFFF if float_bits else samples


def sample_times_ns(frame_ns: int, previous_ns: int, n: int, rate_hz: float) -> tuple[int, ...]:
    """Times of a frame's n samples, the last at `frame_ns` (PmdTimeStampUtils.getTimeStamps).

    After a previous frame the samples share the time since it evenly; the first frame
    (previous 0) is spread back from its timestamp by the sample rate.
    """
    if n <= 0:
        raise FrameError("bad_length", "PMD frame without samples")
    first = previous_ns == 0
    if first and rate_hz <= 0:
        raise FrameError("no_time", "first PMD frame and no sample rate to time it by")
    if not first and frame_ns <= previous_ns:
        raise FrameError("bad_time", f"PMD timestamp {frame_ns} not after {previous_ns}")
    delta = 1e9 / rate_hz if first else (frame_ns - previous_ns) / n
    if float(frame_ns) < delta * n:  # compared as doubles, as the SDK does
        raise FrameError("bad_time", f"PMD timestamp {frame_ns} ns is before its own samples")
    start = frame_ns - delta * (n - 1) if first else previous_ns + delta
    if first and start <= 0:
        raise FrameError("bad_time", f"PMD samples before the epoch at {frame_ns} ns")
    return (*(round(start + delta * i) for i in range(n - 1)), frame_ns)


def _raw(content: bytes, size: int) -> np.ndarray:
    if len(content) == 0 or len(content) % (3 * size):
        raise FrameError(
            "bad_length",
            f"PMD raw frame of {len(content)} bytes is not whole {3 * size}-byte samples",
        )
    raw = np.frombuffer(content, dtype=np.uint8).reshape(-1, size).astype(np.int64)
    values = raw @ (np.int64(1) << (8 * np.arange(size, dtype=np.int64)))
    values = np.where(values >= 1 << (8 * size - 1), values - (1 << (8 * size)), values)
    return values.reshape(-1, 3)


def _f32(x: np.ndarray | float) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


def _values(
    kind: int, frame_type: int, compressed: bool, content: bytes, factor: float
) -> np.ndarray:
    """Frame content → values in the SDK's units (mG, deg/s, gauss)."""
    f = np.float32(factor)
    if kind == MeasurementType.ACC:
        if not compressed and frame_type in (0, 1, 2):
            return _raw(content, frame_type + 1).astype(np.float64)
        if compressed and frame_type == 0:  # g → mG, truncated as the SDK does
            scale = f * np.float32(1000.0)
            return np.trunc(_f32(delta_samples(content, 3, 16)) * scale).astype(np.float64)
        if compressed and frame_type == 1:
            samples = delta_samples(content, 3, 16)
            if factor == 1.0:
                return samples.astype(np.float64)
            return np.trunc(_f32(samples) * f).astype(np.float64)
    elif kind == MeasurementType.GYRO and compressed:
        if frame_type == 0:
            samples = _f32(delta_samples(content, 3, 16))
        elif frame_type == 1:
            bits = delta_samples(content, 3, 32, float_bits=True).astype(np.uint32)
            samples = bits.view(np.float32)
        else:
            samples = None
        if samples is not None:
            return (samples * f if factor != 1.0 else samples).astype(np.float64)
    elif kind == MeasurementType.MAG and compressed and frame_type in (0, 1):
        channels = 3 if frame_type == 0 else 4
        samples = _f32(delta_samples(content, channels, 16))
        xyz = samples[:, :3] * f if factor != 1.0 else samples[:, :3]
        return (xyz / np.float32(1000.0) if frame_type == 1 else xyz).astype(np.float64)
    kind_name = MeasurementType(kind).name if kind in MeasurementType._value2member_map_ else kind
    raise FrameError(
        "unknown_kind",
        f"PMD {kind_name} {'compressed' if compressed else 'raw'} "
        f"frame type {frame_type} is not decoded",
    )


@frame_errors_only
def decode_data(
    data: bytes, *, rate_hz: float, factor: float = 1.0, previous_ns: int = 0
) -> PmdValues:
    """One PMD data notification → sample times and values (see the module docstring)."""
    if len(data) < HEADER_BYTES:
        raise FrameError("truncated", f"PMD data frame of {len(data)} bytes, header is 10")
    kind = data[0] & 0x3F
    (frame_ns,) = struct.unpack_from("<Q", data, 1)
    frame_type, compressed = data[9] & 0x7F, bool(data[9] & COMPRESSED)
    values = _values(kind, frame_type, compressed, bytes(data[HEADER_BYTES:]), factor)
    times = sample_times_ns(frame_ns, previous_ns, len(values), rate_hz)
    return PmdValues(kind, times, values)


def encode_delta_frame(samples: np.ndarray, resolution: int = 16) -> bytes:
    """Integer samples (n, channels) as a reference sample and one delta block (virtual
    devices send this; at most 256 samples)."""
    samples = np.asarray(samples, dtype=np.int64)
    size = math.ceil(resolution / 8)
    head = b"".join(int(v).to_bytes(size, "little", signed=True) for v in samples[0])
    deltas = np.diff(samples, axis=0)
    if deltas.size == 0:
        return head
    peak = int(np.abs(deltas).max())
    width = max(2, peak.bit_length() + 1)
    bits = ((deltas.reshape(-1, 1) >> np.arange(width)) & 1).astype(np.uint8).ravel()
    return head + bytes([width, len(deltas)]) + np.packbits(bits, bitorder="little").tobytes()


def encode_data(kind: MeasurementType, frame_ns: int, frame_type: int, content: bytes) -> bytes:
    """A PMD data notification around already encoded content."""
    return bytes([kind]) + struct.pack("<Q", frame_ns) + bytes([frame_type]) + content


def encode_response(op: OpCode, kind: int, status: int = 0, parameters: bytes = b"") -> bytes:
    """A control point response (virtual devices answer start commands with it)."""
    return bytes([RESPONSE_CODE, op, kind, status, 0]) + parameters


# --- the sideline decoder -----------------------------------------------------------------

G_PER_MG = 1e-3
MAX_PENDING = 2048  # ACC samples waiting for gyro before the oldest are dropped


class PolarPmdDecoder:
    """Control point answers, PMD data and (H10) heart rate of one Polar device → samples.

    ACC frames become `ImuSamples` in g; with `gyro` the ACC samples wait until a GYR
    frame covers their time and take the gyro interpolated there, else gyro is NaN (an
    accelerometer-only sensor, which the edge masks).
    """

    def __init__(
        self,
        sensor_id: int,
        *,
        rates_hz: Mapping[int, float],
        axes: AxisMap,
        accel_range_g: float,
        gyro: bool,
    ) -> None:
        self.sensor_id = sensor_id
        self.rejects: Counter[str] = Counter()
        self._rates = dict(rates_hz)
        self._axes = axes
        self._range_g = accel_range_g
        self._gyro = gyro
        self._factors: dict[int, float] = {}
        self._previous: dict[tuple[int, int], int] = {}
        self._acc_t: list[np.ndarray] = []
        self._acc: list[np.ndarray] = []
        self._gyr_t = np.zeros(0, dtype=np.int64)
        self._gyr = np.zeros((0, 3))
        self._seq = 0
        self._hr_seq = 0

    def decode(self, data: bytes, t_us: int) -> list[Sample]:
        if not data:
            raise FrameError("truncated", "empty Polar notification")
        index, body = data[0], bytes(data[1:])
        if index == CP_INDEX:
            self._control(body)
            return []
        if index == HR_INDEX:
            self._hr_seq += 1
            return [
                decode_heart_rate_measurement(
                    body, sensor_id=self.sensor_id, seq=self._hr_seq, t_us=t_us
                )
            ]
        if index != DATA_INDEX:
            raise FrameError("unknown_kind", f"Polar characteristic index {index}")
        return self._data(body)

    def _control(self, body: bytes) -> None:
        if body[:1] != bytes([RESPONSE_CODE]):
            return  # the device telling that a stream stopped: the link reconnects
        response = parse_response(body)
        if response.op_code != OpCode.REQUEST_MEASUREMENT_START:
            return
        if not response.ok:
            raise FrameError(
                "refused",
                f"Polar refused to start measurement "
                f"{response.measurement_type}: {response.status_text}",
            )
        self._factors[response.measurement_type] = factor_of(parse_settings(response.parameters))

    def _data(self, body: bytes) -> list[Sample]:
        if len(body) < HEADER_BYTES:
            raise FrameError("truncated", f"PMD data frame of {len(body)} bytes")
        kind, frame_type = body[0] & 0x3F, body[9]
        key = (kind, frame_type)
        previous = self._previous.get(key, 0)
        (frame_ns,) = struct.unpack_from("<Q", body, 1)
        if frame_ns <= previous:
            previous = 0  # the device clock restarted: time this frame by its rate
        frame = decode_data(
            body,
            rate_hz=self._rates.get(kind, 0.0),
            factor=self._factors.get(kind, 1.0),
            previous_ns=previous,
        )
        self._previous[key] = frame_ns
        t_ns = np.array(frame.timestamps_ns, dtype=np.uint64)
        if kind == MeasurementType.GYRO and self._gyro:
            self._gyr_t = np.concatenate([self._gyr_t, (t_ns // 1000).astype(np.int64)])
            self._gyr = np.concatenate([self._gyr, frame.values])
        elif kind == MeasurementType.ACC:
            self._acc_t.append((t_ns // 1000).astype(np.int64))
            self._acc.append(frame.values * G_PER_MG)
        return self._release()

    def _release(self) -> list[Sample]:
        if not self._acc:
            return []
        t = np.concatenate(self._acc_t)
        acc = np.concatenate(self._acc)
        if not self._gyro:
            self._acc_t, self._acc = [], []
            return [self._samples(t, acc, np.full_like(acc, np.nan))]
        if len(t) > MAX_PENDING:
            self.rejects["unpaired"] += len(t) - MAX_PENDING
            t, acc = t[-MAX_PENDING:], acc[-MAX_PENDING:]
        if len(self._gyr_t) < 2:
            self._acc_t, self._acc = [t], [acc]
            return []
        ready = t <= self._gyr_t[-1]
        early = t < self._gyr_t[0]
        if early.any():
            self.rejects["unpaired"] += int(early.sum())
        take = ready & ~early
        self._acc_t, self._acc = [t[~ready]], [acc[~ready]]
        keep = max(0, int(np.searchsorted(self._gyr_t, t[ready][-1] if ready.any() else 0)) - 1)
        gyro = np.stack(
            [np.interp(t[take], self._gyr_t, self._gyr[:, k]) for k in range(3)], axis=1
        )
        self._gyr_t, self._gyr = self._gyr_t[keep:], self._gyr[keep:]
        return [self._samples(t[take], acc[take], gyro)] if take.any() else []

    def _samples(self, t_us: np.ndarray, acc: np.ndarray, gyro: np.ndarray) -> ImuSamples:
        self._seq += 1
        clipped = (np.abs(acc) >= self._range_g).any(axis=1)
        return self._axes.imu(
            ImuSamples(
                self.sensor_id,
                self._seq,
                t_us.astype(np.int64),
                acc.astype(np.float32),
                gyro.astype(np.float32),
                clipped,
            )
        )


# --- the two families ---------------------------------------------------------------------

H10_ACC_SETTINGS = {SettingType.SAMPLE_RATE: 200, SettingType.RESOLUTION: 16, SettingType.RANGE: 8}
VERITY_ACC_SETTINGS = {
    SettingType.SAMPLE_RATE: 52,
    SettingType.RESOLUTION: 16,
    SettingType.RANGE: 8,
    SettingType.CHANNELS: 3,
}
VERITY_GYRO_SETTINGS = {
    SettingType.SAMPLE_RATE: 52,
    SettingType.RESOLUTION: 16,
    SettingType.RANGE: 2000,
    SettingType.CHANNELS: 3,
}
CHEST_AXES = AxisMap(
    "H10 on the chest strap, connector facing out: X left, Y up, Z forward",
    ((2, 1), (0, 1), (1, 1)),
)
SHANK_AXES = AxisMap(
    "Verity Sense in its clip on the shank: X up, Y backwards, Z right", ((1, -1), (2, -1), (0, 1))
)


def _h10(sensor_id: int) -> PolarPmdDecoder:
    return PolarPmdDecoder(
        sensor_id,
        rates_hz={MeasurementType.ACC: 200.0},
        axes=CHEST_AXES,
        accel_range_g=8.0,
        gyro=False,
    )


def _verity(sensor_id: int) -> PolarPmdDecoder:
    return PolarPmdDecoder(
        sensor_id,
        rates_hz={MeasurementType.ACC: 52.0, MeasurementType.GYRO: 52.0},
        axes=SHANK_AXES,
        accel_range_g=8.0,
        gyro=True,
    )


H10 = SensorProfile(
    name="polar_h10",
    family="Polar H10 (PMD ACC + heart rate)",
    transport="ble",
    measures=frozenset({"accel", "hr"}),
    new_decoder=_h10,
    name_patterns=(r"^Polar H10",),
    notify_uuids=(PMD_CP_UUID, PMD_DATA_UUID, HEART_RATE_MEASUREMENT_UUID),
    write_uuid=PMD_CP_UUID,
    start_commands=(start_command(MeasurementType.ACC, H10_ACC_SETTINGS),),
    stop_commands=(stop_command(MeasurementType.ACC),),
    rates_hz=(200.0, 100.0, 50.0, 25.0),
    accel_range_g=8.0,
    clock="device",
    battery="Battery Level 0x2A19",
    axes=CHEST_AXES,
    sites=("chest",),
)

VERITY = SensorProfile(
    name="polar_verity",
    family="Polar Verity Sense (PMD ACC + GYR)",
    transport="ble",
    measures=frozenset({"accel", "gyro"}),
    new_decoder=_verity,
    name_patterns=(r"^Polar Sense",),
    notify_uuids=(PMD_CP_UUID, PMD_DATA_UUID),
    write_uuid=PMD_CP_UUID,
    start_commands=(
        start_command(MeasurementType.ACC, VERITY_ACC_SETTINGS),
        start_command(MeasurementType.GYRO, VERITY_GYRO_SETTINGS),
    ),
    stop_commands=(stop_command(MeasurementType.ACC), stop_command(MeasurementType.GYRO)),
    rates_hz=(52.0,),
    accel_range_g=8.0,
    gyro_range_dps=2000.0,
    clock="device",
    battery="Battery Level 0x2A19",
    axes=SHANK_AXES,
    sites=("calf",),
)
