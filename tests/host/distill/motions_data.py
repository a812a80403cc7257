"""A small labelled `.ts` pair with athlete groups, written by tests that need real-format input."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_motions(folder: Path, athletes_train: int = 4, athletes_test: int = 2) -> Path:
    """A small labelled .ts pair: three movements told apart by their rhythm, each
    athlete with their own strength and a strap turned their own way."""
    from aeon.datasets import save_to_ts_file

    rng = np.random.default_rng(0)
    t = np.arange(100) / 20.0
    rows: dict[str, list[tuple[np.ndarray, str, str]]] = {"TRAIN": [], "TEST": []}
    for split, athletes in (
        ("TRAIN", range(athletes_train)),
        ("TEST", range(10, 10 + athletes_test)),
    ):
        for athlete in athletes:
            gain = rng.uniform(0.7, 1.3)
            for label, hz in (("jog", 1.0), ("sprint", 3.0), ("skip", 5.0)):
                for _ in range(4):
                    base = np.sin(2 * np.pi * hz * t + rng.uniform(0, 6.3))
                    series = np.stack([gain * base * (c + 1) / 6 for c in range(6)])
                    series += rng.normal(0, 0.2, series.shape)
                    rows[split].append((series.astype(np.float32), label, f"A{athlete}"))
    for split, items in rows.items():
        save_to_ts_file(
            np.stack([s for s, _, _ in items]),
            np.array([label for _, label, _ in items]),
            label_type="classification",
            path=str(folder),
            problem_name=f"Motions_{split}",
        )
    groups = [a for _, _, a in rows["TRAIN"]] + [a for _, _, a in rows["TEST"]]
    (folder / "Motions_groups.txt").write_text("\n".join(groups) + "\n")
    return folder / "Motions_TRAIN.ts"
