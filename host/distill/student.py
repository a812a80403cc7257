"""The sideline student: a small temporal network over a prepared `(N, C, T)` window.

Families, chosen by measurement (docs/student.md): a depthwise-separable temporal CNN
whose first layer strides 4x (most of a convolution's cost is at full rate), by default
two of them averaged (host/distill/ensemble.py), a tiny GRU behind a 10x strided stem, and
the Hydra student (host/distill/hydra_student.py). All output class scores (logits).
"""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import nn

from host.distill.config import StudentConfig, StudentFamily
from host.distill.ensemble import AveragedStudents
from host.distill.hydra_student import HydraConfig, HydraStudent


class SeparableBlock(nn.Module):
    """Depthwise temporal convolution (stride 2) then pointwise channel mixing."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv1d(
            in_channels,
            in_channels,
            kernel,
            stride=2,
            padding=kernel // 2,
            groups=in_channels,
            bias=False,
        )
        self.pointwise = nn.Conv1d(in_channels, out_channels, 1, bias=False)
        self.norm = nn.BatchNorm1d(out_channels)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.norm(self.pointwise(self.depthwise(x))))


class StudentCNN(nn.Module):
    """Strided stem → separable blocks → mean and max over time, and mean over the
    window's centre → linear. Mean and max alone cannot tell where in the window an action
    is; on a stream that makes every window holding it fire, not just the centred one."""

    def __init__(self, config: StudentConfig) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv1d(
                config.in_channels,
                config.stem_channels,
                config.stem_kernel,
                stride=config.stem_stride,
                padding=config.stem_kernel // 2,
                bias=False,
            ),
            nn.BatchNorm1d(config.stem_channels),
            nn.ReLU(),
        )
        widths = (config.stem_channels, *config.block_channels)
        self.blocks = nn.Sequential(
            *(SeparableBlock(a, b, config.block_kernel) for a, b in pairwise(widths))
        )
        self.dropout = nn.Dropout(config.dropout)
        self.centre_divisor = config.centre_divisor
        self.centre_input = config.centre_input
        self.head = nn.Linear(3 * widths[-1], config.n_labels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.centre_input:
            x = x - x.mean(dim=2, keepdim=True)
        h = self.blocks(self.stem(x))
        steps = h.shape[2]
        width = steps // self.centre_divisor + 1
        start = (steps - width) // 2
        centre = h[:, :, start : start + width].mean(dim=2)
        pooled = torch.cat([h.mean(dim=2), h.amax(dim=2), centre], dim=1)
        return self.head(self.dropout(pooled))


class StudentGRU(nn.Module):
    """Strided convolution stem (to 10 Hz) → one GRU layer → linear on the last state."""

    def __init__(self, config: StudentConfig) -> None:
        super().__init__()
        stride = config.gru_stride
        self.stem = nn.Sequential(
            nn.Conv1d(
                config.in_channels,
                config.gru_hidden,
                2 * stride + 1,
                stride=stride,
                padding=stride,
                bias=False,
            ),
            nn.BatchNorm1d(config.gru_hidden),
            nn.ReLU(),
        )
        self.gru = nn.GRU(config.gru_hidden, config.gru_hidden, batch_first=True)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.gru_hidden, config.n_labels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, last = self.gru(self.stem(x).transpose(1, 2))
        return self.head(self.dropout(last[-1]))


def build_student(config: StudentConfig) -> nn.Module:
    """The student network `config.kind` names."""
    if config.kind == "cnn":
        if config.cnn_members < 1:
            raise ValueError(f"cnn_members is {config.cnn_members}; a student needs at least 1")
        if config.cnn_members == 1:
            return StudentCNN(config)
        return AveragedStudents([StudentCNN(config) for _ in range(config.cnn_members)])
    if config.kind == "gru":
        return StudentGRU(config)
    if config.kind == "hydra":
        return HydraStudent(
            config.in_channels, config.hydra_window_samples, config.n_labels, hydra_config(config)
        )
    if config.kind == "auto":
        raise ValueError(
            "student kind 'auto' is resolved by training (host.distill.family); "
            "build the family it kept ('cnn' or 'hydra')"
        )
    raise ValueError(f"unknown student kind {config.kind!r} (expected 'cnn', 'gru' or 'hydra')")


def family_of(model: nn.Module) -> StudentFamily:
    """The `StudentConfig.kind` that builds `model` (what an 'auto' student kept); averaged
    students are of their members' family."""
    if isinstance(model, AveragedStudents):
        return family_of(model.students[0])
    families: dict[type[nn.Module], StudentFamily] = {
        StudentCNN: "cnn",
        StudentGRU: "gru",
        HydraStudent: "hydra",
    }
    for cls, kind in families.items():
        if isinstance(model, cls):
            return kind
    raise TypeError(f"{type(model).__name__} is not a student network")


def hydra_config(config: StudentConfig, seed: int = 0) -> HydraConfig:
    """The Hydra student's own settings, read from the student config."""
    return HydraConfig(
        groups=config.hydra_groups,
        pool=config.hydra_pool,
        augmented_copies=config.hydra_copies,
        window_samples=config.hydra_window_samples,
        summaries=config.hydra_summaries,
        ppv=config.hydra_ppv,
        kernels_per_group=config.hydra_kernels,
        seed=seed,
    )


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
