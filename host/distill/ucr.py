"""A real-data check of the student recipe on public labelled inertial recordings.

BasicMotions (UEA archive; accelerometer + gyroscope of a smartwatch, 4 activities,
40 train / 40 test series of 6 × 100 samples at 10 Hz) ships inside aeon, so the default
check runs offline; any labelled `.ts` file with its `_TEST` sibling can be checked the
same way (`touchline student-check --data FILE_TRAIN.ts`, tools/real_motion/ converts
public body-worn recordings). The student family and training loop are the sideline's,
without a teacher, next to MiniRocket + ridge and Hydra on the same z-scored series,
all on the file's own train/test split. A quarter of the training series is set aside
for validation, whole athletes when a groups file names them (`X_groups.txt` beside
`X_TRAIN.ts`): the CNN is scored there (and, with the recipe that keeps its best epoch,
stopped there), so the test split is never looked at before the final score.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from edge import dsp
from firmware_bridge.errors import UserError
from host.distill.augment import Sensor, imu_sensors
from host.distill.baselines import fit_hydra, fit_minirocket
from host.distill.config import (
    MINIROCKET_KERNELS,
    REAL_MOTION_AUGMENT,
    REAL_MOTION_EPOCHS,
    REAL_MOTION_MIN_STEPS,
    REAL_MOTION_PATIENCE,
    DistillConfig,
    StudentConfig,
    StudentKind,
)
from host.distill.family import FamilyChoice, train_chosen_student
from host.distill.student import family_of, parameter_count
from host.distill.train_student import TrainingSet, predict_logits
from host.export.onnx import onnx_session, run_onnx, to_onnx_bytes

# Shipped with aeon (no download).
SHIPPED = ("BasicMotions",)
VALIDATION_SHARE = 0.25


class UcrError(UserError, ValueError):
    """The dataset asked for cannot be loaded: what is wrong, and where."""


@dataclass(frozen=True)
class LabelledSeries:
    """A labelled collection split into train and test, `(N, C, T)` float32 series with
    integer labels into `classes`, and the athlete of each series where known."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list[str]
    groups_train: np.ndarray | None = None
    groups_test: np.ndarray | None = None


@dataclass(frozen=True)
class UcrResult:
    dataset: str
    n_train: int
    n_test: int
    student_family: str  # the family trained ("auto" names the one it chose)
    family_choice: str  # why auto kept it; empty for a named family
    student_accuracy: float
    student_macro_f1: float
    student_parameters: int
    student_ms_per_window: float
    minirocket_accuracy: float
    minirocket_macro_f1: float
    minirocket_ms_per_window: float
    hydra_accuracy: float
    hydra_macro_f1: float


def load_shipped(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Train and test series `(N, C, T)` float32, integer labels, and the class names."""
    if name not in SHIPPED:
        raise UcrError(f"{name!r} is not shipped with aeon; offline choices: {', '.join(SHIPPED)}")
    from aeon.datasets import load_basic_motions

    x_train, y_train = load_basic_motions(split="train")
    x_test, y_test = load_basic_motions(split="test")
    classes = sorted(set(y_train.tolist()))
    index = {c: i for i, c in enumerate(classes)}
    return (
        x_train.astype(np.float32),
        np.array([index[y] for y in y_train]),
        x_test.astype(np.float32),
        np.array([index[y] for y in y_test]),
        classes,
    )


def load_collection(dataset: str | Path) -> LabelledSeries:
    """A shipped dataset by name, or a `…_TRAIN.ts` file with its `_TEST` sibling."""
    if isinstance(dataset, str) and dataset in SHIPPED:
        x_train, y_train, x_test, y_test, classes = load_shipped(dataset)
        return LabelledSeries(dataset, x_train, y_train, x_test, y_test, classes)
    path = Path(dataset)
    if path.suffix != ".ts" or not path.stem.endswith("_TRAIN"):
        raise UcrError(
            f"{str(dataset)!r} is neither a file named …_TRAIN.ts nor a dataset shipped "
            f"offline ({', '.join(SHIPPED)})"
        )
    stem = path.stem.removesuffix("_TRAIN")
    test_path = path.with_name(f"{stem}_TEST.ts")
    x_train, train_labels = _read_ts(path)
    x_test, test_labels = _read_ts(test_path)
    if x_train.shape[1:] != x_test.shape[1:]:
        raise UcrError(
            f"{test_path}: series of {x_test.shape[1]} channels × {x_test.shape[2]} samples, "
            f"but {path} has {x_train.shape[1]} × {x_train.shape[2]}"
        )
    classes = sorted(set(train_labels.tolist()))
    unknown = sorted(set(test_labels.tolist()) - set(classes))
    if unknown:
        raise UcrError(f"{test_path}: labels {unknown} never occur in {path}")
    index = {c: i for i, c in enumerate(classes)}
    groups_train, groups_test = _read_groups(
        path.with_name(f"{stem}_groups.txt"), len(x_train), len(x_test)
    )
    return LabelledSeries(
        stem,
        x_train,
        np.array([index[y] for y in train_labels]),
        x_test,
        np.array([index[y] for y in test_labels]),
        classes,
        groups_train,
        groups_test,
    )


def _read_ts(path: Path) -> tuple[np.ndarray, np.ndarray]:
    from aeon.datasets import load_from_ts_file

    if not path.is_file():
        raise UcrError(f"{path}: no such file (the check needs the _TRAIN file's _TEST sibling)")
    try:
        x, y = load_from_ts_file(str(path), return_type="numpy3D")
    except (OSError, ValueError, IndexError) as exc:
        raise UcrError(f"{path}: not a readable equal-length labelled .ts file ({exc})") from None
    if y is None or len(y) != len(x) or len(x) == 0:
        raise UcrError(f"{path}: the series carry no class labels")
    values = np.asarray(x, dtype=np.float32)
    if not np.all(np.isfinite(values)):
        raise UcrError(f"{path}: missing or non-finite values; fill or drop those series first")
    return values, np.asarray(y).astype(str)


def _read_groups(path: Path, n_train: int, n_test: int) -> tuple[np.ndarray | None, ...]:
    """Athlete ids, one per line (TRAIN series then TEST ones), or none if no file."""
    if not path.is_file():
        return None, None
    lines = [line.strip() for line in path.read_text().splitlines()]
    lines = [line for line in lines if line and line != "athlete_id"]
    if len(lines) != n_train + n_test:
        raise UcrError(
            f"{path}: {len(lines)} athlete ids for {n_train} training + {n_test} test series"
        )
    return np.array(lines[:n_train]), np.array(lines[n_train:])


def student_config(
    channels: int, n_labels: int, samples: int, base: StudentConfig | None = None
) -> StudentConfig:
    """The sideline student sized for this input: the stem strides 4× on the product's
    600-sample windows and 2× on shorter series, which would otherwise shrink to nothing;
    the Hydra student spreads its dilations over the series, which is the window here."""
    base = base or StudentConfig()
    return dataclasses.replace(
        base,
        in_channels=channels,
        n_labels=n_labels,
        stem_stride=base.stem_stride if samples >= 400 else 2,
        hydra_window_samples=samples,
    )


def sensors_of(channels: int) -> tuple[Sensor, ...]:
    """IMUs in the taxonomy's `ax ay az gx gy gz` blocks; other layouts are not rotated."""
    return imu_sensors(channels // 6) if channels % 6 == 0 else ()


def validation_split(
    labels: np.ndarray, groups: np.ndarray | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (fit, validation): whole athletes when known, else a stratified share."""
    index = np.arange(len(labels))
    if groups is not None and len(np.unique(groups)) >= 2:
        splitter = GroupShuffleSplit(n_splits=1, test_size=VALIDATION_SHARE, random_state=seed)
        fit, val = next(splitter.split(index, labels, groups))
        return fit, val
    fit, val = train_test_split(
        index, test_size=VALIDATION_SHARE, stratify=labels, random_state=seed
    )
    return fit, val


def train_recipe_student(
    x_fit: np.ndarray,
    y_fit: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    n_labels: int,
    config: DistillConfig,
    normaliser: dsp.Normaliser,
    groups_fit: np.ndarray | None = None,
    soft_fit: np.ndarray | None = None,
) -> tuple[torch.nn.Module, FamilyChoice | None]:
    """The student trained by the sideline recipe `config` on z-scored series, and the
    family choice `--student auto` made (None for a named family); `groups_fit` names
    the athlete of each fitted series, where known. With `soft_fit` (a teacher's class
    probabilities `(N, n_labels)` for the fitted series) it is distilled from them."""
    config = config.replace(
        student=student_config(x_fit.shape[1], n_labels, x_fit.shape[2], config.student),
        gps_dropout=0.0,
    )
    trained, choice = train_chosen_student(
        TrainingSet(
            x_fit[None],
            y_fit,
            sensors=sensors_of(x_fit.shape[1]),
            normaliser=normaliser,
            groups=groups_fit,
            soft=soft_fit,
        ),
        TrainingSet(x_val[None], y_val),
        config,
        distil=soft_fit is not None,
        description="student",
    )
    return trained.model, choice


def check_config(seed: int, max_epochs: int, min_steps: int, n_train: int) -> DistillConfig:
    """The sideline recipe for real recordings (augmented, REAL_MOTION_AUGMENT), with
    batches small enough to take several steps per epoch."""
    return DistillConfig(
        seed=seed,
        max_epochs=max_epochs,
        min_steps=min_steps,
        batch_size=min(64, max(8, n_train // 8)),
        early_stop_patience=REAL_MOTION_PATIENCE,
        augment=REAL_MOTION_AUGMENT,
    )


def run_check(
    dataset: str | Path = "BasicMotions",
    seed: int = 0,
    max_epochs: int = REAL_MOTION_EPOCHS,
    min_steps: int = REAL_MOTION_MIN_STEPS,
    minirocket_kernels: int = MINIROCKET_KERNELS,
    student: StudentKind = "auto",
) -> UcrResult:
    """Train the student of family `student` (as `touchline distill --student`; "auto"
    chooses on the training athletes, host.distill.family), MiniRocket and Hydra on the
    train split; score on its test."""
    data = load_collection(dataset)
    normaliser = dsp.Normaliser.fit(data.x_train, axis=1)
    z_train = normaliser.apply(data.x_train).astype(np.float32)
    z_test = normaliser.apply(data.x_test).astype(np.float32)
    fit, val = validation_split(data.y_train, data.groups_train, seed)
    if student == "hydra":
        # Fitted in closed form, the Hydra student stops at no epoch: it fits on every
        # training series, as MiniRocket and Hydra do (validation is only reported).
        fit = np.arange(len(data.y_train))
    config = check_config(seed, max_epochs, min_steps, len(fit))
    config = config.replace(student=dataclasses.replace(config.student, kind=student))
    model, choice = train_recipe_student(
        z_train[fit],
        data.y_train[fit],
        z_train[val],
        data.y_train[val],
        len(data.classes),
        config,
        normaliser,
        None if data.groups_train is None else data.groups_train[fit],
    )
    student_pred = predict_logits(model, z_test).argmax(axis=1)
    rocket = fit_minirocket(z_train, data.y_train, seed, minirocket_kernels)
    rocket_pred = rocket.predict(z_test)
    hydra_pred = fit_hydra(z_train, data.y_train, seed).predict(z_test)
    y = data.y_test
    return UcrResult(
        dataset=data.name,
        n_train=len(z_train),
        n_test=len(z_test),
        student_family=family_of(model),
        family_choice="" if choice is None else choice.reason,
        student_accuracy=float(np.mean(student_pred == y)),
        student_macro_f1=_macro_f1(y, student_pred),
        student_parameters=parameter_count(model),
        student_ms_per_window=onnx_ms_per_window(model, z_test[:1]),
        minirocket_accuracy=float(np.mean(rocket_pred == y)),
        minirocket_macro_f1=_macro_f1(y, rocket_pred),
        minirocket_ms_per_window=_ms_per_window(rocket.predict, z_test[:1]),
        hydra_accuracy=float(np.mean(hydra_pred == y)),
        hydra_macro_f1=_macro_f1(y, hydra_pred),
    )


def _macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    return float(f1_score(y, pred, average="macro"))


def onnx_ms_per_window(model: torch.nn.Module, window: np.ndarray) -> float:
    """Milliseconds per window of the ONNX export, onnxruntime on one thread."""
    session = onnx_session(to_onnx_bytes(model, window.shape[1], window.shape[2]), threads=1)
    return _ms_per_window(lambda x: run_onnx(session, x), window, repeats=300)


def _ms_per_window(
    predict: Callable[[np.ndarray], object], window: np.ndarray, repeats: int = 30
) -> float:
    predict(window)
    start = time.perf_counter()
    for _ in range(repeats):
        predict(window)
    return (time.perf_counter() - start) / repeats * 1e3
