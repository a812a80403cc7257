"""A model bundle that detects actions in the virtual squad's signals, trained in about two
seconds: the tests' linear model fitted on clips of the sideline simulator itself (the
toy pulses of tests/edge never fire on simulated players)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from edge import taxonomy
from edge.sim.session import simulate_clip
from edge.sim.traits import random_traits
from tests.edge.linear_bundle import train_bundle

CLIPS_PER_LABEL = 12
WINDOW_SAMPLES = int(taxonomy.CLIP_S * taxonomy.IMU_RATE_HZ)


def simulator_bundle(out_dir: Path, sign: Callable[[bytes], bytes], seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    players = [random_traits(rng, f"T{i}") for i in range(4)]
    windows, labels = [], []
    for k, label in enumerate(taxonomy.LABELS):
        for i in range(CLIPS_PER_LABEL):
            clip = simulate_clip(players[i % len(players)], rng, label, "small_sided_game")
            both = np.concatenate([clip.waist, clip.calf], axis=1).T
            windows.append(both[:, :WINDOW_SAMPLES])
            labels.append(k)
    return train_bundle(
        out_dir,
        np.stack(windows).astype(np.float32),
        np.array(labels),
        version="sim-linear-1",
        sign=sign,
    )
