"""The Hydra-style student: the same logits through ONNX, and it learns real rhythms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from host.distill.hydra_student import HydraConfig, HydraStudent, fit_hydra_student
from host.distill.ucr import load_collection
from host.export.onnx import onnx_session, run_onnx, to_onnx_bytes
from tests.host.distill.motions_data import write_motions


def test_onnx_export_gives_the_torch_logits() -> None:
    torch.manual_seed(0)
    model = HydraStudent(12, 600, 9, HydraConfig(groups=8)).eval()
    torch.nn.init.normal_(model.head.weight)
    x = np.random.default_rng(0).normal(size=(3, 12, 600)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    got = run_onnx(onnx_session(to_onnx_bytes(model, 12, 600)), x)
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-3)


def test_winner_counts_add_up_to_the_window_length() -> None:
    model = HydraStudent(6, 100, 3, HydraConfig(groups=4, pool=1)).eval()
    x = torch.from_numpy(np.random.default_rng(1).normal(size=(2, 6, 100)).astype(np.float32))
    with torch.no_grad():
        counts = model.features(x).reshape(2, len(model.dilations), 2, 2, model.h, model.k)
    # Per group, every time step has exactly one least-answering kernel (no ties on noise).
    sums = counts[:, :, :, 1].sum(-1)
    assert torch.equal(sums[:, :, 0], torch.full_like(sums[:, :, 0], 100.0))
    assert torch.equal(sums[:, :, 1], torch.full_like(sums[:, :, 1], 99.0))  # first difference


def test_fitted_on_movements_it_recognises_unseen_athletes(tmp_path: Path) -> None:
    data = load_collection(write_motions(tmp_path))
    model = fit_hydra_student(data.x_train, data.y_train, 3, HydraConfig(groups=8, pool=1))
    with torch.no_grad():
        pred = model(torch.from_numpy(data.x_test)).argmax(1).numpy()
    assert np.mean(pred == data.y_test) >= 0.9  # chance is 0.33
