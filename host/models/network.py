"""The paper's multimodal network assembled from its branches (Fig. 2).

Clip → {ST-GCN skeleton, BiGRU IMU, BiGRU GPS, BiGRU physiology} → projection to a shared
width → masked modality attention → action head. Athlete-week → mean of its clips' fused
features + V_t → risk head. Branches switched off by the config are not built at all.
"""

from __future__ import annotations

import torch
from torch import nn

from host.models.config import ModelConfig
from host.models.fusion import ModalityFusion
from host.models.heads import ActionHead, RiskHead
from host.models.inputs import BRANCH_ORDER
from host.models.sequence import BiGRUEncoder
from host.models.stgcn import STGCNEncoder


class MultimodalNet(nn.Module):
    """Action recognition per clip and next-week injury risk per athlete-week."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        encoders: dict[str, nn.Module] = {}
        if config.use_skeleton:
            encoders["skeleton"] = STGCNEncoder(config.stgcn_channels)
        if config.use_imu_gps:
            encoders["imu"] = BiGRUEncoder(config.imu_channels, config.gru_hidden, downsample=4)
            if config.use_gps:
                encoders["gps"] = BiGRUEncoder(config.gps_channels, config.gru_hidden, downsample=2)
        if config.use_load:
            encoders["hr"] = BiGRUEncoder(config.hr_channels, config.gru_hidden // 2)
        self.encoders = nn.ModuleDict(encoders)
        self.branch_index = [BRANCH_ORDER.index(name) for name in config.branches]
        self.fusion = ModalityFusion(
            {name: encoders[name].out_features for name in config.branches},  # type: ignore[misc]
            config.shared_width,
            use_attention=config.use_attention,
        )
        self.action_head = ActionHead(config.shared_width, config.n_labels, config.dropout)
        self.risk_head = RiskHead(config.shared_width + 1, len(config.risk_inputs), config.dropout)

    def encode(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Fused clip features Z (N, width) and attention weights α (N, branches)."""
        features = {name: encoder(batch[name]) for name, encoder in self.encoders.items()}
        present = batch["present"][:, self.branch_index]
        return self.fusion(features, present)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Action logits (N, n_labels)."""
        fused, _ = self.encode(batch)
        return self.action_head(fused)

    def risk(
        self, fused: torch.Tensor, owner: torch.Tensor, n_weeks: int, weekly: torch.Tensor
    ) -> torch.Tensor:
        """Risk logits (n_weeks,) from clip features grouped by `owner` (week index per clip).

        Weeks with no clip get a zero embedding and a zero clip-presence flag; without
        multi-task learning the risk loss stops at the pooled features (Table 3 ablation).
        """
        if not self.config.multitask:
            fused = fused.detach()
        width = fused.shape[1]
        sums = torch.zeros(n_weeks, width, dtype=fused.dtype, device=fused.device).index_add(
            0, owner, fused
        )
        counts = torch.zeros(n_weeks, dtype=fused.dtype, device=fused.device).index_add(
            0, owner, torch.ones_like(owner, dtype=fused.dtype)
        )
        pooled = sums / counts.clamp(min=1)[:, None]
        has_clips = (counts > 0).to(fused.dtype)[:, None]
        return self.risk_head(torch.cat([pooled, has_clips], dim=1), weekly)
