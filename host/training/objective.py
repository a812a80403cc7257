"""The loss one training step minimises (Eq. 8) and the validation that scores an epoch:
actions from single clips, risk from every clip of an athlete-week pooled."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from host.device import Compute
from host.evaluation import metrics
from host.models import heads
from host.models.config import TrainConfig
from host.models.inputs import crop
from host.models.network import MultimodalNet
from host.training.feed import ClipSource
from host.training.task import TaskData, week_members


class Objective(nn.Module):
    """One training step's loss, L_action + λ·L_risk (Eq. 8), in a single forward pass so
    data-parallel training can wrap it."""

    class_weights: torch.Tensor  # a buffer: moves and saves with the module

    def __init__(
        self,
        net: MultimodalNet,
        class_weights: torch.Tensor,
        positive_weight: float,
        risk_weight: float,
    ) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("class_weights", class_weights)
        self.positive_weight = positive_weight
        self.risk_weight = risk_weight

    def forward(
        self,
        batch: dict[str, torch.Tensor],
        n_action: int,
        action_labels: torch.Tensor,
        owner: torch.Tensor,
        weekly: torch.Tensor,
        injured: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(total loss, action loss, risk loss); the first `n_action` clips are the action
        batch, the rest pool into the weeks `owner` points at."""
        fused, _ = self.net.encode(batch)
        action_logits = self.net.action_head(fused[:n_action])
        action_loss = heads.action_loss(action_logits, action_labels, self.class_weights)
        if len(injured) == 0:
            return action_loss, action_loss.detach(), torch.zeros(())
        logits = self.net.risk(fused[n_action:], owner, len(injured), weekly)
        risk_loss = heads.risk_loss(logits, injured, self.positive_weight)
        total = action_loss + self.risk_weight * risk_loss
        return total, action_loss.detach(), risk_loss.detach()


@torch.no_grad()
def embed(
    net: MultimodalNet,
    arrays: ClipSource,
    index: np.ndarray,
    config: TrainConfig,
    rates: dict[str, float],
    batch_size: int = 256,
    compute: Compute | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fused features and attention weights of the clips at `index` (eval mode, centre
    crop), in fp32 on the device `net` lives on."""
    compute = compute or Compute(_device_of(net))
    net.eval()
    fused = [torch.zeros(0, net.config.shared_width, device=compute.device)]
    weights = [torch.zeros(0, len(net.config.branches), device=compute.device)]
    for start in range(0, len(index), batch_size):
        batch = crop(arrays.tensors(index[start : start + batch_size]), config.crop_s, 0.5, rates)
        with compute.autocast():
            z, alpha = net.encode(compute.put(batch))
        fused.append(z.float())
        weights.append(alpha.float())
    return torch.cat(fused), torch.cat(weights)


def _device_of(net: nn.Module) -> torch.device:
    return next(net.parameters()).device


@torch.no_grad()
def risk_probabilities(
    net: MultimodalNet,
    data: TaskData,
    week_rows: np.ndarray,
    fused: torch.Tensor,
    position: dict[int, int],
) -> np.ndarray:
    """P(injury next week) for `week_rows`, pooling every clip of each week."""
    net.eval()
    members = week_members(data.weekly)
    clip_rows, owner = [], []
    for k, row in enumerate(week_rows):
        clip_rows += [position[int(c)] for c in members[row]]
        owner += [k] * len(members[row])
    device = fused.device
    logits = net.risk(
        fused[torch.as_tensor(clip_rows, dtype=torch.long, device=device)],
        torch.as_tensor(owner, dtype=torch.long, device=device),
        len(week_rows),
        torch.from_numpy(data.weekly_z[week_rows]).to(device),
    )
    return torch.sigmoid(logits).cpu().numpy()


def validate(
    net: MultimodalNet,
    data: TaskData,
    config: TrainConfig,
    part: str,
    class_weights: torch.Tensor,
    positive_weight: float,
) -> dict[str, float]:
    """Losses and headline metrics on the validation (or test) part of the plan; for
    validation, only its clips that stop early (`Split.stop`: not the companion's blend)."""
    rates = data.stats.rates
    clip_index = data.plan.actions.stop if part == "val" else getattr(data.plan.actions, part)
    week_rows = getattr(data.plan.risk, part)
    members = week_members(data.weekly)
    week_clips = np.concatenate([members[r] for r in week_rows] or [np.zeros(0, np.int64)])
    needed = np.union1d(clip_index, week_clips).astype(np.int64)
    fused, _ = embed(net, data.arrays, needed, config, rates)
    position = {int(c): i for i, c in enumerate(needed)}
    action_fused = fused[[position[int(c)] for c in clip_index]]
    logits = net.action_head(action_fused).cpu()
    labels = torch.from_numpy(data.labels[clip_index])
    action_loss = heads.action_loss(logits, labels, class_weights.cpu()).item()
    predicted = logits.argmax(1).numpy()
    out = {
        f"{part}_action_loss": action_loss,
        f"{part}_accuracy": metrics.accuracy(labels.numpy(), predicted),
        f"{part}_macro_f1": metrics.macro_f1(labels.numpy(), predicted, net.config.n_labels),
    }
    risk_loss = 0.0
    if len(week_rows):
        p = risk_probabilities(net, data, week_rows, fused, position)
        y = data.weekly.label[week_rows]
        risk_logits = torch.logit(torch.from_numpy(p).clamp(1e-6, 1 - 1e-6))
        injured = torch.from_numpy(y).float()
        risk_loss = float(heads.risk_loss(risk_logits, injured, positive_weight))
        out.update({f"{part}_risk_loss": risk_loss, f"{part}_auc": metrics.auc(y, p)})
    out[f"{part}_loss"] = action_loss + config.risk_weight * risk_loss
    return out
