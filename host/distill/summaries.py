"""Whole-window summaries the Hydra student's head reads beside its convolution counts.

Hydra's features say which random shapes win where in the window; they say little of how
hard or how fast the body moved. On unseen footballers a few cheap summaries of the
prepared window, per channel, added what 2–4× more Hydra groups would have, at a fraction
of their cost (docs/student.md, "Real data"):

- the max, min and mean of the series and of its first difference, and their logged mean
  squares;
- the logged power above the averaged window's band: the mean square of the series less
  that of the series averaged `pool` samples at a time (the input Hydra convolves);
- the logged power in seven low-frequency bands, spaced geometrically from 1.8 to 36 cycles
  per 600-sample window (0.3–6 Hz at 100 Hz), from a discrete Fourier transform of that
  averaged series (at most four bins a band), written as one matrix product.

Every step is a reduction or a small matrix product over the window, which onnxruntime
runs in microseconds, and the module exports to ONNX without shape arithmetic (sizes are
fixed at construction).
"""

from __future__ import annotations

import itertools

import numpy as np
import torch
from torch import nn

# Band edges in cycles per 600 samples (0.3 Hz at 100 Hz, × 1.54 each band; the last edge
# 6 Hz, under the averaged window's Nyquist frequency of 6.25 Hz).
BAND_EDGES_PER_600 = np.geomspace(0.3, 50.0, 13)[:8] * 6.0
# A band's power is read from at most this many of its Fourier bins.
BINS_PER_BAND = 4
# Floor under logged powers: a flat channel (a padded take, the validity channel) has none.
POWER_FLOOR = 1e-6


class WindowSummaries(nn.Module):
    """`(N, C, T)` prepared windows and the same averaged `pool` samples at a time →
    `(N, size)`: per channel of (series, difference) max, min and mean, then the logged
    powers: mean squares of (series, difference), per channel the power above the averaged
    band, then per channel the bands'."""

    basis: torch.Tensor
    bands: torch.Tensor

    def __init__(self, channels: int, samples: int, pool: int) -> None:
        super().__init__()
        short = samples // pool
        edges = BAND_EDGES_PER_600 * samples / 600
        cycles = np.arange(1, short // 2 + 1)
        members = [
            cycles[(cycles >= low) & (cycles < high)] for low, high in itertools.pairwise(edges)
        ]
        # A band's power from at most BINS_PER_BAND of its bins, evenly spread: the
        # Fourier matrix is a constant of the exported model, and the bundle has a budget.
        members = [
            m[np.unique(np.linspace(0, len(m) - 1, BINS_PER_BAND).round().astype(int))]
            for m in members
            if len(m)  # short windows resolve fewer bands
        ]
        used = np.concatenate(members)
        angle = 2 * np.pi * np.arange(short)[:, None] * used[None, :] / short
        # Columns: the cosine then the sine of every bin a band uses; a column of `bands`
        # sums one band's squares.
        basis = np.concatenate([np.cos(angle), np.sin(angle)], axis=1)
        band_of = np.repeat(np.arange(len(members)), [len(m) for m in members])
        bands = np.tile(np.eye(len(members))[band_of], (2, 1))
        # Constants of the construction, not fitted: kept out of checkpoints.
        self.register_buffer("basis", torch.tensor(basis, dtype=torch.float32), persistent=False)
        self.register_buffer("bands", torch.tensor(bands, dtype=torch.float32), persistent=False)
        self.channels = channels
        self.size = channels * (3 * 2 + 2 + 1 + len(members))

    def forward(self, x: torch.Tensor, averaged: torch.Tensor) -> torch.Tensor:
        # The difference as the Hydra student takes it: 0 at the end, no Pad node.
        difference = torch.cat([x[:, :, 1:], x[:, :, -1:]], dim=2) - x
        both = torch.cat([x, difference], dim=1)
        mean_squares = (both * both).mean(2)
        above = mean_squares[:, : self.channels] - (averaged * averaged).mean(2)
        spectrum = averaged @ self.basis
        banded = ((spectrum * spectrum) @ self.bands).flatten(1)
        powers = torch.cat([mean_squares, above, banded], dim=1).clamp_min(POWER_FLOOR).log()
        return torch.cat([both.amax(2), both.amin(2), both.mean(2), powers], dim=1)
