"""Write the shared frame v1 test vectors: `<name>.bin` (the frame) + `<name>.json`.

The JSON holds the raw fields (what firmware puts in), the decoded physical values
(what the edge gets out), the COBS wire bytes and, for bad frames, the reason code the
decoder must give. Python (tests/firmware_bridge/test_vectors.py) and the C header
(tests/firmware_bridge/test_c_header.py) are both checked against these files.

Run `python tests/vectors/make_vectors.py` only when frame v1 gains a vector; a change
of layout means a new version and new vector files, never edited old ones.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np

from firmware_bridge.cobs import cobs_encode
from firmware_bridge.config import Kind
from firmware_bridge.frame import (
    crc16,
    encode_gps,
    encode_hr,
    encode_imu_raw,
    encode_status,
    range_code,
)

HERE = Path(__file__).resolve().parent

# Full scales by range code, as docs/protocol.md ("Scales and ranges") states them: spelt
# out here, not imported, so that the decoded values are worked out apart from the decoder.
ACCEL_FULL_SCALE_G = (2.0, 4.0, 8.0, 16.0, 32.0)
GYRO_FULL_SCALE_DPS = (250.0, 500.0, 1000.0, 2000.0, 4000.0)


def _decoded(header: dict, payload: dict) -> dict:
    """The physical values of a good frame, from its raw fields by the documented scales
    (never by the decoder under test)."""
    if header["kind"] == Kind.IMU:
        counts = payload["counts"]
        accel = ACCEL_FULL_SCALE_G[header["range"] & 0x0F]
        gyro = GYRO_FULL_SCALE_DPS[header["range"] >> 4]
        return {
            "t_device_us": [header["t0_us"] + i * header["period_us"] for i in range(len(counts))],
            "accel_g": [[c * accel / 32768 for c in row[:3]] for row in counts],
            "gyro_dps": [[c * gyro / 32768 for c in row[3:]] for row in counts],
            "clipped": [any(abs(c) >= 32767 for c in row) for row in counts],
        }
    common = {
        "sensor_id": header["sensor_id"],
        "seq": header["seq"],
        "t_device_us": header["t0_us"],
    }
    if header["kind"] == Kind.GPS:
        fix = payload["fix"] == 1
        return common | {
            "lat_deg": payload["lat_e7"] / 1e7 if fix else None,  # JSON null for NaN
            "lon_deg": payload["lon_e7"] / 1e7 if fix else None,
            "speed_mps": payload["speed_cm_s"] / 100,
            "hdop": payload["hdop_x10"] / 10,
            "sats": payload["sats"],
            "fix": fix,
        }
    if header["kind"] == Kind.HR:
        return common | {
            "bpm": payload["bpm"],
            "rr_s": [rr / 1024 for rr in payload["rr_1024"]],
            "contact": None,  # frame v1 carries neither contact nor energy
            "energy_kj": None,
        }
    return common | {
        "battery_pct": payload["battery_pct"],
        "temp_c": payload["temp_x100"] / 100,
        "flags": payload["flags"],
    }


def _header(frame: bytes) -> dict:
    names = ("version", "kind", "sensor_id", "seq", "t0_us", "period_us", "n_samples", "range")
    return dict(zip(names, struct.unpack_from("<BBHIQHBB", frame), strict=True))


def _payload(frame: bytes, kind: int) -> dict:
    body = frame[20:-2]
    if kind == Kind.IMU:
        return {"counts": np.frombuffer(body, "<i2").reshape(-1, 6).tolist()}
    if kind == Kind.GPS:
        names = ("lat_e7", "lon_e7", "speed_cm_s", "hdop_x10", "sats", "fix")
        return dict(zip(names, struct.unpack("<iiHBBB", body), strict=True))
    if kind == Kind.HR:
        bpm, n_rr = struct.unpack_from("<HB", body)
        return {"bpm": bpm, "rr_1024": list(struct.unpack_from(f"<{n_rr}H", body, 3))}
    battery, temp, flags = struct.unpack("<BhH", body)
    return {"battery_pct": battery, "temp_x100": temp, "flags": flags}


def _with_crc(body: bytes) -> bytes:
    return body + struct.pack("<H", crc16(body))


def good_vectors() -> dict[str, bytes]:
    rng = np.random.default_rng(20240601)
    counts = rng.integers(-20000, 20000, size=(10, 6), dtype=np.int16)
    counts[3, 0] = 32767  # saturated accel x: clipped
    counts[7, 5] = -32768  # saturated gyro z: clipped
    return {
        "imu_calf_10": encode_imu_raw(0x0102, 41, 1_234_567_890, counts, range_code(16.0, 2000.0)),
        "imu_one_sample": encode_imu_raw(
            7, 0, 0, np.array([[0, 0, 16384, 100, -100, 0]]), range_code(2.0, 250.0)
        ),
        "imu_max_18_32g_4000dps": encode_imu_raw(
            65535,
            0xFFFFFFFF,
            (1 << 62) + 5,
            rng.integers(-32768, 32767, size=(18, 6), dtype=np.int16),
            range_code(32.0, 4000.0),
            period_us=5000,
        ),
        "imu_zero_bytes_everywhere": encode_imu_raw(
            0, 0, 0, np.zeros((4, 6), np.int16), range_code(2.0, 250.0), period_us=256
        ),
        "gps_fix": encode_gps(12, 900, 3_600_000_000, 51.5560241, -0.2795521, 7.42, 0.9, 11, True),
        "gps_no_fix": encode_gps(12, 901, 3_600_100_000, math.nan, math.nan, 0.0, 25.5, 2, False),
        "hr_no_rr": encode_hr(30, 5, 10_000_000, 62),
        "hr_three_rr": encode_hr(30, 6, 11_000_000, 171, [0.351, 0.349, 0.3525]),
        "hr_max_rr": encode_hr(31, 7, 12_000_000, 200, [0.3] * 109),
        "status_charging": encode_status(0x0102, 42, 1_300_000_000, 87, 31.25, 0x0001),
        "status_cold_low": encode_status(0x0102, 43, 1_400_000_000, 4, -5.5, 0x0002),
    }


def bad_vectors() -> dict[str, tuple[bytes, str]]:
    good = good_vectors()
    imu = good["imu_calf_10"]
    flipped = bytearray(imu)
    flipped[40] ^= 0x10
    v2 = bytearray(imu)
    v2[0] = 2
    kind9 = bytearray(imu)
    kind9[1] = 9
    bad_range = _with_crc(bytes(imu[:19]) + bytes([0x07]) + bytes(imu[20:-2]))
    long_imu = _with_crc(bytes(imu[:-2]) + bytes(12))
    zero_period = _with_crc(bytes(imu[:16]) + b"\x00\x00" + bytes(imu[18:-2]))
    gps_fix2 = _with_crc(good["gps_fix"][:-3] + b"\x02")
    battery101 = _with_crc(good["status_charging"][:20] + b"\x65" + good["status_charging"][21:-2])
    too_many_imu = _with_crc(bytes(imu[:18]) + b"\x13" + bytes(imu[19:-2]))
    huge_t0 = _with_crc(bytes(imu[:8]) + struct.pack("<Q", 1 << 63) + bytes(imu[16:-2]))
    late_last = _with_crc(
        bytes(imu[:8]) + struct.pack("<Q", (1 << 63) - 50_000) + bytes(imu[16:-2])
    )
    gps_with_range = _with_crc(good["gps_fix"][:19] + b"\x33" + good["gps_fix"][20:-2])
    return {
        "bad_crc_bit_flip": (bytes(flipped), "bad_crc"),
        "bad_version_2": (_with_crc(bytes(v2[:-2])), "bad_version"),
        "unknown_kind_9": (_with_crc(bytes(kind9[:-2])), "unknown_kind"),
        "truncated_imu": (imu[:100], "truncated"),
        "truncated_tiny": (imu[:10], "truncated"),
        "oversized_300": (bytes([1, 1]) + bytes(298), "oversized"),
        "bad_length_extra_sample": (long_imu, "bad_length"),
        "bad_length_19_samples": (too_many_imu, "bad_length"),
        "bad_range_code_7": (bad_range, "bad_range"),
        "bad_range_on_gps": (gps_with_range, "bad_range"),
        "bad_value_zero_period": (zero_period, "bad_value"),
        "bad_value_gps_fix_2": (gps_fix2, "bad_value"),
        "bad_value_battery_101": (battery101, "bad_value"),
        "bad_value_t0_beyond_int64": (huge_t0, "bad_value"),
        "bad_value_last_sample_beyond_int64": (late_last, "bad_value"),
    }


def write_all(directory: Path = HERE) -> list[Path]:
    written = []
    for name, frame in good_vectors().items():
        header, payload = _header(frame), _payload(frame, frame[1])
        record = {
            "name": name,
            "expect": "ok",
            "kind": Kind(header["kind"]).name,
            "header": header,
            "payload": payload,
            "decoded": _decoded(header, payload),
            "frame_hex": frame.hex(),
            "cobs_hex": cobs_encode(frame).hex(),
        }
        written += _write(directory, name, frame, record)
    for name, (frame, reason) in bad_vectors().items():
        record = {
            "name": name,
            "expect": reason,
            "frame_hex": frame.hex(),
            "cobs_hex": cobs_encode(frame).hex(),
        }
        written += _write(directory, name, frame, record)
    return written


def _write(directory: Path, name: str, frame: bytes, record: dict) -> list[Path]:
    bin_path, json_path = directory / f"{name}.bin", directory / f"{name}.json"
    bin_path.write_bytes(frame)
    json_path.write_text(json.dumps(record, indent=1, allow_nan=False) + "\n")
    return [bin_path, json_path]


if __name__ == "__main__":
    for path in write_all():
        print(path.name)
