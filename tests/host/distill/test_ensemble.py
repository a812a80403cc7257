"""AveragedStudents: one graph whose logits are the log of the members' mean probability,
exported to ONNX as one model."""

from __future__ import annotations

import numpy as np
import torch

from host.distill.ensemble import AveragedStudents
from host.export.onnx import onnx_session, run_onnx, to_onnx_bytes


def _students() -> list[torch.nn.Module]:
    torch.manual_seed(0)
    return [torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 3)) for _ in range(2)]


def test_the_mean_of_the_members_probabilities_as_logits() -> None:
    students = _students()
    x = torch.randn(5, 3, 4)
    expected = torch.stack([s(x).softmax(dim=1) for s in students]).mean(dim=0)
    logits = AveragedStudents(students)(x)
    assert torch.allclose(logits.softmax(dim=1), expected, atol=1e-6)
    # Not the mean of the logits: each member weighs in by its probabilities.
    assert not torch.allclose(logits, torch.stack([s(x) for s in students]).mean(dim=0))


def test_exported_as_one_onnx_graph_with_the_same_outputs() -> None:
    ensemble = AveragedStudents(_students()).eval()
    x = np.random.default_rng(1).standard_normal((4, 3, 4)).astype(np.float32)
    session = onnx_session(to_onnx_bytes(ensemble, 3, 4), threads=1)
    with torch.inference_mode():
        expected = ensemble(torch.from_numpy(x)).numpy()
    assert np.allclose(run_onnx(session, x), expected, atol=1e-5)
