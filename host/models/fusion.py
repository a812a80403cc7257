"""Mask-aware modality attention (paper Eq. 4–5, 10): Z = Σ_m α_m F_m with α = softmax(e).

A modality missing from a clip gets α = 0 exactly (its score is masked before the softmax),
so a missing branch cannot change the fused feature. Without attention (Table 3 ablation)
the present modalities are averaged with equal weight.
"""

from __future__ import annotations

import torch
from torch import nn


class ModalityFusion(nn.Module):
    """Project each branch to the shared width and fuse with masked softmax attention."""

    def __init__(
        self, branch_features: dict[str, int], width: int, use_attention: bool = True
    ) -> None:
        super().__init__()
        self.names = tuple(branch_features)
        self.project = nn.ModuleDict(
            {
                name: nn.Sequential(nn.Linear(size, width), nn.LayerNorm(width), nn.ReLU())
                for name, size in branch_features.items()
            }
        )
        self.use_attention = use_attention
        self.score = nn.Sequential(
            nn.Linear(width, width // 2), nn.Tanh(), nn.Linear(width // 2, 1)
        )
        self.width = width

    def forward(
        self, features: dict[str, torch.Tensor], present: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """features: name → (N, F_m); present: (N, M) bool in `self.names` order.

        Returns fused (N, width) and weights α (N, M); a clip with nothing present gets zeros.
        """
        projected = torch.stack([self.project[name](features[name]) for name in self.names], dim=1)
        if self.use_attention:
            scores = self.score(projected).squeeze(-1)
        else:
            scores = torch.zeros(
                projected.shape[:2], dtype=projected.dtype, device=projected.device
            )
        scores = scores.masked_fill(~present, float("-inf"))
        any_present = present.any(dim=1, keepdim=True)
        weights = torch.softmax(torch.where(any_present, scores, torch.zeros_like(scores)), dim=1)
        weights = torch.where(present, weights, torch.zeros_like(weights))
        fused = (weights.unsqueeze(-1) * projected).sum(dim=1)
        return fused, weights
