"""Time student graphs interleaved in one process: each in turn, in rounds, so that a
shared host's slow spells fall on all of them alike.

The sideline's budget is 0.1 ms per window (onnxruntime, one thread). On the shared
development host absolute times drift by half within hours; ratios to a baseline timed in
the same rounds do not. The baseline is the Hydra student as the product ships it.

    .venv/bin/python tools/bench/interleaved.py              # 30 rounds of 200 calls
    .venv/bin/python tools/bench/interleaved.py --rounds 10
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from host.distill.config import StudentConfig  # noqa: E402
from host.distill.hydra_student import HydraConfig, HydraStudent  # noqa: E402
from host.distill.student import build_student, hydra_config  # noqa: E402
from host.export.onnx import onnx_session, to_onnx_bytes  # noqa: E402

CHANNELS, SAMPLES, LABELS = 13, 600, 9


def graphs() -> dict[str, bytes]:
    """The graphs timed, the baseline first; weights do not change their time."""
    product = StudentConfig()
    size = {"groups": product.hydra_groups, "pool": product.hydra_pool}
    models = {
        "Hydra student (baseline)": HydraStudent(CHANNELS, SAMPLES, LABELS, hydra_config(product)),
        "Hydra student before: 8 kernels, no proportions": HydraStudent(
            CHANNELS, SAMPLES, LABELS, HydraConfig(**size)
        ),
        "8 kernels with proportions": HydraStudent(
            CHANNELS, SAMPLES, LABELS, HydraConfig(**size, ppv=True)
        ),
        "the pair (two CNNs), fp32": build_student(StudentConfig(kind="cnn")),
    }
    return {name: to_onnx_bytes(model.eval(), CHANNELS, SAMPLES) for name, model in models.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--calls", type=int, default=200, help="calls per graph per round")
    args = parser.parse_args()
    sessions = {name: onnx_session(graph) for name, graph in graphs().items()}
    window = np.random.default_rng(0).standard_normal((1, CHANNELS, SAMPLES)).astype(np.float32)
    feeds = {name: {s.get_inputs()[0].name: window} for name, s in sessions.items()}
    times: dict[str, list[float]] = {name: [] for name in sessions}
    for _ in range(args.rounds):
        for name, session in sessions.items():
            for _ in range(args.calls):
                start = time.perf_counter()
                session.run(None, feeds[name])
                times[name].append(time.perf_counter() - start)
    baseline = float(np.median(next(iter(times.values()))))
    table = Table(title=f"one window, one thread, {args.rounds} rounds of {args.calls} calls")
    for column in ("graph", "median ms", "p10 ms", "p90 ms", "× baseline"):
        table.add_column(column, justify="left" if column == "graph" else "right")
    for name, values in times.items():
        ms = np.array(values) * 1e3
        table.add_row(
            name,
            f"{np.median(ms):.4f}",
            f"{np.percentile(ms, 10):.4f}",
            f"{np.percentile(ms, 90):.4f}",
            f"{np.median(values) / baseline:.3f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
