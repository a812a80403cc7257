"""`export_run`: a bundle the sideline can verify, within budget, faithful to torch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import host.export.bundle as bundle_module
from edge import taxonomy
from edge.bundle import FP32_MODEL_NAME, read_bundle, sha256_hex
from edge.infer import ActionModel, softmax
from host.data.dataset import Dataset
from host.distill.config import StudentConfig
from host.distill.pipeline import DistillResult
from host.distill.student import build_student
from host.distill.trained import StudentRunError, load_student
from host.export.bundle import (
    EXPORT_REPORT,
    MODEL_BUDGET_BYTES,
    ExportError,
    ExportResult,
    export_run,
    halved_within_accuracy,
    model_files,
)
from host.export.onnx import halve_matrices, onnx_session, run_onnx, to_onnx_bytes
from host.export.quantize import Choice, VariantFigures

# Stated tolerances (docs/student.md): fp32 ONNX reproduces torch's logits to 1e-4;
# int8 may move a probability by up to 0.15 but must agree with fp32 on >= 95 % of windows.
FP32_LOGIT_TOL = 1e-4
INT8_PROB_TOL = 0.15
INT8_AGREEMENT = 0.95


def test_bundle_holds_each_model_once_and_a_manifest_the_edge_accepts(
    exported: ExportResult, distilled: tuple[Dataset, DistillResult]
) -> None:
    dataset, result = distilled
    bundle = read_bundle(exported.archive)
    m = bundle.manifest
    int8_default = exported.choice.default == "int8"
    expected = {"model.onnx", FP32_MODEL_NAME} if int8_default else {"model.onnx"}
    assert set(bundle.files) == expected
    assert len(set(m.files.values())) == len(m.files)  # no model twice
    assert m.default_model == "model.onnx"
    assert m.fp32_model == (FP32_MODEL_NAME if int8_default else "model.onnx")
    assert len(bundle.files["model.onnx"]) == (
        exported.choice.int8.size_bytes if int8_default else exported.choice.fp32.size_bytes
    )
    assert m.version == "test-1" and m.labels == list(taxonomy.LABELS)
    assert m.channel_names == [*taxonomy.IMU_CHANNELS, "speed_mps"]
    assert m.channels[-1].optional and not m.channels[0].optional
    assert (m.sample_rate_hz, m.window_samples, m.hop_samples) == (100.0, 600, 50)
    assert m.synthetic and m.data_hash == dataset.content_hash
    assert m.events.thresholds == load_student(result.out_dir).thresholds
    gated = {"val_macro_f1", "test_macro_f1", "val_accuracy_fp32", "val_accuracy_int8"}
    assert gated <= set(m.metrics)
    assert 0 < m.metrics["val_macro_f1"] <= 1


@pytest.mark.parametrize("int8_default", [False, True])
def test_model_files_ship_fp32_beside_int8_only(int8_default: bool) -> None:
    fp32, int8 = b"fp32-model", b"int8-model"
    files = model_files(fp32, int8 if int8_default else None)
    if int8_default:
        assert files == {"model.onnx": int8, FP32_MODEL_NAME: fp32}
    else:
        assert files == {"model.onnx": fp32}
    assert len({sha256_hex(data) for data in files.values()}) == len(files)


def test_every_model_in_the_bundle_fits_the_sideline_budget(exported: ExportResult) -> None:
    # The fixture's student is the default: two CNNs averaged, one graph.
    files = read_bundle(exported.archive).files
    models = {name: len(data) for name, data in files.items() if name.startswith("model")}
    assert exported.model_bytes == models
    assert all(size <= MODEL_BUDGET_BYTES for size in models.values()), models
    assert exported.archive.stat().st_size == exported.archive_bytes


def test_a_model_over_the_budget_is_written_but_refused_naming_it(
    distilled: tuple[Dataset, DistillResult],
    club_key,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, result = distilled
    monkeypatch.setattr(bundle_module, "MODEL_BUDGET_BYTES", 1024)
    out = tmp_path / "over-1"
    with pytest.raises(ExportError, match=r"model\.onnx \(\d+\.\d KB\).* 1 KB per model"):
        export_run(result.out_dir.parent, out, version="over-1", signing_key=club_key)
    report = json.loads((tmp_path / f"over-1.{EXPORT_REPORT}").read_text())
    assert report["model_bytes"]["model.onnx"] > 1024 and report["model_budget_bytes"] == 1024
    read_bundle(out)  # written whole, for inspection


def test_onnx_fp32_matches_torch_on_real_windows(
    exported: ExportResult, distilled: tuple[Dataset, DistillResult]
) -> None:
    _, result = distilled
    student = load_student(result.out_dir)
    inputs, _ = student.prepared("test")
    with torch.inference_mode():
        expected = student.model(torch.from_numpy(inputs)).numpy()
    bundle = read_bundle(exported.bundle_dir)
    fp32 = bundle.files[bundle.manifest.fp32_model]
    np.testing.assert_allclose(run_onnx(onnx_session(fp32), inputs), expected, atol=FP32_LOGIT_TOL)
    assert exported.fp32_max_logit_error <= FP32_LOGIT_TOL


def test_int8_stays_close_to_fp32_on_real_windows(
    exported: ExportResult, distilled: tuple[Dataset, DistillResult]
) -> None:
    _, result = distilled
    inputs, _ = load_student(result.out_dir).prepared("test")
    bundle = read_bundle(exported.bundle_dir)
    fp32 = bundle.files[bundle.manifest.fp32_model]
    p32 = softmax(run_onnx(onnx_session(fp32), inputs))
    int8 = exported.choice  # the figures behind the choice are recorded either way
    assert int8.int8.size_bytes < int8.fp32.size_bytes
    from host.export.quantize import quantize_int8

    calibration, _ = load_student(result.out_dir).prepared("train")
    p8 = softmax(run_onnx(onnx_session(quantize_int8(fp32, calibration)), inputs))
    assert np.abs(p8 - p32).max() <= INT8_PROB_TOL
    assert np.mean(p8.argmax(axis=1) == p32.argmax(axis=1)) >= INT8_AGREEMENT


def test_edge_model_with_fp32_gives_torch_probabilities_from_raw_windows(
    exported: ExportResult, distilled: tuple[Dataset, DistillResult]
) -> None:
    _, result = distilled
    student = load_student(result.out_dir)
    raw, present, _ = student.windows("test")
    bundle = read_bundle(exported.archive)
    fp32_bundle = type(bundle)(
        bundle.source,
        bundle.manifest.model_copy(update={"default_model": bundle.manifest.fp32_model}),
        bundle.files,
    )
    edge_probs = ActionModel.from_bundle(fp32_bundle).predict(raw, present)
    inputs, _ = student.prepared("test")
    with torch.inference_mode():
        host_probs = torch.softmax(student.model(torch.from_numpy(inputs)), dim=1).numpy()
    np.testing.assert_allclose(edge_probs, host_probs, atol=1e-5)


def test_export_refuses_a_dataset_changed_since_distillation(
    distilled: tuple[Dataset, DistillResult], tmp_path: Path
) -> None:
    dataset, result = distilled
    student = load_student(result.out_dir)
    state = dict(student.state, data_hash="0" * 64)
    moved = tmp_path / "run" / "student"
    moved.mkdir(parents=True)
    (moved / "distill.json").write_text(json.dumps(state))
    (moved / "student.pt").write_bytes((result.out_dir / "student.pt").read_bytes())
    with pytest.raises(StudentRunError, match="dataset changed since distillation"):
        export_run(tmp_path / "run", version="x", key_dir=tmp_path / "keys")
    assert not (tmp_path / "run" / "bundles").exists()


def test_export_without_a_key_or_key_directory_is_refused_before_any_work(
    distilled: tuple[Dataset, DistillResult],
) -> None:
    _, result = distilled
    with pytest.raises(ExportError, match="a bundle is always signed"):
        export_run(result.out_dir.parent, version="unsigned")
    assert not (result.out_dir.parent / "bundles" / "unsigned").exists()


def test_a_halved_graph_that_loses_validation_accuracy_is_refused() -> None:
    model = build_student(StudentConfig(kind="cnn")).eval()
    fp32 = to_onnx_bytes(model, len(taxonomy.IMU_CHANNELS) + 1, 600)
    windows = np.random.default_rng(0).standard_normal((16, 13, 600)).astype(np.float32)
    predicted = run_onnx(onnx_session(fp32), windows).argmax(axis=1)
    figures = VariantFigures(len(fp32), 0.1, 1.0)
    choice = Choice("fp32", "", figures, figures)
    # Labelled as fp32 predicts them, the halved graph keeps its accuracy and ships.
    halved = halve_matrices(fp32)
    error = halved_within_accuracy(fp32, halved, windows, predicted, choice)
    assert len(halved) < len(fp32) and 0 < error < 1e-2
    # Against labels it scores lower on than fp32's recorded accuracy, it is refused.
    with pytest.raises(ExportError, match=r"accuracy falls from 1\.000 to 0\.000"):
        halved_within_accuracy(fp32, halved, windows, (predicted + 1) % 9, choice)
