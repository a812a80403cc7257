"""The Hydra-style student: the same logits through ONNX, and it learns real rhythms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from edge import dsp
from host.distill.augment import AugmentConfig, Augmenter, imu_sensors
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
        features = model.features(x)
    counts = features[:, features.shape[1] // 2 :].reshape(2, len(model.dilations), 2 * model.h, -1)
    assert counts.shape[-1] == model.k
    # Per group, every time step has exactly one least-answering kernel (no ties on noise);
    # the first difference is padded to the window's length, so its groups count 100 too.
    assert torch.equal(counts.sum(-1), torch.full_like(counts.sum(-1), 100.0))


def test_fitted_on_movements_it_recognises_unseen_athletes(tmp_path: Path) -> None:
    data = load_collection(write_motions(tmp_path))
    model = fit_hydra_student(data.x_train, data.y_train, 3, HydraConfig(groups=8, pool=1))
    with torch.no_grad():
        pred = model(torch.from_numpy(data.x_test)).argmax(1).numpy()
    assert np.mean(pred == data.y_test) >= 0.9  # chance is 0.33


def _augmenter() -> Augmenter:
    return Augmenter(AugmentConfig(rotation_deg=30.0, magnitude_sigma=0.2), imu_sensors(1))


def test_augmented_copies_change_the_head_and_are_seeded(tmp_path: Path) -> None:
    data = load_collection(write_motions(tmp_path))
    normaliser = dsp.Normaliser.fit(data.x_train, axis=1)
    x = normaliser.apply(data.x_train).astype(np.float32)
    config = HydraConfig(groups=8, pool=1, augmented_copies=2)
    first = fit_hydra_student(x, data.y_train, 3, config, _augmenter(), normaliser)
    again = fit_hydra_student(x, data.y_train, 3, config, _augmenter(), normaliser)
    plain = fit_hydra_student(x, data.y_train, 3, HydraConfig(groups=8, pool=1))
    assert torch.equal(first.head.weight, again.head.weight)
    assert not torch.allclose(first.head.weight, plain.head.weight)
    with torch.no_grad():
        test = torch.from_numpy(normaliser.apply(data.x_test).astype(np.float32))
        pred = first(test).argmax(1).numpy()
    assert np.mean(pred == data.y_test) >= 0.9


def test_augmented_copies_need_an_augmenter(tmp_path: Path) -> None:
    data = load_collection(write_motions(tmp_path))
    with pytest.raises(ValueError, match="augmenter"):
        fit_hydra_student(data.x_train, data.y_train, 3, HydraConfig(augmented_copies=1))
