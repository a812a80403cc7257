"""One epoch of training steps, the same in one process or several under torchrun: each
process takes its share of every batch and data-parallel training averages gradients."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from host.device import Compute, process_group_backend
from host.distill.augment import Augmenter
from host.models.config import TrainConfig
from host.models.network import MultimodalNet
from host.training.batches import augment, augment_imu, risk_clip_sample
from host.training.feed import Step, StepLoader
from host.training.task import TaskData, week_members


def distributed(device: torch.device) -> tuple[int, int]:
    """(rank, world size); joins the process group when started by torchrun, over NCCL
    when each process holds a GPU (`device`) and gloo otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    if not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(process_group_backend(device))
    return dist.get_rank(), world


def state_digest(net: nn.Module) -> str:
    """SHA-256 of the weights, so replicas can show they ended identical."""
    digest = hashlib.sha256()
    for name, tensor in sorted(net.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def out_of_time(
    config: TrainConfig,
    started: float,
    epochs_done: int,
    world: int,
    device: torch.device,
) -> bool:
    """Whether another epoch would overrun the time budget; rank 0 decides for all ranks
    (the flag travels on `device`, where the process group's backend wants it)."""
    if config.time_budget_min <= 0:
        return False
    elapsed = time.perf_counter() - started
    over = elapsed + elapsed / epochs_done > config.time_budget_min * 60
    if world > 1:
        flag = torch.tensor([int(over)], device=device)
        dist.broadcast(flag, 0)
        over = bool(flag.item())
    return over


@dataclass
class EpochRunner:
    """The steps of one epoch: an action batch of training clips plus a few clips of each
    of the step's risk weeks, augmented, through `objective` and one optimiser step.

    Whole batches only (a batch of one breaks batch norm); the risk weeks are spread over
    the epoch's steps, at most batch_size / risk_clips_per_week weeks per step.
    """

    net: MultimodalNet
    objective: nn.Module  # wraps `net`, data-parallel when world > 1
    optimiser: torch.optim.Optimizer
    task: TaskData
    config: TrainConfig
    augmenter: Augmenter | None = None
    rank: int = 0
    world: int = 1
    compute: Compute = field(default_factory=Compute)
    members: list[np.ndarray] = field(init=False)
    loader: StepLoader = field(init=False)
    steps: int = field(init=False)
    weeks_per_step: int = field(init=False)

    def __post_init__(self) -> None:
        config, world = self.config, self.world
        clips, weeks = len(self.task.plan.actions.train), len(self.task.plan.risk.train)
        self.members = week_members(self.task.weekly)
        self.loader = StepLoader(self.task.arrays, self.compute)
        self.steps = max(1, clips // (config.batch_size * world))
        self.weeks_per_step = min(
            max(1, config.batch_size // config.risk_clips_per_week),
            int(np.ceil(weeks / (self.steps * world))),
        )

    def warming_up(self, epoch: int) -> bool:
        """Whether `epoch` (0-based) fuses the branches with equal weights."""
        return epoch < self.config.attention_warmup_epochs

    def plan(self, epoch: int) -> list[Step]:
        """This process's clips of every step of `epoch`: its share of the step's action
        batch and a few clips of each of the step's risk weeks, drawn from (seed, epoch,
        rank) alone, so a step's clips do not depend on how they are loaded."""
        config, task, rank, world = self.config, self.task, self.rank, self.world
        pick = np.random.default_rng([config.seed, epoch, rank, 1])
        order = np.random.default_rng(config.seed + epoch).permutation(task.plan.actions.train)
        week_order = np.random.default_rng(config.seed + epoch + 7).permutation(
            task.plan.risk.train
        )
        per_step = config.batch_size * world
        span = self.weeks_per_step * world
        steps = []
        for step in range(self.steps):
            mine = order[step * per_step : (step + 1) * per_step][rank::world]
            rows = (
                week_order[(step * span + np.arange(span)) % len(week_order)][rank::world]
                if len(week_order)
                else np.zeros(0, np.int64)
            )
            risk_clips, owner = risk_clip_sample(
                rows, self.members, config.risk_clips_per_week, pick
            )
            steps.append(Step(mine, risk_clips, owner, rows))
        return steps

    def run(self, epoch: int, on_step: Callable[[float], None] | None = None) -> dict[str, float]:
        """Train epoch `epoch` (0-based); mean training losses. `on_step` gets the running
        mean loss after every step."""
        config, task, rank, world = self.config, self.task, self.rank, self.world
        self.net.fusion.use_attention = config.model.use_attention and not self.warming_up(epoch)
        self.net.train()
        # Every random draw of an epoch comes from (seed, epoch, rank): a resumed run
        # continues exactly as an uninterrupted one would. Augmentation draws on the CPU,
        # before the batch moves to the device, so every device sees the same batches.
        torch.manual_seed(config.seed * 1000 + epoch * 10 + rank)
        generator = torch.Generator().manual_seed(config.seed * 1000 + epoch * 10 + rank)
        rng = np.random.default_rng([config.seed, epoch, rank])
        steps = self.plan(epoch)
        totals = np.zeros(3)
        device = self.compute.device
        for number, (step, batch) in enumerate(zip(steps, self.loader.batches(steps), strict=True)):
            if self.augmenter is not None:
                batch = augment_imu(batch, self.augmenter, task.stats.imu, rng)
            batch = self.compute.put(augment(batch, config, task.stats.rates, generator))
            with self.compute.autocast():
                loss, action_loss, risk_loss = self.objective(
                    batch,
                    len(step.mine),
                    torch.from_numpy(task.labels[step.mine]).to(device),
                    torch.from_numpy(step.owner).to(device),
                    torch.from_numpy(task.weekly_z[step.rows]).to(device),
                    torch.from_numpy(task.weekly.label[step.rows]).float().to(device),
                )
            self.optimiser.zero_grad()
            loss.backward()
            self.optimiser.step()
            totals += [loss.item(), action_loss.item(), risk_loss.item()]
            if on_step is not None:
                on_step(totals[0] / (number + 1))
        if world > 1:  # batch-norm statistics: rank 0's, so every replica validates alike
            for buffer in self.net.buffers():
                dist.broadcast(buffer, 0)
        mean = totals / len(steps)
        return {
            "train_loss": float(mean[0]),
            "train_action_loss": float(mean[1]),
            "train_risk_loss": float(mean[2]),
        }
