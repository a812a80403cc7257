"""The model bundle: written, packed, read back, and refused when anything is off."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from edge import dsp, taxonomy
from edge.bundle import (
    FP32_MODEL_NAME,
    MANIFEST_NAME,
    SIGNATURE_NAME,
    BundleError,
    Manifest,
    pack_bundle,
    prepare_windows,
    read_bundle,
    sha256_hex,
    write_bundle,
)

MODEL = b"\x08\x07onnx-bytes-stand-in" * 40
MODEL_FP32 = b"\x08\x07fp32-onnx-bytes" * 80
TFLITE = b"\x1c\x00\x00\x00TFL3-stand-in" * 60


def _fields(**overrides: Any) -> dict[str, Any]:
    channels = [
        {"name": n, "unit": "g" if "_a" in n else "deg/s", "lowpass_hz": 20.0}
        for n in taxonomy.IMU_CHANNELS
    ]
    channels.append({"name": "speed_mps", "unit": "m/s", "optional": True, "lowpass_hz": 2.0})
    fields: dict[str, Any] = {
        "version": "2026.11.25-1",
        "channels": channels,
        "normalisation": {"mean": [0.1] * 13, "std": [1.5] * 13},
        "events": {"thresholds": {a: 0.6 for a in taxonomy.ACTIONS}, "nms_s": 1.0},
        "data_hash": "abc123",
        "synthetic": True,
        "metrics": {"macro_f1": 0.91},
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    """The int8-default layout: `model.onnx` (int8) with its fp32 reference beside it."""
    return write_bundle(
        tmp_path / "bundle", _fields(), {"model.onnx": MODEL, FP32_MODEL_NAME: MODEL_FP32}
    )


def test_written_bundle_reads_back_with_the_same_contents(bundle_dir: Path) -> None:
    bundle = read_bundle(bundle_dir)
    m = bundle.manifest
    assert m.schema_ == 1
    assert m.labels == list(taxonomy.LABELS)
    assert m.channel_names[-1] == "speed_mps" and m.channels[-1].optional
    assert (m.window_samples, m.hop_samples) == (600, 50)
    assert bundle.default_model_bytes == MODEL
    assert m.files[FP32_MODEL_NAME] == sha256_hex(MODEL_FP32)
    assert bundle.files[m.fp32_model] == MODEL_FP32
    on_disk = json.loads((bundle_dir / MANIFEST_NAME).read_text())
    assert on_disk["schema"] == 1 and "schema_" not in on_disk


@pytest.mark.parametrize(
    ("files", "fp32_model"),
    [
        # fp32 default: the one ONNX file is the fp32 model.
        ({"model.onnx": MODEL_FP32}, "model.onnx"),
        ({"model.onnx": MODEL_FP32, "model.tflite": TFLITE}, "model.onnx"),
        # int8 default: fp32 ships beside it.
        (
            {"model.onnx": MODEL, FP32_MODEL_NAME: MODEL_FP32, "model.tflite": TFLITE},
            FP32_MODEL_NAME,
        ),
        # Written before each model shipped once: fp32 default with a copy beside it.
        ({"model.onnx": MODEL_FP32, FP32_MODEL_NAME: MODEL_FP32}, FP32_MODEL_NAME),
    ],
)
def test_every_bundle_layout_reads_back_and_names_its_fp32_model(
    tmp_path: Path, files: dict[str, bytes], fp32_model: str
) -> None:
    archive = pack_bundle(write_bundle(tmp_path / "b", _fields(), files))
    bundle = read_bundle(archive)
    assert bundle.files == files
    assert bundle.manifest.default_model == "model.onnx"
    assert bundle.manifest.fp32_model == fp32_model
    assert bundle.files[bundle.manifest.fp32_model] == MODEL_FP32


def test_packed_archive_reads_back_identically_and_is_reproducible(bundle_dir: Path) -> None:
    archive = pack_bundle(bundle_dir)
    assert archive.name == "bundle.tar.gz"
    first = archive.read_bytes()
    from_dir, from_tar = read_bundle(bundle_dir), read_bundle(archive)
    assert from_tar.manifest == from_dir.manifest
    assert from_tar.files == from_dir.files
    assert pack_bundle(bundle_dir, archive).read_bytes() == first


def test_altered_model_file_is_refused_naming_the_file(bundle_dir: Path) -> None:
    data = bytearray((bundle_dir / "model.onnx").read_bytes())
    data[10] ^= 0xFF
    (bundle_dir / "model.onnx").write_bytes(bytes(data))
    with pytest.raises(BundleError, match=r"model\.onnx: sha256 .* does not match"):
        read_bundle(bundle_dir)


def test_unknown_schema_is_refused_before_anything_else(bundle_dir: Path) -> None:
    manifest = json.loads((bundle_dir / MANIFEST_NAME).read_text())
    manifest["schema"] = 2
    manifest["brand_new_field"] = "from the future"
    (bundle_dir / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="schema 2 is not supported"):
        read_bundle(bundle_dir)


def test_missing_and_unlisted_files_are_refused(bundle_dir: Path) -> None:
    (bundle_dir / FP32_MODEL_NAME).unlink()
    with pytest.raises(BundleError, match=r"missing file\(s\).*model_fp32\.onnx"):
        read_bundle(bundle_dir)
    (bundle_dir / FP32_MODEL_NAME).write_bytes(MODEL_FP32)
    (bundle_dir / "extra.bin").write_bytes(b"smuggled")
    with pytest.raises(BundleError, match=r"not listed.*extra\.bin"):
        read_bundle(bundle_dir)


def test_corrupt_manifest_json_is_refused(bundle_dir: Path) -> None:
    (bundle_dir / MANIFEST_NAME).write_text('{"schema": 1, "version": ')
    with pytest.raises(BundleError, match="manifest.json: not valid JSON"):
        read_bundle(bundle_dir)


def _tar_with(tmp_path: Path, members: list[tarfile.TarInfo], data: bytes = b"x") -> Path:
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for info in members:
            if info.isfile():
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return path


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (tarfile.TarInfo("../outside.onnx"), "path traversal"),
        (tarfile.TarInfo("/etc/model.onnx"), "path traversal"),
        (tarfile.TarInfo("nested/model.onnx"), "top level"),
    ],
)
def test_archive_members_escaping_the_bundle_are_refused(
    tmp_path: Path, member: tarfile.TarInfo, message: str
) -> None:
    with pytest.raises(BundleError, match=message):
        read_bundle(_tar_with(tmp_path, [member]))


def test_archive_links_are_refused(tmp_path: Path) -> None:
    link = tarfile.TarInfo("model.onnx")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    with pytest.raises(BundleError, match="not a plain file"):
        read_bundle(_tar_with(tmp_path, [link]))


def test_truncated_archive_is_refused(bundle_dir: Path, tmp_path: Path) -> None:
    archive = pack_bundle(bundle_dir, tmp_path / "b.tar.gz")
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(BundleError, match="not a readable .tar.gz bundle"):
        read_bundle(archive)


def test_missing_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="no such bundle"):
        read_bundle(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"normalisation": {"mean": [0.0] * 12, "std": [1.0] * 12}}, "for 13 channels"),
        ({"normalisation": {"mean": [0.0] * 13, "std": [0.0] * 13}}, "std must be > 0"),
        ({"events": {"thresholds": {"dribble": 0.5}, "nms_s": 1.0}}, "unknown labels"),
        ({"events": {"thresholds": {"shot": 1.5}, "nms_s": 1.0}}, "expected 0..1"),
        ({"default_model": "model.tflite"}, "not in files"),
        ({"layout": "NTC"}, "layout"),
    ],
)
def test_inconsistent_manifest_is_refused_when_writing(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(BundleError, match=message):
        write_bundle(tmp_path / "b", _fields(**overrides), {"model.onnx": MODEL})
    assert not (tmp_path / "b").exists()


def test_channel_cutoff_above_nyquist_is_refused(tmp_path: Path) -> None:
    fields = _fields()
    fields["channels"][0]["lowpass_hz"] = 60.0
    with pytest.raises(BundleError, match="not below Nyquist"):
        write_bundle(tmp_path / "b", fields, {"model.onnx": MODEL})


def test_writing_never_overwrites_an_existing_bundle(bundle_dir: Path) -> None:
    before = (bundle_dir / "model.onnx").read_bytes()
    with pytest.raises(BundleError, match="not an empty directory"):
        write_bundle(bundle_dir, _fields(), {"model.onnx": b"new"})
    assert (bundle_dir / "model.onnx").read_bytes() == before
    read_bundle(bundle_dir)


def test_manifest_model_round_trips_through_json() -> None:
    fields = _fields(files={"model.onnx": sha256_hex(MODEL)})
    manifest = Manifest.model_validate(fields)
    assert Manifest.model_validate_json(manifest.to_json()) == manifest


def test_prepare_windows_filters_each_channel_at_its_cutoff_then_normalises(
    bundle_dir: Path,
) -> None:
    manifest = read_bundle(bundle_dir).manifest
    rng = np.random.default_rng(0)
    t = np.arange(600) / 100.0
    # 1 Hz signal plus 40 Hz jitter: the 20 Hz IMU low-pass keeps the first, drops the second.
    windows = np.broadcast_to(
        np.sin(2 * np.pi * t) + 0.5 * np.sin(2 * np.pi * 40 * t), (3, 13, 600)
    )
    windows = (windows + 0.01 * rng.standard_normal((3, 13, 600))).astype(np.float32)
    present = np.ones((3, 13), dtype=bool)
    present[1, 12] = False
    out = prepare_windows(manifest, windows, present)
    assert out.dtype == np.float32 and out.shape == (3, 13, 600)
    expected_imu = (dsp.lowpass(windows[:, :12], 100.0, 20.0) - 0.1) / (1.5 + dsp.NORMALISER_EPS)
    np.testing.assert_allclose(out[:, :12], expected_imu, atol=1e-5)
    expected_speed = (dsp.lowpass(windows[:, 12], 100.0, 2.0) - 0.1) / (1.5 + dsp.NORMALISER_EPS)
    np.testing.assert_allclose(out[[0, 2], 12], expected_speed[[0, 2]], atol=1e-5)
    assert not out[1, 12].any()
    # The 40 Hz jitter is gone from the middle of the window.
    middle = out[0, 0, 100:500] * 1.5 + 0.1
    np.testing.assert_allclose(middle, np.sin(2 * np.pi * t[100:500]), atol=0.05)


def test_prepare_windows_refuses_a_window_of_the_wrong_shape(bundle_dir: Path) -> None:
    manifest = read_bundle(bundle_dir).manifest
    with pytest.raises(BundleError, match=r"expects \(N, 13, 600\)"):
        prepare_windows(manifest, np.zeros((2, 12, 600), dtype=np.float32))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"version": "./../../../x"}, "not a safe name"),
        ({"version": "2026/11"}, "not a safe name"),
        ({"version": ".hidden"}, "not a safe name"),
        ({"version": "v" * 65}, "not a safe name: 1-64"),
        ({"sample_rate_hz": float("inf")}, "sample_rate_hz: Input should be a finite number"),
        ({"sample_rate_hz": float("nan")}, "sample_rate_hz: Input should be a finite number"),
        ({"sample_rate_hz": 1e9}, "sample_rate_hz: Input should be less than or equal to 1000"),
        (
            {"normalisation": {"mean": [float("inf")] + [0.1] * 12, "std": [1.5] * 13}},
            r"normalisation\.mean\.0: Input should be a finite number",
        ),
        ({"normalisation": {"mean": [0.1] * 13, "std": [1e300] * 13}}, r"normalisation\.std"),
        ({"window_s": 1e12}, "window_s: Input should be less than or equal to 20"),
        ({"hop_s": 1e-9}, "under one sample"),
        ({"hop_s": 8.0}, "longer than window_s"),
        ({"events": {"thresholds": {"shot": float("nan")}, "nms_s": 1.0}}, "shot"),
        ({"events": {"thresholds": {}, "nms_s": float("inf")}}, r"events\.nms_s"),
        ({"metrics": {"macro_f1": float("nan")}}, r"metrics\.macro_f1"),
        (
            {"labels": [*taxonomy.ACTIONS[:-1], "instep kick", "background"]},
            "label 'instep kick' is not a label: up to 40 letters",
        ),
        ({"labels": [f"drill{k}" for k in range(65)]}, "more than 64 action labels"),
    ],
)
def test_manifest_that_the_sideline_cannot_run_is_refused_when_read(
    bundle_dir: Path, overrides: dict[str, Any], message: str
) -> None:
    # Written by hand, as a crafted bundle would be: every hash valid, the values not.
    manifest = {**json.loads((bundle_dir / MANIFEST_NAME).read_text()), **overrides}
    (bundle_dir / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=message) as refused:
        read_bundle(bundle_dir)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        ({"name": "hr_bpm", "unit": "bpm"}, "not one the sideline can feed"),
        ({"name": "waist_ax", "unit": "m/s^2"}, "the sideline measures it in 'g'"),
    ],
)
def test_channels_the_sideline_cannot_feed_are_refused(
    tmp_path: Path, channel: dict[str, Any], message: str
) -> None:
    fields = _fields()
    fields["channels"][0] = channel
    with pytest.raises(BundleError, match=message):
        write_bundle(tmp_path / "b", fields, {"model.onnx": MODEL})


def test_empty_file_and_empty_archive_are_one_clear_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.tar.gz"
    empty.write_bytes(b"")
    with pytest.raises(BundleError, match="empty file, not a .tar.gz bundle") as refused:
        read_bundle(empty)
    assert "\n" not in str(refused.value)
    no_members = _tar_with(tmp_path, [])
    with pytest.raises(BundleError, match="the archive is empty"):
        read_bundle(no_members)
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not an archive at all")
    with pytest.raises(BundleError, match="not a readable .tar.gz bundle") as refused:
        read_bundle(garbage)
    assert "\n" not in str(refused.value)


def test_signature_travels_with_the_bundle_through_pack_and_read(tmp_path: Path, sign) -> None:
    written = write_bundle(tmp_path / "b", _fields(), {"model.onnx": MODEL}, sign=sign)
    assert (written / SIGNATURE_NAME).exists()
    from_dir = read_bundle(written)
    from_tar = read_bundle(pack_bundle(written))
    assert from_tar.signature == from_dir.signature == sign(from_dir.manifest_bytes)
    assert from_tar.manifest_bytes == (written / MANIFEST_NAME).read_bytes()
    assert SIGNATURE_NAME not in from_tar.files


def test_signature_json_may_not_be_listed_as_a_bundle_file(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="not allowed in a bundle"):
        write_bundle(tmp_path / "b", _fields(), {"model.onnx": MODEL, SIGNATURE_NAME: b"{}"})
