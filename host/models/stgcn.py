"""Skeleton branch: spatio-temporal graph convolution over the joint graph (paper Eq. 3).

H^{l+1} = σ(Σ_k Ã_k H^l W_k + b): the adjacency is split into K partitions (self, towards
the body centre, away from it) as in Yan et al.'s ST-GCN, each normalised and each with its
own weights, followed by a temporal convolution along each joint's trajectory.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from edge import taxonomy

_CENTRE_JOINTS = ("left_hip", "right_hip")


def skeleton_partitions(
    joints: tuple[str, ...] = taxonomy.JOINTS, bones: tuple[tuple[str, str], ...] = taxonomy.BONES
) -> np.ndarray:
    """Normalised adjacency partitions Ã_k, shape (3, J, J): self, centripetal, centrifugal.

    Hops to the hips decide the direction of each bone, so the graph knows which way a
    movement propagates (hip → knee → ankle on a landing).
    """
    index = {name: i for i, name in enumerate(joints)}
    n = len(joints)
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for a, b in bones:
        neighbours[index[a]].add(index[b])
        neighbours[index[b]].add(index[a])
    hops = np.full(n, np.inf)
    frontier = [index[name] for name in _CENTRE_JOINTS if name in index] or [0]
    for joint in frontier:
        hops[joint] = 0
    while frontier:
        nxt = []
        for joint in frontier:
            for other in neighbours[joint]:
                if hops[other] == np.inf:
                    hops[other] = hops[joint] + 1
                    nxt.append(other)
        frontier = nxt
    parts = np.zeros((3, n, n), dtype=np.float32)
    for i in range(n):
        parts[0, i, i] = 1.0
        for j in neighbours[i]:
            parts[1 if hops[j] < hops[i] else 2, i, j] = 1.0
    degree = parts.sum(axis=(0, 2))  # every edge and the self loop counted once per joint
    scale = 1.0 / np.sqrt(np.maximum(degree, 1.0))
    return (parts * scale[None, :, None] * scale[None, None, :]).astype(np.float32)


class STGCNBlock(nn.Module):
    """One Eq. 3 layer (graph conv over joints) then a temporal conv over frames."""

    partitions: torch.Tensor  # buffer (K, J, J)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        partitions: torch.Tensor,
        stride: int = 1,
        temporal_kernel: int = 5,
    ) -> None:
        super().__init__()
        self.register_buffer("partitions", partitions)
        k = partitions.shape[0]
        self.spatial = nn.Conv2d(in_channels, out_channels * k, kernel_size=1)
        self.temporal = nn.Sequential(
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
            nn.Conv2d(
                out_channels,
                out_channels,
                (temporal_kernel, 1),
                (stride, 1),
                (temporal_kernel // 2, 0),
            ),
            nn.BatchNorm2d(out_channels),
        )
        if in_channels == out_channels and stride == 1:
            self.residual: nn.Module = nn.Identity()
        else:
            self.residual = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, (stride, 1)), nn.BatchNorm2d(out_channels)
            )
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, C, T, J) → (N, C_out, T/stride, J)."""
        n, _, t, j = x.shape
        k = self.partitions.shape[0]
        h = self.spatial(x).view(n, k, self.out_channels, t, j)
        h = torch.einsum("nkctv,kwv->nctw", h, self.partitions)
        return torch.relu(self.temporal(h) + self.residual(x))


class STGCNEncoder(nn.Module):
    """Skeleton clip (N, T, J, 4: xyz + confidence) → one feature vector per clip."""

    def __init__(
        self, channels: tuple[int, ...], joints: tuple[str, ...] = taxonomy.JOINTS
    ) -> None:
        super().__init__()
        partitions = torch.from_numpy(skeleton_partitions(joints))
        self.input_norm = nn.BatchNorm1d(4 * len(joints))
        blocks: list[nn.Module] = []
        in_channels = 4
        for i, out_channels in enumerate(channels):
            blocks.append(
                STGCNBlock(in_channels, out_channels, partitions, stride=1 if i == 0 else 2)
            )
            in_channels = out_channels
        self.blocks = nn.Sequential(*blocks)
        self.out_features = in_channels

    def forward(self, skeleton: torch.Tensor) -> torch.Tensor:
        n, t, j, c = skeleton.shape
        x = skeleton.permute(0, 2, 3, 1).reshape(n, j * c, t)
        x = self.input_norm(x).view(n, j, c, t).permute(0, 2, 3, 1)  # (N, C, T, J)
        h = self.blocks(x)
        return h.mean(dim=(2, 3))
