#!/usr/bin/env python3
"""The synthetic cross-player gap: how much worse a classifier does on players it never
saw than on new clips of players it trained on, for each simulator variability.

For each variability (`edge.sim.config.VARIABILITY` preset or TOML file, as
`touchline synth --variability` takes), draws a squad, simulates the same number of clips
of every label per player (waist + calf IMU, the 6 s centre of each stored clip), and
scores MiniRocket + ridge (`host.distill.baselines`, as the real-data benchmark runs it)
two ways with the same folds count:

- seen players: stratified folds over clips, so every test clip's player is trained on;
- unseen players: folds grouped by player, so no test clip's player is trained on.

Prints pooled macro-F1 over all folds with a 95 % interval resampling players (1000
draws) and the gap, seen minus unseen (docs/results.md, "Synthetic vs real: the
cross-player gap").

    python tools/bench/synth_gap.py --variability narrow --variability wide

`--write-ts DIR` writes each squad as `Synth<Name>_TRAIN.ts`, `_TEST.ts` (the first two
players) and `_groups.txt` instead, for tools/real_motion/benchmark.py to score the
students beside the baselines on synthetic players, as on the real recordings:

    python tools/bench/synth_gap.py --variability wide --write-ts data/synth
    python tools/real_motion/benchmark.py data/synth/SynthWide_TRAIN.ts --folds 4 --auto-student
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
from aeon.datasets import save_to_ts_file  # noqa: E402
from sklearn.model_selection import GroupKFold, StratifiedKFold  # noqa: E402

from edge.sim import simulate_clip  # noqa: E402
from edge.taxonomy import LABELS, SCENES  # noqa: E402
from host.distill.baselines import fit_minirocket  # noqa: E402
from host.evaluation.bootstrap import cluster_bootstrap  # noqa: E402
from host.evaluation.metrics import macro_f1  # noqa: E402
from host.synth.squad import make_squad  # noqa: E402
from host.synth.variability import load_variability  # noqa: E402

WINDOW_SAMPLES = 600  # 6 s at 100 Hz, the edge's window


def simulate(
    variability: str, athletes: int, per_label: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N, 12, 600) IMU windows, labels and player ids; clip k has its own random stream."""
    squad = make_squad(np.random.default_rng([seed, 0]), athletes, load_variability(variability))
    windows, labels, players = [], [], []
    k = 0
    for player in squad:
        for label_index, label in enumerate(LABELS):
            for _ in range(per_label):
                rng = np.random.default_rng([seed, 1, k])
                scene = SCENES[int(rng.integers(len(SCENES)))]
                clip = simulate_clip(player.traits, rng, label, scene)
                start = (clip.waist.shape[0] - WINDOW_SAMPLES) // 2
                imu = np.concatenate([clip.waist, clip.calf], axis=1)
                windows.append(imu[start : start + WINDOW_SAMPLES].T)
                labels.append(label_index)
                players.append(player.traits.athlete_id)
                k += 1
    return np.asarray(windows, np.float32), np.asarray(labels), np.asarray(players)


def pooled(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, folds: list[np.ndarray], seed: int
) -> tuple[float, float, float]:
    """Macro-F1 of every fold's test predictions pooled, 95 % interval over players."""
    predicted = np.empty_like(y)
    for test in folds:
        train = np.setdiff1d(np.arange(len(y)), test)
        predicted[test] = fit_minirocket(x[train], y[train], seed).predict(x[test])
    n = len(LABELS)
    return cluster_bootstrap(lambda i: macro_f1(y[i], predicted[i], n), groups, seed=seed)


def write_ts(x: np.ndarray, y: np.ndarray, players: np.ndarray, out: Path, name: str) -> list[Path]:
    """`name`_TRAIN.ts and _TEST.ts (the first two players) with labels by name, and
    `name`_groups.txt naming each series' player, train then test."""
    out.mkdir(parents=True, exist_ok=True)
    test = np.isin(players, np.unique(players)[:2])
    labels = np.asarray(LABELS)[y]
    for split, chosen in (("TRAIN", ~test), ("TEST", test)):
        save_to_ts_file(
            x[chosen],
            labels[chosen],
            label_type="classification",
            path=str(out),
            problem_name=f"{name}_{split}",
        )
    order = [*players[~test], *players[test]]
    (out / f"{name}_groups.txt").write_text("".join(f"{player}\n" for player in order))
    return [out / f"{name}_{split}.ts" for split in ("TRAIN", "TEST")]


def squad_name(variability: str) -> str:
    """`Synth` and the preset's or TOML file's name in title case: `wide` → `SynthWide`."""
    stem = Path(variability).stem.replace("-", " ").replace("_", " ")
    return "Synth" + "".join(word.capitalize() for word in stem.split())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variability", action="append", help="preset or TOML file")
    parser.add_argument("--athletes", type=int, default=16)
    parser.add_argument("--per-label", type=int, default=8, help="clips per label per player")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--write-ts", type=Path, metavar="DIR", help="write each squad as a .ts pair, no scores"
    )
    args = parser.parse_args(argv)
    if args.write_ts is not None:
        for variability in args.variability or ["wide"]:
            x, y, groups = simulate(variability, args.athletes, args.per_label, args.seed)
            train, _ = write_ts(x, y, groups, args.write_ts, squad_name(variability))
            print(f"{len(y)} series of {len(np.unique(groups))} players: {train}")
        return
    print("| variability | clips | seen players | unseen players | gap (seen − unseen) | s |")
    print("|---|---:|---:|---:|---:|---:|")
    for variability in args.variability or ["narrow", "wide"]:
        started = time.perf_counter()
        x, y, groups = simulate(variability, args.athletes, args.per_label, args.seed)
        stratified = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
        seen_folds = [test for _, test in stratified.split(x, y)]
        unseen_folds = [test for _, test in GroupKFold(args.folds).split(x, y, groups)]
        seen = pooled(x, y, groups, seen_folds, args.seed)
        unseen = pooled(x, y, groups, unseen_folds, args.seed)
        print(
            f"| {variability} | {len(y)} | {seen[0]:.3f} [{seen[1]:.3f}, {seen[2]:.3f}] | "
            f"{unseen[0]:.3f} [{unseen[1]:.3f}, {unseen[2]:.3f}] | {seen[0] - unseen[0]:+.3f} | "
            f"{time.perf_counter() - started:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
