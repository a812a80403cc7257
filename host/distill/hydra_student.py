"""A Hydra-style sideline student: random convolution groups, counted, then a linear head.

Hydra (Dempster, Schmidt and Webb 2023) convolves the series with groups of random
kernels at exponentially spaced dilations; within each group, at every time step, the
kernel answering most strongly wins; the features are, per kernel, the summed winning
responses and the count of times it answered least. A ridge classifier on those
features generalised across players better than any trained network of ours on the real
recordings (docs/student.md, "Real data"). Here the same computation is one torch module
whose only learnt parts are a feature scaler and the linear head, fitted in closed form
(a ridge whose penalty is chosen on athletes held out, `host.distill.ridge`, where the
windows' athletes are known), so it exports to ONNX like the CNN student and runs
through the same sideline runner: input `(N, C, T)` prepared windows, output logits.

The graph is kept short, because at this size onnxruntime's per-operator overhead costs
as much as the arithmetic: the first difference is taken once, one 1×1 convolution sums
every group's channels from (series, difference), one grouped convolution per dilation
follows, one count pipeline runs over all of them, and the scaler's division is folded
into the head's matrix product (31 nodes for 16 groups on 4 dilations, 49 before; no
shape arithmetic; 55 with the window summaries, 58 with the proportions).
To bring it nearer the sideline's latency budget the window is first averaged down
`pool`× in time, and `groups` may be set below Hydra's 64 (its default). The ridge head
may also fit on augmented copies of the training windows (turned straps, stronger or
slower players: `host.distill.augment`), which is what moved it on unseen footballers.
Ties in the winner-takes-all are counted for every tied kernel. They are not rare on real
recordings: where a channel sum is flat (a take padded with its last value), every
kernel of the group answers exactly 0; counting them all is elementwise, which every
ONNX runtime supports, and measured to matter (see `responses`).
Beside the counts the head reads whole-window summaries (`host.distill.summaries`:
extremes, means and logged powers, from the same averaged window), which say how hard and
how fast the body moved; they added 2.4 points on unseen footballers at 1.2× the time.
The product's student also reads each kernel's proportion of responses above a fitted
bias (MiniRocket's feature), paid for by 6 kernels a group instead of Hydra's 8: higher on
the public sets that are not football, level on the footballers, at no more time
(docs/decisions.md, "The proportions paid for by fewer responses").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.linear_model import Ridge, RidgeClassifier, RidgeClassifierCV, RidgeCV
from torch import nn
from torch.nn import functional as F

from edge import dsp
from host.distill.augment import AugmentConfig, Augmenter, Sensor
from host.distill.ridge import MIN_ATHLETES, grouped_alpha, one_against_rest
from host.distill.summaries import WindowSummaries

KERNEL_LENGTH = 9
RIDGE_ALPHAS = np.logspace(-3, 3, 10)
# Training windows whose responses fix the proportions' biases (bounds memory: each window
# gives every kernel `length` responses).
PPV_BIAS_WINDOWS = 256


@dataclass(frozen=True)
class HydraConfig:
    """Size of the Hydra student. Defaults measured on the real recordings."""

    kernels_per_group: int = 8
    # Groups per dilation: half see the series, half its first difference.
    groups: int = 64
    # Average this many samples into one before convolving (100 Hz → 25 Hz by default).
    pool: int = 4
    # Channels summed into each group's input (Hydra: half the channels, 2 to 8).
    max_channels_per_group: int = 8
    # Augmented copies of the training windows the head fits on besides the originals.
    augmented_copies: int = 0
    # The window length the dilations are spread over; None: the length of the input.
    window_samples: int | None = None
    # The head also reads whole-window summaries (host.distill.summaries).
    summaries: bool = True
    # The head also reads each kernel's proportion of responses above a bias fitted on
    # the training windows (MiniRocket's feature, on Hydra's own responses).
    ppv: bool = False
    seed: int = 0


class HydraStudent(nn.Module):
    """Pool → (series, first difference) → channel sums → grouped random convolutions per
    dilation → winner sums and counts → sqrt, sparse z-score → linear, the linear head
    also reading the window summaries (z-scored) where the config asks for them."""

    # Buffers: the channel sums, the fixed random kernels, the proportions' biases, and
    # the scaler's statistics (Hydra's features, then the summaries').
    mix: torch.Tensor
    weights: torch.Tensor
    ppv_bias: torch.Tensor
    mu: torch.Tensor
    sigma: torch.Tensor
    summary_mu: torch.Tensor
    summary_sigma: torch.Tensor

    def __init__(self, channels: int, samples: int, n_labels: int, config: HydraConfig) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(config.seed)
        self.pool = config.pool
        self.k = config.kernels_per_group
        self.h = max(config.groups // 2, 1)  # groups per dilation on each of (series, diff)
        length = (config.window_samples or samples) // config.pool
        exponents = int(np.log2(max((length - 1) / (KERNEL_LENGTH - 1), 1.0))) + 1
        self.dilations = [2**e for e in range(exponents)]
        per_group = int(np.clip(channels // 2, 1, config.max_channels_per_group))
        # Rows of `mix`: per dilation, h groups summing series channels, then h summing
        # difference channels (the input is the series and its difference, stacked).
        mix = torch.zeros(len(self.dilations), 2, self.h, 2 * channels)
        for dilation in range(len(self.dilations)):
            for source in range(2):
                chosen = torch.randint(0, channels, (self.h, per_group), generator=generator)
                selection = torch.zeros(self.h, channels)
                selection.scatter_add_(1, chosen, torch.ones(self.h, per_group))
                mix[dilation, source, :, source * channels : (source + 1) * channels] = selection
        weights = torch.randn(
            len(self.dilations), 2 * self.h * self.k, 1, KERNEL_LENGTH, generator=generator
        )
        weights = weights - weights.mean(-1, keepdim=True)
        self.register_buffer("mix", mix.reshape(-1, 2 * channels, 1))
        self.register_buffer("weights", weights / weights.abs().sum(-1, keepdim=True))
        self.length = samples // config.pool
        n_kernels = len(self.dilations) * 2 * self.h * self.k
        n_features = (3 if config.ppv else 2) * n_kernels
        self.ppv = config.ppv
        if config.ppv:
            # One bias per kernel, broadcast over its responses (fitted: `fit_ppv_bias`).
            self.register_buffer(
                "ppv_bias", torch.zeros(len(self.dilations) * 2 * self.h, self.k, 1)
            )
        self.register_buffer("mu", torch.zeros(n_features))
        self.register_buffer("sigma", torch.ones(n_features))
        self.window_summaries = (
            WindowSummaries(channels, samples, config.pool) if config.summaries else None
        )
        n_summaries = self.window_summaries.size if self.window_summaries else 0
        if self.window_summaries:
            self.register_buffer("summary_mu", torch.zeros(n_summaries))
            self.register_buffer("summary_sigma", torch.ones(n_summaries))
        self.head = nn.Linear(n_features + n_summaries, n_labels)

    def features(self, x: torch.Tensor, averaged: torch.Tensor | None = None) -> torch.Tensor:
        """Raw Hydra features `(N, features)`: every kernel's summed winning responses,
        then every kernel's count of least answers, then (with `ppv`) every kernel's
        proportion of responses above its bias. `averaged` is `self.averaged(x)`, where
        the caller has computed it already."""
        z = self.responses(self.averaged(x) if averaged is None else averaged)
        sums = ((z == z.amax(dim=2, keepdim=True)) * z).sum(-1)
        counts = (z == z.amin(dim=2, keepdim=True)).to(z.dtype).sum(-1)
        if not self.ppv:
            return torch.cat([sums, counts], dim=1).flatten(1)
        above = (z > self.ppv_bias).to(z.dtype).mean(-1)
        return torch.cat([sums, counts, above], dim=1).flatten(1)

    def fit_ppv_bias(self, averaged: torch.Tensor) -> None:
        """Each kernel's bias: a quantile of its responses to the averaged training windows
        `averaged`, the quantiles spread over (0, 1) by the golden ratio as MiniRocket
        spreads its own, so kernels threshold at different heights."""
        z = self.responses(averaged)  # (N, groups, kernels, length)
        per_kernel = z.permute(1, 2, 0, 3).flatten(2)
        golden = (np.sqrt(5.0) + 1.0) / 2.0
        shares = (np.arange(1, per_kernel.shape[0] * per_kernel.shape[1] + 1) * golden) % 1.0
        ordered = per_kernel.sort(dim=2).values.flatten(0, 1)
        index = torch.from_numpy(np.round(shares * (ordered.shape[1] - 1)).astype(np.int64))
        bias = ordered[torch.arange(len(index)), index]
        self.ppv_bias.copy_(bias.reshape(self.ppv_bias.shape))

    def averaged(self, x: torch.Tensor) -> torch.Tensor:
        """The windows averaged `pool` samples at a time: what the kernels convolve."""
        return F.avg_pool1d(x, self.pool, self.pool) if self.pool > 1 else x

    def responses(self, x: torch.Tensor) -> torch.Tensor:
        """Every kernel's response `(N, groups, kernels per group, length)` to the
        averaged windows `x`."""
        # The first difference, 0 at the end: the series shifted by one with its last
        # sample repeated, minus the series (no Pad node, whose export needs shape
        # arithmetic). Exactly 0 where the series is flat, where every kernel of a group
        # then ties and counts; a difference folded into the channel-sum convolution
        # leaves rounding residue there instead and cost 3 points on unseen footballers.
        shifted = torch.cat([x[:, :, 1:], x[:, :, -1:]], dim=2)
        mixed = F.conv1d(torch.cat([x, shifted - x], dim=1), self.mix)
        responses = torch.cat(
            [
                F.conv1d(
                    part,
                    self.weights[i],
                    dilation=dilation,
                    padding=(KERNEL_LENGTH - 1) * dilation // 2,
                    groups=2 * self.h,
                )
                for i, (part, dilation) in enumerate(
                    zip(mixed.split(2 * self.h, dim=1), self.dilations, strict=True)
                )
            ],
            dim=1,
        )
        # Sizes fixed at construction: no shape arithmetic in the exported graph.
        return responses.reshape(-1, len(self.dilations) * 2 * self.h, self.k, self.length)

    def summaries(self, x: torch.Tensor, averaged: torch.Tensor | None = None) -> torch.Tensor:
        """The whole-window summaries `(N, S)`; `S` is 0 without them. `averaged` as for
        `features`."""
        if self.window_summaries is None:
            return x.new_zeros(len(x), 0)
        return self.window_summaries(x, self.averaged(x) if averaged is None else averaged)

    def scale(self, features: torch.Tensor, summaries: torch.Tensor | None = None) -> torch.Tensor:
        """What the head reads: Hydra's sparse scaler on `features` (sqrt of the positive
        part, z-scored where non-zero), then the z-scored `summaries` where there are any."""
        root = features.clamp_min(0).sqrt()
        scaled = (root - self.mu) * torch.sign(root) / self.sigma
        if self.window_summaries is None or summaries is None:
            return scaled
        return torch.cat([scaled, (summaries - self.summary_mu) / self.summary_sigma], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # head(scale(f)) with 1/sigma folded into the head's weights (a constant in the
        # export): root is ≥ 0, so (root - mu) * sign(root) = root - mu * sign(root). mu is
        # not folded in: a feature constant on the training windows has a tiny sigma, and
        # root / sigma - mu / sigma would cancel catastrophically where root - mu is 0.
        averaged = self.averaged(x)
        root = self.features(x, averaged).clamp_min(0).sqrt()
        centred = root - self.mu * torch.sign(root)
        if self.window_summaries is None:
            return F.linear(centred, self.head.weight / self.sigma, self.head.bias)
        summaries = self.window_summaries(x, averaged) - self.summary_mu
        sigma = torch.cat([self.sigma, self.summary_sigma])
        return F.linear(
            torch.cat([centred, summaries], dim=1), self.head.weight / sigma, self.head.bias
        )


def head_augmenter(augment: AugmentConfig, sensors: tuple[Sensor, ...]) -> Augmenter:
    """What makes the augmented copies a ridge head fits on: `augment` without mixup, since
    a ridge fits hard labels and takes no blended pairs."""
    return Augmenter(dataclasses.replace(augment, mixup_alpha=0.0), sensors)


def fit_hydra_student(
    inputs: np.ndarray,
    labels: np.ndarray,
    n_labels: int,
    config: HydraConfig | None = None,
    augmenter: Augmenter | None = None,
    normaliser: dsp.Normaliser | None = None,
    targets: np.ndarray | None = None,
    batch_size: int = 256,
    groups: np.ndarray | None = None,
) -> HydraStudent:
    """Fit scaler and ridge head on prepared windows `(N, C, T)`; kernels stay random.

    With `config.augmented_copies` and an active `augmenter`, the head also fits on that
    many copies of the windows passed through it (`normaliser` says how the windows were
    z-scored); copies are made a batch at a time, so memory holds features, not windows.
    With `targets` `(N, n_labels)` (a teacher's probabilities blended with the labels) the
    head regresses onto them instead of classifying the labels. `groups` names each
    window's athlete: the head's penalty is then chosen on athletes held out (`fit_head`)."""
    model, scaled = hydra_features(inputs, n_labels, config, augmenter, normaliser, batch_size)
    fit_head(model, scaled, labels, targets, groups)
    return model


def hydra_features(
    inputs: np.ndarray,
    n_labels: int,
    config: HydraConfig | None = None,
    augmenter: Augmenter | None = None,
    normaliser: dsp.Normaliser | None = None,
    batch_size: int = 256,
) -> tuple[HydraStudent, np.ndarray]:
    """A Hydra student with its scaler fitted but no head yet, and the scaled features its
    head fits on: the windows' rows first, then each augmented copy's, in the windows'
    order. Apart so that several heads (e.g. targets blended in different shares) can be
    fitted on one pass over the windows."""
    config = config or HydraConfig()
    if config.augmented_copies and augmenter is None:
        raise ValueError("augmented_copies needs an augmenter")
    copies = config.augmented_copies if augmenter and augmenter.config.active else 0
    model = HydraStudent(inputs.shape[1], inputs.shape[2], n_labels, config).eval()
    rng = np.random.default_rng(config.seed)

    def batches() -> Iterator[np.ndarray]:
        for copy in range(copies + 1):
            for start in range(0, len(inputs), batch_size):
                batch = inputs[start : start + batch_size]
                if copy and augmenter is not None:
                    batch = augmenter.apply(batch, rng, normaliser)
                yield np.ascontiguousarray(batch, dtype=np.float32)

    with torch.inference_mode():
        if config.ppv:  # biases from the windows as they are, evenly spaced, at most
            step = -(-len(inputs) // PPV_BIAS_WINDOWS)
            sample = np.ascontiguousarray(inputs[::step], dtype=np.float32)
            model.fit_ppv_bias(model.averaged(torch.from_numpy(sample)))
        parts = []
        for batch in map(torch.from_numpy, batches()):
            averaged = model.averaged(batch)
            parts.append((model.features(batch, averaged), model.summaries(batch, averaged)))
        raw = torch.cat([features for features, _ in parts])
        summaries = torch.cat([summary for _, summary in parts])
        root = raw.clamp_min(0).sqrt()
        epsilon = (root == 0).float().mean(0) ** 4 + 1e-8
        model.mu.copy_(root.mean(0))
        model.sigma.copy_(root.std(0) + epsilon)
        if model.window_summaries is not None:
            model.summary_mu.copy_(summaries.mean(0))
            model.summary_sigma.copy_(summaries.std(0) + 1e-8)
        scaled = model.scale(raw, summaries).numpy()
    return model, scaled


def fit_head(
    model: HydraStudent,
    scaled: np.ndarray,
    labels: np.ndarray,
    targets: np.ndarray | None = None,
    groups: np.ndarray | None = None,
) -> None:
    """Fit `model`'s ridge head on `scaled` features (`hydra_features`), whose rows are
    the `labels`' windows repeated once per copy: a classifier on the labels, or with
    `targets` `(N, n_labels)` a regression onto them (each copy takes its window's row).

    With `groups` (each window's athlete) naming at least `MIN_ATHLETES` athletes, the
    penalty is the one that predicts athletes held out best, each with every copy of its
    windows (`host.distill.ridge`); otherwise leave-one-out chooses it, as scikit-learn's
    `RidgeClassifierCV` does."""
    copies = len(scaled) // len(labels)
    n_labels = model.head.out_features
    all_labels = np.tile(labels, copies)
    all_targets = None if targets is None else np.tile(targets, (copies, 1))
    alpha = None
    if groups is not None and len(np.unique(groups)) >= MIN_ATHLETES:
        coded = one_against_rest(all_labels, n_labels) if all_targets is None else all_targets
        alpha = grouped_alpha(scaled, coded, all_labels, np.tile(groups, copies))
    weight = np.zeros((n_labels, scaled.shape[1]), dtype=np.float32)
    bias = np.full(n_labels, -1e4, dtype=np.float32)  # classes never seen never win
    if all_targets is not None:
        regression = (RidgeCV(alphas=RIDGE_ALPHAS) if alpha is None else Ridge(alpha=alpha)).fit(
            scaled, all_targets
        )
        weight[:], bias[:] = regression.coef_, regression.intercept_
    else:
        ridge = (
            RidgeClassifierCV(alphas=RIDGE_ALPHAS) if alpha is None else RidgeClassifier(alpha)
        ).fit(scaled, all_labels)
        coef = np.atleast_2d(ridge.coef_)
        intercept = np.atleast_1d(ridge.intercept_)
        seen = np.asarray(ridge.classes_, dtype=int)
        if coef.shape[0] == 1:  # two classes: sklearn keeps one decision function
            weight[seen[1]], bias[seen[1]] = coef[0], intercept[0]
            weight[seen[0]], bias[seen[0]] = 0.0, 0.0
        else:
            weight[seen], bias[seen] = coef, intercept
    with torch.no_grad():
        model.head.weight.copy_(torch.from_numpy(weight))
        model.head.bias.copy_(torch.from_numpy(bias))
