"""`touchline export`: the distilled student → a verified model bundle for the sideline.

ONNX fp32 (checked against torch on real validation windows) as `model.onnx`, unless an
int8 variant measurably helps: then int8 is `model.onnx` and fp32 ships beside it as
`model_fp32.onnx`, its reference. Each model is in the bundle once, and each file the
sideline may load is within DESIGN's 100 KB per model: an fp32 graph over it ships with
its matrix-product weights stored in half precision (still run in float32) where that
keeps its validation accuracy. Optionally a `.tflite`, and the manifest:
channels, rate, window, filters, z-score, the event thresholds tuned on validation,
sha256 per file, the training data hash and the metrics that gated it. Signed with the
club's Ed25519 key (host.signing; made on first use), so a sideline installs it only if it
came from this host. Written as a directory and a `.tar.gz`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch

from edge.bundle import FP32_MODEL_NAME, check_version, pack_bundle, write_bundle
from firmware_bridge.errors import UserError
from host.distill.trained import TrainedStudentRun, load_student
from host.export.onnx import halve_matrices, onnx_session, run_onnx, to_onnx_bytes
from host.export.quantize import MAX_ACCURACY_LOSS, Choice, choose_variant, quantize_int8
from host.export.tflite import to_tflite_bytes
from host.signing import ClubKey, load_or_create_key

# The sideline budget of each model file the bundle carries (DESIGN: model ≤ 100 KB); the
# archive holds up to three (docs/decisions.md, "The 100 KB budget is per model").
MODEL_BUDGET_BYTES = 100 * 1024
# ONNX fp32 must reproduce torch's logits this closely on real windows.
FP32_LOGIT_TOLERANCE = 1e-4
EXPORT_REPORT = "export.json"


class ExportError(UserError):
    """The student cannot be exported faithfully (parity failed, a model over budget...)."""


@dataclass(frozen=True)
class ExportResult:
    bundle_dir: Path
    archive: Path
    choice: Choice
    fp32_max_logit_error: float
    archive_bytes: int
    # Each model file's size: every one within MODEL_BUDGET_BYTES.
    model_bytes: dict[str, int]
    tflite: bool
    key_id: str
    # True when this export made the club's signing key (first export on this host).
    key_created: bool = False
    # Where the fp32 graph was over budget and ships with its matrix-product weights in
    # half precision: its largest logit difference from the full graph on validation
    # windows. None where it ships whole.
    halved_max_logit_error: float | None = None


def export_run(
    run_dir: Path,
    out_dir: Path | None = None,
    data_dir: Path | None = None,
    tflite: bool = False,
    version: str | None = None,
    signing_key: ClubKey | None = None,
    key_dir: Path | None = None,
) -> ExportResult:
    """Export `run_dir/student` to `out_dir` (default `run_dir/bundles/<version>`), signed
    with `signing_key`, else with the club key in `key_dir` (made if missing; the caller
    resolves it from the settings)."""
    if signing_key is None and key_dir is None:
        raise ExportError("no signing key and no key directory: a bundle is always signed")
    version = check_version(version or datetime.now(UTC).strftime("%Y%m%d-%H%M%S"))
    student = load_student(Path(run_dir) / "student")
    out = out_dir or Path(run_dir) / "bundles" / version
    val_inputs, val_labels = student.prepared("val", data_dir)
    train_inputs, _ = student.prepared("train", data_dir)

    fp32 = to_onnx_bytes(student.model, len(student.spec.channels), student.spec.window_samples)
    error = fp32_parity_error(student.model, fp32, val_inputs)
    if error > FP32_LOGIT_TOLERANCE:
        raise ExportError(
            f"ONNX fp32 differs from torch by {error:.2e} on validation windows "
            f"(tolerance {FP32_LOGIT_TOLERANCE:.0e}); not exporting"
        )
    int8 = quantize_int8(
        fp32, train_inputs[np.random.default_rng(0).permutation(len(train_inputs))]
    )
    choice = choose_variant(fp32, int8, val_inputs, val_labels)
    shipped = fp32_as_shipped(fp32)
    halved_error = (
        None
        if shipped is fp32
        else halved_within_accuracy(fp32, shipped, val_inputs, val_labels, choice)
    )
    files = model_files(shipped, int8 if choice.default == "int8" else None)
    if tflite:
        files["model.tflite"] = to_tflite_bytes(
            student.model, len(student.spec.channels), student.spec.window_samples
        )
    created = False
    if signing_key is None:
        assert key_dir is not None  # checked above, before any work
        signing_key, created = load_or_create_key(key_dir)
    bundle_dir = write_bundle(
        out, manifest_fields(student, version, choice), files, sign=signing_key.sign
    )
    archive = pack_bundle(bundle_dir)
    size = archive.stat().st_size
    result = ExportResult(
        bundle_dir=bundle_dir,
        archive=archive,
        choice=choice,
        fp32_max_logit_error=error,
        archive_bytes=size,
        model_bytes={name: len(data) for name, data in files.items()},
        tflite=tflite,
        key_id=signing_key.key_id,
        key_created=created,
        halved_max_logit_error=halved_error,
    )
    (bundle_dir.parent / f"{bundle_dir.name}.{EXPORT_REPORT}").write_text(
        json.dumps(_report(result), indent=2) + "\n"
    )
    over = _over_budget(files)
    if over:  # checked once the report is written: it says how far over
        members = student.config.student.cnn_members
        litert = (
            f"; the `.tflite` of {members} CNNs averaged is larger than their ONNX: a student "
            "of one (`touchline distill --cnn-members 1`) fits"
            if "model.tflite" in over and student.config.student.kind == "cnn" and members > 1
            else ""
        )
        halved = (
            f"; its matrix weights are already stored in half precision: {len(student.labels)} "
            "labels make the Hydra student's head this large, and the CNN student "
            "(`touchline distill --student cnn`) stays small"
            if halved_error is not None and student.config.student.kind == "hydra"
            else ""
        )
        listed = ", ".join(f"{name} ({n / 1024:.1f} KB)" for name, n in over.items())
        raise ExportError(
            f"{archive}: {listed} over the sideline budget of "
            f"{MODEL_BUDGET_BYTES / 1024:.0f} KB per model (written, but do not publish it)"
            f"{litert}{halved}"
        )
    return result


def fp32_as_shipped(fp32: bytes) -> bytes:
    """The fp32 graph as the bundle carries it: whole within `MODEL_BUDGET_BYTES`, with its
    matrix weights in half precision (`halve_matrices`) over it."""
    return fp32 if len(fp32) <= MODEL_BUDGET_BYTES else halve_matrices(fp32)


def halved_within_accuracy(
    fp32: bytes, halved: bytes, val_inputs: np.ndarray, val_labels: np.ndarray, choice: Choice
) -> float:
    """`halved`'s largest logit difference from `fp32` on the validation windows, if it
    keeps fp32's validation accuracy within the points int8 may lose."""
    logits = run_onnx(onnx_session(halved), val_inputs)
    accuracy = float(np.mean(logits.argmax(axis=1) == val_labels))
    if choice.fp32.val_accuracy - accuracy > MAX_ACCURACY_LOSS:
        raise ExportError(
            f"the fp32 model is {len(fp32) / 1024:.1f} KB, over the sideline budget of "
            f"{MODEL_BUDGET_BYTES / 1024:.0f} KB, and with its matrix weights in half "
            f"precision its validation accuracy falls from {choice.fp32.val_accuracy:.3f} to "
            f"{accuracy:.3f}; not exporting"
        )
    return float(np.abs(logits - run_onnx(onnx_session(fp32), val_inputs)).max())


def _over_budget(files: dict[str, bytes]) -> dict[str, int]:
    """The size of each model file over `MODEL_BUDGET_BYTES`, by name."""
    return {name: len(data) for name, data in files.items() if len(data) > MODEL_BUDGET_BYTES}


def model_files(fp32: bytes, int8: bytes | None) -> dict[str, bytes]:
    """The bundle's ONNX files, each model once: the shipped int8 as `model.onnx` with fp32
    beside it as its reference, or, when `int8` is None (fp32 chosen), fp32 alone."""
    if int8 is None:
        return {"model.onnx": fp32}
    return {"model.onnx": int8, FP32_MODEL_NAME: fp32}


def manifest_fields(student: TrainedStudentRun, version: str, choice: Choice) -> dict[str, Any]:
    """Every manifest field except `files` (write_bundle hashes those)."""
    state = student.state
    metrics = dict(state["metrics"])
    metrics.update(
        {
            "val_accuracy_fp32": choice.fp32.val_accuracy,
            "val_accuracy_int8": choice.int8.val_accuracy,
        }
    )
    return {
        "schema": 1,
        "version": version,
        "labels": list(student.labels),
        **student.spec.model_dump(mode="json"),
        "events": state["events"],
        "default_model": "model.onnx",
        "data_hash": state["data_hash"],
        "synthetic": state["synthetic"],
        "metrics": metrics,
    }


def fp32_parity_error(model: torch.nn.Module, fp32: bytes, inputs: np.ndarray) -> float:
    """Largest absolute logit difference between torch and onnxruntime on `inputs`."""
    model.eval()
    with torch.inference_mode():
        expected = model(torch.from_numpy(inputs)).numpy()
    return float(np.abs(run_onnx(onnx_session(fp32), inputs) - expected).max())


def _report(result: ExportResult) -> dict[str, Any]:
    return {
        "bundle": str(result.bundle_dir.name),
        "archive_bytes": result.archive_bytes,
        "model_bytes": result.model_bytes,
        "model_budget_bytes": MODEL_BUDGET_BYTES,
        "fp32_max_logit_error": result.fp32_max_logit_error,
        "halved_max_logit_error": result.halved_max_logit_error,
        "choice": result.choice.to_dict(),
        "tflite": result.tflite,
        "signed_by": result.key_id,
    }
