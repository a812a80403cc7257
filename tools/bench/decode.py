"""Benchmark: frame v1 IMU decoding throughput, against a plain struct loop in the same run.

    python tools/bench/decode.py [--frames 100000] [--repeats 5]

Three decoders read the same 10-sample IMU frames, each checking every CRC and
producing float acceleration (g) and angular rate (deg/s):
  struct loop   one struct.unpack_from per frame, binascii.crc_hqx, scale with numpy at
                the end (the plain way to write it; the baseline)
  decode_frame  firmware_bridge's per-frame decoder (what a read loop calls per frame)
  bulk          firmware_bridge.frame.decode_frames_bulk over all frames at once
  serial + bulk the serial path: COBS bytes in 64 kB reads through FrameStream.unframe,
                then decode_frames_bulk per read
Prints IMU samples per wall-clock second and per CPU second of the process (best of the
repeats), each with its ratio to the struct loop.
"""

from __future__ import annotations

import argparse
import os
import platform
import struct
import sys
import time
from binascii import crc_hqx
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from firmware_bridge.cobs import cobs_encode  # noqa: E402
from firmware_bridge.config import ACCEL_RANGES_G, GYRO_RANGES_DPS  # noqa: E402
from firmware_bridge.frame import crc16_many, decode_frame, decode_frames_bulk, encode_imu  # noqa: E402
from firmware_bridge.stream import FrameStream  # noqa: E402

SAMPLES_PER_FRAME = 10
_FRAME = struct.Struct("<BBHIQHBB60hH")


def make_frames(count: int, seed: int = 0) -> list[bytes]:
    """`count` distinct valid IMU frames (seq 0..count-1), CRCs computed in bulk."""
    rng = np.random.default_rng(seed)
    template = np.frombuffer(
        encode_imu(1, 0, 0, rng.normal(0, 3, (10, 3)), rng.normal(0, 500, (10, 3))), np.uint8
    )
    rows = np.tile(template, (count, 1))
    rows[:, 20:-2] = rng.integers(0, 256, (count, 120), dtype=np.uint8)
    rows[:, 4:8] = np.arange(count, dtype="<u4").view(np.uint8).reshape(-1, 4)
    rows[:, 8:16] = (np.arange(count, dtype="<u8") * 100_000).view(np.uint8).reshape(-1, 8)
    crc = crc16_many(rows, rows.shape[1] - 2)
    rows[:, -2], rows[:, -1] = crc & 0xFF, crc >> 8
    data = rows.tobytes()
    width = rows.shape[1]
    return [data[i : i + width] for i in range(0, len(data), width)]


def struct_loop(frames: list[bytes]) -> int:
    """The baseline: unpack, check CRC, collect counts, scale once at the end."""
    counts, scales = [], []
    for frame in frames:
        fields = _FRAME.unpack_from(frame)
        if fields[0] != 1 or fields[1] != 1 or crc_hqx(frame[:-2], 0xFFFF) != fields[-1]:
            continue
        code = fields[7]
        counts.append(fields[8:-1])
        scales.append((ACCEL_RANGES_G[code & 0x0F], GYRO_RANGES_DPS[code >> 4]))
    raw = np.array(counts, dtype=np.float32).reshape(-1, SAMPLES_PER_FRAME, 6)
    scale = np.repeat(np.array(scales, np.float32), 3, axis=1)[:, None, :] / 32768.0
    values = (raw * scale).reshape(-1, 6)
    return values.shape[0]


def per_frame(frames: list[bytes]) -> int:
    return sum(len(decode_frame(frame)) for frame in frames)


def bulk(frames: list[bytes]) -> int:
    return len(decode_frames_bulk(frames).imu)


def serial_bulk(wire: bytes) -> int:
    stream = FrameStream()
    read = 65_536
    return sum(
        len(decode_frames_bulk(stream.unframe(wire[at : at + read])).imu)
        for at in range(0, len(wire), read)
    )


def best_rates(
    decoder: Callable, frames: list[bytes], repeats: int, data: object = None
) -> tuple[float, float]:
    """(samples per wall-clock second, samples per CPU second of this process), best runs.

    On a shared machine the CPU-time rate is close to what one idle core would do; the
    wall-clock rate is what this process got.
    """
    expected = len(frames) * SAMPLES_PER_FRAME
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        decoded = decoder(frames if data is None else data)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        if decoded != expected:
            raise SystemExit(f"{decoder.__name__} decoded {decoded} samples, expected {expected}")
    return expected / best_wall, expected / max(best_cpu, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100_000, help="IMU frames per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs per decoder; best counts")
    args = parser.parse_args()
    frames = make_frames(args.frames)
    wire = b"".join(cobs_encode(frame) for frame in frames)
    print(
        f"{args.frames} frames x {SAMPLES_PER_FRAME} samples, best of {args.repeats}; "
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}, load average {os.getloadavg()[0]:.1f}"
    )
    small = frames[: max(1, args.frames // 10)]
    results = [
        ("struct loop", best_rates(struct_loop, frames, args.repeats)),
        ("decode_frame", best_rates(per_frame, small, args.repeats)),
        ("bulk", best_rates(bulk, frames, args.repeats)),
        ("serial + bulk", best_rates(serial_bulk, frames, args.repeats, data=wire)),
    ]
    base_wall, base_cpu = results[0][1]
    print(f"{'':14s} {'M samples/s':>12s} {'ratio':>7s}   {'M samples/CPU-s':>16s} {'ratio':>7s}")
    for name, (wall, cpu) in results:
        print(
            f"{name:14s} {wall / 1e6:12.2f} {wall / base_wall:6.2f}x"
            f"   {cpu / 1e6:16.2f} {cpu / base_cpu:6.2f}x"
        )


if __name__ == "__main__":
    main()
