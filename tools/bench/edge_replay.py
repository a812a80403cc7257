"""Benchmark: the sideline pipeline end to end, as a multiple of real time, and its memory.

    python tools/bench/edge_replay.py --bundle BUNDLE [--athletes 4] [--minutes 10]
    python tools/bench/edge_replay.py --bundle BUNDLE --athletes 2 --minutes 120 --memory

A virtual squad (edge.sim players, waist + calf IMUs at 100 Hz, GPS 10 Hz, HR 1 Hz,
drifting clocks, 2 % frame loss) is generated first, then timed through:
  decode only   firmware_bridge.decode_frame on every packet (the baseline: the least any
                pipeline must do)
  pipeline      edge.stream.SessionProcessor: decode, clock sync, ring buffers, 6 s windows
                every 0.5 s, drop rules, the bundle's model (onnxruntime, one thread),
                events with NMS and impact, loads — what `edge record` runs
Prints each as × real time and as IMU streams (100 Hz) handled in real time on one core,
and the pipeline's cost relative to decoding. With --memory the session is streamed
segment by segment (never held whole) and the process's resident memory is printed every
10 simulated minutes: flat means bounded buffers.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from edge.bundle import read_bundle  # noqa: E402
from edge.config import EdgeConfig  # noqa: E402
from edge.infer import ActionModel  # noqa: E402
from edge.replay import run_pipeline  # noqa: E402
from edge.stream import SessionProcessor  # noqa: E402
from edge.transports.virtual import SquadSpec, VirtualSquad  # noqa: E402
from firmware_bridge.errors import FrameError  # noqa: E402
from firmware_bridge.frame import decode_frame  # noqa: E402


def rss_mib() -> float:
    """Resident memory of this process (Linux /proc; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def squad(athletes: int, minutes: float, seed: int) -> VirtualSquad:
    return VirtualSquad(
        SquadSpec.from_address(
            f"virtual://squad?athletes={athletes}&duration_s={minutes * 60}&loss=0.02&seed={seed}"
        )
    )


def speed(athletes: int, minutes: float, seed: int, model: ActionModel) -> None:
    generator = squad(athletes, minutes, seed)
    packets = list(generator.packets())
    session_s = packets[-1].arrival_s
    imu_streams = 2 * athletes

    started = time.perf_counter()
    for packet in packets:
        try:
            decode_frame(packet.data)
        except FrameError:
            pass
    decode_s = time.perf_counter() - started

    config = EdgeConfig()
    processor = SessionProcessor(generator.spec.roles(), model, config.record, config.events)
    _, _, pipeline_s = run_pipeline(processor, iter(packets))
    windows = sum(a.windows_total for a in processor.athletes.values())

    print(
        f"{athletes} athletes × {minutes:g} min: {len(packets)} packets, {windows} windows, "
        f"{imu_streams} IMU streams at 100 Hz"
    )
    for name, seconds in (("decode only", decode_s), ("pipeline", pipeline_s)):
        factor = session_s / seconds
        print(
            f"  {name:12s} {seconds:7.2f} s  {factor:8.1f}× real time  "
            f"= {factor * imu_streams:7.0f} IMU streams in real time on one core"
        )
    print(f"  pipeline / decode-only time: {pipeline_s / decode_s:.1f}")
    print(f"  per window (all stages): {1e3 * pipeline_s / max(1, windows):.3f} ms")


def memory(athletes: int, minutes: float, seed: int, model: ActionModel) -> None:
    generator = squad(athletes, minutes, seed)
    config = EdgeConfig()
    processor = SessionProcessor(generator.spec.roles(), model, config.record, config.events)
    marks: list[tuple[float, float]] = []
    next_mark = 600.0

    def progress(t: float) -> None:
        nonlocal next_mark
        if t >= next_mark:
            marks.append((t, rss_mib()))
            next_mark += 600.0

    run_pipeline(processor, generator.packets(), progress)
    print(f"{athletes} athletes × {minutes:g} min, resident memory every 10 simulated min:")
    for t, mib in marks:
        print(f"  {t / 60:6.0f} min  {mib:7.1f} MiB")
    if len(marks) >= 2:
        print(f"  growth from the first mark to the last: {marks[-1][1] - marks[0][1]:+.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, required=True, help="model bundle dir or .tar.gz")
    parser.add_argument("--athletes", type=int, default=4)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--memory", action="store_true", help="stream and track memory")
    args = parser.parse_args()
    bundle = read_bundle(args.bundle)
    model = ActionModel.from_bundle(bundle)
    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} cpus; model {bundle.manifest.version}"
    )
    if args.memory:
        memory(args.athletes, args.minutes, args.seed, model)
    else:
        speed(args.athletes, args.minutes, args.seed, model)


if __name__ == "__main__":
    main()
