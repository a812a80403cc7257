"""Shapes of every branch and ablation, and the masking rule: a missing modality gets zero
attention weight, so nothing in its input can change the fused feature or the prediction."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from edge import taxonomy
from host.models.config import ABLATIONS, ModelConfig
from host.models.fusion import ModalityFusion
from host.models.network import MultimodalNet
from host.models.stgcn import skeleton_partitions

N = 4


def _batch(n: int = N, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {
        "imu": torch.randn(n, 14, 175, generator=g),
        "gps": torch.randn(n, 4, 70, generator=g),
        "hr": torch.randn(n, 2, 7, generator=g),
        "skeleton": torch.randn(n, 35, len(taxonomy.JOINTS), 4, generator=g),
        "present": torch.ones(n, 4, dtype=torch.bool),
    }


def _config(**switches: bool) -> ModelConfig:
    return ModelConfig(risk_features=("a", "b", "c"), history_features=("c",), **switches)


@pytest.mark.parametrize("ablation", sorted(ABLATIONS))
def test_every_ablation_builds_and_gives_the_right_shapes(ablation: str) -> None:
    net = MultimodalNet(_config(**ABLATIONS[ablation])).eval()
    logits = net(_batch())
    assert logits.shape == (N, len(taxonomy.LABELS))
    fused, weights = net.encode(_batch())
    assert fused.shape == (N, net.config.shared_width)
    assert weights.shape == (N, len(net.config.branches))
    risk = net.risk(
        fused, torch.tensor([0, 0, 1, 2]), 3, torch.randn(3, len(net.config.risk_inputs))
    )
    assert risk.shape == (3,)


def test_ablations_remove_their_branch() -> None:
    assert "skeleton" not in MultimodalNet(_config(use_skeleton=False)).encoders
    no_imu = MultimodalNet(_config(use_imu_gps=False)).encoders
    assert "imu" not in no_imu and "gps" not in no_imu
    no_load = _config(use_load=False)
    assert "hr" not in MultimodalNet(no_load).encoders and no_load.risk_inputs == ("c",)


def test_missing_branch_gets_zero_weight_and_changes_nothing() -> None:
    net = MultimodalNet(_config()).eval()
    batch = _batch()
    batch["present"][:, 0] = False  # no skeleton in any clip
    fused, weights = net.encode(batch)
    assert torch.all(weights[:, 0] == 0)
    assert torch.allclose(weights.sum(1), torch.ones(N))
    other = dict(batch, skeleton=torch.randn_like(batch["skeleton"]) * 50)
    fused_other, _ = net.encode(other)
    assert torch.equal(fused, fused_other)
    assert torch.equal(net(batch), net(other))
    # The same skeleton marked present does change the output: the test can fail.
    assert not torch.allclose(
        net(dict(other, present=torch.ones(N, 4, dtype=torch.bool))), net(batch)
    )


def test_without_attention_present_branches_weigh_the_same() -> None:
    fusion = ModalityFusion({"a": 3, "b": 5, "c": 2}, width=8, use_attention=False)
    present = torch.tensor([[True, True, True], [True, False, True]])
    _, weights = fusion(
        {"a": torch.randn(2, 3), "b": torch.randn(2, 5), "c": torch.randn(2, 2)}, present
    )
    assert torch.allclose(weights[0], torch.full((3,), 1 / 3))
    assert torch.allclose(weights[1], torch.tensor([0.5, 0.0, 0.5]))


def test_clip_with_nothing_present_fuses_to_zero() -> None:
    fusion = ModalityFusion({"a": 3, "b": 5}, width=8)
    fused, weights = fusion(
        {"a": torch.randn(1, 3), "b": torch.randn(1, 5)}, torch.zeros(1, 2, dtype=torch.bool)
    )
    assert torch.equal(fused, torch.zeros(1, 8)) and torch.equal(weights, torch.zeros(1, 2))


def test_skeleton_partitions_cover_every_bone_once_each_way() -> None:
    parts = skeleton_partitions()
    assert parts.shape == (3, len(taxonomy.JOINTS), len(taxonomy.JOINTS))
    links = (parts[1] > 0) | (parts[2] > 0)
    assert links.sum() == 2 * len(taxonomy.BONES)
    assert np.array_equal(links, links.T)
    hip, knee = taxonomy.JOINTS.index("left_hip"), taxonomy.JOINTS.index("left_knee")
    assert parts[1, knee, hip] > 0 and parts[2, hip, knee] > 0  # knee → hip is towards the centre
    assert np.allclose(np.diag(parts[0]) > 0, True)


def test_no_multitask_stops_risk_gradient_at_the_pooled_features() -> None:
    for multitask, reaches in ((True, True), (False, False)):
        net = MultimodalNet(dataclasses.replace(_config(), multitask=multitask))
        fused, _ = net.encode(_batch())
        net.risk(fused, torch.tensor([0, 0, 1, 1]), 2, torch.randn(2, 3)).sum().backward()
        grad = net.encoders["imu"].gru.weight_ih_l0.grad
        assert (grad is not None and grad.abs().sum() > 0) == reaches
