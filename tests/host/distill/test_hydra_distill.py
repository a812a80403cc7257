"""`touchline distill --student hydra`: the Hydra student goes through the same pipeline,
checkpoint and export as the CNN, with its head fitted in closed form; `--student auto`
keeps the family better on training athletes its fits left out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
import torch
from signature_data import (
    TEST_CONFIG,
    TEST_MINIROCKET_KERNELS,
    LabelAwareTeacher,
    write_signature_dataset,
)
from sklearn.metrics import f1_score

from edge.bundle import read_bundle
from edge.infer import ActionModel
from host.distill.config import StudentConfig
from host.distill.family import CHOICE_CONFIDENCE
from host.distill.hydra_student import HydraStudent
from host.distill.pipeline import DistillResult, distill
from host.distill.report import STUDENT_DISTILLED, STUDENT_PLAIN, report_markdown
from host.distill.student import build_student, family_of
from host.distill.trained import load_student
from host.export import bundle as bundle_module
from host.export.bundle import EXPORT_REPORT, ExportError, export_run
from host.export.onnx import onnx_session, run_onnx
from host.signing import load_or_create_key


def _distilled(
    tmp_path_factory: pytest.TempPathFactory, kind: Literal["hydra", "auto"], max_epochs: int
) -> DistillResult:
    """The signature squad distilled with a student of `kind` (hydra or auto)."""
    root = tmp_path_factory.mktemp(kind)
    config = TEST_CONFIG.replace(student=StudentConfig(kind=kind), max_epochs=max_epochs)
    return distill(
        write_signature_dataset(root / "data"),
        root / "run" / "student",
        LabelAwareTeacher(),
        config,
        minirocket_kernels=TEST_MINIROCKET_KERNELS,
    )


@pytest.fixture(scope="module")
def hydra_distilled(tmp_path_factory: pytest.TempPathFactory) -> DistillResult:
    return _distilled(tmp_path_factory, "hydra", TEST_CONFIG.max_epochs)


def test_hydra_student_learns_the_signatures_in_closed_form(
    hydra_distilled: DistillResult,
) -> None:
    report = hydra_distilled.report
    assert report.student.kind == "hydra" and report.student.epochs == 0
    # Far above the 1-in-9 chance level, with and without the teacher's soft targets. The
    # fixture codes each class by a bump's height on one axis, which random channel sums
    # and winner counts see less sharply than the CNN does (its bar is 0.8); real rhythms
    # are in test_hydra_student.py.
    assert report.row(STUDENT_DISTILLED).macro_f1.value > 0.5
    assert report.row(STUDENT_PLAIN).macro_f1.value > 0.5
    size = report.row(STUDENT_DISTILLED).size_bytes
    assert size is not None and size < 100 * 1024


def test_saved_hydra_student_reproduces_the_reported_accuracy(
    hydra_distilled: DistillResult,
) -> None:
    student = load_student(hydra_distilled.out_dir)
    assert isinstance(student.model, HydraStudent)
    inputs, labels = student.prepared("test")
    with torch.inference_mode():
        predicted = student.model(torch.from_numpy(inputs)).argmax(dim=1).numpy()
    reported = hydra_distilled.report.row(STUDENT_DISTILLED)
    assert np.mean(predicted == labels) == pytest.approx(reported.accuracy.value)


def test_exported_hydra_student_gives_the_edge_the_torch_probabilities(
    hydra_distilled: DistillResult, tmp_path: Path
) -> None:
    key = load_or_create_key(tmp_path / "keys")[0]
    exported = export_run(hydra_distilled.out_dir.parent, version="hydra-1", signing_key=key)
    bundle = read_bundle(exported.archive)
    student = load_student(hydra_distilled.out_dir)
    raw, present, _ = student.windows("test")
    edge_probs = ActionModel.from_bundle(bundle).predict(raw, present)
    inputs, _ = student.prepared("test")
    with torch.inference_mode():
        host_probs = torch.softmax(student.model(torch.from_numpy(inputs)), dim=1).numpy()
    # The export keeps fp32 where int8 would lose accuracy; either way the edge agrees.
    assert np.mean(edge_probs.argmax(1) == host_probs.argmax(1)) >= 0.95
    if bundle.manifest.default_model == bundle.manifest.fp32_model:
        np.testing.assert_allclose(edge_probs, host_probs, atol=1e-5)


def test_a_hydra_student_over_the_budget_ships_its_head_in_half_precision(
    hydra_distilled: DistillResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a longer label list makes the head: here the budget is lowered under the
    # fixture's whole graph instead.
    key = load_or_create_key(tmp_path / "keys")[0]
    whole = export_run(
        hydra_distilled.out_dir.parent, tmp_path / "whole", version="w", signing_key=key
    )
    assert whole.halved_max_logit_error is None
    fp32_bytes = whole.choice.fp32.size_bytes
    monkeypatch.setattr(bundle_module, "MODEL_BUDGET_BYTES", int(0.8 * fp32_bytes))
    halved = export_run(
        hydra_distilled.out_dir.parent, tmp_path / "half", version="h", signing_key=key
    )
    assert halved.halved_max_logit_error is not None and halved.halved_max_logit_error < 1e-2
    assert all(size <= 0.8 * fp32_bytes for size in halved.model_bytes.values())
    report = json.loads((tmp_path / f"half.{EXPORT_REPORT}").read_text())
    assert report["halved_max_logit_error"] == halved.halved_max_logit_error
    # The sideline gets the host's probabilities from it, to the third decimal.
    bundle = read_bundle(halved.archive)
    student = load_student(hydra_distilled.out_dir)
    raw, present, _ = student.windows("test")
    fp32 = bundle.files[bundle.manifest.fp32_model]
    inputs, _ = student.prepared("test")
    with torch.inference_mode():
        host_logits = student.model(torch.from_numpy(inputs)).numpy()
    np.testing.assert_allclose(run_onnx(onnx_session(fp32), inputs), host_logits, atol=1e-2)
    edge_probs = ActionModel.from_bundle(bundle).predict(raw, present)
    assert np.mean(edge_probs.argmax(1) == host_logits.argmax(1)) >= 0.95
    # Under what even half precision needs, it is refused, saying why.
    monkeypatch.setattr(bundle_module, "MODEL_BUDGET_BYTES", int(0.3 * fp32_bytes))
    with pytest.raises(ExportError, match="already stored in half precision.*--student cnn"):
        export_run(hydra_distilled.out_dir.parent, tmp_path / "x", version="x", signing_key=key)


@pytest.fixture(scope="module")
def auto_distilled(tmp_path_factory: pytest.TempPathFactory) -> DistillResult:
    # Few epochs: auto fits each family five times, and what is tested is the choice.
    return _distilled(tmp_path_factory, "auto", max_epochs=4)


def test_auto_keeps_the_family_better_on_athletes_held_out_and_saves_it_by_name(
    auto_distilled: DistillResult, hydra_distilled: DistillResult
) -> None:
    report = auto_distilled.report
    kept = report.student
    assert set(kept.held_out_macro_f1) == {"cnn", "hydra"}
    assert set(kept.held_out_over_first) == {"hydra"}
    share = kept.held_out_ahead_share["hydra"]
    # The CNN unless the Hydra student is clearly better.
    assert kept.kind == ("hydra" if share >= CHOICE_CONFIDENCE else "cnn")
    assert f"chosen by `--student auto`: {kept.kind}: macro-F1" in report_markdown(report)
    student = load_student(auto_distilled.out_dir)
    # What is saved names the family kept, so the student loads and exports as that family,
    # and the student without distillation is of that family too.
    assert kept.kind in ("cnn", "hydra") and student.config.student.kind == kept.kind
    assert family_of(student.model) == kept.kind
    assert report.row(STUDENT_PLAIN).size_bytes == report.row(STUDENT_DISTILLED).size_bytes
    # The reported validation figure is the saved student's on every validation window.
    inputs, labels = student.prepared("val")
    with torch.inference_mode():
        predicted = student.model(torch.from_numpy(inputs)).argmax(dim=1).numpy()
    assert kept.val_macro_f1 == pytest.approx(f1_score(labels, predicted, average="macro"))
    if kept.kind == "hydra":  # its fit never looks at validation: the Hydra-only run's student
        assert kept.val_macro_f1 == pytest.approx(hydra_distilled.report.student.val_macro_f1)


def test_auto_is_a_choice_made_by_training_not_a_network() -> None:
    with pytest.raises(ValueError, match="resolved by training"):
        build_student(StudentConfig(kind="auto"))
