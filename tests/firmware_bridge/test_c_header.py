"""The C header agrees with Python byte for byte, both ways, on the shared vectors.

A small driver (c/vector_tool.c) is compiled with -Wall -Wextra -Werror and the address
and undefined-behaviour sanitizers; it decodes every vector, re-encodes the recorded
fields, COBS-encodes and decodes, and the results are compared with the JSON and with
firmware_bridge. Random mutated frames check that C and Python give the same reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from firmware_bridge import config
from firmware_bridge.cobs import cobs_encode
from firmware_bridge.config import (
    FRAME_VERSION,
    MAX_FRAME_BYTES,
    MAX_IMU_SAMPLES,
    MAX_RR_INTERVALS,
    OVERHEAD_BYTES,
)
from firmware_bridge.frame import FrameError, decode_frame, encode_frame
from tests.capabilities import missing_capability

HEADER_DIR = Path(__file__).resolve().parents[2] / "firmware_bridge" / "c"
DRIVER = Path(__file__).resolve().parent / "c" / "vector_tool.c"

if shutil.which("gcc") is None:
    missing_capability("gcc is not installed", module_level=True)


@pytest.fixture(scope="module")
def tool(tmp_path_factory) -> Path:
    binary = tmp_path_factory.mktemp("c") / "vector_tool"
    subprocess.run(
        [
            "gcc",
            "-std=c99",
            "-O1",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
            "-I",
            str(HEADER_DIR),
            str(DRIVER),
            "-o",
            str(binary),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return binary


def _run(tool: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(tool), *args], input=stdin, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout.strip()


def _fields(vector: dict) -> list[int]:
    h, p = vector["header"], vector["payload"]
    fields = [
        h[k] for k in ("kind", "sensor_id", "seq", "t0_us", "period_us", "n_samples", "range")
    ]
    if vector["kind"] == "IMU":
        return fields + [c for row in p["counts"] for c in row]
    if vector["kind"] == "GPS":
        return fields + [
            p[k] for k in ("lat_e7", "lon_e7", "speed_cm_s", "hdop_x10", "sats", "fix")
        ]
    if vector["kind"] == "HR":
        return fields + [p["bpm"], len(p["rr_1024"]), *p["rr_1024"]]
    return fields + [p["battery_pct"], p["temp_x100"], p["flags"]]


def test_c_crc_check_value(tool) -> None:
    assert _run(tool, "crc") == "29b1"


def test_c_decodes_every_vector_like_python(tool, vectors, vector_dir) -> None:
    lines = _run(tool, "decode", *(str(vector_dir / f"{v['name']}.bin") for v in vectors))
    for vector, out in zip(vectors, lines.splitlines(), strict=True):
        if vector["expect"] == "ok":
            assert out.split() == ["ok", *map(str, _fields(vector))], vector["name"]
        else:
            assert out == vector["expect"], vector["name"]


def test_c_encodes_the_recorded_fields_to_the_same_bytes(tool, vectors) -> None:
    for vector in (v for v in vectors if v["expect"] == "ok"):
        out = _run(tool, "encode", stdin=" ".join(map(str, _fields(vector))))
        assert out == vector["frame_hex"], vector["name"]


def test_c_cobs_matches_python_both_ways(tool, vectors, vector_dir, tmp_path) -> None:
    encoded = _run(tool, "cobs", *(str(vector_dir / f"{v['name']}.bin") for v in vectors))
    assert encoded.splitlines() == [v["cobs_hex"] for v in vectors]
    decoded = _run(tool, "uncobs", *(v["cobs_hex"][:-2] for v in vectors))
    assert decoded.splitlines() == [v["frame_hex"] for v in vectors]
    # Runs of 254+ non-zero bytes exercise the 0xFF block code.
    long_run = bytes(range(1, 256)) * 2 + b"\x00\x07"
    (tmp_path / "long.bin").write_bytes(long_run)
    assert _run(tool, "cobs", str(tmp_path / "long.bin")) == cobs_encode(long_run).hex()
    assert _run(tool, "uncobs", "0511223300") == "bad_cobs"


def _random_frames(count: int, seed: int) -> list[bytes]:
    """Plausible-looking frames with a valid CRC but random header and payload fields."""
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(count):
        kind = int(rng.choice([1, 1, 2, 3, 4, 0, 5]))
        n = int(rng.integers(0, MAX_IMU_SAMPLES + 2)) if kind == 1 else int(rng.choice([1, 1, 2]))
        payload_len = {
            1: 12 * n,
            2: 13,
            3: 3 + 2 * int(rng.integers(0, MAX_RR_INTERVALS + 2)),
            4: 5,
        }
        size = payload_len.get(kind, int(rng.integers(0, 40))) + int(rng.choice([0, 0, 0, -1, 2]))
        size = max(0, min(size, MAX_FRAME_BYTES - OVERHEAD_BYTES + 3))
        payload = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        frame = (
            encode_frame(
                kind,
                int(rng.integers(0, 1 << 16)),
                int(rng.integers(0, 1 << 32)),
                int(rng.integers(0, 1 << 63)),
                int(rng.choice([0, 10_000])),
                n,
                int(rng.choice([0, 0x33, 0x44, 0x5F])),
                payload,
            )
            if size + OVERHEAD_BYTES <= MAX_FRAME_BYTES
            else bytes([FRAME_VERSION, kind]) + payload
        )
        frames.append(frame)
    return frames


def test_c_and_python_agree_on_random_frames(tool, tmp_path) -> None:
    frames = _random_frames(1000, seed=11)
    paths = []
    for index, frame in enumerate(frames):
        paths.append(tmp_path / f"r{index}.bin")
        paths[-1].write_bytes(frame)
    lines = _run(tool, "decode", *map(str, paths)).splitlines()
    outcomes = set()
    for frame, line in zip(frames, lines, strict=True):
        c_out = line.split()[0]
        try:
            decode_frame(frame)
            python_out = "ok"
        except FrameError as error:
            python_out = error.reason
        assert c_out == python_out, frame.hex()
        outcomes.add(c_out)
    # The random frames reach the deep checks, not only the first one.
    assert {"ok", "bad_length", "truncated", "bad_range", "bad_value", "unknown_kind"} <= outcomes


def test_header_constants_match_the_python_config() -> None:
    text = (HEADER_DIR / "touchline_frame.h").read_text()
    defines = {m[1]: int(m[2]) for m in re.finditer(r"#define (TL_\w+) (\d+)u?\b", text)}
    assert defines["TL_VERSION"] == config.FRAME_VERSION
    assert defines["TL_HEADER_BYTES"] == config.HEADER_BYTES
    assert defines["TL_OVERHEAD_BYTES"] == config.OVERHEAD_BYTES
    assert defines["TL_MAX_FRAME"] == config.MAX_FRAME_BYTES
    assert defines["TL_MAX_ENCODED"] == config.MAX_ENCODED_BYTES
    assert defines["TL_MAX_IMU_SAMPLES"] == config.MAX_IMU_SAMPLES
    assert defines["TL_GPS_PAYLOAD_BYTES"] == config.GPS_PAYLOAD_BYTES
    assert defines["TL_STATUS_PAYLOAD_BYTES"] == config.STATUS_PAYLOAD_BYTES
    assert defines["TL_MAX_RR"] == config.MAX_RR_INTERVALS
    assert defines["TL_ACCEL_CODES"] == len(config.ACCEL_RANGES_G)
    assert defines["TL_GYRO_CODES"] == len(config.GYRO_RANGES_DPS)
    kinds = dict(re.findall(r"TL_KIND_(\w+) = (\d+)", text))
    assert {k: int(v) for k, v in kinds.items()} == {k.name: k.value for k in config.Kind}
