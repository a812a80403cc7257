"""Task heads: action softmax (Eq. 6, 11) and next-week injury sigmoid (Eq. 7, 21), and the
weighted multi-task loss (Eq. 8, 13, 22).

The risk head works per athlete-week: the fused clip features Z of that week's clips are
mean-pooled and concatenated with the weekly risk vector V_t = [D_t, ACWR, I_t, H_t, Q_t]
(which carries the injury history M_i), so the prediction can be traced to actions and load.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class ActionHead(nn.Module):
    """Fused clip feature → logits over the action labels (softmax applied in the loss)."""

    def __init__(self, width: int, n_labels: int, dropout: float) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(width, n_labels))

    def forward(self, fused: torch.Tensor) -> torch.Tensor:
        return self.layers(fused)


class RiskHead(nn.Module):
    """[pooled Z of the week; V_t] → logit of an injury next week."""

    def __init__(self, width: int, n_weekly: int, dropout: float) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(width + n_weekly, width), nn.ReLU(), nn.Dropout(dropout), nn.Linear(width, 1)
        )

    def forward(self, pooled: torch.Tensor, weekly: torch.Tensor) -> torch.Tensor:
        return self.layers(torch.cat([pooled, weekly], dim=1)).squeeze(-1)


def action_loss(
    logits: torch.Tensor, labels: torch.Tensor, class_weights: torch.Tensor
) -> torch.Tensor:
    """Class-weighted cross-entropy (Eq. 13) so rare actions (stops, landings) count."""
    return F.cross_entropy(logits, labels, weight=class_weights)


def risk_loss(
    logits: torch.Tensor,
    injured: torch.Tensor,
    positive_weight: float,
    negative_weight: float = 1.0,
) -> torch.Tensor:
    """Weighted BCE (Eq. 22): −ω₁ y log P − ω₀ (1 − y) log(1 − P), averaged over weeks."""
    weights = torch.where(
        injured > 0.5,
        torch.full_like(injured, positive_weight),
        torch.full_like(injured, negative_weight),
    )
    return F.binary_cross_entropy_with_logits(logits, injured, weight=weights)


def inverse_frequency_weights(labels: torch.Tensor, n_labels: int) -> torch.Tensor:
    """Per-class weights ∝ 1/frequency, mean 1 over the classes seen; unseen classes get 0."""
    counts = torch.bincount(labels, minlength=n_labels).float()
    weights = torch.where(counts > 0, 1.0 / counts.clamp(min=1), torch.zeros_like(counts))
    seen = counts > 0
    return weights * seen.sum() / weights[seen].sum()
