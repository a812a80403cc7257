"""Train the paper's multimodal model on a dataset directory, as a recipe:

1. config and seeds  2. data, splits, normalisation  3. model and loss weights
4. epochs of (action batch + risk batch) steps, validation, early stopping
5. the run directory: config, statistics, splits, per-epoch metrics, checkpoints.

Runs the same under `torchrun --nproc_per_node=N -m host.train ...` (data-parallel,
gloo on CPU): each process takes its share of every batch and gradients are averaged.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from edge import dsp, taxonomy
from host.distill.augment import AugmentConfig, Augmenter, imu_sensors
from host.evaluation import metrics
from host.evaluation.splits import (
    Split,
    SplitPlan,
    athletes_held_out,
    check_disjoint_groups,
    grouped_split,
    held_out_split,
    random_split,
    time_split,
    weeks_by_athletes,
)
from host.models.config import TrainConfig
from host.models.heads import action_loss, inverse_frequency_weights, risk_loss
from host.models.inputs import (
    ANTI_ALIAS_FRACTION,
    ClipArrays,
    InputStats,
    WeeklyInputs,
    crop,
    drop_modalities,
    fit_stats,
    perturb_pose,
    prepare,
    weekly_inputs,
)
from host.models.network import MultimodalNet

# Run directory layout (read back by host.models.load_run and host.evaluation).
CONFIG_FILE = "config.json"
RUN_FILE = "run.json"
STATS_FILE = "stats.json"
SPLITS_FILE = "splits.json"
METRICS_CSV = "metrics.csv"
METRICS_JSON = "metrics.json"
BEST_CHECKPOINT = "best.pt"
# The epoch with the lowest validation risk loss: the two heads peak at different epochs
# (the risk head overfits its few hundred weeks long before actions converge), so
# evaluation scores risk with this checkpoint and actions with best.pt.
BEST_RISK_CHECKPOINT = "best_risk.pt"
LAST_CHECKPOINT = "last.pt"
REPLICA_DIR = "replicas"


class TrainingError(RuntimeError):
    """Training cannot start or go on (unusable data, missing checkpoint for --resume)."""


@dataclass
class TaskData:
    """Everything a run trains and validates on, prepared once."""

    arrays: ClipArrays
    labels: np.ndarray  # (N,) action label per clip
    clip_athletes: np.ndarray
    scenes: np.ndarray
    weekly: WeeklyInputs
    weekly_z: np.ndarray  # (W, F') V_t z-scored on the training weeks, risk-input columns only
    plan: SplitPlan
    stats: InputStats
    weekly_normaliser: dsp.Normaliser | None


@dataclass
class TrainResult:
    run_dir: Path
    best_epoch: int
    epochs_run: int
    history: list[dict[str, float]] = field(default_factory=list)
    stop_reason: str = "max_epochs"  # "max_epochs", "early_stop" or "time_budget"


def default_plan(
    clip_athletes: np.ndarray,
    weekly: WeeklyInputs,
    config: TrainConfig,
    split_seed: int,
    test_athletes: list[str] | None = None,
) -> SplitPlan:
    """Actions grouped by athlete; risk time-ordered or the paper's random 7:1.5:1.5.

    With `test_athletes`, exactly those athletes are the test part of both tasks and the
    validation athletes are drawn from the others. Data covering fewer than 3 weeks (a
    club's labelled takes) has no risk split: the run learns actions only.
    """
    if test_athletes:
        actions = athletes_held_out(clip_athletes, test_athletes, val_share(config), split_seed)
    else:
        actions = grouped_split(clip_athletes, config.split_fractions, split_seed)
    check_disjoint_groups(actions, clip_athletes)
    weeks = len(np.unique(weekly.week))
    empty = np.zeros(0, np.int64)
    if weeks < 3:
        risk, how = Split(empty, empty, empty), f"no risk split ({weeks} labelled week(s))"
    elif test_athletes:
        val_athletes = np.unique(clip_athletes[actions.val])
        risk = weeks_by_athletes(weekly.athlete_id, test_athletes, val_athletes)
        how = "risk by the same athletes"
    elif config.risk_split == "time":
        risk, how = time_split(weekly.week, config.split_fractions), "risk time-split"
    else:
        risk = random_split(len(weekly), config.split_fractions, split_seed)
        how = "risk random-split"
    held = f"test athletes {', '.join(test_athletes)}" if test_athletes else "grouped by athlete"
    return SplitPlan(actions, risk, f"actions {held}, {how}, seed {split_seed}")


def val_share(config: TrainConfig) -> float:
    """Validation's share of the athletes left once the test part is taken."""
    train, val, _ = config.split_fractions
    return val / (train + val)


def athlete_weeks(dataset: Any) -> WeeklyInputs:
    """The labelled athlete-weeks of a dataset with V_t and the clips of each week."""
    from host.risk.features import FEATURE_COLUMNS, LABEL, weekly_features

    clips = dataset.clips()
    return weekly_inputs(
        weekly_features(dataset), clips.athlete_id, clips.week, tuple(FEATURE_COLUMNS), LABEL
    )


def load_task_data(
    dataset: Any,
    config: TrainConfig,
    plan: SplitPlan | None = None,
    stats: InputStats | None = None,
    weekly_normaliser: dsp.Normaliser | None = None,
    test_athletes: list[str] | None = None,
) -> TaskData:
    """Clips and athlete-weeks of a dataset, split and normalised on the training part."""
    clips = dataset.clips()
    if len(clips) == 0:
        raise TrainingError(f"{dataset.root}: the dataset has no clips to train on")
    weekly = athlete_weeks(dataset)
    plan = plan or default_plan(
        clips.athlete_id, weekly, config, dataset.manifest.splits.seed, test_athletes
    )
    stats = stats or fit_stats(clips.subset(plan.actions.train), config)
    columns = config.model.risk_inputs
    chosen = weekly.features[:, [weekly.columns.index(c) for c in columns]]
    if weekly_normaliser is None and len(columns) and len(plan.risk.train):
        weekly_normaliser = dsp.Normaliser.fit(chosen[plan.risk.train], axis=1)
    weekly_z = weekly_normaliser.apply(chosen) if weekly_normaliser is not None else chosen
    return TaskData(
        prepare(clips, stats, config),
        clips.label.astype(np.int64),
        clips.athlete_id,
        clips.scene.astype(np.int64),
        weekly,
        weekly_z.astype(np.float32),
        plan,
        stats,
        weekly_normaliser,
    )


def model_config_for(
    config: TrainConfig, labels: list[str], risk_columns: tuple[str, ...]
) -> TrainConfig:
    """The config with the data's labels and V_t columns filled in (saved with the run)."""
    from host.risk.features import LOAD_FEATURES

    history = tuple(c for c in risk_columns if c not in LOAD_FEATURES)
    model = config.model.__class__(
        **{
            **config.model.__dict__,
            "labels": tuple(labels),
            "risk_features": tuple(risk_columns),
            "history_features": history,
        }
    )
    return config.replace(model=model)


class Objective(nn.Module):
    """One training step's loss, L_action + λ·L_risk (Eq. 8), in a single forward pass so
    data-parallel training can wrap it."""

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
        fused, _ = self.net.encode(batch)
        la = action_loss(self.net.action_head(fused[:n_action]), action_labels, self.class_weights)
        if len(injured) == 0:
            return la, la.detach(), torch.zeros(())
        logits = self.net.risk(fused[n_action:], owner, len(injured), weekly)
        lr = risk_loss(logits, injured, self.positive_weight)
        return la + self.risk_weight * lr, la.detach(), lr.detach()


def _concat(
    first: dict[str, torch.Tensor], second: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    return {key: torch.cat([first[key], second[key]]) for key in first}


def imu_augmenter(config: TrainConfig) -> Augmenter | None:
    """The IMU augmentations `config` asks for (waist + calf sensors), or None."""
    chosen = AugmentConfig(
        rotation_deg=config.imu_rotation_deg,
        magnitude_sigma=config.imu_magnitude_sigma,
        time_stretch=config.imu_time_stretch,
    )
    return Augmenter(chosen, imu_sensors(len(taxonomy.IMU_SITES))) if chosen.active else None


def _augment_imu(
    batch: dict[str, torch.Tensor],
    augmenter: Augmenter,
    normaliser: dsp.Normaliser,
    rng: np.random.Generator,
) -> dict[str, torch.Tensor]:
    """Augment the z-scored IMU channels in physical units; missing samples stay zero."""
    imu = batch["imu"].numpy().copy()
    channels = len(taxonomy.IMU_CHANNELS)
    valid = np.repeat(imu[:, channels:] > 0.5, len(taxonomy.IMU_AXES), axis=1)
    imu[:, :channels] = augmenter.apply(imu[:, :channels], rng, normaliser) * valid
    return {**batch, "imu": torch.from_numpy(imu)}


def _augment(
    batch: dict[str, torch.Tensor],
    config: TrainConfig,
    rates: dict[str, float],
    generator: torch.Generator,
) -> dict[str, torch.Tensor]:
    offset = float(torch.rand((), generator=generator))
    batch = crop(batch, config.crop_s, offset, rates)
    batch["skeleton"] = perturb_pose(
        batch["skeleton"],
        generator,
        config.pose_rotation_deg,
        config.pose_scale,
        config.pose_noise_m,
    )
    batch["present"] = drop_modalities(batch["present"], config.modality_dropout, generator)
    return batch


def _risk_clip_sample(
    rows: np.ndarray, members: list[np.ndarray], per_week: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Up to `per_week` clips of each athlete-week in `rows`, and each clip's position in `rows`."""
    picked, owner = [], []
    for position, row in enumerate(rows):
        clips = members[row]
        if len(clips) > per_week:
            clips = rng.choice(clips, per_week, replace=False)
        picked.append(clips)
        owner.append(np.full(len(clips), position))
    return (
        np.concatenate(picked).astype(np.int64) if picked else np.zeros(0, np.int64),
        np.concatenate(owner).astype(np.int64) if owner else np.zeros(0, np.int64),
    )


def week_members(weekly: WeeklyInputs) -> list[np.ndarray]:
    """Clip indices of every athlete-week."""
    order = np.argsort(weekly.clip_owner, kind="stable")
    owners = weekly.clip_owner[order]
    bounds = np.searchsorted(owners, np.arange(len(weekly) + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(len(weekly))]


@torch.no_grad()
def embed(
    net: MultimodalNet,
    arrays: ClipArrays,
    index: np.ndarray,
    config: TrainConfig,
    rates: dict[str, float],
    batch_size: int = 256,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fused features and attention weights of the clips at `index` (eval mode, centre crop)."""
    net.eval()
    fused = [torch.zeros(0, net.config.shared_width)]
    weights = [torch.zeros(0, len(net.config.branches))]
    for start in range(0, len(index), batch_size):
        batch = crop(arrays.tensors(index[start : start + batch_size]), config.crop_s, 0.5, rates)
        z, alpha = net.encode(batch)
        fused.append(z)
        weights.append(alpha)
    return torch.cat(fused), torch.cat(weights)


def validate(
    net: MultimodalNet,
    data: TaskData,
    config: TrainConfig,
    part: str,
    class_weights: torch.Tensor,
    positive_weight: float,
) -> dict[str, float]:
    """Losses and headline metrics on the validation (or test) part of the plan."""
    rates = data.stats.rates
    clip_index = getattr(data.plan.actions, part)
    week_rows = getattr(data.plan.risk, part)
    members = week_members(data.weekly)
    week_clips = np.concatenate([members[r] for r in week_rows] or [np.zeros(0, np.int64)])
    needed = np.union1d(clip_index, week_clips).astype(np.int64)
    fused, _ = embed(net, data.arrays, needed, config, rates)
    position = {int(c): i for i, c in enumerate(needed)}
    action_fused = fused[[position[int(c)] for c in clip_index]]
    logits = net.action_head(action_fused)
    labels = torch.from_numpy(data.labels[clip_index])
    la = action_loss(logits, labels, class_weights).item()
    predicted = logits.argmax(1).numpy()
    out = {
        f"{part}_action_loss": la,
        f"{part}_accuracy": metrics.accuracy(labels.numpy(), predicted),
        f"{part}_macro_f1": metrics.macro_f1(labels.numpy(), predicted, net.config.n_labels),
    }
    if len(week_rows):
        p = risk_probabilities(net, data, week_rows, fused, position)
        y = data.weekly.label[week_rows]
        logits_r = torch.logit(torch.from_numpy(p).clamp(1e-6, 1 - 1e-6))
        lr = float(risk_loss(logits_r, torch.from_numpy(y).float(), positive_weight))
        out.update({f"{part}_risk_loss": lr, f"{part}_auc": metrics.auc(y, p)})
    else:
        lr = 0.0
    out[f"{part}_loss"] = la + config.risk_weight * lr
    return out


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
    logits = net.risk(
        fused[torch.as_tensor(clip_rows, dtype=torch.long)],
        torch.as_tensor(owner, dtype=torch.long),
        len(week_rows),
        torch.from_numpy(data.weekly_z[week_rows]),
    )
    return torch.sigmoid(logits).numpy()


def _distributed() -> tuple[int, int]:
    """(rank, world size); joins the process group when started by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    if not dist.is_initialized():
        dist.init_process_group("gloo")
    return dist.get_rank(), world


def _state_digest(net: nn.Module) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(net.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=float))
    tmp.replace(path)


def train(
    data: Path,
    out: Path,
    config: TrainConfig | None = None,
    *,
    resume: bool = False,
    plan: SplitPlan | None = None,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
    show_progress: bool = True,
    test_athletes: list[str] | None = None,
    groups: Path | None = None,
) -> TrainResult:
    """Train on the dataset directory (or labelled `.ts` file) `data`, writing the run to `out`.

    With `resume`, training continues from `out/last.pt` with the config saved there.
    `plan` overrides the default splits (cross-validation folds use this); `test_athletes`
    holds out exactly those athletes; `groups` names the athlete of each `.ts` series.
    """
    rank, world = _distributed()
    out = Path(out)
    # 1. Config and seeds.
    if resume:
        if not (out / LAST_CHECKPOINT).exists():
            raise TrainingError(f"{out}: no {LAST_CHECKPOINT} to resume from")
        config = TrainConfig.from_dict(
            json.loads((out / CONFIG_FILE).read_text()), str(out / CONFIG_FILE)
        )
        plan = SplitPlan.from_dict(json.loads((out / SPLITS_FILE).read_text()))
        saved_groups = json.loads((out / RUN_FILE).read_text()).get("groups")
        groups = Path(saved_groups) if saved_groups else groups
    config = config or TrainConfig()
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)

    # 2. Data, splits and normalisation (training part only).
    if Path(data).suffix == ".ts":
        config, task, info = ts_task(
            Path(data), config, plan=plan, groups=groups, test_athletes=test_athletes
        )
    elif groups is not None:
        raise TrainingError("--groups names the athletes of a .ts file's series; a dataset "
                            "directory names them itself")
    else:
        config, task, info = _dataset_task(Path(data), config, plan, test_athletes)
    rates = task.stats.rates
    train_clips = task.plan.actions.train
    train_weeks = task.plan.risk.train
    members = week_members(task.weekly)

    # 3. Model, loss weights (class-weighted CE, weighted BCE) and IMU augmentation (waist
    # + calf sensors: datasets only, a .ts file's channels are not known sensors).
    augmenter = imu_augmenter(config) if info["format"] == "dataset" else None
    net = MultimodalNet(config.model)
    class_weights = inverse_frequency_weights(
        torch.from_numpy(task.labels[train_clips]), config.model.n_labels
    )
    injured = task.weekly.label[train_weeks]
    positive_weight = float((injured < 0.5).sum() / max((injured > 0.5).sum(), 1))
    objective: nn.Module = Objective(net, class_weights, positive_weight, config.risk_weight)
    if world > 1:
        objective = DistributedDataParallel(objective, find_unused_parameters=len(train_weeks) == 0)
    optimiser = torch.optim.AdamW(
        net.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    history: list[dict[str, float]] = []
    best_loss, best_epoch, start_epoch, stale = float("inf"), -1, 0, 0
    best_risk_loss, best_risk_epoch = float("inf"), -1
    if resume:
        state = torch.load(out / LAST_CHECKPOINT, weights_only=False)
        net.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        history, best_loss, best_epoch = state["history"], state["best_loss"], state["best_epoch"]
        start_epoch, stale = state["epoch"] + 1, state["stale"]
        best_risk_loss = state.get("best_risk_loss", float("inf"))
        best_risk_epoch = state.get("best_risk_epoch", -1)
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        _write_json(out / CONFIG_FILE, config.to_dict())
        _write_json(
            out / STATS_FILE,
            {
                "inputs": task.stats.to_dict(),
                "weekly": task.weekly_normaliser.to_dict() if task.weekly_normaliser else None,
            },
        )
        _write_json(out / SPLITS_FILE, task.plan.to_dict())
        _write_json(
            out / RUN_FILE,
            {
                **info,
                "split": task.plan.description,
                "world_size": world,
                "clips": {
                    "train": len(train_clips),
                    "val": len(task.plan.actions.val),
                    "test": len(task.plan.actions.test),
                },
                "weeks": {
                    "train": len(train_weeks),
                    "val": len(task.plan.risk.val),
                    "test": len(task.plan.risk.test),
                },
            },
        )

    # 4. Epochs.
    # Whole batches only (a batch of one breaks batch norm); the risk weeks are spread over
    # the epoch's steps, at most batch_size / risk_clips_per_week weeks per step.
    steps = max(1, len(train_clips) // (config.batch_size * world))
    weeks_per_step = min(
        max(1, config.batch_size // config.risk_clips_per_week),
        int(np.ceil(len(train_weeks) / (steps * world))),
    )
    progress = _progress(show_progress and rank == 0)
    started, stop_reason = time.perf_counter(), "max_epochs"
    with progress:
        task_id = progress.add_task("training", total=(config.max_epochs - start_epoch) * steps)
        for epoch in range(start_epoch, config.max_epochs):
            warming_up = epoch < config.attention_warmup_epochs
            net.fusion.use_attention = config.model.use_attention and not warming_up
            net.train()
            # Every random draw of an epoch comes from (seed, epoch, rank): a resumed run
            # continues exactly as an uninterrupted one would.
            torch.manual_seed(config.seed * 1000 + epoch * 10 + rank)
            generator = torch.Generator().manual_seed(config.seed * 1000 + epoch * 10 + rank)
            rng = np.random.default_rng([config.seed, epoch, rank])
            order = np.random.default_rng(config.seed + epoch).permutation(train_clips)
            week_order = np.random.default_rng(config.seed + epoch + 7).permutation(train_weeks)
            totals = np.zeros(3)
            for step in range(steps):
                chunk = order[
                    step * config.batch_size * world : (step + 1) * config.batch_size * world
                ]
                mine = chunk[rank::world]
                batch = task.arrays.tensors(mine)
                span = weeks_per_step * world
                rows = (
                    week_order[(step * span + np.arange(span)) % len(week_order)][rank::world]
                    if len(week_order)
                    else np.zeros(0, np.int64)
                )
                risk_clips, owner = _risk_clip_sample(
                    rows, members, config.risk_clips_per_week, rng
                )
                batch = _concat(batch, task.arrays.tensors(risk_clips))
                if augmenter is not None:
                    batch = _augment_imu(batch, augmenter, task.stats.imu, rng)
                batch = _augment(batch, config, rates, generator)
                loss, la, lr = objective(
                    batch,
                    len(mine),
                    torch.from_numpy(task.labels[mine]),
                    torch.from_numpy(owner),
                    torch.from_numpy(task.weekly_z[rows]),
                    torch.from_numpy(task.weekly.label[rows]).float(),
                )
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                totals += [loss.item(), la.item(), lr.item()]
                progress.update(
                    task_id,
                    advance=1,
                    description=(
                        f"epoch {epoch + 1}/{config.max_epochs} loss {totals[0] / (step + 1):.3f}"
                    ),
                )
            if world > 1:  # batch-norm statistics: rank 0's, so every replica validates alike
                for buffer in net.buffers():
                    dist.broadcast(buffer, 0)
            mean = totals / steps
            row = {
                "epoch": epoch + 1,
                "train_loss": float(mean[0]),
                "train_action_loss": float(mean[1]),
                "train_risk_loss": float(mean[2]),
            }
            row.update(validate(net, task, config, "val", class_weights, positive_weight))
            history.append(row)
            watched = row[f"val_{config.early_stop_on}"]
            # A warm-up epoch's weights are not kept: the saved model always fuses with
            # the attention its config asks for.
            improved = not warming_up and watched < best_loss
            if improved:
                best_loss, best_epoch, stale = watched, epoch + 1, 0
            elif not warming_up:
                stale += 1
            risk_watched = row.get("val_risk_loss", float("nan"))
            risk_improved = (
                not warming_up and bool(np.isfinite(risk_watched)) and risk_watched < best_risk_loss
            )
            if risk_improved:
                best_risk_loss, best_risk_epoch = risk_watched, epoch + 1
            if rank == 0:
                if improved:
                    torch.save(net.state_dict(), out / BEST_CHECKPOINT)
                if risk_improved:
                    torch.save(net.state_dict(), out / BEST_RISK_CHECKPOINT)
                torch.save(
                    {
                        "model": net.state_dict(),
                        "optimiser": optimiser.state_dict(),
                        "epoch": epoch,
                        "history": history,
                        "best_loss": best_loss,
                        "best_epoch": best_epoch,
                        "best_risk_loss": best_risk_loss,
                        "best_risk_epoch": best_risk_epoch,
                        "stale": stale,
                    },
                    out / LAST_CHECKPOINT,
                )
                _write_metrics(out, history)
            if on_epoch:
                on_epoch(row)
            if stale >= config.early_stop_patience:
                stop_reason = "early_stop"
                break
            if _out_of_time(config, started, epoch + 1 - start_epoch, world):
                stop_reason = "time_budget"
                break
    if world > 1:
        (out / REPLICA_DIR).mkdir(parents=True, exist_ok=True)
        (out / REPLICA_DIR / f"rank{rank}.sha256").write_text(_state_digest(net))
        dist.barrier()
    if rank == 0:
        _record_stop(out, stop_reason, best_epoch, best_risk_epoch, time.perf_counter() - started)
    return TrainResult(out, best_epoch, len(history), history, stop_reason)


def _out_of_time(config: TrainConfig, started: float, epochs_done: int, world: int) -> bool:
    """Whether another epoch would overrun the time budget; rank 0 decides for all ranks."""
    if config.time_budget_min <= 0:
        return False
    elapsed = time.perf_counter() - started
    over = elapsed + elapsed / epochs_done > config.time_budget_min * 60
    if world > 1:
        flag = torch.tensor([int(over)])
        dist.broadcast(flag, 0)
        over = bool(flag.item())
    return over


def _record_stop(
    out: Path, reason: str, best_epoch: int, best_risk_epoch: int, seconds: float
) -> None:
    """Add why and when training ended to the run's description (run.json)."""
    info = json.loads((out / RUN_FILE).read_text())
    info["stop"] = {
        "reason": reason,
        "best_epoch": best_epoch,
        "best_risk_epoch": best_risk_epoch,
        "train_wall_s": round(seconds, 1),
    }
    _write_json(out / RUN_FILE, info)


def _dataset_task(
    data: Path, config: TrainConfig, plan: SplitPlan | None, test_athletes: list[str] | None
) -> tuple[TrainConfig, TaskData, dict[str, Any]]:
    from host.data.dataset import load_dataset
    from host.risk.features import FEATURE_COLUMNS

    dataset = load_dataset(data)
    config = model_config_for(config, list(dataset.manifest.labels), tuple(FEATURE_COLUMNS))
    info = {
        "data": str(data),
        "format": "dataset",
        "data_hash": dataset.content_hash,
        "synthetic": dataset.manifest.synthetic,
        "dataset_name": dataset.manifest.name,
        "labels": list(dataset.manifest.labels),
        "scenes": list(dataset.manifest.scenes),
    }
    task = load_task_data(dataset, config, plan, test_athletes=test_athletes)
    return config, task, info


def ts_task(
    path: Path,
    config: TrainConfig,
    plan: SplitPlan | None = None,
    stats: InputStats | None = None,
    groups: Path | None = None,
    test_athletes: list[str] | None = None,
) -> tuple[TrainConfig, TaskData, dict[str, Any]]:
    """A labelled UCR/UEA `.ts` file as IMU-only task data with its own labels.

    Its sibling `*_TEST.ts` (when the file is `*_TRAIN.ts`) is the test part, untouched
    until evaluation. `groups` (see `read_groups`) names the athlete of every series: then
    validation is whole athletes of the training file and `test_athletes` may name the test
    part. Without it each series is its own group and validation is 15 % of the training
    file's series.
    """
    from aeon.datasets import load_from_ts_file

    def read(file: Path) -> tuple[np.ndarray, np.ndarray]:
        try:
            x, y = load_from_ts_file(str(file))
        except (OSError, ValueError, IndexError) as exc:
            raise TrainingError(f"{file}: not a readable .ts file ({exc})") from None
        if isinstance(x, list):
            raise TrainingError(f"{file}: series of unequal length are not supported")
        return np.asarray(x, dtype=np.float64), np.asarray(y).astype(str)

    x, y = read(path)
    test_file = path.with_name(path.name.replace("_TRAIN", "_TEST"))
    n_train = len(y)
    if test_file != path and test_file.exists():
        x_test, y_test = read(test_file)
        x, y = np.concatenate([x, x_test]), np.concatenate([y, y_test])
    labels = sorted(set(y.tolist()))
    valid = np.isfinite(x)
    x = np.where(valid, x, 0.0)
    n, channels, _ = x.shape
    rate = config.imu_rate_hz if stats is None else stats.rates["imu"]
    x, valid = ts_to_model_rate(x, valid, rate, config)
    athletes = np.arange(n).astype(str) if groups is None else read_groups(groups, n, n_train)
    if test_athletes and groups is None:
        raise TrainingError(
            f"{path}: --test-athletes needs --groups FILE naming each series' athlete"
        )
    if plan is None and groups is not None:
        empty = np.zeros(0, np.int64)
        share = val_share(config)
        if test_athletes:
            actions = athletes_held_out(athletes, test_athletes, share, config.seed)
            how = f"test athletes {', '.join(test_athletes)}"
        elif n_train < n:
            actions = held_out_split(athletes, np.arange(n) >= n_train, share, config.seed)
            how = "its own test file"
        else:
            actions = grouped_split(athletes, config.split_fractions, config.seed)
            how = "grouped by athlete"
        check_disjoint_groups(Split(actions.train, actions.val, empty), athletes)
        plan = SplitPlan(
            actions, Split(empty, empty, empty), f"{path.name}: {how}, validation athletes apart"
        )
    if plan is None:
        if n_train < n:
            order = np.random.default_rng(config.seed).permutation(n_train)
            n_val = max(1, round(config.split_fractions[1] * n_train))
            actions = Split(np.sort(order[n_val:]), np.sort(order[:n_val]), np.arange(n_train, n))
        else:
            actions = random_split(n, config.split_fractions, config.seed)
        empty = np.zeros(0, np.int64)
        plan = SplitPlan(actions, Split(empty, empty, empty), f"{path.name}: its own test file")
    if stats is None:
        imu = dsp.Normaliser.fit(x[plan.actions.train], axis=1, valid=valid[plan.actions.train])
        rates = {"imu": rate, "gps": 1.0, "hr": 1.0, "skeleton": 1.0}
        stats = InputStats(
            imu,
            dsp.Normaliser(np.zeros(3), np.ones(3)),
            dsp.Normaliser(np.zeros(1), np.ones(1)),
            rates,
        )
    steps = int(taxonomy.STORED_CLIP_S)
    arrays = ClipArrays(
        imu=np.concatenate(
            [stats.imu.apply(x) * valid, valid.any(1, keepdims=True)], axis=1
        ).astype(np.float32),
        gps=np.zeros((n, 4, steps), np.float32),
        hr=np.zeros((n, 2, steps), np.float32),
        skeleton=np.zeros((n, steps, len(taxonomy.JOINTS), 4), np.float32),
        present=np.tile(np.array([False, True, False, False]), (n, 1)),
    )
    model = dataclasses.replace(
        config.model,
        labels=tuple(labels),
        imu_channels=channels + 1,
        use_skeleton=False,
        use_gps=False,
        use_load=False,
        risk_features=(),
        history_features=(),
    )
    config = config.replace(model=model)
    weekly = WeeklyInputs(
        np.zeros(0, str),
        np.zeros(0, np.int64),
        np.zeros((0, 0)),
        (),
        np.zeros(0),
        np.full(n, -1, np.int64),
    )
    task = TaskData(
        arrays,
        np.searchsorted(labels, y).astype(np.int64),
        athletes,
        np.zeros(n, np.int64),
        weekly,
        np.zeros((0, 0), np.float32),
        plan,
        stats,
        None,
    )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    info = {
        "data": str(path),
        "format": "ts",
        "data_hash": digest,
        "synthetic": False,
        "dataset_name": path.stem,
        "labels": labels,
        "scenes": [],
        **({"groups": str(groups)} if groups is not None else {}),
    }
    return config, task, info


def ts_to_model_rate(
    x: np.ndarray, valid: np.ndarray, rate_hz: float, config: TrainConfig
) -> tuple[np.ndarray, np.ndarray]:
    """`.ts` series `(N, C, T)` and their validity onto the model's IMU grid.

    A `.ts` file carries no sample rate, so each series is taken as one stored clip
    (`taxonomy.STORED_CLIP_S`) and resampled to as many samples as the model sees in one
    at `rate_hz`, low-passed first as dataset clips are when that is fewer: the IMU
    branch's stem and GRU were sized for that time scale, and the time crop keeps the
    same share of a series as of a clip. Fed the file's samples as they were (600 per
    6 s at 100 Hz, three times the model's) and uncropped, the teacher scored 0.29
    leave-one-athlete-out on the soccer suit recording, 0.38 this way (docs/results.md,
    "The teacher on real takes"). A run saved with another rate is read back at it.
    """
    length = x.shape[2]
    target = int(round(taxonomy.STORED_CLIP_S * rate_hz))
    if target == length:
        return x, valid
    rate_in = length / taxonomy.STORED_CLIP_S
    if target < length:
        cutoff = min(config.imu_cutoff_hz, ANTI_ALIAS_FRACTION * rate_hz)
        x = dsp.lowpass(x, rate_in, cutoff)
    t, t_new = np.arange(length) / rate_in, np.arange(target) / rate_hz
    resampled = dsp.resample_linear(t, x, t_new)
    valid = dsp.resample_linear(t, valid.astype(np.float64), t_new) > 0.5
    return resampled, valid


def read_groups(path: Path, n: int, n_train: int) -> np.ndarray:
    """The athlete of each series: one id per line, the training file's series first, then
    its `_TEST` sibling's (a header line `athlete_id` is allowed)."""
    try:
        lines = [line.strip() for line in Path(path).read_text().splitlines()]
    except OSError as exc:
        raise TrainingError(f"{path}: cannot read the groups file ({exc.strerror})") from None
    if lines and lines[0] == "athlete_id":
        lines = lines[1:]
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) != n:
        test = f" + {n - n_train} test" if n > n_train else ""
        raise TrainingError(
            f"{path}: {len(lines)} athlete ids for {n} series ({n_train} training{test}); "
            "write one line per series"
        )
    if "" in lines:
        raise TrainingError(
            f"{path}: line {lines.index('') + 1} is empty (every series has an athlete)"
        )
    return np.array(lines)


def _write_metrics(out: Path, history: list[dict[str, float]]) -> None:
    _write_json(out / METRICS_JSON, history)
    columns = sorted({key for row in history for key in row}, key=lambda k: (k != "epoch", k))
    tmp = out / (METRICS_CSV + ".tmp")
    with tmp.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(history)
    tmp.replace(out / METRICS_CSV)


def _progress(enabled: bool) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        disable=not enabled,
        transient=False,
    )


def _main() -> None:
    """Entry point for `torchrun ... -m host.train --data DIR --out RUN [--config FILE]`."""
    from host.models.config import load_config

    parser = argparse.ArgumentParser(
        description="Train the paper model (data-parallel under torchrun)."
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--config", type=Path)
    args = parser.parse_args()
    config = load_config(args.config) if args.config else None
    train(args.data, args.out, config, show_progress=False)
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    _main()
