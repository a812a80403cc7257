"""Sequence branches: a strided convolution stem then a bidirectional GRU (paper section 3).

Used for IMU (waist + calf), GPS and physiology. The stem downsamples early so the
recurrent part runs over a short sequence (CPU training stays fast); the final forward and
backward states summarise the clip.
"""

from __future__ import annotations

import torch
from torch import nn


class BiGRUEncoder(nn.Module):
    """(N, C, T) sequence → (N, 2·hidden) clip feature."""

    def __init__(self, in_channels: int, hidden: int, downsample: int = 1) -> None:
        super().__init__()
        stem: list[nn.Module] = [nn.BatchNorm1d(in_channels)]
        if downsample > 1:
            stem += [
                nn.Conv1d(
                    in_channels,
                    hidden,
                    kernel_size=2 * downsample + 1,
                    stride=downsample,
                    padding=downsample,
                ),
                nn.BatchNorm1d(hidden),
                nn.ReLU(),
            ]
            gru_in = hidden
        else:
            gru_in = in_channels
        self.stem = nn.Sequential(*stem)
        self.gru = nn.GRU(gru_in, hidden, batch_first=True, bidirectional=True)
        self.out_features = 2 * hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stem(x).transpose(1, 2)  # (N, T', C)
        _, last = self.gru(h)  # (2, N, hidden): forward and backward final states
        return torch.cat([last[0], last[1]], dim=1)
