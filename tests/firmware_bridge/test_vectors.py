"""The shared vectors in tests/vectors decode in Python exactly as their JSON says."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from firmware_bridge.cobs import cobs_decode, cobs_encode
from firmware_bridge.frame import FrameError, decode_frame, decode_frames_bulk
from firmware_bridge.samples import ImuSamples


def test_vector_set_covers_every_kind_and_every_reason(vectors) -> None:
    kinds = {v["kind"] for v in vectors if v["expect"] == "ok"}
    reasons = {v["expect"] for v in vectors} - {"ok"}
    assert kinds == {"IMU", "GPS", "HR", "STATUS"}
    assert reasons == {
        "truncated",
        "oversized",
        "bad_length",
        "bad_version",
        "unknown_kind",
        "bad_crc",
        "bad_range",
        "bad_value",
    }


def test_committed_vectors_match_the_generator(vector_dir, tmp_path) -> None:
    # A changed encoder must not silently change the vectors firmware is tested against,
    # and the decoded values (worked out apart from the decoder) must be the committed ones.
    spec = importlib.util.spec_from_file_location("make_vectors", vector_dir / "make_vectors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.write_all(tmp_path)
    assert len(written) == len(list(vector_dir.glob("*.bin"))) * 2
    for path in written:
        assert (vector_dir / path.name).read_bytes() == path.read_bytes(), path.name


def _same(decoded: object, expected: object) -> bool:
    if expected is None:  # JSON has no NaN: null stands for "not sent" and for NaN
        return decoded is None or (isinstance(decoded, float) and math.isnan(decoded))
    if isinstance(expected, list):
        return np.allclose(np.asarray(decoded, dtype=float), np.asarray(expected, dtype=float))
    return decoded == pytest.approx(expected)


def test_python_decodes_every_vector_as_recorded(vectors) -> None:
    for vector in vectors:
        assert bytes.fromhex(vector["frame_hex"]) == vector["bin"]
        if vector["expect"] != "ok":
            with pytest.raises(FrameError) as caught:
                decode_frame(vector["bin"])
            assert caught.value.reason == vector["expect"], vector["name"]
            assert decode_frames_bulk([vector["bin"]]).rejects == {vector["expect"]: 1}
            continue
        sample = decode_frame(vector["bin"])
        for key, expected in vector["decoded"].items():
            assert _same(getattr(sample, key), expected), (vector["name"], key)
        if isinstance(sample, ImuSamples):
            counts = np.array(vector["payload"]["counts"])
            assert sample.clipped.tolist() == (np.abs(counts) >= 32767).any(axis=1).tolist()


def test_cobs_wire_bytes_round_trip(vectors) -> None:
    for vector in vectors:
        wire = bytes.fromhex(vector["cobs_hex"])
        assert cobs_encode(vector["bin"]) == wire
        assert wire.count(0) == 1 and wire.endswith(b"\x00")
        assert cobs_decode(wire[:-1]) == vector["bin"]
