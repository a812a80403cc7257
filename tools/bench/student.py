"""Benchmark the sideline student against MiniRocket + ridge, side by side in one run.

For each variant: latency of one window on one thread (mean and p99), windows per second
when a batch of windows is scored at once (one thread: a squad's windows arrive together
every hop), model size, and the peak memory the model adds to a process. Ratios are
printed against MiniRocket measured in the same process.

    .venv/bin/python tools/bench/student.py                       # untrained student
    .venv/bin/python tools/bench/student.py --bundle runs/x/bundles/v1.tar.gz
    .venv/bin/python tools/bench/student.py --hydra 16,8 --hydra 64,4  # + Hydra students
    .venv/bin/python tools/bench/student.py --hydra 16,8 --hydra 16,8,plain  # ± summaries
    .venv/bin/python tools/bench/student.py --hydra 16,8 --hydra 16,8,ppv  # ± proportions
    .venv/bin/python tools/bench/student.py --hydra 16,8 --hydra 16,8,ppv,k6  # the product's
    .venv/bin/python tools/bench/student.py --cnn-ensemble 1 --hydra 16,8  # + one CNN alone

Latency does not depend on the weights, so without a bundle a freshly built student (the
product's CNN student, two CNNs averaged, and its int8 variant, calibrated on random
windows) is timed. A bundle whose default is fp32
carries no int8 (each model ships once): its `model.onnx` is then quantized here with the
export's own `quantize_int8`, on random windows, and the row says so (latency and size are
meaningful, accuracy is not measured here). A LiteRT row appears when
ai-edge-litert is installed and the bundle holds model.tflite (`touchline export --tflite`)
or, without a bundle, the litert-torch converter is installed; it runs through the
sideline's own LiteRT runner (one window per call: the converted model has a fixed batch).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from edge.bundle import read_bundle  # noqa: E402
from edge.infer import _LiteRtRunner  # noqa: E402
from host.distill.baselines import fit_minirocket  # noqa: E402
from host.distill.config import MINIROCKET_KERNELS, StudentConfig  # noqa: E402
from host.distill.hydra_student import HydraConfig, HydraStudent  # noqa: E402
from host.distill.student import build_student  # noqa: E402
from host.export.onnx import onnx_session, to_onnx_bytes  # noqa: E402
from host.export.quantize import quantize_int8  # noqa: E402
from host.export.tflite import LiteRtUnavailable, to_tflite_bytes  # noqa: E402

CHANNELS, SAMPLES = 13, 600


@dataclass
class Figures:
    name: str
    mean_ms: float
    median_ms: float
    p99_ms: float
    windows_per_s: float
    size_bytes: int
    peak_mb: float


Predict = Callable[[np.ndarray], object]


def _onnx(model: bytes) -> Predict:
    session = onnx_session(model, threads=1)
    name = session.get_inputs()[0].name
    return lambda x: session.run(None, {name: x})


def _litert(model: bytes) -> Predict:
    return _LiteRtRunner(model).run


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _peak_mb(load: Callable[[], Predict], window: np.ndarray, batch: np.ndarray) -> float:
    """Peak RSS above the current RSS while loading the model and scoring a window and a
    batch (Linux: the high-water mark is reset through /proc/self/clear_refs first)."""
    before = _status_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    predict = load()
    predict(window)
    predict(batch)
    return (_status_kb("VmHWM") - before) / 1024


def measure(
    name: str,
    load: Callable[[], Predict],
    size_bytes: int,
    window: np.ndarray,
    batch: np.ndarray,
    repeats: int,
) -> Figures:
    peak = _peak_mb(load, window, batch)
    predict = load()
    for _ in range(max(5, repeats // 20)):
        predict(window)
    times = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        predict(window)
        times[i] = time.perf_counter() - start
    rounds = max(3, repeats // 200)
    start = time.perf_counter()
    for _ in range(rounds):
        predict(batch)
    per_s = rounds * len(batch) / (time.perf_counter() - start)
    return Figures(
        name,
        times.mean() * 1e3,
        float(np.median(times)) * 1e3,
        np.percentile(times, 99) * 1e3,
        per_s,
        size_bytes,
        peak,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", help="bundle directory or .tar.gz to time (default: fresh)")
    parser.add_argument("--repeats", type=int, default=2000, help="single-window runs per model")
    parser.add_argument("--batch", type=int, default=256, help="windows per batched call")
    parser.add_argument("--minirocket-kernels", type=int, default=MINIROCKET_KERNELS)
    parser.add_argument(
        "--cnn-ensemble",
        type=int,
        action="append",
        default=[],
        metavar="K",
        help="also time K CNNs averaged as one graph (StudentConfig.cnn_members; 1: a single "
        "CNN), fp32 and int8",
    )
    parser.add_argument(
        "--hydra",
        action="append",
        default=[],
        metavar="GROUPS,POOL[,plain][,ppv][,kN]",
        help="also time a Hydra student (host/distill/hydra_student.py) of this size, fp32 "
        "and int8 (as the export would quantize it); ',plain': without the window summaries "
        "its head reads by default; ',ppv': also reading each kernel's proportion of "
        "responses above its bias; ',k6': 6 kernels a group (Hydra's default 8)",
    )
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    window = rng.standard_normal((1, CHANNELS, SAMPLES)).astype(np.float32)
    batch = rng.standard_normal((args.batch, CHANNELS, SAMPLES)).astype(np.float32)
    variants: list[tuple[str, Callable[[], Predict], int]] = []
    int8_here = "student int8 (onnxruntime, quantized here)"
    if args.bundle:
        bundle = read_bundle(args.bundle)
        fp32 = bundle.files[bundle.manifest.fp32_model]
        int8 = bundle.default_model_bytes
        int8_name = "student int8 (onnxruntime)"
        # An fp32 default: time the int8 variant the export weighed against it. (Bundles
        # written before each model shipped once may also hold a copy as model_fp32.onnx.)
        if int8 == fp32:
            int8 = quantize_int8(
                fp32, rng.standard_normal((64, CHANNELS, SAMPLES)).astype(np.float32)
            )
            int8_name = int8_here
        tflite = bundle.files.get("model.tflite")
        no_litert = "the bundle has no model.tflite (touchline export --tflite)"
        source = f"bundle {args.bundle}"
    else:
        model = build_student(StudentConfig(kind="cnn")).eval()
        fp32 = to_onnx_bytes(model, CHANNELS, SAMPLES)
        int8 = quantize_int8(fp32, rng.standard_normal((64, CHANNELS, SAMPLES)).astype(np.float32))
        int8_name = int8_here
        try:
            tflite = to_tflite_bytes(model, CHANNELS, SAMPLES)
        except LiteRtUnavailable:
            tflite = None
        no_litert = "the litert-torch converter is not installed"
        source = (
            f"freshly built student ({StudentConfig().cnn_members} CNNs averaged; weights do "
            "not change latency)"
        )
    if tflite is not None and importlib.util.find_spec("ai_edge_litert") is None:
        tflite = None
        no_litert = "ai-edge-litert is not installed (pip install 'touchline[litert]')"
    variants.append(("student fp32 (onnxruntime)", lambda: _onnx(fp32), len(fp32)))
    variants.append((int8_name, lambda: _onnx(int8), len(int8)))
    if tflite is not None:
        variants.append(("student (LiteRT)", lambda: _litert(tflite), len(tflite)))
    for members in args.cnn_ensemble:
        ensemble = build_student(StudentConfig(kind="cnn", cnn_members=members))
        ensemble_bytes = to_onnx_bytes(ensemble.eval(), CHANNELS, SAMPLES)
        ensemble_int8 = quantize_int8(ensemble_bytes, batch[:64])
        for precision, graph in (("fp32", ensemble_bytes), ("int8", ensemble_int8)):
            variants.append(
                (
                    f"{'one CNN' if members == 1 else f'{members} CNNs averaged'}, "
                    f"{precision} (onnxruntime)",
                    lambda model=graph: _onnx(model),
                    len(graph),
                )
            )
    for spec in args.hydra:
        groups, pool, *flags = spec.split(",")
        kernels = [int(flag[1:]) for flag in flags if flag[:1] == "k" and flag[1:].isdigit()]
        if set(flags) - {"plain", "ppv"} - {f"k{k}" for k in kernels} or len(kernels) > 1:
            parser.error(
                f"--hydra {spec}: after GROUPS,POOL only 'plain', 'ppv' and one 'kN' are known"
            )
        config = HydraConfig(
            groups=int(groups),
            pool=int(pool),
            summaries="plain" not in flags,
            ppv="ppv" in flags,
            kernels_per_group=kernels[0] if kernels else HydraConfig().kernels_per_group,
        )
        hydra = HydraStudent(CHANNELS, SAMPLES, 9, config).eval()
        hydra_bytes = to_onnx_bytes(hydra, CHANNELS, SAMPLES)
        hydra_int8 = quantize_int8(hydra_bytes, batch[:64])
        reads = "no summaries" if "plain" in flags else "summaries"
        reads += ", proportions" if "ppv" in flags else ""
        reads += f", {config.kernels_per_group} kernels a group"
        for precision, graph in (("fp32", hydra_bytes), ("int8", hydra_int8)):
            variants.append(
                (
                    f"Hydra student {groups} groups, {pool}x pooled, {reads}, {precision} "
                    "(onnxruntime)",
                    lambda model=graph: _onnx(model),
                    len(graph),
                )
            )
    fit_windows = batch[:64]  # MiniRocket's latency does not depend on what it was fitted on
    labels = np.arange(len(fit_windows)) % 9
    rocket = fit_minirocket(fit_windows, labels, 0, args.minirocket_kernels)
    rocket_bytes = len(pickle.dumps(rocket))
    variants.append(
        (f"MiniRocket ({args.minirocket_kernels}) + ridge", lambda: rocket.predict, rocket_bytes)
    )

    figures = []
    for name, load, size in variants:
        repeats = args.repeats if "MiniRocket" not in name else max(50, args.repeats // 20)
        figures.append(measure(name, load, size, window, batch, repeats))
    baseline = figures[-1]

    console = Console(width=150)
    console.print(
        f"[bold]Student inference benchmark[/bold]: {source}; one thread, "
        f"window {CHANNELS}x{SAMPLES}, batch {args.batch}, cpu count {os.cpu_count()}"
    )
    if int8_name == int8_here:
        console.print(
            f"{int8_here}: the fp32 model through host.export.quantize.quantize_int8, "
            "calibrated on random windows: its latency and size, not its accuracy"
            + (" (the bundle's default is fp32, so it ships no int8)" if args.bundle else "")
        )
    if tflite is None:
        console.print(f"LiteRT: no row, {no_litert}")
    table = Table(
        "model",
        "mean ms/window",
        "median ms",
        "p99 ms",
        "x faster than MiniRocket",
        "x student fp32's time",
        "windows/s batched",
        "size KB",
        "peak MB added",
    )
    for f in figures:
        table.add_row(
            f.name,
            f"{f.mean_ms:.4f}",
            f"{f.median_ms:.4f}",
            f"{f.p99_ms:.4f}",
            f"{baseline.mean_ms / f.mean_ms:.1f}",
            f"{f.mean_ms / figures[0].mean_ms:.2f}",
            f"{f.windows_per_s:,.0f}",
            f"{f.size_bytes / 1024:.1f}",
            f"{f.peak_mb:.1f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
