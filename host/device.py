"""Where the host's models compute: one `Compute` chosen once per command from
`--device auto|cpu|cuda[:N]`, `--precision fp32|bf16` and `--workers N`, and handed to
training, evaluation and distillation, which run the same code on every device.

`auto` is the first CUDA device when there is one (under torchrun, the process's
LOCAL_RANK device), else the CPU. bf16 autocast is offered on CUDA only and is off by
default: at the model's size it measured slower than fp32 (issue 18). Data-parallel
processes talk over NCCL when they hold GPUs and over gloo otherwise.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from firmware_bridge.errors import UserError

PRECISIONS = ("fp32", "bf16")
_SPEC = re.compile(r"^(auto|cpu|cuda)(?::(\d+))?$")


class DeviceError(UserError, ValueError):
    """A device, precision or worker count that cannot be used here; says which and why."""


def resolve_device(
    spec: str = "auto",
    *,
    local_rank: int | None = None,
    cuda_count: Callable[[], int] = torch.cuda.device_count,
) -> torch.device:
    """The torch device `spec` names on this machine.

    `cuda` without an index is the process's own GPU under torchrun (`local_rank`), else
    GPU 0. `cuda_count` is injectable so tests can pose as a machine with GPUs.
    """
    match = _SPEC.match(spec.strip().lower())
    if match is None or (match.group(1) != "cuda" and match.group(2) is not None):
        raise DeviceError(f"--device {spec!r}: expected auto, cpu, cuda or cuda:N (e.g. cuda:1)")
    kind, index = match.group(1), match.group(2)
    count = cuda_count()
    if kind == "cpu" or (kind == "auto" and count == 0):
        return torch.device("cpu")
    if count == 0:
        raise DeviceError(
            f"--device {spec}: this machine has no CUDA device that torch can use "
            f"(torch {torch.__version__}); use --device cpu or auto"
        )
    chosen = int(index) if index is not None else (local_rank or 0) % count
    if chosen >= count:
        raise DeviceError(
            f"--device {spec}: there are {count} CUDA device(s), numbered 0 to {count - 1}"
        )
    return torch.device("cuda", chosen)


def process_group_backend(device: torch.device) -> str:
    """NCCL for processes that each hold a GPU, gloo for CPU processes."""
    return "nccl" if device.type == "cuda" and torch.distributed.is_nccl_available() else "gloo"


@dataclass(frozen=True)
class Compute:
    """The device, precision and data-loading workers of one command."""

    device: torch.device = torch.device("cpu")
    precision: str = "fp32"
    workers: int = 0

    @classmethod
    def choose(
        cls,
        device: str = "auto",
        precision: str = "fp32",
        workers: int = 0,
        *,
        cuda_count: Callable[[], int] = torch.cuda.device_count,
    ) -> Compute:
        """Check the options once, at the door; everything after trusts them."""
        local_rank = int(os.environ["LOCAL_RANK"]) if "LOCAL_RANK" in os.environ else None
        chosen = resolve_device(device, local_rank=local_rank, cuda_count=cuda_count)
        if precision not in PRECISIONS:
            raise DeviceError(f"--precision {precision!r}: expected one of {', '.join(PRECISIONS)}")
        if precision == "bf16" and chosen.type != "cuda":
            raise DeviceError(
                "--precision bf16: autocast is offered on CUDA only; the CPU trains in fp32"
            )
        if workers < 0:
            raise DeviceError(f"--workers {workers}: expected 0 (load in the process) or more")
        return cls(chosen, precision, workers)

    @property
    def pin_memory(self) -> bool:
        """Page-locked host batches, so copies to the GPU overlap compute."""
        return self.device.type == "cuda"

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        """bf16 autocast around a forward pass when asked for, else nothing."""
        if self.precision == "bf16":
            return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def put(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """A batch of tensors on this device (no copy on the CPU)."""
        return {
            key: value.to(self.device, non_blocking=self.pin_memory) for key, value in batch.items()
        }

    def describe(self) -> dict[str, Any]:
        """What run.json and the report say about where the run computed."""
        name = torch.cuda.get_device_name(self.device) if self.device.type == "cuda" else "cpu"
        return {
            "device": str(self.device),
            "device_name": name,
            "precision": self.precision,
            "workers": self.workers,
        }
