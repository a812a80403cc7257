#!/usr/bin/env python3
"""What `--student auto` would score at each level of confidence, from benchmark runs.

`auto` keeps the CNN unless the Hydra student is ahead on at least a share q of the
athlete resamples of its held-out advantage (host.distill.family). A benchmark run with
`--auto-student` records that share per fold and seed; with the CNN and Hydra student rows
of the same seeds (in the same run, or in `--families` from another run of the same folds)
this tool scores, for each q, the family that q keeps on each fold's test athletes: the
kept family trains exactly as when named. Levels are compared on sets that are not the
ones the rule is later judged on (docs/decisions.md).

    python tools/real_motion/auto_level.py DS.json PW_AUTO.json:PW.json
    python tools/real_motion/auto_level.py --cnn-row "student (pair, seed {seed})" \
        DS_PAIR.json:DS.json PW_PAIR.json:PW.json   # auto's CNN family the averaged pair
    ROW="Hydra student (16 groups, 8x pooled, 8 augmented copies, proportions, seed {seed})"
    python tools/real_motion/auto_level.py --cnn-row "student (pair, seed {seed})" \
        --hydra-row "$ROW" DS_AUTO.json:DS_PPV.json ...   # its Hydra family reading proportions
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LEVELS = (0.5, 0.8, 0.9, 0.95, 0.975)
AUTO_ROW = re.compile(r"student auto \(seed (\d+)\)")
CNN_ROW = "student (default, seed {seed})"
HYDRA_ROW = "Hydra student (16 groups, 8x pooled, 8 augmented copies, seed {seed})"
AHEAD = re.compile(r"ahead (\d\.\d+|nan)")
TIE_MARGIN = 0.001  # levels this close to the best go to the most cautious


class LevelError(ValueError):
    """A run lacks the rows or the shares the comparison needs."""


@dataclass(frozen=True)
class FoldSeed:
    """One fold of one seed: the share the Hydra student was ahead on, and what each
    family scored on the fold's test athletes."""

    share: float
    cnn: float
    hydra: float


def fold_seeds(
    auto_run: dict, family_run: dict, cnn_row: str = CNN_ROW, hydra_row: str = HYDRA_ROW
) -> list[FoldSeed]:
    """Every fold and seed of `auto_run`'s auto rows. The family `auto` kept on a fold
    scores what the auto row scored there (it trains exactly as when named); the other
    family's score comes from `family_run`'s row of that seed (`cnn_row` and `hydra_row`
    name each family's, `{seed}` for the seed), looked up only where it is needed."""
    rows = {row["model"]: row for row in family_run["rows"]}
    found: list[FoldSeed] = []
    for row in auto_run["rows"]:
        match = AUTO_ROW.fullmatch(row["model"])
        if not match:
            continue
        seed = int(match.group(1))
        family_rows = {
            "cnn": rows.get(cnn_row.format(seed=seed)),
            "hydra": rows.get(hydra_row.format(seed=seed)),
        }
        for fold, choice in enumerate(row["chosen_per_fold"]):
            share = AHEAD.search(choice)
            if share is None:
                raise LevelError(f"seed {seed}, fold {fold + 1}: no share in {choice!r}")
            kept = choice.split()[0]
            scores = {kept: row["fold_macro_f1"][fold]}
            for family, family_row in family_rows.items():
                if family in scores:
                    continue
                if family_row is None:
                    raise LevelError(
                        f"seed {seed}, fold {fold + 1}: auto kept {kept}; no {family} row of "
                        "that seed to score the other pick"
                    )
                scores[family] = family_row["fold_macro_f1"][fold]
            found.append(FoldSeed(float(share.group(1)), scores["cnn"], scores["hydra"]))
    if not found:
        raise LevelError("no `student auto` rows (run the benchmark with --auto-student)")
    return found


def score_at(level: float, folds: Sequence[FoldSeed]) -> tuple[float, int]:
    """Mean fold macro-F1 of the family `level` keeps, and how often it keeps Hydra."""
    kept_hydra = [f.share >= level for f in folds]
    scores = [f.hydra if hydra else f.cnn for f, hydra in zip(folds, kept_hydra, strict=True)]
    return float(np.mean(scores)), sum(kept_hydra)


def best_level(per_set: Sequence[Sequence[FoldSeed]], levels: Sequence[float] = LEVELS) -> float:
    """The level with the highest mean over sets; within `TIE_MARGIN` of it, the largest."""
    criterion = {q: float(np.mean([score_at(q, folds)[0] for folds in per_set])) for q in levels}
    top = max(criterion.values())
    return max(q for q, value in criterion.items() if value >= top - TIE_MARGIN)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "runs",
        nargs="+",
        help="AUTO.json, or AUTO.json:FAMILIES.json when the family rows "
        "come from another run of the same folds and seeds",
    )
    parser.add_argument(
        "--cnn-row",
        default=CNN_ROW,
        help="the CNN family's row name, {seed} for its seed (`student (pair, seed {seed})` "
        "for the averaged pair; default %(default)r, one CNN)",
    )
    parser.add_argument(
        "--hydra-row",
        default=HYDRA_ROW,
        help="the Hydra student's row name, {seed} for its seed (`Hydra student (16 groups, "
        "8x pooled, 8 augmented copies, proportions, seed {seed})` for the one reading the "
        "proportions; default %(default)r)",
    )
    args = parser.parse_args(argv)
    per_set = []
    for spec in args.runs:
        auto_path, _, family_path = spec.partition(":")
        auto_run = json.loads(Path(auto_path).read_text())
        family_run = json.loads(Path(family_path or auto_path).read_text())
        per_set.append(fold_seeds(auto_run, family_run, args.cnn_row, args.hydra_row))
    print("| q | " + " | ".join(Path(s.partition(":")[0]).stem for s in args.runs) + " | mean |")
    print("|---|" + "---|" * (len(args.runs) + 1))
    for q in LEVELS:
        cells = [(*score_at(q, folds), len(folds)) for folds in per_set]
        mean = np.mean([value for value, _, _ in cells])
        shown = " | ".join(f"{value:.4f} (Hydra {n}/{total})" for value, n, total in cells)
        print(f"| {q} | {shown} | {mean:.4f} |")
    print(f"level kept: {best_level(per_set)}")


if __name__ == "__main__":
    main()
