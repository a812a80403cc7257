"""Peak memory of train, evaluate and distil on one squad, with clips streamed from their
shards beside the in-memory path, and the data path's speed beside the model's.

Each task runs in a fresh child process and its peak resident set comes from the kernel
(`os.wait4`, the child's own ru_maxrss), so one task's memory never hides another's.
The speed part, in one process: batches per second of the data path alone (read,
prepare, collate, augment; first with a cold shard cache, then warm), training steps per
second on those batches, and training steps per second on synthetic tensors of the same
shapes, which have no data path at all.

`--stages` also prints, for each task, the largest resident set seen in each stage: the
innermost function of the project's code the main thread was in, sampled every 20 ms
(Linux `/proc`), which says where a peak comes from.

`--tile N` first writes a copy of the squad with every clip N times (new clip ids, same
athletes, weeks and signals), so a paper-size clip count (≈ 21 000) is reached from a
`small` synthetic squad without hours of simulation; per-clip memory is what it would be.

    python tools/bench/stream.py --data data/squad-small --tile 15 --work out/bench
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType

import numpy as np

FEEDS = {"in memory": 0.0, "streamed": 1024.0}  # --cache-mb of each feed
TASKS = ("train", "evaluate", "distil")
BUDGET_MB = 4096  # issue 18: at most 4 GB per process at paper size
PROJECT = Path(__file__).resolve().parents[2]
STAGES_SHOWN = 8


class StageSampler(threading.Thread):
    """The resident set every `interval_s`, its maximum kept per stage: the innermost frame
    of the main thread that is project code (`host/distill/pipeline.py:distill`)."""

    def __init__(self, interval_s: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.interval_s = interval_s
        self.peaks: dict[str, float] = {}
        self.done = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")

    def run(self) -> None:
        main = threading.main_thread().ident
        while not self.done.wait(self.interval_s):
            frame = sys._current_frames().get(main) if main is not None else None
            stage = _project_stage(frame)
            with open("/proc/self/statm") as statm:
                rss_mb = int(statm.read().split()[1]) * self._page / 2**20
            self.peaks[stage] = max(self.peaks.get(stage, 0.0), rss_mb)

    def report(self) -> str:
        top = sorted(self.peaks.items(), key=lambda item: -item[1])[:STAGES_SHOWN]
        return "\n".join(f"  {peak:7.0f} MB  {stage}" for stage, peak in top)


def _project_stage(frame: FrameType | None) -> str:
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.is_relative_to(PROJECT) and ".venv" not in path.parts:
            return f"{path.relative_to(PROJECT)}:{frame.f_code.co_name}"
        frame = frame.f_back
    return "(outside the project)"


def tile(source: Path, target: Path, times: int) -> Path:
    """`source` with each clip shard written `times` over, clip ids suffixed ~0, ~1, …"""
    from host.data.dataset import load_dataset, write_clip_shard

    if target.exists():
        return target
    dataset = load_dataset(source)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(source, partial, ignore=shutil.ignore_patterns("clips"))
    number = 0
    for shard in dataset.clip_shards:
        with np.load(shard, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        for copy in range(times):
            ids = np.char.add(arrays["clip_id"].astype(str), f"~{copy}")
            write_clip_shard(partial, number, {**arrays, "clip_id": ids}, dataset.manifest)
            number += 1
    partial.rename(target)
    return target


def run_task(task: str, data: Path, work: Path, cache_mb: float, epochs: int, stages: bool) -> None:
    """One task in this process (the child side of `measure`)."""
    sampler = StageSampler()
    if stages:
        sampler.start()
    _run_task(task, data, work, cache_mb, epochs)
    if stages:
        sampler.done.set()
        sampler.join()
        print(f"{task} (cache {cache_mb:g} MB): largest resident set by stage\n{sampler.report()}")


def _run_task(task: str, data: Path, work: Path, cache_mb: float, epochs: int) -> None:
    import torch

    from host.device import Compute
    from host.models.config import TrainConfig

    torch.set_num_threads(1)
    run = work / "run"
    if task == "train":
        from host.train import train

        feed = "stream" if cache_mb else "memory"
        config = TrainConfig(max_epochs=epochs, learning_rate=2e-3)
        train(data, work / f"run-{feed}", config, show_progress=False, cache_mb=cache_mb)
        if not run.exists():
            shutil.copytree(work / f"run-{feed}", run)
    elif task == "evaluate":
        from host.evaluation.evaluate import evaluate_run

        evaluate_run(run, data, resamples=100, write=False, compute=Compute(), cache_mb=cache_mb)
    else:
        from host.distill.config import DistillConfig
        from host.distill.pipeline import distill_run

        recipe = DistillConfig(max_epochs=1, min_steps=0, simulated_minutes=0.0)
        distill_run(
            run, data, recipe, minirocket_kernels=84, compute=Compute(), stream=cache_mb > 0
        )


def measure(
    task: str, data: Path, work: Path, cache_mb: float, epochs: int, stages: bool
) -> dict[str, float]:
    """Peak RSS (MB) and wall seconds of `task` in a child process."""
    command = [sys.executable, __file__, "--child", task, "--data", str(data)]
    command += ["--work", str(work), "--cache-mb", str(cache_mb), "--epochs", str(epochs)]
    command += ["--stages"] if stages else []
    started = time.perf_counter()
    child = subprocess.Popen(command, env={**os.environ, "OMP_NUM_THREADS": "1"})
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        return {"peak_rss_mb": float("nan"), "wall_s": wall, "failed": 1.0}
    return {"peak_rss_mb": usage.ru_maxrss / 1024, "wall_s": wall}  # ru_maxrss is in KiB


def speed(data: Path, steps: int, workers: int) -> dict[str, float]:
    """Data path alone (cold, warm), real steps and synthetic steps per second, streamed."""
    import torch

    from host.device import Compute
    from host.models.config import TrainConfig
    from host.models.heads import inverse_frequency_weights
    from host.models.network import MultimodalNet
    from host.training.batches import augment, imu_augmenter
    from host.training.feed import StepLoader
    from host.training.loop import EpochRunner
    from host.training.objective import Objective
    from host.training.task import dataset_task

    torch.set_num_threads(1)
    compute = Compute(workers=workers)
    config, task, _ = dataset_task(data, TrainConfig(learning_rate=2e-3), None, None, None, 1024)
    net = MultimodalNet(config.model)
    weights = inverse_frequency_weights(
        torch.from_numpy(task.labels[task.plan.actions.train]), config.model.n_labels
    )
    objective = Objective(net, weights, 5.0, config.risk_weight)
    optimiser = torch.optim.AdamW(net.parameters(), lr=config.learning_rate)
    runner = EpochRunner(
        net, objective, optimiser, task, config, imu_augmenter(config), compute=compute
    )
    plan = runner.plan(0)[:steps]
    generator = torch.Generator().manual_seed(0)

    loader = StepLoader(task.arrays, compute)

    def data_path() -> tuple[float, list[dict[str, torch.Tensor]]]:
        started, batches = time.perf_counter(), []
        for batch in loader.batches(plan):
            batches.append(augment(batch, config, task.stats.rates, generator))
        return len(plan) / (time.perf_counter() - started), batches

    def train_on(batches: list[dict[str, torch.Tensor]]) -> float:
        net.train()
        started = time.perf_counter()
        for step, batch in zip(plan, batches, strict=False):
            loss, _, _ = objective(
                batch,
                len(step.mine),
                torch.from_numpy(task.labels[step.mine]),
                torch.from_numpy(step.owner),
                torch.from_numpy(task.weekly_z[step.rows]),
                torch.from_numpy(task.weekly.label[step.rows]).float(),
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        return len(batches) / (time.perf_counter() - started)

    cold, _ = data_path()
    warm, batches = data_path()
    synthetic = [
        {
            key: torch.randn(value.shape) if value.is_floating_point() else value
            for key, value in batch.items()
        }
        for batch in batches
    ]
    train_on(synthetic[:3])  # warm-up: first-step allocations are not the data's cost
    real = train_on(batches)
    fake = train_on(synthetic)
    return {
        "steps": len(plan),
        "data_path_cold_per_s": cold,
        "data_path_warm_per_s": warm,
        "real_steps_per_s": real,
        "synthetic_steps_per_s": fake,
        "shard_reads": float(getattr(task.arrays, "shard_reads", 0)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="Dataset directory.")
    parser.add_argument("--work", type=Path, required=True, help="Scratch directory.")
    parser.add_argument("--tile", type=int, default=1, help="Write each clip this many times.")
    parser.add_argument("--epochs", type=int, default=1, help="Training epochs per run.")
    parser.add_argument("--steps", type=int, default=60, help="Steps timed for speed.")
    parser.add_argument("--workers", type=int, default=0, help="Loader workers for speed.")
    parser.add_argument("--tasks", default=",".join(TASKS), help="Comma-separated tasks.")
    parser.add_argument("--feeds", default=",".join(FEEDS), help="Comma-separated feeds.")
    parser.add_argument(
        "--stages", action="store_true", help="Also print each task's peak by stage."
    )
    parser.add_argument("--child", choices=TASKS, help=argparse.SUPPRESS)
    parser.add_argument("--cache-mb", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_task(args.child, args.data, args.work, args.cache_mb, args.epochs, args.stages)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    data = args.data
    if args.tile > 1:
        data = tile(args.data, args.work / f"{args.data.name}-x{args.tile}", args.tile)
    from host.data.dataset import load_dataset
    from host.data.shards import ShardIndex

    clips = len(ShardIndex.of(load_dataset(data)))
    print(f"squad {data}: {clips} clips; budget {BUDGET_MB} MB per process")
    tasks = args.tasks.split(",")
    if "train" in tasks:  # a fresh run for evaluate and distil to read
        shutil.rmtree(args.work / "run", ignore_errors=True)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for task in tasks:
        for feed in args.feeds.split(","):
            cache_mb = FEEDS[feed]
            row = measure(task, data, args.work, cache_mb, args.epochs, args.stages)
            results.setdefault(task, {})[feed] = row
            print(
                f"{task:9s} {feed:10s} peak RSS {row['peak_rss_mb']:7.0f} MB "
                f"({'within' if row['peak_rss_mb'] <= BUDGET_MB else 'OVER'} budget)  "
                f"wall {row['wall_s']:6.0f} s",
                flush=True,
            )
    rates = speed(data, args.steps, args.workers)
    print(
        f"speed over {rates['steps']:.0f} steps (streamed, {args.workers} workers): data path "
        f"{rates['data_path_cold_per_s']:.1f}/s cold, {rates['data_path_warm_per_s']:.1f}/s "
        f"warm; training {rates['real_steps_per_s']:.2f} steps/s on real batches, "
        f"{rates['synthetic_steps_per_s']:.2f} on synthetic tensors"
    )
    summary = {"data": str(data), "clips": clips, "memory": results, "speed": rates}
    (args.work / "stream-bench.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
