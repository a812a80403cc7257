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

The kind `"hydra+minirocket+student"` adds a third member: the sideline Hydra student's
own recipe (`host.distill.hydra_student.fit_hydra_student` at `StudentConfig`'s size,
its head fitted on augmented copies too, its penalty chosen on the training athletes held
out in turn), fitted on the same stored-rate IMU with the run's seed. Its logits are a
ridge's decisions, on the same ±1 scale as the other two, and the three are averaged. A
teacher that contains the student's recipe is the way to stay at least as good as the
student it teaches: on the footballers, paired on the same folds, the teacher with it
scored 0.631 against 0.578 to 0.630 for ten seeds of the student (docs/decisions.md).

Saved as `companion.npz`, arrays only (read back with `allow_pickle=False`): MiniRocket's
fitted parameters, Hydra's kernels, each scaler and ridge as arrays, the temperature,
`w`, what it reads (`reads`, with `shape` its channels and samples) and its `kind`; with
the student, the student's `HydraConfig` (`student_config`, JSON text) and its state's
tensors (`student_` + each `state_dict` key). Its fitted steps are applied here from
those arrays, so a reloaded companion predicts exactly as the fitted one did. Format 1
(written before format 2) read the network's prepared IMU, on the model grid with its
validity channels; such a file still reads back and predicts from that input as it did.
Formats 1 and 2 (before format 3 recorded the kind) are MiniRocket + Hydra pairs.
"""

from __future__ import annotations

import dataclasses
import json
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
from host.models.config import PAIR_COMPANION, STUDENT_COMPANION

if TYPE_CHECKING:
    from aeon.transformations.collection.convolution_based import HydraTransformer, MiniRocket

    from edge import dsp
    from host.distill.hydra_student import HydraConfig, HydraStudent
    from host.training.feed import ClipSource
    from host.training.task import TaskData

COMPANION_FILE = "companion.npz"
# Blend weights tried on the validation athletes, network alone first.
WEIGHTS = np.round(np.linspace(0.0, 1.0, 21), 2)
# Bounds of log(temperature) fitted on validation: ridge decisions are on a ±1 scale.
LOG_TEMPERATURE_BOUNDS = (-6.0, 4.0)
_FORMAT = 3
KINDS = (PAIR_COMPANION, STUDENT_COMPANION)
# What a companion reads: the IMU at the clip's stored rate (format 2), or the network's
# prepared model-grid IMU with its validity channels (format 1 files).
STORED = "stored"
MODEL_GRID = "model grid"
_CHUNK = 512  # clips read and transformed at a time
_EPS = 1e-7
_STUDENT = "student_"  # prefix of the student member's arrays in companion.npz


class CompanionError(UserError, ValueError):
    """A companion that cannot be fitted or read back; the message names the file or part."""


@dataclass(frozen=True)
class StudentMember:
    """The Hydra student fitted as a companion member, with the config that rebuilds it."""

    model: HydraStudent
    config: HydraConfig


@dataclass(frozen=True)
class Companion:
    """A fitted MiniRocket + Hydra ridge pair (and, in the kind with the student, a Hydra
    student), its temperature and its blend weight."""

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
    student: StudentMember | None = None  # the third member, in kind STUDENT_COMPANION
    file: Path | None = None  # where it was read from, for error messages

    @property
    def kind(self) -> str:
        """`[model] imu_companion`'s name for this companion."""
        return PAIR_COMPANION if self.student is None else STUDENT_COMPANION

    def input_of(self, task: TaskData, index: np.ndarray) -> np.ndarray:
        """The IMU this companion reads for the task's clips at `index`."""
        if self.reads == MODEL_GRID:
            return imu_of(task.arrays, index)
        return stored_of(task, index)

    def decision(self, imu: np.ndarray) -> np.ndarray:
        """Mean of the members' decision values `(N, n_labels)` (the two ridges', and the
        student's logits where it has one); labels absent from training are -inf
        (probability 0)."""
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
            if self.student is None:
                out[start : start + _CHUNK, self.classes] = (mini + hydra) / 2
            else:
                student = self._student_decision(self.student.model, x)
                out[start : start + _CHUNK, self.classes] = (mini + hydra + student) / 3
        return out

    def _student_decision(self, model: HydraStudent, x: np.ndarray) -> np.ndarray:
        """The student's logits for the training labels: its ridge head's decisions. With
        two labels the head scores the second only (the first's logit is 0), which on the
        other ridges' scale is the pair (-d, d)."""
        with torch.inference_mode():
            logits = model(torch.from_numpy(x)).numpy()[:, self.classes].astype(np.float64)
        if len(self.classes) == 2:
            return np.stack([-logits[:, 1], logits[:, 1]], axis=1)
        return logits

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
            "kind": np.array(self.kind),
        }
        if self.student is not None:
            arrays["student_config"] = np.array(json.dumps(dataclasses.asdict(self.student.config)))
            for key, value in self.student.model.state_dict().items():
                arrays[_STUDENT + key] = value.numpy()
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(path)

    def describe(self) -> dict[str, Any]:
        """What run.json records of the companion."""
        return {
            "kind": self.kind,
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
        if version not in (1, 2, _FORMAT):
            raise CompanionError(f"{path}: companion format {version}, not 1, 2 or {_FORMAT}")
        reads = MODEL_GRID if version == 1 else str(data["reads"])
        if reads not in (STORED, MODEL_GRID):
            raise CompanionError(f"{path}: reads {reads!r}, not {STORED!r} or {MODEL_GRID!r}")
        kind = str(data["kind"]) if version == _FORMAT else PAIR_COMPANION
        if kind not in KINDS:
            raise CompanionError(f"{path}: kind {kind!r}, not one of {', '.join(map(repr, KINDS))}")
        channels, timepoints = (int(v) for v in data["shape"])
        seed, n_labels = int(data["seed"]), int(data["n_labels"])
        student = None
        if kind == STUDENT_COMPANION:
            student = _load_student(path, data, channels, timepoints, n_labels)
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
            n_labels=n_labels,
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
            student=student,
            file=path,
        )
    except KeyError as exc:
        raise CompanionError(f"{path}: not a companion (no array {exc.args[0]!r})") from None


def _load_student(
    path: Path, data: dict[str, np.ndarray], channels: int, timepoints: int, n_labels: int
) -> StudentMember:
    """The student member saved in `data`: rebuilt from its config, then its state loaded
    (a missing array is a `KeyError`, which the caller names)."""
    from host.distill.hydra_student import HydraConfig, HydraStudent

    try:
        config = HydraConfig(**json.loads(str(data["student_config"])))
        model = HydraStudent(channels, timepoints, n_labels, config)
    except (TypeError, ValueError) as exc:
        raise CompanionError(f"{path}: the student's config is not readable ({exc})") from None
    state = {key: torch.from_numpy(data[_STUDENT + key]) for key in model.state_dict()}
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).splitlines()[-1].strip()
        raise CompanionError(f"{path}: the student's arrays do not fit it ({first})") from None
    return StudentMember(model.eval(), config)


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
    task: TaskData,
    network_proba: Callable[[np.ndarray], np.ndarray],
    n_labels: int,
    seed: int,
    kind: str = PAIR_COMPANION,
) -> Companion:
    """Fit the companion of `kind` (one of `KINDS`) on the task's training clips (their
    IMU at its stored rate, `TaskData.companion_imu`), then its temperature and blend
    weight on the validation clips set aside for the blend (`Split.blend`), where
    `network_proba(index)` gives the trained network's probabilities; the test clips and
    the validation clips that stopped the network are not read."""
    from host.distill.baselines import fit_hydra, fit_minirocket

    if kind not in KINDS:
        raise CompanionError(
            f"no IMU companion {kind!r}: the kinds are {', '.join(map(repr, KINDS))}"
        )
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
        student = None
        if kind == STUDENT_COMPANION:
            athletes = task.clip_athletes[train]
            student = fit_student_member(x, y, n_labels, seed, task.stats.imu, athletes)
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
        student=student,
    )
    y_val = task.labels[val]
    decision = unfitted.decision(stored_of(task, val))
    temperature = fit_temperature(decision, y_val)
    weight = choose_weight(network_proba(val), softmax(decision / temperature, axis=1), y_val)
    return dataclasses.replace(unfitted, temperature=temperature, weight=weight)


def fit_student_member(
    inputs: np.ndarray,
    labels: np.ndarray,
    n_labels: int,
    seed: int,
    normaliser: dsp.Normaliser,
    athletes: np.ndarray,
) -> StudentMember:
    """The Hydra student as the sideline's is fitted (`StudentConfig`'s groups, pooling,
    augmented copies and summaries, but Hydra's 8 kernels a group and no proportions: the
    teacher was measured with this member; the augmentations without mixup, as a ridge
    head fits hard labels), on `inputs` z-scored with `normaliser` (augmented in physical
    units), its penalty chosen on `athletes` held out. Its dilations span the whole clip
    it reads, not the sideline's window."""
    from host.distill.augment import imu_sensors
    from host.distill.config import REAL_MOTION_AUGMENT, StudentConfig
    from host.distill.hydra_student import HydraConfig, fit_hydra_student, head_augmenter
    from host.distill.student import hydra_config

    config = dataclasses.replace(
        hydra_config(StudentConfig(), seed),
        window_samples=None,
        ppv=False,
        kernels_per_group=HydraConfig().kernels_per_group,
    )
    augmenter = head_augmenter(REAL_MOTION_AUGMENT, imu_sensors(inputs.shape[1] // 6))
    model = fit_hydra_student(
        inputs, labels, n_labels, config, augmenter, normaliser, groups=athletes
    )
    return StudentMember(model.eval(), config)


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
