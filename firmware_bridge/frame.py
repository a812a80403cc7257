"""Frame v1: encode and decode Touchline sensor frames (Contract 1 of the design).

Layout (little-endian): version u8, kind u8, sensor_id u16, seq u32, t0_us u64,
period_us u16, n_samples u8, range u8, payload, CRC-16/CCITT-FALSE u16 over all
previous bytes. `decode_frame` validates everything and raises `FrameError` with a
reason code; read loops count those reasons and go on. `decode_frames_bulk` does the
same for many frames at once with numpy, which is what keeps the edge fast.
"""

from __future__ import annotations

import struct
from binascii import crc_hqx
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from firmware_bridge.config import (
    ACCEL_RANGES_G,
    CLIP_COUNTS,
    CRC_INIT,
    DEFAULT_ACCEL_RANGE_G,
    DEFAULT_GYRO_RANGE_DPS,
    DEG_E7,
    FRAME_VERSION,
    GPS_PAYLOAD_BYTES,
    GYRO_RANGES_DPS,
    HDOP_X10,
    HEADER_BYTES,
    HR_FIXED_BYTES,
    IMU_PERIOD_US,
    IMU_SAMPLE_BYTES,
    MAX_FRAME_BYTES,
    MAX_IMU_SAMPLES,
    MAX_RR_INTERVALS,
    OVERHEAD_BYTES,
    RR_UNITS_PER_S,
    SPEED_CM,
    STATUS_PAYLOAD_BYTES,
    TEMP_X100,
    Kind,
)
from firmware_bridge.errors import FrameError, frame_errors_only
from firmware_bridge.samples import GpsSample, HrSample, ImuSamples, Sample, StatusSample

__all__ = [
    "FrameError",
    "FrameHeader",
    "ImuBatch",
    "BulkDecodeResult",
    "crc16",
    "crc16_many",
    "range_code",
    "range_of_code",
    "quantise_imu",
    "encode_frame",
    "encode_imu",
    "encode_imu_raw",
    "encode_gps",
    "encode_hr",
    "encode_status",
    "read_header",
    "decode_frame",
    "decode_frames_bulk",
]

_HEADER = struct.Struct("<BBHIQHBB")
_GPS = struct.Struct("<iiHBBB")
_STATUS = struct.Struct("<BhH")
_HR_FIXED = struct.Struct("<HB")
_CRC = struct.Struct("<H")
_T0_LIMIT = 1 << 63  # device clocks are held as int64 microseconds


@dataclass(frozen=True)
class FrameHeader:
    """The 20 header bytes of a frame, as integers."""

    version: int
    kind: int
    sensor_id: int
    seq: int
    t0_us: int
    period_us: int
    n_samples: int
    range: int


def crc16(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), the frame checksum."""
    return crc_hqx(data, CRC_INIT)


def range_code(accel_range_g: float, gyro_range_dps: float) -> int:
    """Byte 19 for a full-scale pair; raises ValueError for a range the table lacks."""
    try:
        accel = ACCEL_RANGES_G.index(float(accel_range_g))
        gyro = GYRO_RANGES_DPS.index(float(gyro_range_dps))
    except ValueError:
        raise ValueError(
            f"IMU range ±{accel_range_g} g / ±{gyro_range_dps} deg/s is not one of "
            f"{ACCEL_RANGES_G} g × {GYRO_RANGES_DPS} deg/s"
        ) from None
    return accel | (gyro << 4)


def range_of_code(code: int) -> tuple[float, float]:
    """(accel full scale g, gyro full scale deg/s) of a range byte; FrameError if unknown."""
    accel, gyro = code & 0x0F, code >> 4
    if accel >= len(ACCEL_RANGES_G) or gyro >= len(GYRO_RANGES_DPS):
        raise FrameError("bad_range", f"range byte 0x{code:02x} is not in the range table")
    return ACCEL_RANGES_G[accel], GYRO_RANGES_DPS[gyro]


def quantise_imu(
    accel_g: np.ndarray, gyro_dps: np.ndarray, accel_range_g: float, gyro_range_dps: float
) -> np.ndarray:
    """Physical IMU values to raw int16 counts (n, 6), saturating at full scale."""
    accel = np.asarray(accel_g, dtype=np.float64).reshape(-1, 3) / accel_range_g
    gyro = np.asarray(gyro_dps, dtype=np.float64).reshape(-1, 3) / gyro_range_dps
    counts = np.rint(np.concatenate([accel, gyro], axis=1) * 32768.0)
    return np.clip(counts, -32768, 32767).astype("<i2")


def encode_frame(
    kind: int,
    sensor_id: int,
    seq: int,
    t0_us: int,
    period_us: int,
    n_samples: int,
    range_byte: int,
    payload: bytes,
) -> bytes:
    """Header + payload + CRC. Integers are wrapped to their field widths by the caller."""
    body = (
        _HEADER.pack(
            FRAME_VERSION,
            kind,
            sensor_id,
            seq & 0xFFFFFFFF,
            t0_us,
            period_us,
            n_samples,
            range_byte,
        )
        + payload
    )
    if len(body) + 2 > MAX_FRAME_BYTES:
        raise ValueError(f"frame of {len(body) + 2} bytes exceeds {MAX_FRAME_BYTES}")
    return body + _CRC.pack(crc16(body))


def encode_imu_raw(
    sensor_id: int,
    seq: int,
    t0_us: int,
    counts: np.ndarray,
    range_byte: int,
    period_us: int = IMU_PERIOD_US,
) -> bytes:
    """An IMU frame from raw int16 counts (n, 6), as firmware would send it."""
    counts = np.asarray(counts)
    if counts.ndim != 2 or counts.shape[1] != 6 or not 1 <= counts.shape[0] <= MAX_IMU_SAMPLES:
        raise ValueError(f"IMU counts must be (1..{MAX_IMU_SAMPLES}, 6), got {counts.shape}")
    range_of_code(range_byte)
    payload = counts.astype("<i2").tobytes()
    return encode_frame(
        Kind.IMU, sensor_id, seq, t0_us, period_us, counts.shape[0], range_byte, payload
    )


def encode_imu(
    sensor_id: int,
    seq: int,
    t0_us: int,
    accel_g: np.ndarray,
    gyro_dps: np.ndarray,
    *,
    period_us: int = IMU_PERIOD_US,
    accel_range_g: float = DEFAULT_ACCEL_RANGE_G,
    gyro_range_dps: float = DEFAULT_GYRO_RANGE_DPS,
) -> bytes:
    """An IMU frame from physical values; values beyond full scale saturate (clipped)."""
    code = range_code(accel_range_g, gyro_range_dps)
    counts = quantise_imu(accel_g, gyro_dps, accel_range_g, gyro_range_dps)
    return encode_imu_raw(sensor_id, seq, t0_us, counts, code, period_us)


def encode_gps(
    sensor_id: int,
    seq: int,
    t_us: int,
    lat_deg: float,
    lon_deg: float,
    speed_mps: float,
    hdop: float,
    sats: int,
    fix: bool,
) -> bytes:
    """A GPS frame holding one fix; NaN lat/lon (no fix) are sent as 0."""
    lat = 0 if np.isnan(lat_deg) else round(lat_deg * DEG_E7)
    lon = 0 if np.isnan(lon_deg) else round(lon_deg * DEG_E7)
    speed = min(max(round(speed_mps * SPEED_CM), 0), 0xFFFF)
    hdop_byte = min(max(round(hdop * HDOP_X10), 0), 0xFF)
    payload = _GPS.pack(lat, lon, speed, hdop_byte, min(max(sats, 0), 0xFF), int(bool(fix)))
    return encode_frame(Kind.GPS, sensor_id, seq, t_us, 0, 1, 0, payload)


def encode_hr(sensor_id: int, seq: int, t_us: int, bpm: int, rr_s: Sequence[float] = ()) -> bytes:
    """A heart-rate frame: bpm and the RR intervals (s) measured since the last frame."""
    if len(rr_s) > MAX_RR_INTERVALS:
        raise ValueError(f"at most {MAX_RR_INTERVALS} RR intervals fit one frame")
    rr = [min(max(round(r * RR_UNITS_PER_S), 0), 0xFFFF) for r in rr_s]
    payload = _HR_FIXED.pack(bpm, len(rr)) + struct.pack(f"<{len(rr)}H", *rr)
    return encode_frame(Kind.HR, sensor_id, seq, t_us, 0, 1, 0, payload)


def encode_status(
    sensor_id: int, seq: int, t_us: int, battery_pct: int, temp_c: float, flags: int = 0
) -> bytes:
    """A STATUS frame: battery %, temperature °C, StatusFlags bits."""
    temp = 0 if np.isnan(temp_c) else min(max(round(temp_c * TEMP_X100), -32768), 32767)
    payload = _STATUS.pack(min(max(battery_pct, 0), 100), temp, flags)
    return encode_frame(Kind.STATUS, sensor_id, seq, t_us, 0, 1, 0, payload)


def read_header(data: bytes | bytearray | memoryview) -> FrameHeader:
    """The header of a frame, unchecked beyond its size."""
    if len(data) < HEADER_BYTES:
        raise FrameError("truncated", f"{len(data)} bytes, a header needs {HEADER_BYTES}")
    return FrameHeader(*_HEADER.unpack_from(data))


def _expected_length(data: bytes | bytearray | memoryview, header: FrameHeader) -> int:
    """Total frame length implied by the header (and n_rr for HR); FrameError if absurd."""
    kind, n = header.kind, header.n_samples
    if kind == Kind.IMU:
        if not 1 <= n <= MAX_IMU_SAMPLES:
            raise FrameError("bad_length", f"IMU n_samples {n} outside 1..{MAX_IMU_SAMPLES}")
        return OVERHEAD_BYTES + n * IMU_SAMPLE_BYTES
    if n != 1:
        raise FrameError("bad_length", f"{Kind(kind).name} frame must carry 1 sample, says {n}")
    if kind == Kind.GPS:
        return OVERHEAD_BYTES + GPS_PAYLOAD_BYTES
    if kind == Kind.STATUS:
        return OVERHEAD_BYTES + STATUS_PAYLOAD_BYTES
    if len(data) < HEADER_BYTES + HR_FIXED_BYTES:
        raise FrameError("truncated", f"HR frame of {len(data)} bytes has no RR count")
    n_rr = data[HEADER_BYTES + 2]
    if n_rr > MAX_RR_INTERVALS:
        raise FrameError("bad_length", f"HR frame says {n_rr} RR intervals")
    return OVERHEAD_BYTES + HR_FIXED_BYTES + 2 * n_rr


def _check(data: bytes | bytearray | memoryview) -> FrameHeader:
    """Validate size, version, kind, declared length and CRC; return the header."""
    size = len(data)
    if size > MAX_FRAME_BYTES:
        raise FrameError("oversized", f"{size} bytes, the limit is {MAX_FRAME_BYTES}")
    if size < OVERHEAD_BYTES:
        raise FrameError("truncated", f"{size} bytes, the smallest frame is {OVERHEAD_BYTES}")
    header = FrameHeader(*_HEADER.unpack_from(data))
    if header.version != FRAME_VERSION:
        raise FrameError("bad_version", f"version {header.version}, this decoder reads 1")
    if header.kind not in Kind._value2member_map_:
        raise FrameError("unknown_kind", f"kind {header.kind}")
    expected = _expected_length(data, header)
    if size < expected:
        raise FrameError("truncated", f"{size} bytes, the header declares {expected}")
    if size > expected:
        raise FrameError("bad_length", f"{size} bytes, the header declares {expected}")
    (stored,) = _CRC.unpack_from(data, size - 2)
    computed = crc16(memoryview(data)[: size - 2])
    if stored != computed:
        raise FrameError("bad_crc", f"stored 0x{stored:04x}, computed 0x{computed:04x}")
    last_us = header.t0_us + header.period_us * (header.n_samples - 1)
    if last_us >= _T0_LIMIT:
        raise FrameError("bad_value", f"sample time {last_us} µs beyond the int64 clock")
    return header


def _scale_table() -> np.ndarray:
    """Per range byte, the float32 factors counts -> (g, g, g, deg/s, deg/s, deg/s); NaN
    for range bytes outside the table. Used by the single and the bulk decoder alike."""
    table = np.full((256, 6), np.nan, np.float32)
    for code in range(256):
        accel, gyro = code & 0x0F, code >> 4
        if accel < len(ACCEL_RANGES_G) and gyro < len(GYRO_RANGES_DPS):
            table[code, :3] = ACCEL_RANGES_G[accel] / 32768
            table[code, 3:] = GYRO_RANGES_DPS[gyro] / 32768
    return table


_SCALE_TABLE = _scale_table()
_SAMPLE_INDEX = np.arange(MAX_IMU_SAMPLES, dtype=np.int64)


def _decode_imu(data: bytes | bytearray | memoryview, h: FrameHeader) -> ImuSamples:
    scale = _SCALE_TABLE[h.range]
    if np.isnan(scale[0]):
        range_of_code(h.range)  # raises FrameError("bad_range") with the detail
    if h.period_us == 0:
        raise FrameError("bad_value", "IMU period_us is 0")
    n = h.n_samples
    counts = np.frombuffer(data, dtype="<i2", count=n * 6, offset=HEADER_BYTES).reshape(n, 6)
    values = np.multiply(counts, scale, dtype=np.float32)
    # Full scale either way: 32767, -32767 or -32768 map to 0..2 after one uint16 subtraction.
    at_limit = (counts.view(np.uint16) - np.uint16(CLIP_COUNTS)) <= 2
    return ImuSamples(
        sensor_id=h.sensor_id,
        seq=h.seq,
        t_device_us=h.t0_us + _SAMPLE_INDEX[:n] * h.period_us,
        accel_g=values[:, :3],
        gyro_dps=values[:, 3:],
        clipped=np.asarray(at_limit.any(axis=1)),
    )


def _decode_gps(data: bytes | bytearray | memoryview, h: FrameHeader) -> GpsSample:
    lat, lon, speed, hdop, sats, fix = _GPS.unpack_from(data, HEADER_BYTES)
    if abs(lat) > 90 * DEG_E7 or abs(lon) > 180 * DEG_E7 or fix > 1:
        raise FrameError("bad_value", f"GPS lat {lat}, lon {lon}, fix {fix} out of range")
    return GpsSample(
        sensor_id=h.sensor_id,
        seq=h.seq,
        t_device_us=h.t0_us,
        lat_deg=lat / DEG_E7 if fix else float("nan"),
        lon_deg=lon / DEG_E7 if fix else float("nan"),
        speed_mps=speed / SPEED_CM,
        hdop=hdop / HDOP_X10,
        sats=sats,
        fix=bool(fix),
    )


def _decode_hr(data: bytes | bytearray | memoryview, h: FrameHeader) -> HrSample:
    bpm, n_rr = _HR_FIXED.unpack_from(data, HEADER_BYTES)
    rr = struct.unpack_from(f"<{n_rr}H", data, HEADER_BYTES + HR_FIXED_BYTES)
    return HrSample(
        sensor_id=h.sensor_id,
        seq=h.seq,
        t_device_us=h.t0_us,
        bpm=bpm,
        rr_s=tuple(r / RR_UNITS_PER_S for r in rr),
    )


def _decode_status(data: bytes | bytearray | memoryview, h: FrameHeader) -> StatusSample:
    battery, temp, flags = _STATUS.unpack_from(data, HEADER_BYTES)
    if battery > 100:
        raise FrameError("bad_value", f"battery {battery} %")
    return StatusSample(
        sensor_id=h.sensor_id,
        seq=h.seq,
        t_device_us=h.t0_us,
        battery_pct=battery,
        temp_c=temp / TEMP_X100,
        flags=flags,
    )


_DECODERS: dict[Kind, Callable[[bytes | bytearray | memoryview, FrameHeader], Sample]] = {
    Kind.IMU: _decode_imu,
    Kind.GPS: _decode_gps,
    Kind.HR: _decode_hr,
    Kind.STATUS: _decode_status,
}


@frame_errors_only
def decode_frame(data: bytes | bytearray | memoryview) -> Sample:
    """One frame to its samples; raises FrameError(reason) for anything not a valid frame."""
    header = _check(data)
    if header.kind != Kind.IMU and header.range != 0:
        raise FrameError("bad_range", f"range byte 0x{header.range:02x} on a non-IMU frame")
    return _DECODERS[Kind(header.kind)](data, header)


# --- Bulk decoding -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ImuBatch:
    """IMU samples of many frames, concatenated in input order, with per-sample origin."""

    sensor_id: np.ndarray  # uint16 (n,)
    seq: np.ndarray  # uint32 (n,) seq of the frame the sample came in
    t_device_us: np.ndarray  # int64 (n,)
    accel_g: np.ndarray  # float32 (n, 3)
    gyro_dps: np.ndarray  # float32 (n, 3)
    clipped: np.ndarray  # bool (n,)

    def __len__(self) -> int:
        return int(self.t_device_us.shape[0])

    @classmethod
    def empty(cls) -> ImuBatch:
        return cls(
            np.zeros(0, np.uint16),
            np.zeros(0, np.uint32),
            np.zeros(0, np.int64),
            np.zeros((0, 3), np.float32),
            np.zeros((0, 3), np.float32),
            np.zeros(0, bool),
        )

    def for_sensor(self, sensor_id: int) -> ImuBatch:
        """The samples of one sensor, in order."""
        keep = self.sensor_id == sensor_id
        return ImuBatch(
            self.sensor_id[keep],
            self.seq[keep],
            self.t_device_us[keep],
            self.accel_g[keep],
            self.gyro_dps[keep],
            self.clipped[keep],
        )


@dataclass(eq=False)
class BulkDecodeResult:
    """IMU samples of all valid IMU frames, other valid frames decoded, rejects by reason."""

    imu: ImuBatch
    other: list[Sample] = field(default_factory=list)
    rejects: Counter[str] = field(default_factory=Counter)


_HEADER_DTYPE = np.dtype(
    [
        ("version", "u1"),
        ("kind", "u1"),
        ("sensor_id", "<u2"),
        ("seq", "<u4"),
        ("t0_us", "<u8"),
        ("period_us", "<u2"),
        ("n_samples", "u1"),
        ("range", "u1"),
    ]
)


def _header_view(length: int) -> np.dtype[np.void]:
    """A dtype reading the header fields of a whole frame row without copying it."""
    names, fields = _HEADER_DTYPE.names, _HEADER_DTYPE.fields
    assert names is not None and fields is not None  # _HEADER_DTYPE is a structured dtype
    return np.dtype(
        {
            "names": names,
            "formats": [fields[name][0] for name in names],
            "offsets": [fields[name][1] for name in names],
            "itemsize": length,
        }
    )


_IMU_LENGTHS = {OVERHEAD_BYTES + k * IMU_SAMPLE_BYTES: k for k in range(1, MAX_IMU_SAMPLES + 1)}


def _crc16_word_table() -> np.ndarray:
    """CRC register after clocking 16 zero bits in from each 16-bit state.

    CRC-16 is linear, so feeding two message bytes (b0, b1) to state c gives
    table[c ^ (b0 << 8 | b1)]: one gather per two bytes, done for all frames at once.
    """
    state: np.ndarray = np.arange(1 << 16, dtype=np.uint32)
    for _ in range(16):
        state = np.where(state & 0x8000, (state << 1) ^ 0x1021, state << 1) & 0xFFFF
    return state.astype(np.uint16)


_CRC_WORD_TABLE = _crc16_word_table()


def crc16_many(rows: np.ndarray, n_bytes: int, chunk: int = 4096) -> np.ndarray:
    """CRC-16/CCITT-FALSE of the first n_bytes (even) of every row of a (F, L) uint8 array.

    Works on blocks of `chunk` frames so the running CRCs stay in the CPU cache.
    """
    out = np.empty(rows.shape[0], np.uint16)
    for start in range(0, rows.shape[0], chunk):
        block = np.ascontiguousarray(rows[start : start + chunk])
        words = block.view(">u2")[:, : n_bytes // 2].T.copy()  # one row per step
        crc = np.full(block.shape[0], CRC_INIT, np.uint16)
        for word in words:
            np.bitwise_xor(crc, word, out=crc)
            _CRC_WORD_TABLE.take(crc, out=crc)
        out[start : start + chunk] = crc
    return out


def _decode_imu_group(joined: bytes, n_samples: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Decode same-length candidate IMU frames; returns arrays and a per-frame reject code.

    Codes index `_GROUP_REASONS` (0 = ok). Everything is whole-array numpy: header fields
    through a structured view, the CRC two bytes at a time over all frames together.
    """
    length = OVERHEAD_BYTES + n_samples * IMU_SAMPLE_BYTES
    rows = np.frombuffer(joined, np.uint8).reshape(-1, length)
    header = rows.view(_header_view(length))[:, 0]
    stored_crc = rows[:, -2].astype(np.uint16) | (rows[:, -1].astype(np.uint16) << 8)
    scale = _SCALE_TABLE[header["range"]]  # (F, 6), NaN rows for unknown range bytes
    reason = np.zeros(rows.shape[0], np.uint8)
    # The first failing check names the reason, in the same order as decode_frame.
    checks = (
        header["version"] != FRAME_VERSION,
        header["kind"] != Kind.IMU,
        header["n_samples"] != n_samples,
        stored_crc != crc16_many(rows, length - 2),
        header["t0_us"]
        >= np.uint64(_T0_LIMIT) - header["period_us"].astype(np.uint64) * np.uint64(n_samples - 1),
        np.isnan(scale[:, 0]),
        header["period_us"] == 0,
    )
    for code, failed in enumerate(checks, start=1):
        reason[(reason == 0) & failed] = code
    ok = reason == 0
    if not ok.all():
        rows, header, scale = rows[ok], header[ok], scale[ok]
    frames = rows.shape[0]
    counts = rows[:, HEADER_BYTES:-2].view("<i2").reshape(frames, n_samples, 6)
    scale = scale[:, None, :]
    values: np.ndarray = counts.astype(np.float32)
    values *= scale
    values = values.reshape(-1, 6)
    # Full scale in either direction: counts of 32767, -32767 or -32768 (one subtraction
    # in uint16 maps exactly those three to 0..2).
    at_limit = (counts.view(np.uint16) - np.uint16(CLIP_COUNTS)) <= 2
    at_limit = at_limit.reshape(-1, 6)
    t0 = header["t0_us"].astype(np.int64)[:, None]
    period = header["period_us"].astype(np.int64)[:, None]
    arrays = {
        "sensor_id": np.repeat(header["sensor_id"], n_samples),
        "seq": np.repeat(header["seq"], n_samples),
        "t_device_us": (t0 + period * np.arange(n_samples, dtype=np.int64)).reshape(-1),
        "accel_g": values[:, :3],
        "gyro_dps": values[:, 3:],
        "clipped": at_limit[:, 0]
        | at_limit[:, 1]
        | at_limit[:, 2]
        | at_limit[:, 3]
        | at_limit[:, 4]
        | at_limit[:, 5],
    }
    return arrays, reason


# Reason codes of _decode_imu_group, in check order. Frames failing the first three are
# re-read by decode_frame, which names the exact reason (they are rare).
_GROUP_REASONS = (
    "",
    "bad_version",
    "unknown_kind",
    "bad_length",
    "bad_crc",
    "bad_value",
    "bad_range",
    "bad_value",
)
_RECHECK = 3


def decode_frames_bulk(frames: Sequence[bytes | bytearray | memoryview]) -> BulkDecodeResult:
    """Decode many frames (e.g. one read of a serial buffer, or a stored session) at once.

    Frames whose length fits an IMU frame are checked and scaled as whole numpy arrays
    (no valid GPS, HR or STATUS frame has such a length); the rest go through
    `decode_frame`. IMU output keeps the input order; a bad frame is counted in `rejects`
    by the same reason `decode_frame` gives.
    """
    result = BulkDecodeResult(imu=ImuBatch.empty())
    lengths = np.fromiter(map(len, frames), dtype=np.int64, count=len(frames))
    parts: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []
    is_imu_length = np.zeros(len(frames), bool)
    for length in np.unique(lengths).tolist():
        n = _IMU_LENGTHS.get(length)
        if n is None:
            continue
        indices = np.flatnonzero(lengths == length)
        is_imu_length[indices] = True
        if indices.size == len(frames):
            joined = b"".join(frames)
        else:
            joined = b"".join([frames[i] for i in indices.tolist()])
        arrays, reason = _decode_imu_group(joined, n)
        for code, count in zip(
            *np.unique(reason[reason > _RECHECK], return_counts=True), strict=True
        ):
            result.rejects[_GROUP_REASONS[code]] += int(count)
        for i in indices[(reason > 0) & (reason <= _RECHECK)].tolist():
            try:
                decode_frame(frames[i])
            except FrameError as error:
                result.rejects[error.reason] += 1
        parts.append((np.repeat(indices[reason == 0], n), arrays))
    for i in np.flatnonzero(~is_imu_length).tolist():
        try:
            result.other.append(decode_frame(frames[i]))
        except FrameError as error:
            result.rejects[error.reason] += 1
    if len(parts) == 1:
        result.imu = ImuBatch(**parts[0][1])
    elif parts:
        order = np.argsort(np.concatenate([p[0] for p in parts]), kind="stable")
        result.imu = ImuBatch(
            **{key: np.concatenate([p[1][key] for p in parts])[order] for key in parts[0][1]}
        )
    return result
