"""A Hydra-style sideline student: random convolution groups, counted, then a linear head.

Hydra (Dempster, Schmidt and Webb 2023) convolves the series with groups of random
kernels at exponentially spaced dilations; within each group, at every time step, the
kernel answering most strongly wins; the features are, per kernel, the summed winning
responses and the count of times it answered least. A ridge classifier on those
features generalised across players better than any trained network of ours on the real
recordings (docs/student.md, "Real data"). Here the same computation is one torch module
whose only learnt parts are a feature scaler and the linear head, fitted in closed form
(scikit-learn's RidgeClassifierCV), so it exports to ONNX like the CNN student and runs
through the same sideline runner: input `(N, C, T)` prepared windows, output logits.

To bring it nearer the sideline's latency budget the window is first averaged down
`pool`× in time, and `groups` may be set below Hydra's 64 (its default).
Ties in the winner-takes-all are counted for every tied kernel (measure zero on real
data; it lets the count be elementwise operations, which every ONNX runtime supports).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.linear_model import RidgeClassifierCV
from torch import nn
from torch.nn import functional as F

KERNEL_LENGTH = 9
RIDGE_ALPHAS = np.logspace(-3, 3, 10)


@dataclass(frozen=True)
class HydraConfig:
    """Size of the Hydra student. Defaults measured on the real recordings."""

    kernels_per_group: int = 8
    groups: int = 64
    # Average this many samples into one before convolving (100 Hz → 25 Hz by default).
    pool: int = 4
    # Channels summed into each group's input (Hydra: half the channels, 2 to 8).
    max_channels_per_group: int = 8
    seed: int = 0


class HydraStudent(nn.Module):
    """Pool → (series, first difference) × dilations → grouped random convolutions →
    winner counts → sqrt, sparse z-score → linear."""

    def __init__(self, channels: int, samples: int, n_labels: int, config: HydraConfig) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(config.seed)
        self.pool = config.pool
        self.k = config.kernels_per_group
        self.h = max(config.groups // 2, 1)  # half the groups see the series, half its diff
        length = samples // config.pool
        exponents = int(np.log2(max((length - 1) / (KERNEL_LENGTH - 1), 1.0))) + 1
        self.dilations = [2**e for e in range(exponents)]
        per_group = int(np.clip(channels // 2, 1, config.max_channels_per_group))
        selections, weights = [], []
        for _ in range(len(self.dilations) * 2):
            w = torch.randn(self.k * self.h, 1, KERNEL_LENGTH, generator=generator)
            w = w - w.mean(-1, keepdim=True)
            weights.append(w / w.abs().sum(-1, keepdim=True))
            chosen = torch.randint(0, channels, (self.h, per_group), generator=generator)
            selection = torch.zeros(self.h, channels)
            selection.scatter_add_(1, chosen, torch.ones(self.h, per_group))
            selections.append(selection[:, :, None])
        self.register_buffer("weights", torch.stack(weights))
        self.register_buffer("selections", torch.stack(selections))
        n_features = len(self.dilations) * 2 * 2 * self.h * self.k
        self.register_buffer("mu", torch.zeros(n_features))
        self.register_buffer("sigma", torch.ones(n_features))
        self.head = nn.Linear(n_features, n_labels)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Raw Hydra counts `(N, features)`."""
        if self.pool > 1:
            x = F.avg_pool1d(x, self.pool, self.pool)
        series = (x, x[:, :, 1:] - x[:, :, :-1])
        out = []
        for i, dilation in enumerate(self.dilations):
            for j, signal in enumerate(series):
                index = 2 * i + j
                mixed = F.conv1d(signal, self.selections[index])
                z = F.conv1d(
                    mixed,
                    self.weights[index],
                    dilation=dilation,
                    padding=(KERNEL_LENGTH - 1) * dilation // 2,
                    groups=self.h,
                )
                z = z.reshape(z.shape[0], self.h, self.k, z.shape[-1])
                top = z.amax(dim=2, keepdim=True)
                bottom = z.amin(dim=2, keepdim=True)
                out.append(((z == top) * z).sum(-1).flatten(1))
                out.append((z == bottom).to(z.dtype).sum(-1).flatten(1))
        return torch.cat(out, dim=1)

    def scale(self, features: torch.Tensor) -> torch.Tensor:
        """Hydra's sparse scaler: sqrt of the positive part, z-scored where non-zero."""
        root = features.clamp_min(0).sqrt()
        return (root - self.mu) * (root != 0).to(root.dtype) / self.sigma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.scale(self.features(x)))


def fit_hydra_student(
    inputs: np.ndarray,
    labels: np.ndarray,
    n_labels: int,
    config: HydraConfig | None = None,
    batch_size: int = 256,
) -> HydraStudent:
    """Fit scaler and ridge head on prepared windows `(N, C, T)`; kernels stay random."""
    config = config or HydraConfig()
    model = HydraStudent(inputs.shape[1], inputs.shape[2], n_labels, config).eval()
    with torch.inference_mode():
        raw = torch.cat(
            [
                model.features(torch.from_numpy(np.ascontiguousarray(inputs[s : s + batch_size])))
                for s in range(0, len(inputs), batch_size)
            ]
        )
        root = raw.clamp_min(0).sqrt()
        epsilon = (root == 0).float().mean(0) ** 4 + 1e-8
        model.mu.copy_(root.mean(0))
        model.sigma.copy_(root.std(0) + epsilon)
        scaled = model.scale(raw).numpy()
    ridge = RidgeClassifierCV(alphas=RIDGE_ALPHAS).fit(scaled, labels)
    coef = np.atleast_2d(ridge.coef_)
    intercept = np.atleast_1d(ridge.intercept_)
    weight = np.zeros((n_labels, coef.shape[1]), dtype=np.float32)
    bias = np.full(n_labels, -1e4, dtype=np.float32)  # classes never seen never win
    seen = np.asarray(ridge.classes_, dtype=int)
    if coef.shape[0] == 1:  # two classes: sklearn keeps one decision function
        weight[seen[1]], bias[seen[1]] = coef[0], intercept[0]
        weight[seen[0]], bias[seen[0]] = 0.0, 0.0
    else:
        weight[seen], bias[seen] = coef, intercept
    with torch.no_grad():
        model.head.weight.copy_(torch.from_numpy(weight))
        model.head.bias.copy_(torch.from_numpy(bias))
    return model
