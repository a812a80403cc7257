"""Train the paper's multimodal model on a dataset directory, as a recipe:

1. config and seeds  2. data, splits, normalisation  3. model and loss weights
4. epochs of (action batch + risk batch) steps, validation, early stopping
5. the run directory: config, statistics, splits, per-epoch metrics, checkpoints, and the
   IMU companion where the config asks for one (`host.models.companion`).

The parts live in `host.training` (see its module map). Runs the same under
`torchrun --nproc_per_node=N -m host.train ...` (data-parallel: NCCL when each process
holds a GPU, gloo on CPU): each process takes its share of every batch and gradients are
averaged. Where it computes is one `host.device.Compute`; every device runs this code.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from firmware_bridge.errors import UserError
from host.data.ts_file import ts_task
from host.device import Compute
from host.evaluation.splits import SplitPlan, halve_validation
from host.models.companion import COMPANION_FILE, CompanionError, fit_companion
from host.models.config import TrainConfig
from host.models.heads import inverse_frequency_weights
from host.models.network import MultimodalNet
from host.risk.features import FeatureSettings
from host.training.batches import imu_augmenter
from host.training.errors import TrainingError
from host.training.loop import EpochRunner, distributed, out_of_time, state_digest
from host.training.objective import Objective, embed, validate
from host.training.rundir import (
    BEST_CHECKPOINT,
    BEST_RISK_CHECKPOINT,
    CONFIG_FILE,
    LAST_CHECKPOINT,
    REPLICA_DIR,
    RUN_FILE,
    SPLITS_FILE,
    STATS_FILE,
    record_stop,
    write_json,
    write_metrics,
)
from host.training.state import TrainState, check_resumable, saved_config
from host.training.task import TaskData, dataset_task

__all__ = ["TrainResult", "TrainingError", "train"]


@dataclass
class TrainResult:
    run_dir: Path
    best_epoch: int
    epochs_run: int
    history: list[dict[str, float]] = field(default_factory=list)
    stop_reason: str = "max_epochs"  # "max_epochs", "early_stop" or "time_budget"


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
    features: FeatureSettings | None = None,
    compute: Compute | None = None,
    cache_mb: float = 0,
    val_athletes: list[str] | None = None,
) -> TrainResult:
    """Train on the dataset directory (or labelled `.ts` file) `data`, writing the run to `out`.

    With `resume`, training continues from `out/last.pt` under the config saved there;
    `config`, when given, may differ from it only in how long the run goes on
    (`max_epochs`, `time_budget_min`) and its threads: other changes, other splits,
    other test athletes or another groups file are refused. `plan` overrides the default
    splits (cross-validation folds use this); `test_athletes` holds out exactly those
    athletes, and `val_athletes` (with them) makes exactly those the validation athletes
    early stopping watches; `groups` names the athlete of each `.ts` series. `features`
    are the impact weights and time-loss definition of the risk label (default: the
    documented ones); they are saved in run.json, and a resumed run keeps its own.
    `compute` is the device, precision and loader workers (default: the CPU in fp32,
    loading in this process); run.json records them, and a resumed run may change them.
    With `cache_mb` above 0 a dataset's clips stream from their shards, at most that many
    megabytes of prepared clips kept (`host.training.streaming`); 0 prepares every clip up front.
    """
    compute = compute or Compute()
    rank, world = distributed(compute.device)
    out = Path(out)
    # 1. Config and seeds; a resumed run keeps its recipe, splits and groups file.
    saved = saved_config(out) if resume else None
    if saved is not None:
        plan, groups, features = _resumed_splits(out, plan, groups, features)
    config = config or saved or TrainConfig()
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)

    # 2. Data, splits and normalisation (training part only).
    if Path(data).suffix == ".ts":
        config, task, info = ts_task(
            Path(data),
            config,
            plan=plan,
            groups=groups,
            test_athletes=test_athletes,
            val_athletes=val_athletes,
        )
    elif groups is not None:
        raise TrainingError(
            "--groups names the athletes of a .ts file's series; a dataset "
            "directory names them itself"
        )
    else:
        config, task, info = dataset_task(
            Path(data), config, plan, test_athletes, features, cache_mb, val_athletes
        )
    if saved is not None:
        check_resumable(out, saved, config)
        if test_athletes:
            _check_held_out(out, task, test_athletes, "test")
        if val_athletes:
            _check_held_out(out, task, val_athletes, "val")
    elif config.model.imu_companion != "none":
        task = _with_blend_half(task)

    # 3. Model, loss weights (class-weighted CE, weighted BCE) and IMU augmentation (waist
    # + calf sensors: datasets only, a .ts file's channels are not known sensors).
    net = MultimodalNet(config.model).to(compute.device)
    class_weights = inverse_frequency_weights(
        torch.from_numpy(task.labels[task.plan.actions.train]), config.model.n_labels
    ).to(compute.device)
    injured = task.weekly.label[task.plan.risk.train]
    positive_weight = float((injured < 0.5).sum() / max((injured > 0.5).sum(), 1))
    objective: nn.Module = Objective(net, class_weights, positive_weight, config.risk_weight)
    if world > 1:
        objective = DistributedDataParallel(
            objective,
            device_ids=[compute.device] if compute.device.type == "cuda" else None,
            find_unused_parameters=len(task.plan.risk.train) == 0,
        )
    optimiser = torch.optim.AdamW(
        net.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    state = TrainState()
    if resume:
        state = TrainState.load(out / LAST_CHECKPOINT, net, optimiser)
        if state.epochs_done >= config.max_epochs:
            raise TrainingError(
                f"{out}: the run has trained {state.epochs_done} epoch(s) already; resume "
                f"with more epochs (--epochs above {state.epochs_done})"
            )
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        where = {**compute.describe(), "stream_cache_mb": cache_mb}
        _write_run_files(out, config, task, {**info, "compute": where}, world)

    # 4. Epochs: train, validate, keep each head's best weights, stop early or on time.
    augmenter = imu_augmenter(config) if info["format"] == "dataset" else None
    runner = EpochRunner(net, objective, optimiser, task, config, augmenter, rank, world, compute)
    progress = _progress(show_progress and rank == 0)
    started, stop_reason, first_epoch = time.perf_counter(), "max_epochs", state.epochs_done
    bar = progress.add_task("training", total=(config.max_epochs - first_epoch) * runner.steps)

    def advance(epoch: int, mean_loss: float) -> None:
        label = f"epoch {epoch + 1}/{config.max_epochs} loss {mean_loss:.3f}"
        progress.update(bar, advance=1, description=label)

    with progress:
        for epoch in range(first_epoch, config.max_epochs):
            row: dict[str, float] = {"epoch": epoch + 1}
            row.update(runner.run(epoch, partial(advance, epoch)))
            row.update(validate(net, task, config, "val", class_weights, positive_weight))
            state.history.append(row)
            state.epochs_done = epoch + 1
            # A warm-up epoch's weights are never kept: the saved model always fuses with
            # the attention its config asks for.
            for tracker, key, file in (
                (state.best, f"val_{config.early_stop_on}", BEST_CHECKPOINT),
                (state.best_risk, "val_risk_loss", BEST_RISK_CHECKPOINT),
            ):
                improved = not runner.warming_up(epoch) and tracker.update(
                    row.get(key, float("nan")), epoch + 1
                )
                if improved and rank == 0:
                    torch.save(net.state_dict(), out / file)
            if rank == 0:
                state.save(out / LAST_CHECKPOINT, net, optimiser)
                write_metrics(out, state.history)
            if on_epoch:
                on_epoch(row)
            if state.best.stale >= config.early_stop_patience:
                stop_reason = "early_stop"
                break
            if out_of_time(config, started, epoch + 1 - first_epoch, world, compute.device):
                stop_reason = "time_budget"
                break
    if world > 1:
        (out / REPLICA_DIR).mkdir(parents=True, exist_ok=True)
        (out / REPLICA_DIR / f"rank{rank}.sha256").write_text(state_digest(net))
        dist.barrier()
    if rank == 0:
        elapsed = time.perf_counter() - started
        record_stop(out, stop_reason, state.best.epoch, state.best_risk.epoch, elapsed)
        # 5. The IMU companion, fitted beside the best network (host.models.companion).
        if config.model.imu_companion != "none":
            _fit_companion(out, net, task, config, compute)
    return TrainResult(out, state.best.epoch, len(state.history), state.history, stop_reason)


def _with_blend_half(task: TaskData) -> TaskData:
    """The task with half its validation clips set aside for the IMU companion's blend
    (`halve_validation`); splits.json records both halves, so evaluation and a resumed run
    see the same ones."""
    plan = task.plan
    actions = halve_validation(plan.actions, task.labels, task.clip_athletes)
    description = f"{plan.description}; validation halved: early stopping / companion blend"
    return replace(task, plan=SplitPlan(actions, plan.risk, description))


def _fit_companion(
    out: Path, net: MultimodalNet, task: TaskData, config: TrainConfig, compute: Compute
) -> None:
    """Fit the random-kernel IMU companion on the training athletes, its temperature and
    blend weight on the validation clips set aside for the blend against the best
    checkpoint's network; save it beside the checkpoint and record it in run.json."""
    weights = out / BEST_CHECKPOINT
    if not weights.exists():
        raise TrainingError(f"{weights}: missing, so there is no network to fit a companion to")
    net.load_state_dict(torch.load(weights, map_location=compute.device, weights_only=True))

    @torch.no_grad()
    def network_proba(index: np.ndarray) -> np.ndarray:
        index = index.astype(np.int64)
        fused, _ = embed(net, task.arrays, index, config, task.stats.rates, compute=compute)
        return torch.softmax(net.action_head(fused).float(), 1).cpu().numpy()

    try:
        companion = fit_companion(
            task, network_proba, config.model.n_labels, config.seed, config.model.imu_companion
        )
    except CompanionError as exc:
        raise TrainingError(f"{out}: {exc}") from None
    companion.save(out / COMPANION_FILE)
    info = json.loads((out / RUN_FILE).read_text())
    write_json(out / RUN_FILE, {**info, "companion": companion.describe()})


def _resumed_splits(
    out: Path, plan: SplitPlan | None, groups: Path | None, features: FeatureSettings | None
) -> tuple[SplitPlan, Path | None, FeatureSettings | None]:
    """The splits, groups file and feature settings a run was trained with; others would
    make the resumed run a different one, so they are refused."""
    if plan is not None:
        raise TrainingError(f"{out}: a resumed run keeps the splits it was trained with")
    plan = SplitPlan.from_dict(json.loads((out / SPLITS_FILE).read_text()))
    info = json.loads((out / RUN_FILE).read_text())
    trained_with = FeatureSettings.from_dict(info["features"]) if "features" in info else None
    if features is not None and trained_with is not None and features != trained_with:
        raise TrainingError(
            f"{out}: the run labelled its weeks with {trained_with.to_dict()}, not "
            f"{features.to_dict()} (TOUCHLINE_IMPACT_WEIGHTS, TOUCHLINE_TIME_LOSS_MIN_DAYS); "
            "a resumed run keeps its own"
        )
    saved = info.get("groups")
    if groups is not None and (saved is None or Path(saved).resolve() != Path(groups).resolve()):
        raise TrainingError(
            f"{out}: the run was trained with groups file {saved or 'none'}, not {groups}; "
            "a resumed run keeps its own"
        )
    return plan, Path(saved) if saved else None, trained_with or features


def _check_held_out(out: Path, task: TaskData, athletes: list[str], part: str) -> None:
    """Refuse --test-athletes (`part` "test") or --val-athletes ("val") on resume unless
    they are the run's own."""
    held = sorted(set(task.clip_athletes[getattr(task.plan.actions, part)].tolist()))
    if held != sorted(set(athletes)):
        what = "test" if part == "test" else "validation"
        raise TrainingError(
            f"{out}: the run's {what} athletes are {', '.join(held) or 'none'}, not "
            f"{', '.join(athletes)}; a resumed run keeps its {what} athletes"
        )


def _write_run_files(
    out: Path, config: TrainConfig, task: TaskData, info: dict[str, Any], world: int
) -> None:
    """Config, normalisation statistics, splits and the run's description (run.json)."""
    write_json(out / CONFIG_FILE, config.to_dict())
    write_json(
        out / STATS_FILE,
        {
            "inputs": task.stats.to_dict(),
            "weekly": task.weekly_normaliser.to_dict() if task.weekly_normaliser else None,
        },
    )
    write_json(out / SPLITS_FILE, task.plan.to_dict())
    plan = task.plan
    write_json(
        out / RUN_FILE,
        {
            **info,
            "split": plan.description,
            "world_size": world,
            "clips": {
                "train": len(plan.actions.train),
                "val": len(plan.actions.val),
                "test": len(plan.actions.test),
                **({"val_blend": len(plan.actions.blend)} if len(plan.actions.blend) else {}),
            },
            "weeks": {
                "train": len(plan.risk.train),
                "val": len(plan.risk.val),
                "test": len(plan.risk.test),
            },
        },
    )


def _progress(enabled: bool) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        disable=not enabled,
        transient=False,
    )


def _main(argv: Sequence[str] | None = None) -> None:
    """Entry point for `torchrun ... -m host.train --data DIR --out RUN [--config FILE]`.

    Reports a UserError as `touchline`'s commands do: one `error:` line on stderr and the
    error's exit code, from every process torchrun started."""
    from host.models.config import load_config
    from host.settings import get_settings

    parser = argparse.ArgumentParser(
        description="Train the paper model (data-parallel under torchrun)."
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--config", type=Path)
    # Left out, these four come from the settings (TOUCHLINE_DEVICE, …), as in `touchline`.
    parser.add_argument("--device", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--precision", choices=("fp32", "bf16"))
    parser.add_argument("--workers", type=int, help="data-loading processes")
    parser.add_argument("--cache-mb", type=float, help="streamed clips kept, MB (0: all)")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
        config = load_config(args.config) if args.config else None
        compute = Compute.choose(
            args.device or settings.device,
            args.precision or settings.precision,
            settings.loader_workers if args.workers is None else args.workers,
        )
        train(
            args.data,
            args.out,
            config,
            show_progress=False,
            compute=compute,
            cache_mb=settings.stream_cache_mb if args.cache_mb is None else args.cache_mb,
        )
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(error.exit_code) from None
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


if __name__ == "__main__":
    _main()
