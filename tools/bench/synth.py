"""Benchmark: how long `touchline synth` takes per size, and what one clip or session costs.

    python tools/bench/synth.py [--sizes tiny,small,paper] [--workers 0] [--calibrate]

For each size: wall time and CPU time (this process and its workers) of
`host.synth.synthesize` into a temporary directory, against its budget (paper ≤ 600 s,
small ≤ 60 s on 2 cores; CPU/2 is the wall time two idle cores would need), the bytes
written, the realised injury rate and oracle AUC (and its mean over label redraws), and
the ratio to a baseline run in the same process: writing the same number of clips of
random float32 data with np.savez_compressed (the floor any generator pays for the
format). Then the cost of one `simulate_clip` per action, of a 90-minute continuous
session, and of the 10 Hz session plan the season uses.

--calibrate simulates full 100 Hz sessions and fits the PlayerLoad estimate of
sessions.csv (AU = a·distance_m + b·minutes) with edge.load.player_load as the truth.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from edge.load import player_load  # noqa: E402
from edge.sim import plan_session, random_traits, simulate_clip, simulate_session  # noqa: E402
from edge.taxonomy import GPS_RATE_HZ, IMU_RATE_HZ, LABELS  # noqa: E402
from host.synth import SIZES  # noqa: E402
from host.synth.build import (
    expected_oracle_auc,  # noqa: E402
    synthesize,  # noqa: E402
)

BUDGET_S = {"paper": 600.0, "small": 60.0, "tiny": 10.0}


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def baseline_compress(n_clips: int, workdir: Path) -> float:
    """Seconds to write n_clips of random data in the clip layout with savez_compressed."""
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    for start in range(0, n_clips, 256):
        n = min(256, n_clips - start)
        np.savez_compressed(
            workdir / f"baseline-{start}.npz",
            imu=rng.standard_normal((n, 12, 800), dtype=np.float32),
            skeleton=rng.standard_normal((n, 480, 13, 3), dtype=np.float32),
            skeleton_conf=rng.random((n, 480, 13), dtype=np.float32),
            gps=rng.standard_normal((n, 3, 80), dtype=np.float32),
        )
    return time.perf_counter() - started


def cpu_seconds() -> float:
    """CPU time of this process and its finished worker processes (user + system)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench_sizes(sizes: list[str], workers: int | None) -> None:
    print(
        f"{'size':<6} {'wall s':>7} {'CPU s':>7} {'budget':>7} {'wall/budget':>11} "
        f"{'CPU/2/budget':>12} {'MB':>7} {'vs compress-only':>16} {'injury rate':>11} "
        f"{'oracle AUC':>10} {'expected':>8}"
    )
    for size in sizes:
        spec = SIZES[size]
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / size
            cpu = cpu_seconds()
            summary = synthesize(out, size, 0, workers=workers)
            cpu = cpu_seconds() - cpu
            megabytes = dir_bytes(out) / 1e6
            hazard = pd.read_csv(out / "truth" / "hazard.csv")["hazard"].to_numpy()
            expected = expected_oracle_auc(hazard, np.random.default_rng(0))
            clips = spec.action_clips + round(spec.action_clips * spec.background_fraction)
            base = baseline_compress(clips, Path(tmp))
        budget = BUDGET_S[size]
        print(
            f"{size:<6} {summary.seconds:7.1f} {cpu:7.1f} {budget:7.0f} "
            f"{summary.seconds / budget:11.2f} {cpu / 2 / budget:12.2f} {megabytes:7.1f} "
            f"{summary.seconds / base:15.1f}x {summary.injury_rate:11.3f} "
            f"{summary.oracle_auc:10.3f} {expected:8.3f}",
            flush=True,
        )


def bench_parts() -> None:
    """Wall and CPU time (this process) of one clip per label and of whole sessions."""
    rng = np.random.default_rng(1)
    player = random_traits(rng, "B1")
    print(f"\n{'one clip':<22} {'wall ms':>8} {'CPU ms':>7}")
    for label in LABELS:
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(20):
            simulate_clip(player, rng, label, "full_match")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{label:<22} {wall / 20 * 1e3:8.1f} {cpu / 20 * 1e3:7.1f}")
    wall, cpu = time.perf_counter(), time.process_time()
    simulate_session(player, rng, 5400.0, "full_match", "match", with_skeleton=False)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"\n90-min continuous session (100 Hz IMU, GPS, HR): wall {wall:.2f} s, CPU {cpu:.2f} s")
    wall, cpu = time.perf_counter(), time.process_time()
    plan_session(player, rng, 5400.0, "full_match", "match", fs=GPS_RATE_HZ, speed_only=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"90-min 10 Hz session plan (season):              wall {wall * 1e3:.0f} ms, "
        f"CPU {cpu * 1e3:.0f} ms"
    )


def calibrate() -> None:
    rng = np.random.default_rng(2)
    rows = []
    for k in range(12):
        player = random_traits(rng, f"C{k}")
        kind = ("training", "match", "recovery")[k % 3]
        minutes = {"training": 30.0, "match": 30.0, "recovery": 20.0}[kind]
        signals = simulate_session(
            player, rng, minutes * 60, "small_sided_game", kind, with_skeleton=False
        )
        load = player_load(signals.waist[:, :3], IMU_RATE_HZ)
        distance = float(signals.true_speed_mps.sum() / IMU_RATE_HZ)
        rows.append((distance, minutes, load))
    data = np.array(rows)
    coef, *_ = np.linalg.lstsq(data[:, :2], data[:, 2], rcond=None)
    fitted = data[:, :2] @ coef
    print(
        f"PlayerLoad ≈ {coef[0]:.4f}·distance_m + {coef[1]:.3f}·minutes "
        f"(median error {np.median(np.abs(fitted - data[:, 2]) / data[:, 2]):.1%} "
        f"over {len(rows)} sessions)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="tiny,small,paper")
    parser.add_argument("--workers", type=int, default=0, help="0 = one per CPU core")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument(
        "--skip-sizes", action="store_true", help="only the per-clip/session figures"
    )
    args = parser.parse_args()
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}, python {platform.python_version()}"
    )
    if args.calibrate:
        calibrate()
        return
    if not args.skip_sizes:
        bench_sizes([s for s in args.sizes.split(",") if s], args.workers or None)
    bench_parts()


if __name__ == "__main__":
    main()
