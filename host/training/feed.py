"""How a step's clips reach the loop: one `DataLoader` for the run over each epoch's
planned steps, with workers when asked for (kept between epochs, with their shard
caches) and pinned memory on CUDA.

The clips come from a `ClipSource`: the in-memory `ClipArrays`, or shards read and
prepared lazily (`host.training.streaming.StreamedClips`). Both give the same tensors
for the same indices, so a run's results do not depend on which one fed it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler
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
    """The batch of a `Step`: its action clips, then its risk clips."""

    def __init__(self, source: ClipSource) -> None:
        self.source = source

    def __getitem__(self, step: Step) -> dict[str, torch.Tensor]:
        # Indexed by the step itself (the sampler yields steps), not by an integer.
        return concat(self.source.tensors(step.mine), self.source.tensors(step.risk_clips))


class EpochSteps(Sampler[Step]):
    """The current epoch's steps, replaced every epoch. The sampler is read in the
    training process, so workers started once keep their shard caches across epochs."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)


class StepLoader:
    """One `DataLoader` for a whole run: `compute.workers` processes load ahead of the
    loop (kept between epochs), pinned memory on CUDA."""

    def __init__(self, source: ClipSource, compute: Compute) -> None:
        self.steps = EpochSteps()
        self.loader: DataLoader[dict[str, torch.Tensor]] = DataLoader(
            StepBatches(source),
            sampler=self.steps,
            batch_size=None,
            num_workers=compute.workers,
            pin_memory=compute.pin_memory,
            persistent_workers=compute.workers > 0,
            # Its own generator: loading draws nothing from the global one, which seeds
            # dropout, so runs agree whatever the worker count.
            generator=torch.Generator(),
        )

    def batches(self, steps: list[Step]) -> Iterator[dict[str, torch.Tensor]]:
        """The batches of `steps`, in order."""
        self.steps.steps = steps
        return iter(self.loader)
