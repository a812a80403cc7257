"""The paper's risk head on the weekly vector alone: P_t = sigmoid(W_r V_t + b_r) (Eq. 21),
optionally with one small hidden layer, trained with the class-weighted BCE of Eq. 22.

Features are z-scored with statistics from the training weeks only, stored with the
weights, so a saved head scores new weeks exactly as it was evaluated. Eq. 22 weighting
ranks well but inflates every probability by about the ratio of healthy to injured weeks,
so a head also carries the Platt recalibration (`host.risk.calibration`) that turns its
logit into a probability staff can read, the injury rate of the weeks it learnt from and
the last week whose outcome it saw.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from scipy.optimize import minimize
from torch import nn
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from host.risk.calibration import Calibration


@dataclass(frozen=True)
class HeadConfig:
    """Training settings of the risk head (default: the paper's logistic head).

    The head is small and the data fits in memory, so it is fitted full-batch with SciPy's
    L-BFGS on torch gradients, with an L2 penalty on the weights: deterministic, and far
    quicker than SGD epochs.
    """

    hidden: int = 0  # 0 = logistic regression exactly as Eq. 21
    max_iter: int = 200
    l2: float = 1e-2
    seed: int = 0


@dataclass(frozen=True)
class TrainedOn:
    """The labelled player-weeks a head learnt from. `last_week` is its training cut-off:
    only weeks after it are unseen, which is what the nightly gate scores it on."""

    first_week: int
    last_week: int
    weeks: int
    rows: int
    injuries: int

    @property
    def base_rate(self) -> float:
        """Share of those player-weeks followed by an injury."""
        return self.injuries / self.rows if self.rows else float("nan")


class RiskNet(nn.Module):
    def __init__(self, n_features: int, hidden: int) -> None:
        super().__init__()
        self.layers = (
            nn.Linear(n_features, 1)
            if hidden == 0
            else nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        )

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        """Logit of next week's injury probability."""
        return self.layers(v).squeeze(-1)


@dataclass
class RiskHead:
    """A fitted head: feature names, z-score statistics and the network."""

    features: list[str]
    mean: np.ndarray
    std: np.ndarray
    net: RiskNet
    config: HeadConfig = field(default_factory=HeadConfig)
    calibration: Calibration | None = None
    trained_on: TrainedOn | None = None

    def standardise(self, x: np.ndarray) -> torch.Tensor:
        return torch.as_tensor((x - self.mean) / self.std, dtype=torch.float32)

    def logit(self, x: np.ndarray) -> np.ndarray:
        """The network's logit per row of `x` (columns in `self.features` order)."""
        self.net.eval()
        with torch.no_grad():
            return self.net(self.standardise(x)).numpy().astype(np.float64)

    def predict_raw(self, x: np.ndarray) -> np.ndarray:
        """The network's own sigmoid output, inflated by the Eq. 22 class weights."""
        return 1.0 / (1.0 + np.exp(-self.logit(x)))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """P_t per row of `x`: the recalibrated probability when the head carries a
        calibration, else the network's own output."""
        if self.calibration is None:
            return self.predict_raw(x)
        return self.calibration.apply(self.logit(x))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per row and feature, how far it moved the logit away from an average week
        (gradient x standardised input; exact for the logistic head)."""
        self.net.eval()
        z = self.standardise(x).requires_grad_(True)
        (grad,) = torch.autograd.grad(self.net(z).sum(), z)
        return (grad * z).detach().numpy().astype(np.float64)

    def save(self, path: Path) -> None:
        """One small JSON file: readable, diffable, and quick to load without torch.load."""
        path.write_text(
            json.dumps(
                {
                    "features": self.features,
                    "mean": self.mean.tolist(),
                    "std": self.std.tolist(),
                    "config": asdict(self.config),
                    "calibration": None if self.calibration is None else asdict(self.calibration),
                    "trained_on": None if self.trained_on is None else asdict(self.trained_on),
                    "state": {
                        name: value.tolist() for name, value in self.net.state_dict().items()
                    },
                }
            )
        )

    @classmethod
    def load(cls, path: Path) -> RiskHead:
        meta = json.loads(path.read_text())
        config = HeadConfig(**meta["config"])
        net = RiskNet(len(meta["features"]), config.hidden)
        net.load_state_dict({name: torch.tensor(value) for name, value in meta["state"].items()})
        calibration, trained_on = meta.get("calibration"), meta.get("trained_on")
        return cls(
            meta["features"],
            np.asarray(meta["mean"]),
            np.asarray(meta["std"]),
            net,
            config,
            None if calibration is None else Calibration(**calibration),
            None if trained_on is None else TrainedOn(**trained_on),
        )


def class_weights(y: np.ndarray) -> tuple[float, float]:
    """(omega_0, omega_1) of Eq. 22: inverse class frequency, averaging 1 over the data."""
    positives = float(y.sum())
    negatives = float(len(y) - positives)
    if positives == 0 or negatives == 0:
        return 1.0, 1.0
    return len(y) / (2 * negatives), len(y) / (2 * positives)


def fit_head(
    x: np.ndarray,
    y: np.ndarray,
    features: list[str],
    config: HeadConfig | None = None,
    warm_start: RiskHead | None = None,
) -> RiskHead:
    """Fit on (x, y) with weighted BCE; `warm_start` continues from a previous head's weights
    (same features and hidden size) while taking this data's z-score statistics."""
    config = config or HeadConfig()
    torch.manual_seed(config.seed)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std < 1e-9] = 1.0
    net = RiskNet(x.shape[1], config.hidden)
    if (
        warm_start is not None
        and warm_start.features == features
        and warm_start.config.hidden == config.hidden
    ):
        net.load_state_dict(warm_start.net.state_dict())
    head = RiskHead(list(features), mean, std, net, config)
    omega0, omega1 = class_weights(y)
    target = torch.tensor(y, dtype=torch.float32)
    weight = torch.where(target > 0.5, torch.tensor(omega1), torch.tensor(omega0))
    inputs = head.standardise(x)
    loss_fn = nn.BCEWithLogitsLoss(weight=weight)
    params = list(net.parameters())
    penalised = [p for name, p in net.named_parameters() if name.endswith("weight")]

    def loss_and_grad(flat: np.ndarray) -> tuple[float, np.ndarray]:
        vector_to_parameters(torch.as_tensor(flat, dtype=torch.float32), params)
        loss = loss_fn(net(inputs), target) + config.l2 * sum(p.pow(2).sum() for p in penalised)
        grad = torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, params)])
        return float(loss.detach()), grad.numpy().astype(np.float64)

    start = parameters_to_vector(params).detach().numpy().astype(np.float64)
    net.train()
    result = minimize(
        loss_and_grad, start, jac=True, method="L-BFGS-B", options={"maxiter": config.max_iter}
    )
    vector_to_parameters(torch.as_tensor(result.x, dtype=torch.float32), params)
    return head
