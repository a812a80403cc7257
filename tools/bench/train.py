"""Training cost of the paper model per clip, per branch configuration, on this CPU.

Times forward + backward + AdamW steps on random model-rate batches (no data needed) for
the full model and every Table 3 ablation, and prints each as a ratio to the full model
measured in the same process, plus the CPU time an epoch of the `small` and `paper`
squads needs (70 % of their clips in training, risk batches included).

    python tools/bench/train.py --steps 20 --threads 1
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import torch

from edge import taxonomy
from host.models.config import ABLATIONS, TrainConfig
from host.models.network import MultimodalNet
from host.training.objective import Objective

SQUAD_CLIPS = {"small": 1380, "paper": 18420}  # action + background clips of `touchline synth`


def _batch(config: TrainConfig, n: int) -> dict[str, torch.Tensor]:
    seconds = config.crop_s
    return {
        "imu": torch.randn(n, 14, int(seconds * config.imu_rate_hz)),
        "gps": torch.randn(n, 4, int(seconds * taxonomy.GPS_RATE_HZ)),
        "hr": torch.randn(n, 2, int(seconds * taxonomy.HR_RATE_HZ)),
        "skeleton": torch.randn(n, int(seconds * config.skeleton_rate_hz), len(taxonomy.JOINTS), 4),
        "present": torch.ones(n, 4, dtype=torch.bool),
    }


def time_steps(config: TrainConfig, steps: int) -> tuple[float, float]:
    """(wall, CPU) seconds per training step of one action batch plus one risk batch."""
    net = MultimodalNet(config.model)
    weeks = config.batch_size // config.risk_clips_per_week
    objective = Objective(net, torch.ones(config.model.n_labels), 10.0, config.risk_weight)
    optimiser = torch.optim.AdamW(net.parameters(), lr=config.learning_rate)
    batch = _batch(config, config.batch_size + weeks * config.risk_clips_per_week)
    labels = torch.randint(0, config.model.n_labels, (config.batch_size,))
    owner = torch.arange(weeks).repeat_interleave(config.risk_clips_per_week)
    weekly = torch.randn(weeks, len(config.model.risk_inputs))
    injured = (torch.rand(weeks) < 0.2).float()

    def step() -> None:
        loss, _, _ = objective(batch, config.batch_size, labels, owner, weekly, injured)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()

    step()  # warm-up
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    return (time.perf_counter() - wall) / steps, (time.process_time() - cpu) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    base = TrainConfig()
    features = tuple(f"v{i}" for i in range(30))
    history = features[:4]
    print(f"{'config':14} {'wall ms/step':>12} {'cpu ms/step':>12} {'× full':>8}")
    full_cpu = None
    for name, switches in ABLATIONS.items():
        model = dataclasses.replace(
            base.model, risk_features=features, history_features=history, **switches
        )
        wall, cpu = time_steps(base.replace(model=model), args.steps)
        full_cpu = full_cpu or cpu
        print(f"{name:14} {wall * 1e3:12.1f} {cpu * 1e3:12.1f} {cpu / full_cpu:8.2f}")
        if name == "full":
            for size, clips in SQUAD_CLIPS.items():
                steps = int(0.7 * clips) // base.batch_size
                print(
                    f"  full model, one `{size}` epoch ≈ {steps * cpu:.0f} CPU s "
                    f"({steps} steps; 80-epoch cap ≈ {80 * steps * cpu / 60:.0f} CPU min)"
                )


if __name__ == "__main__":
    main()
