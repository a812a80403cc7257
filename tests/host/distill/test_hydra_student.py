"""The Hydra-style student: the same logits through ONNX, and it learns real rhythms."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from sklearn.linear_model import RidgeClassifier
from torch.nn import functional as F

from edge import dsp
from host.distill.augment import AugmentConfig, Augmenter, imu_sensors
from host.distill.config import DistillConfig, StudentConfig
from host.distill.hydra_student import (
    HydraConfig,
    HydraStudent,
    fit_head,
    fit_hydra_student,
    hydra_features,
)
from host.distill.ridge import grouped_alpha, one_against_rest
from host.distill.student import build_student, hydra_config
from host.distill.ucr import LabelledSeries, load_collection
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


@pytest.mark.parametrize("summaries", [False, True])
def test_the_export_is_one_short_pipeline_without_shape_arithmetic(summaries: bool) -> None:
    config = HydraConfig(groups=16, pool=8, summaries=summaries)
    model = HydraStudent(13, 600, 9, config).eval()
    graph = onnx.load_from_string(to_onnx_bytes(model, 13, 600)).graph
    ops = [node.op_type for node in graph.node if node.op_type != "Constant"]
    # Pool, channel sums, one convolution per dilation (4 here), the winner counts and one
    # matrix product with the scaler folded in; each extra node costs onnxruntime
    # microseconds per window. The summaries read the same averaged window (one pool)
    # and add 24 nodes, all of them reductions, elementwise or small products.
    assert ops.count("Conv") == 1 + len(model.dilations)
    assert ops.count("AveragePool") == 1
    assert ops.count("Gemm") == 1 and len(ops) <= (55 if summaries else 31)
    assert not {"Shape", "Gather", "Pad", "Not", "Div"} & set(ops)


def _plain_features(model: HydraStudent, x: torch.Tensor) -> torch.Tensor:
    """Hydra's features written out step by step: pool, explicit first difference (0 at
    the end), 1×1 channel sums of (series, difference), convolutions, winners."""
    x = F.avg_pool1d(x, model.pool, model.pool)
    difference = torch.cat([x[:, :, 1:] - x[:, :, :-1], torch.zeros_like(x[:, :, :1])], dim=2)
    mixed = F.conv1d(torch.cat([x, difference], dim=1), model.mix)
    parts = mixed.split(2 * model.h, dim=1)
    z = torch.cat(
        [
            F.conv1d(part, model.weights[i], dilation=d, padding=4 * d, groups=2 * model.h)
            for i, (part, d) in enumerate(zip(parts, model.dilations, strict=True))
        ],
        dim=1,
    ).unflatten(1, (-1, model.k))
    top, bottom = z.amax(2, keepdim=True), z.amin(2, keepdim=True)
    sums = torch.where(z == top, z, 0.0).sum(-1).flatten(1)
    return torch.cat([sums, (z == bottom).sum(-1).flatten(1).to(z.dtype)], dim=1)


def test_the_short_graph_computes_hydras_features_step_by_step() -> None:
    model = HydraStudent(12, 600, 9, HydraConfig(groups=16, pool=8, seed=2)).eval()
    x = torch.randn(4, 12, 600)
    # Flat stretches, as in takes padded with their last sample: every kernel of a group
    # ties there, and all of them count.
    x[:, :, :120] = x[:, :, :1]
    x[:, :, -120:] = x[:, :, -1:]
    with torch.no_grad():
        assert torch.equal(model.features(x), _plain_features(model, x))


@pytest.mark.parametrize("summaries", [False, True])
def test_folded_head_equals_the_scaled_features_through_the_head(summaries: bool) -> None:
    torch.manual_seed(0)
    model = HydraStudent(6, 200, 4, HydraConfig(groups=8, pool=2, summaries=summaries)).eval()
    torch.nn.init.normal_(model.head.weight)
    x = torch.randn(5, 6, 200)
    with torch.no_grad():
        root = model.features(x).clamp_min(0).sqrt()
        model.mu.copy_(root.mean(0))
        model.sigma.uniform_(0.5, 2.0)
        # A feature the same on every window (here the first) gets a tiny sigma, as in a
        # fit: its centred value is exactly 0 and must stay 0 through the folded head.
        model.mu[0] = root[0, 0]
        model.sigma[0] = 1e-8
        if summaries:
            model.summary_mu.copy_(model.summaries(x).mean(0))
            model.summary_sigma.uniform_(0.5, 2.0)
        expected = model.head(model.scale(model.features(x), model.summaries(x)))
        assert expected.shape == (5, 4)
        torch.testing.assert_close(model(x), expected, rtol=1e-4, atol=1e-4)


def test_a_saved_student_loads_into_a_fresh_one_with_the_same_logits() -> None:
    config = HydraConfig(groups=8, pool=4, seed=3)
    fitted = HydraStudent(12, 600, 9, config).eval()
    torch.nn.init.normal_(fitted.head.weight)
    fitted.mu.fill_(0.5)
    state = fitted.state_dict()
    # Checkpoints keep the keys they had before the graph was shortened, and the
    # summaries' scaler; their Fourier and power matrices are rebuilt, not stored.
    assert set(state) == {
        "mix",
        "weights",
        "mu",
        "sigma",
        "summary_mu",
        "summary_sigma",
        "head.weight",
        "head.bias",
    }
    fresh = HydraStudent(12, 600, 9, config).eval()
    fresh.load_state_dict(state)
    x = torch.randn(2, 12, 600)
    with torch.no_grad():
        assert torch.equal(fresh(x), fitted(x))


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


def test_proportions_are_each_kernels_share_of_responses_above_its_fitted_bias() -> None:
    model = HydraStudent(6, 200, 4, HydraConfig(groups=8, pool=2, ppv=True)).eval()
    training = torch.randn(20, 6, 200)
    with torch.no_grad():
        model.fit_ppv_bias(model.averaged(training))
        responses = model.responses(model.averaged(training))  # (N, groups, kernels, T)
        # Each bias sits at its kernel's golden-ratio quantile of the training responses,
        # so the kernels threshold at heights spread over (0, 1), not all at the median.
        below = (responses < model.ppv_bias).float().mean((0, 3)).flatten()
        golden = (np.arange(1, below.numel() + 1) * (np.sqrt(5.0) + 1.0) / 2.0) % 1.0
        per_kernel = responses.shape[0] * responses.shape[3]  # responses pooled per kernel
        np.testing.assert_allclose(below.numpy(), golden, atol=2.0 / per_kernel)
        x = torch.randn(3, 6, 200)
        features = model.features(x)
        z = model.responses(model.averaged(x))
    n_kernels = z.shape[1] * z.shape[2]
    assert features.shape == (3, 3 * n_kernels)
    explicit = (z > model.ppv_bias).float().mean(-1).flatten(1)
    assert torch.equal(features[:, 2 * n_kernels :], explicit)
    # Hydra's own counts are unchanged by the proportions beside them.
    plain = HydraStudent(6, 200, 4, HydraConfig(groups=8, pool=2)).eval()
    with torch.no_grad():
        assert torch.equal(features[:, : 2 * n_kernels], plain.features(x))


def test_with_proportions_the_export_adds_three_operators_and_keeps_the_logits(
    tmp_path: Path,
) -> None:
    data = load_collection(write_motions(tmp_path))
    config = HydraConfig(groups=8, pool=1, ppv=True)
    model = fit_hydra_student(data.x_train, data.y_train, 3, config)
    assert model.ppv_bias.abs().sum() > 0  # fitted, not the zeros it is built with
    with torch.no_grad():
        pred = model(torch.from_numpy(data.x_test)).argmax(1).numpy()
    assert np.mean(pred == data.y_test) >= 0.9  # unseen athletes; chance is 0.33
    exported = to_onnx_bytes(model, *data.x_train.shape[1:])
    graph = onnx.load_from_string(exported).graph
    ops = [node.op_type for node in graph.node if node.op_type != "Constant"]
    assert ops.count("Greater") == 1 and len(ops) <= 55 + 3  # Greater, Cast, ReduceMean
    with torch.no_grad():
        expected = model(torch.from_numpy(data.x_test)).numpy()
    np.testing.assert_allclose(
        run_onnx(onnx_session(exported), data.x_test), expected, rtol=1e-3, atol=1e-3
    )
    # The biases are part of the saved student.
    fresh = HydraStudent(*data.x_train.shape[1:], 3, config).eval()
    fresh.load_state_dict(model.state_dict())
    x = torch.from_numpy(data.x_test)
    with torch.no_grad():
        assert torch.equal(fresh(x), model(x))


def test_fitted_on_movements_it_recognises_unseen_athletes(tmp_path: Path) -> None:
    data = load_collection(write_motions(tmp_path))
    model = fit_hydra_student(data.x_train, data.y_train, 3, HydraConfig(groups=8, pool=1))
    with torch.no_grad():
        pred = model(torch.from_numpy(data.x_test)).argmax(1).numpy()
    assert np.mean(pred == data.y_test) >= 0.9  # chance is 0.33


def _normalised_motions(tmp_path: Path) -> tuple[LabelledSeries, dsp.Normaliser, np.ndarray]:
    """The motions collection, its training windows' normaliser and those windows z-scored."""
    data = load_collection(write_motions(tmp_path))
    normaliser = dsp.Normaliser.fit(data.x_train, axis=1)
    return data, normaliser, normaliser.apply(data.x_train).astype(np.float32)


def _augmenter() -> Augmenter:
    return Augmenter(AugmentConfig(rotation_deg=30.0, magnitude_sigma=0.2), imu_sensors(1))


def test_augmented_copies_change_the_head_and_are_seeded(tmp_path: Path) -> None:
    data, normaliser, x = _normalised_motions(tmp_path)
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


def test_heads_fitted_on_shared_features_match_a_full_fit(tmp_path: Path) -> None:
    data, normaliser, x = _normalised_motions(tmp_path)
    config = HydraConfig(groups=8, pool=1, augmented_copies=2)
    full = fit_hydra_student(x, data.y_train, 3, config, _augmenter(), normaliser)
    model, scaled = hydra_features(x, 3, config, _augmenter(), normaliser)
    assert scaled.shape[0] == 3 * len(x)  # the windows, then two augmented copies
    fit_head(model, scaled, data.y_train)
    assert torch.equal(model.head.weight, full.head.weight)
    assert torch.equal(model.mu, full.mu) and torch.equal(model.sigma, full.sigma)
    assert torch.equal(model.summary_mu, full.summary_mu)
    assert torch.equal(model.summary_sigma, full.summary_sigma)


def test_a_head_on_targets_follows_the_targets_not_the_labels(tmp_path: Path) -> None:
    data = load_collection(write_motions(tmp_path))
    model, scaled = hydra_features(data.x_train, 3, HydraConfig(groups=8, pool=1))
    # A teacher that calls every class by the next one's name: a head fitted on its
    # targets alone must learn the renaming, whatever the labels say.
    renamed = (data.y_train + 1) % 3
    fit_head(model, scaled, data.y_train, np.eye(3, dtype=np.float32)[renamed])
    with torch.no_grad():
        pred = model(torch.from_numpy(data.x_test)).argmax(1).numpy()
    assert np.mean(pred == (data.y_test + 1) % 3) >= 0.9


def test_with_athletes_the_head_takes_the_penalty_they_choose_copies_held_out_together(
    tmp_path: Path,
) -> None:
    data, normaliser, x = _normalised_motions(tmp_path)
    athletes = np.arange(len(x)) % 4  # four athletes, every class on each
    config = HydraConfig(groups=8, pool=1, augmented_copies=2)
    model, scaled = hydra_features(x, 3, config, _augmenter(), normaliser)
    fit_head(model, scaled, data.y_train, groups=athletes)
    labels = np.tile(data.y_train, 3)
    alpha = grouped_alpha(scaled, one_against_rest(labels, 3), labels, np.tile(athletes, 3))
    expected = RidgeClassifier(alpha).fit(scaled, labels)
    np.testing.assert_allclose(
        model.head.weight.detach().numpy(), expected.coef_, rtol=1e-4, atol=1e-6
    )


def test_with_fewer_than_three_athletes_leave_one_out_chooses(tmp_path: Path) -> None:
    data, _, x = _normalised_motions(tmp_path)
    config = HydraConfig(groups=8, pool=1)
    two = fit_hydra_student(x, data.y_train, 3, config, groups=np.arange(len(x)) % 2)
    unknown = fit_hydra_student(x, data.y_train, 3, config)
    assert torch.equal(two.head.weight, unknown.head.weight)


def test_the_product_student_reads_proportions_and_older_saves_read_back_without() -> None:
    product = hydra_config(StudentConfig())
    assert product.ppv and product.kernels_per_group == 6
    saved = DistillConfig(student=StudentConfig(kind="hydra")).to_dict()
    del saved["student"]["hydra_ppv"], saved["student"]["hydra_kernels"]
    older = DistillConfig.from_dict(saved).student
    assert hydra_config(older) == dataclasses.replace(product, ppv=False, kernels_per_group=8)
    model = build_student(older)
    assert isinstance(model, HydraStudent) and "ppv_bias" not in model.state_dict()
    assert model.k == 8
