"""A real-data check of the student recipe on a public labelled inertial dataset.

BasicMotions (UEA archive; accelerometer + gyroscope of a smartwatch, 4 activities,
40 train / 40 test series of 6 × 100 samples at 10 Hz) ships inside aeon, so the check
runs offline. The same student family and training loop as on the squad, without a
teacher, next to MiniRocket + ridge on the same z-scored series, both on the archive's
own train/test split; a quarter of the training series (stratified) is held out for early
stopping, so the test split is never looked at before the final score.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from edge import dsp
from host.distill.baselines import fit_minirocket
from host.distill.config import MINIROCKET_KERNELS, DistillConfig, StudentConfig
from host.distill.student import parameter_count
from host.distill.train_student import TrainingSet, predict_logits, train_student
from host.export.onnx import onnx_session, run_onnx, to_onnx_bytes

# Shipped with aeon (no download): name → loader.
SHIPPED = ("BasicMotions",)


class UcrError(ValueError):
    """The dataset asked for is not one this check can load offline."""


@dataclass(frozen=True)
class UcrResult:
    dataset: str
    n_train: int
    n_test: int
    student_accuracy: float
    student_parameters: int
    student_ms_per_window: float
    minirocket_accuracy: float
    minirocket_ms_per_window: float


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


def run_check(
    name: str = "BasicMotions",
    seed: int = 0,
    max_epochs: int = 80,
    minirocket_kernels: int = MINIROCKET_KERNELS,
) -> UcrResult:
    """Train the student and MiniRocket on the archive's train split; score on its test."""
    x_train, y_train, x_test, y_test, classes = load_shipped(name)
    normaliser = dsp.Normaliser.fit(x_train, axis=1)
    z_train = normaliser.apply(x_train).astype(np.float32)
    z_test = normaliser.apply(x_test).astype(np.float32)
    fit, val = train_test_split(
        np.arange(len(z_train)), test_size=0.25, stratify=y_train, random_state=seed
    )
    config = DistillConfig(
        student=StudentConfig(in_channels=z_train.shape[1], n_labels=len(classes), stem_stride=2),
        seed=seed,
        max_epochs=max_epochs,
        batch_size=8,
        early_stop_patience=20,
        gps_dropout=0.0,
    )
    trained = train_student(
        TrainingSet(z_train[None, fit], y_train[fit]),
        TrainingSet(z_train[None, val], y_train[val]),
        config,
        distil=False,
        description=f"student on {name}",
    )
    student_pred = predict_logits(trained.model, z_test).argmax(axis=1)
    rocket = fit_minirocket(z_train, y_train, seed, minirocket_kernels)
    rocket_pred = rocket.predict(z_test)
    return UcrResult(
        dataset=name,
        n_train=len(z_train),
        n_test=len(z_test),
        student_accuracy=float(np.mean(student_pred == y_test)),
        student_parameters=parameter_count(trained.model),
        student_ms_per_window=_onnx_ms_per_window(trained.model, z_test[:1]),
        minirocket_accuracy=float(np.mean(rocket_pred == y_test)),
        minirocket_ms_per_window=_ms_per_window(rocket.predict, z_test[:1]),
    )


def _onnx_ms_per_window(model: torch.nn.Module, window: np.ndarray) -> float:
    session = onnx_session(to_onnx_bytes(model, window.shape[1], window.shape[2]))
    return _ms_per_window(lambda x: run_onnx(session, x), window, repeats=300)


def _ms_per_window(
    predict: Callable[[np.ndarray], object], window: np.ndarray, repeats: int = 30
) -> float:
    predict(window)
    start = time.perf_counter()
    for _ in range(repeats):
        predict(window)
    return (time.perf_counter() - start) / repeats * 1e3
