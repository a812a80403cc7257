"""How a step's clips reach the loop: a `DataLoader` over the epoch's planned steps, with
workers when asked for and pinned memory on CUDA.

The clips come from a `ClipSource`: the in-memory `ClipArrays`, or shards read and
prepared lazily (`host.training.streaming.StreamedClips`). Both give the same tensors
for the same indices, so a run's results do not depend on which one fed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
from torch.utils.data import DataLoader
from torch.utils.data import Dataset as TorchDataset

from host.device import Compute
from host.training.batches import concat


class ClipSource(Protocol):
    """Model-ready clips by index: what training, validation and evaluation read."""

    def __len__(self) -> int: ...

    def tensors(self, index: np.ndarray | slice | None = None) -> dict[str, torch.Tensor]: ...


@dataclass(frozen=True)
class Step:
    """One process's clips of one training step."""

    mine: np.ndarray  # the action batch's clips
    risk_clips: np.ndarray  # clips pooled into the step's risk weeks
    owner: np.ndarray  # position in `rows` of each risk clip
    rows: np.ndarray  # the step's athlete-weeks


class StepBatches(TorchDataset[dict[str, torch.Tensor]]):
    """Item i is step i's batch: its action clips, then its risk clips."""

    def __init__(self, source: ClipSource, steps: list[Step]) -> None:
        self.source = source
        self.steps = steps

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        step = self.steps[i]
        return concat(self.source.tensors(step.mine), self.source.tensors(step.risk_clips))


def step_loader(
    source: ClipSource, steps: list[Step], compute: Compute
) -> DataLoader[dict[str, torch.Tensor]]:
    """The steps' batches in order; `compute.workers` processes load ahead of the loop."""
    return DataLoader(
        StepBatches(source, steps),
        batch_size=None,
        shuffle=False,
        num_workers=compute.workers,
        pin_memory=compute.pin_memory,
    )
