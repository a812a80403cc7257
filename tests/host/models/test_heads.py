"""Loss weighting: class-weighted cross-entropy (Eq. 13) and weighted BCE (Eq. 22)."""

from __future__ import annotations

import math

import torch

from host.models.heads import action_loss, inverse_frequency_weights, risk_loss


def test_inverse_frequency_weights_favour_rare_classes_and_skip_absent_ones() -> None:
    labels = torch.tensor([0] * 6 + [1] * 2 + [3] * 1)
    weights = inverse_frequency_weights(labels, 4)
    assert weights[2] == 0
    assert weights[3] > weights[1] > weights[0] > 0
    assert torch.isclose(weights[[0, 1, 3]].mean(), torch.tensor(1.0))
    assert torch.isclose(weights[3] / weights[0], torch.tensor(6.0))


def test_class_weights_change_which_mistake_costs_more() -> None:
    logits = torch.tensor([[2.0, 0.0], [2.0, 0.0]])  # both predicted class 0
    labels = torch.tensor([0, 1])
    even = action_loss(logits, labels, torch.tensor([1.0, 1.0]))
    rare_first = action_loss(logits, labels, torch.tensor([1.0, 9.0]))
    assert rare_first > even  # the misclassified rare class now dominates the mean


def test_risk_loss_weights_positives_as_the_paper_says() -> None:
    logit = torch.tensor([0.3])
    p = 1 / (1 + math.exp(-0.3))
    positive = risk_loss(logit, torch.tensor([1.0]), positive_weight=5.0)
    negative = risk_loss(logit, torch.tensor([0.0]), positive_weight=5.0, negative_weight=2.0)
    assert math.isclose(float(positive), -5.0 * math.log(p), rel_tol=1e-5)
    assert math.isclose(float(negative), -2.0 * math.log(1 - p), rel_tol=1e-5)
