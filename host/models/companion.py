"""A random-kernel IMU companion inside the teacher.

On real recordings of players a model never saw, random-convolution features
(MiniRocket, Hydra) generalise across people better than the network's IMU branch
(docs/results.md, "The teacher on real takes"), and the teacher must be at least as good
as the student it teaches. So a run may carry a companion: after the network is trained,
the baselines of `host.distill.baselines` are fitted on the training athletes' IMU, their
ridge decisions averaged and turned into probabilities with a temperature fitted on the
validation athletes, and blended with the network's,

    p = (1 - w) · p_network + w · p_companion,

with `w` the value of `WEIGHTS` whose blend has the lowest log-loss on the validation
athletes (the first on ties: w = 0 is the network alone). Temperature and `w` read only
the validation clips set aside for the blend (`Split.blend`, `halve_validation`): the
network was early-stopped on the other half, whose log-loss flatters it, so a `w` chosen
there leaned to the network. Test athletes are never looked at.

The companion reads the IMU at the clip's stored rate (`TaskData.companion_imu`: a `.ts`
file's series as stored, a dataset clip's 100 Hz IMU; `host.models.inputs.stored_imu`),
z-scored with the run's IMU normaliser, invalid samples 0, without validity channels,
whole and uncropped: MiniRocket and Hydra were designed for the raw series, and on the
footballers' suit recording they score 0.634 there against a teacher at 0.590 whose
companion read the network's 25 Hz grid (docs/decisions.md).

Saved as `companion.npz`, arrays only (read back with `allow_pickle=False`): MiniRocket's
fitted parameters, Hydra's kernels, each scaler and ridge as arrays, the temperature,
`w`, and what it reads (`reads`, with `shape` its channels and samples). Its fitted steps
are applied here from those arrays, so a reloaded companion predicts exactly as the
fitted one did. Format 1 (written before format 2) read the network's prepared IMU, on
the model grid with its validity channels; such a file still reads back and predicts
from that input as it did.
"""

from __future__ import annotations

import dataclasses
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from scipy.optimize import minimize_scalar
from scipy.special import softmax

from firmware_bridge.errors import UserError

if TYPE_CHECKING:
    from aeon.transformations.collection.convolution_based import HydraTransformer, MiniRocket

    from host.training.feed import ClipSource
    from host.training.task import TaskData

COMPANION_FILE = "companion.npz"
# Blend weights tried on the validation athletes, network alone first.
WEIGHTS = np.round(np.linspace(0.0, 1.0, 21), 2)
# Bounds of log(temperature) fitted on validation: ridge decisions are on a ±1 scale.
LOG_TEMPERATURE_BOUNDS = (-6.0, 4.0)
_FORMAT = 2
# What a companion reads: the IMU at the clip's stored rate (format 2), or the network's
# prepared model-grid IMU with its validity channels (format 1 files).
STORED = "stored"
MODEL_GRID = "model grid"
_CHUNK = 512  # clips read and transformed at a time
_EPS = 1e-7


class CompanionError(UserError, ValueError):
    """A companion that cannot be fitted or read back; the message names the file or part."""


@dataclass(frozen=True)
class Companion:
    """A fitted MiniRocket + Hydra ridge pair, its temperature and its blend weight."""

    n_labels: int
    classes: np.ndarray  # labels present in training: the ridge's columns
    minirocket: MiniRocket
    minirocket_scale: np.ndarray
    minirocket_coef: np.ndarray
    minirocket_intercept: np.ndarray
    hydra: HydraTransformer
    hydra_mu: np.ndarray
    hydra_sigma: np.ndarray
    hydra_coef: np.ndarray
    hydra_intercept: np.ndarray
    seed: int
    input_shape: tuple[int, int]  # (channels, samples) of the IMU it reads
    temperature: float = 1.0
    weight: float = 0.0
    reads: str = STORED  # STORED or MODEL_GRID (format 1 files)
    file: Path | None = None  # where it was read from, for error messages

    def input_of(self, task: TaskData, index: np.ndarray) -> np.ndarray:
        """The IMU this companion reads for the task's clips at `index`."""
        if self.reads == MODEL_GRID:
            return imu_of(task.arrays, index)
        return stored_of(task, index)

    def decision(self, imu: np.ndarray) -> np.ndarray:
        """Mean of the two ridges' decision values `(N, n_labels)`; labels absent from
        training are -inf (probability 0)."""
        if tuple(imu.shape[1:]) != self.input_shape:
            where = f"{self.file}: " if self.file is not None else ""
            raise CompanionError(
                f"{where}the IMU companion reads clips of {self.input_shape[0]} channels x "
                f"{self.input_shape[1]} samples ({self.reads} IMU), not {tuple(imu.shape[1:])}"
            )
        out = np.full((len(imu), self.n_labels), -np.inf)
        for start in range(0, len(imu), _CHUNK):
            x = np.ascontiguousarray(imu[start : start + _CHUNK], dtype=np.float32)
            # MiniRocket → StandardScaler(with_mean=False) → ridge.
            rocket = self.minirocket.transform(x) / self.minirocket_scale
            mini = rocket @ self.minirocket_coef.T + self.minirocket_intercept
            # Hydra → aeon's sparse scaler (square root of the counts, zeros kept) → ridge.
            with torch.no_grad():
                counts = np.sqrt(np.clip(self.hydra.transform(x).numpy(), 0, None))
            scaled = (counts - self.hydra_mu) * (counts != 0) / self.hydra_sigma
            hydra = scaled @ self.hydra_coef.T + self.hydra_intercept
            out[start : start + _CHUNK, self.classes] = (mini + hydra) / 2
        return out

    def proba(self, imu: np.ndarray) -> np.ndarray:
        """The companion's calibrated action probabilities `(N, n_labels)`."""
        return softmax(self.decision(imu) / self.temperature, axis=1)

    def blend(self, network: np.ndarray, imu: np.ndarray) -> np.ndarray:
        """`(1 - w) · network + w · companion`: the teacher's probabilities."""
        if self.weight == 0.0:
            return network
        return (1.0 - self.weight) * network + self.weight * self.proba(imu)

    def save(self, path: Path) -> None:
        """Write the companion as arrays only (`np.load(..., allow_pickle=False)` reads it)."""
        parameters = self.minirocket.parameters
        hydra = self.hydra._hydra
        arrays = {
            "format": np.array(_FORMAT),
            "n_labels": np.array(self.n_labels),
            "classes": self.classes,
            "seed": np.array(self.seed),
            "shape": np.array(self.input_shape),
            "reads": np.array(self.reads),
            "minirocket_n_kernels": np.array(self.minirocket.n_kernels),
            **{f"minirocket_parameter_{i}": np.asarray(p) for i, p in enumerate(parameters)},
            "minirocket_scale": self.minirocket_scale,
            "minirocket_coef": self.minirocket_coef,
            "minirocket_intercept": self.minirocket_intercept,
            "hydra_W": hydra.W.numpy(),
            "hydra_idx": torch.stack(hydra.idx).numpy(),
            "hydra_mu": self.hydra_mu,
            "hydra_sigma": self.hydra_sigma,
            "hydra_coef": self.hydra_coef,
            "hydra_intercept": self.hydra_intercept,
            "temperature": np.array(self.temperature),
            "weight": np.array(self.weight),
        }
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(path)

    def describe(self) -> dict[str, Any]:
        """What run.json records of the companion."""
        return {
            "kind": "hydra+minirocket",
            "file": COMPANION_FILE,
            "weight": self.weight,
            "temperature": round(self.temperature, 6),
            "seed": self.seed,
            "reads": self.reads,
            "shape": list(self.input_shape),
        }


def load_companion(path: Path) -> Companion:
    """Read a companion written by `Companion.save`; a missing or damaged file is a
    `CompanionError` naming it."""
    from aeon.transformations.collection.convolution_based import HydraTransformer, MiniRocket

    try:
        with np.load(path, allow_pickle=False) as saved:
            data = {key: saved[key] for key in saved.files}
    except FileNotFoundError:
        raise CompanionError(
            f"{path}: missing (the run's config has an IMU companion; train it again)"
        ) from None
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise CompanionError(f"{path}: not a readable companion ({exc})") from None
    try:
        version = int(data["format"])
        if version not in (1, _FORMAT):
            raise CompanionError(f"{path}: companion format {version}, not 1 or {_FORMAT}")
        reads = MODEL_GRID if version == 1 else str(data["reads"])
        if reads not in (STORED, MODEL_GRID):
            raise CompanionError(f"{path}: reads {reads!r}, not {STORED!r} or {MODEL_GRID!r}")
        channels, timepoints = (int(v) for v in data["shape"])
        seed = int(data["seed"])
        dummy = np.zeros((1, channels, timepoints), np.float32)
        with global_state_kept():
            minirocket = MiniRocket(
                n_kernels=int(data["minirocket_n_kernels"]), n_jobs=1, random_state=seed
            ).fit(dummy)
            minirocket.parameters = tuple(
                data[f"minirocket_parameter_{i}"] for i in range(len(minirocket.parameters))
            )
            hydra = HydraTransformer(n_jobs=1, random_state=seed).fit(dummy)
        if hydra._hydra.W.shape != data["hydra_W"].shape:
            raise CompanionError(
                f"{path}: Hydra kernels of shape {data['hydra_W'].shape}, expected "
                f"{tuple(hydra._hydra.W.shape)} for {channels} channels x {timepoints} samples"
            )
        hydra._hydra.W = torch.from_numpy(data["hydra_W"])
        hydra._hydra.idx = list(torch.from_numpy(data["hydra_idx"]))
        return Companion(
            n_labels=int(data["n_labels"]),
            classes=data["classes"],
            minirocket=minirocket,
            minirocket_scale=data["minirocket_scale"],
            minirocket_coef=data["minirocket_coef"],
            minirocket_intercept=data["minirocket_intercept"],
            hydra=hydra,
            hydra_mu=data["hydra_mu"],
            hydra_sigma=data["hydra_sigma"],
            hydra_coef=data["hydra_coef"],
            hydra_intercept=data["hydra_intercept"],
            seed=seed,
            input_shape=(channels, timepoints),
            temperature=float(data["temperature"]),
            weight=float(data["weight"]),
            reads=reads,
            file=path,
        )
    except KeyError as exc:
        raise CompanionError(f"{path}: not a companion (no array {exc.args[0]!r})") from None


def imu_of(arrays: ClipSource, index: np.ndarray) -> np.ndarray:
    """The prepared IMU `(len(index), channels, T)` of the clips at `index`, whole."""
    parts = [
        arrays.tensors(index[start : start + _CHUNK])["imu"].numpy()
        for start in range(0, len(index), _CHUNK)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, 0, 0), np.float32)


def stored_of(task: TaskData, index: np.ndarray) -> np.ndarray:
    """The stored-rate IMU `(len(index), channels, T)` the task carries for a companion."""
    if task.companion_imu is None:
        raise CompanionError(
            "the IMU companion reads the IMU at its stored rate, and this task was prepared "
            "without it (its config has no [model] imu_companion)"
        )
    return task.companion_imu[index]


def fit_companion(
    task: TaskData, network_proba: Callable[[np.ndarray], np.ndarray], n_labels: int, seed: int
) -> Companion:
    """Fit the companion on the task's training clips (their IMU at its stored rate,
    `TaskData.companion_imu`), then its temperature and blend weight on the validation
    clips set aside for the blend (`Split.blend`), where `network_proba(index)` gives the
    trained network's probabilities; the test clips and the validation clips that stopped
    the network are not read."""
    from host.distill.baselines import fit_hydra, fit_minirocket

    train, val = task.plan.actions.train, task.plan.actions.blend
    if len(val) == 0 or len(np.unique(task.labels[train])) < 2:
        raise CompanionError(
            "the IMU companion needs validation clips set aside for its blend (at least 2 "
            "validation clips: one half stops the network early, the other weighs the "
            "blend) and at least two labels among the training clips"
        )
    x, y = stored_of(task, train), task.labels[train]
    with global_state_kept():
        rocket = fit_minirocket(x, y, seed)
        hydra = fit_hydra(x, y, seed)
    _, scaler, ridge = (step for _, step in rocket.steps)
    transform, sparse, hydra_ridge = (step for _, step in hydra.clf_.steps)
    mini_coef, mini_intercept = _two_columns(ridge.coef_, ridge.intercept_)
    hydra_coef, hydra_intercept = _two_columns(hydra_ridge.coef_, hydra_ridge.intercept_)
    unfitted = Companion(
        n_labels=n_labels,
        classes=np.asarray(ridge.classes_, dtype=np.int64),
        minirocket=rocket.steps[0][1],
        minirocket_scale=scaler.scale_.astype(np.float64),
        minirocket_coef=mini_coef,
        minirocket_intercept=mini_intercept,
        hydra=transform,
        hydra_mu=sparse.mu.numpy().astype(np.float64),
        hydra_sigma=sparse.sigma.numpy().astype(np.float64),
        hydra_coef=hydra_coef,
        hydra_intercept=hydra_intercept,
        seed=seed,
        input_shape=(x.shape[1], x.shape[2]),
    )
    y_val = task.labels[val]
    decision = unfitted.decision(stored_of(task, val))
    temperature = fit_temperature(decision, y_val)
    weight = choose_weight(network_proba(val), softmax(decision / temperature, axis=1), y_val)
    return dataclasses.replace(unfitted, temperature=temperature, weight=weight)


def fit_temperature(decision: np.ndarray, labels: np.ndarray) -> float:
    """The temperature whose softmax of `decision` has the lowest log-loss on `labels`."""

    def loss(log_t: float) -> float:
        return log_loss(softmax(decision / np.exp(log_t), axis=1), labels)

    found = minimize_scalar(loss, bounds=LOG_TEMPERATURE_BOUNDS, method="bounded")
    return float(np.exp(found.x))


def choose_weight(network: np.ndarray, companion: np.ndarray, labels: np.ndarray) -> float:
    """The first of `WEIGHTS` whose blend has the lowest log-loss on `labels`."""
    losses = [log_loss((1 - w) * network + w * companion, labels) for w in WEIGHTS]
    return float(WEIGHTS[int(np.argmin(losses))])


def log_loss(proba: np.ndarray, labels: np.ndarray) -> float:
    """Mean negative log-probability of the true labels."""
    picked = proba[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.clip(picked, _EPS, None))))


def _two_columns(coef: np.ndarray, intercept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A ridge's weights as one column per class: a two-class ridge scores the second
    class only (its decision d), which is the pair (-d, d)."""
    coef, intercept = np.atleast_2d(coef).astype(np.float64), np.atleast_1d(intercept)
    if len(coef) == 1:
        return np.vstack([-coef, coef]), np.array([-intercept[0], intercept[0]], np.float64)
    return coef, intercept.astype(np.float64)


@contextmanager
def global_state_kept() -> Iterator[None]:
    """Keep numpy's and torch's global generators and torch's thread count as they were
    across the block. aeon's MiniRocket seeds numpy's generator, and its Hydra seeds
    torch's and sets the thread count, when fitted (as does training a teacher), so a
    companion changes nothing else in the process."""
    threads, numpy_state = torch.get_num_threads(), np.random.get_state()
    try:
        with torch.random.fork_rng():
            yield
    finally:
        torch.set_num_threads(threads)
        np.random.set_state(numpy_state)
