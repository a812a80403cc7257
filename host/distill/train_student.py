"""Train the student on prepared windows, from the teacher's soft labels plus hard labels.

The loss is Hinton-style distillation: alpha · T² · KL(teacher at temperature T ‖ student
at T) + (1 − alpha) · cross-entropy on the hard label. With no teacher (alpha = 0) the same
loop trains the "student without distillation" baseline. Early stopping watches the
validation macro-F1, never the test split; a config that keeps the last weights
(`keep_weights = "last"`) runs its whole schedule and only reports validation. Averaged
CNNs (`StudentConfig.cnn_members`) are trained one after another, each from its own seed
and stopped on its own, then joined. The Hydra student has no loop: its ridge head is
fitted in closed form on every view and augmented copies, regressing onto alpha · teacher
+ (1 − alpha) · one-hot when distilled.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import torch
from rich.progress import Progress
from sklearn.metrics import f1_score
from torch import nn
from torch.nn import functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from edge import dsp
from host.distill.augment import Augmenter, Sensor, mix
from host.distill.config import DistillConfig
from host.distill.ensemble import AveragedStudents
from host.distill.hydra_student import fit_hydra_student, head_augmenter
from host.distill.student import build_student, hydra_config
from host.distill.views import HELD_VIEWS_MB, SelectedRows, StackedViews, ViewSource

# Probabilities are clipped away from 0 before taking logs of the teacher's output.
_PROB_FLOOR = 1e-6


@dataclass(frozen=True)
class TrainingSet:
    """Prepared inputs for one split. `inputs` holds every example in several views:
    a stack `(views, N, C, T)` prepared in advance, or a `ViewSource` that prepares them
    a batch at a time; view 0 is the centred window used for evaluation. `sensors` names
    the IMU channels that augmentation may rotate and warp, and `normaliser` the z-score
    that produced `inputs` (augmentation works in physical units). `groups` names each
    example's athlete, where known: the Hydra student's head then chooses its penalty on
    athletes held out."""

    inputs: np.ndarray | ViewSource
    labels: np.ndarray
    soft: np.ndarray | None = None
    gps_row: int | None = None
    sensors: tuple[Sensor, ...] = ()
    normaliser: dsp.Normaliser | None = None
    groups: np.ndarray | None = None

    @property
    def views(self) -> ViewSource:
        return StackedViews(self.inputs) if isinstance(self.inputs, np.ndarray) else self.inputs

    def subset(self, rows: np.ndarray) -> TrainingSet:
        """The examples `rows` only, in every view, with their labels and athletes."""
        return dataclasses.replace(
            self,
            inputs=SelectedRows(self.views, rows),
            labels=self.labels[rows],
            soft=None if self.soft is None else self.soft[rows],
            groups=None if self.groups is None else self.groups[rows],
        )


@dataclass(frozen=True)
class TrainedStudent:
    """A fitted student; `epochs` is the epoch whose weights were kept (the latest among
    averaged members; 0 for a closed-form fit), `val_macro_f1` what the kept network
    scores on the validation windows, and `history` has one row per epoch run, with the
    member's number where members were averaged."""

    model: nn.Module
    epochs: int
    val_macro_f1: float
    history: list[dict[str, float]]


def distillation_loss(
    student_logits: torch.Tensor,
    hard_labels: torch.Tensor,
    teacher_probs: torch.Tensor | None,
    temperature: float,
    alpha: float,
) -> torch.Tensor:
    """alpha · T² · KL(p_teacher^T ‖ p_student^T) + (1 − alpha) · CE(hard)."""
    hard = F.cross_entropy(student_logits, hard_labels)
    if teacher_probs is None or alpha == 0.0:
        return hard
    teacher_logits = torch.log(teacher_probs.clamp_min(_PROB_FLOOR))
    soft_targets = F.softmax(teacher_logits / temperature, dim=1)
    log_student = F.log_softmax(student_logits / temperature, dim=1)
    kd = F.kl_div(log_student, soft_targets, reduction="batchmean") * temperature**2
    return alpha * kd + (1.0 - alpha) * hard


def predict_logits(model: nn.Module, inputs: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Logits `(N, n_labels)` for prepared windows `(N, C, T)`, in eval mode."""
    model.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(inputs), batch_size):
            out.append(model(torch.from_numpy(inputs[start : start + batch_size])).numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), dtype=np.float32)


def _macro_f1(model: nn.Module, inputs: np.ndarray, labels: np.ndarray) -> float:
    """Macro-F1 of `model`'s predictions on prepared windows (validation)."""
    predicted = predict_logits(model, inputs).argmax(axis=1)
    return float(f1_score(labels, predicted, average="macro"))


def train_student(
    train: TrainingSet,
    validation: TrainingSet,
    config: DistillConfig,
    distil: bool = True,
    description: str = "student",
) -> TrainedStudent:
    """Fit a fresh student, keeping the weights `config.keep_weights` names: those after
    the whole schedule, or those of the epoch with the best validation macro-F1."""
    if config.student.kind == "hydra":
        return _fit_hydra(train, validation, config, distil)
    if config.student.kind == "cnn" and config.student.cnn_members > 1:
        return _train_averaged(train, validation, config, distil, description)
    return _train_network(train, validation, config, distil, description)


def member_seeds(seed: int, count: int) -> list[int]:
    """Independent seeds for `count` averaged members of the student of `seed`: members of
    seeds 0 and 1 share none (seed, seed + 1 would)."""
    children = np.random.SeedSequence(seed).spawn(count)
    return [int(child.generate_state(1)[0]) for child in children]


def _train_averaged(
    train: TrainingSet,
    validation: TrainingSet,
    config: DistillConfig,
    distil: bool,
    description: str,
) -> TrainedStudent:
    """`config.student.cnn_members` single CNNs, one per member seed, averaged."""
    count = config.student.cnn_members
    single = dataclasses.replace(config.student, cnn_members=1)
    # Prepared once for every member: the training views where they fit in memory (as
    # each member's loop would hold them), the validation windows as they are scored.
    train = dataclasses.replace(train, inputs=train.views.held(HELD_VIEWS_MB))
    validation = dataclasses.replace(validation, inputs=validation.views.view(0)[None])
    members, history = [], []
    for number, seed in enumerate(member_seeds(config.seed, count), start=1):
        member = _train_network(
            train,
            validation,
            config.replace(seed=seed, student=single),
            distil,
            f"{description}, CNN {number} of {count}",
        )
        members.append(member)
        history += [{**row, "member": number} for row in member.history]
    model = AveragedStudents([member.model for member in members]).eval()
    val_f1 = _macro_f1(model, validation.views.view(0), validation.labels)
    return TrainedStudent(model, max(m.epochs for m in members), val_f1, history)


def _train_network(
    train: TrainingSet,
    validation: TrainingSet,
    config: DistillConfig,
    distil: bool,
    description: str,
) -> TrainedStudent:
    """One network trained by gradient descent (a single CNN or the GRU)."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    torch.set_num_threads(config.threads)
    model = build_student(config.student)
    source = train.views.held(HELD_VIEWS_MB)
    n_views, n = source.n_views, len(source)
    epochs = scheduled_epochs(config, n)
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=epochs)
    labels = torch.from_numpy(train.labels.astype(np.int64))
    soft = (
        torch.from_numpy(train.soft.astype(np.float32))
        if distil and train.soft is not None and config.alpha > 0
        else None
    )
    val_inputs = validation.views.view(0)
    averaged = _weight_average(model, config, n)
    scored = model if averaged is None else averaged.module
    augmenter = Augmenter(config.augment, train.sensors)
    best_f1, best_state, best_epoch, stale = -1.0, None, 0, 0
    history: list[dict[str, float]] = []
    with Progress(transient=True) as progress:
        task = progress.add_task(f"training {description}", total=epochs)
        for epoch in range(epochs):
            model.train()
            order = rng.permutation(n)
            views = rng.integers(0, n_views, size=n)
            total = 0.0
            for start in range(0, n, config.batch_size):
                rows = order[start : start + config.batch_size]
                if len(rows) < 2:  # BatchNorm needs two samples
                    continue
                batch = source.batch(views[rows], rows)
                if train.gps_row is not None and config.gps_dropout > 0:
                    hide = rng.random(len(rows)) < config.gps_dropout
                    batch[hide, train.gps_row] = 0.0
                batch = augmenter.apply(batch, rng, train.normaliser)
                partner, weight = np.arange(len(rows)), 1.0
                if config.augment.mixup_alpha > 0:
                    batch, partner, weight = mix(batch, config.augment.mixup_alpha, rng)
                logits = model(torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32)))
                terms = (
                    share
                    * distillation_loss(
                        logits,
                        labels[rows[order_in_batch]],
                        soft[rows[order_in_batch]] if soft is not None else None,
                        config.temperature,
                        config.alpha,
                    )
                    for share, order_in_batch in (
                        (weight, np.arange(len(rows))),
                        (1 - weight, partner),
                    )
                    if share > 0
                )
                loss = sum(terms, torch.zeros(()))
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                if averaged is not None:
                    averaged.update_parameters(model)
                total += loss.item() * len(rows)
            scheduler.step()
            val_f1 = _macro_f1(scored, val_inputs, validation.labels)
            history.append({"epoch": epoch + 1, "loss": total / n, "val_macro_f1": val_f1})
            progress.update(task, advance=1)
            if config.keep_weights == "last":
                best_f1, best_epoch = val_f1, epoch + 1  # its weights are taken at the end
            elif val_f1 > best_f1:
                best_f1, best_state, best_epoch, stale = (
                    val_f1,
                    copy.deepcopy(scored.state_dict()),
                    epoch + 1,
                    0,
                )
            else:
                stale += 1
                if stale >= config.early_stop_patience:
                    break
    if config.keep_weights == "last":
        best_state = copy.deepcopy(scored.state_dict())
    assert best_state is not None  # at least one epoch ran
    model.load_state_dict(best_state)
    model.eval()
    return TrainedStudent(model, best_epoch, best_f1, history)


def steps_per_epoch(n: int, batch_size: int) -> int:
    """Optimiser steps in one epoch of `n` examples: a last batch of one is skipped, since
    BatchNorm needs two samples."""
    return max(n // batch_size + (n % batch_size >= 2), 1)


def scheduled_epochs(config: DistillConfig, n: int) -> int:
    """Epochs a network trains on `n` examples: `max_epochs`, or more where that many
    would take fewer than `min_steps` optimiser steps (a squad of few takes)."""
    steps = steps_per_epoch(n, config.batch_size)
    return max(config.max_epochs, math.ceil(config.min_steps / steps))


def _weight_average(model: nn.Module, config: DistillConfig, n: int) -> AveragedModel | None:
    """The moving average of `model`'s weights and buffers that `config` asks for, its decay
    per step set so that its half-life is `weight_average_epochs` epochs of `n` examples;
    None where it asks for none."""
    if config.weight_average_epochs <= 0:
        return None
    decay = 0.5 ** (1.0 / (config.weight_average_epochs * steps_per_epoch(n, config.batch_size)))
    return AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)


def _fit_hydra(
    train: TrainingSet, validation: TrainingSet, config: DistillConfig, distil: bool
) -> TrainedStudent:
    """The Hydra student, fitted once (epochs 0): every shifted view of the training
    windows, GPS hidden on a share of them as the loop does, augmented copies without mixup
    (a ridge head takes no blended pairs)."""
    rng = np.random.default_rng(config.seed)
    source = train.views
    n_views, n = source.n_views, len(source)
    first = source.view(0)
    # Every view at once, view after view: the closed-form fit takes them together.
    inputs = np.empty((n_views * n, *first.shape[1:]), first.dtype)
    for number in range(n_views):
        inputs[number * n : (number + 1) * n] = first if number == 0 else source.view(number)
    del first
    labels = np.tile(train.labels, n_views)
    if train.gps_row is not None and config.gps_dropout > 0:
        inputs[rng.random(len(inputs)) < config.gps_dropout, train.gps_row] = 0.0
    n_labels = config.student.n_labels
    targets = None
    if distil and train.soft is not None and config.alpha > 0:
        one_hot = np.eye(n_labels, dtype=np.float32)[labels]
        targets = config.alpha * np.tile(train.soft, (n_views, 1)) + (1 - config.alpha) * one_hot
    augmenter = head_augmenter(config.augment, train.sensors)
    model = fit_hydra_student(
        inputs,
        labels,
        n_labels,
        hydra_config(config.student, config.seed),
        augmenter,
        train.normaliser,
        targets,
        groups=None if train.groups is None else np.tile(train.groups, n_views),
    )
    val_f1 = _macro_f1(model, validation.views.view(0), validation.labels)
    return TrainedStudent(model, 0, val_f1, [{"epoch": 0, "val_macro_f1": val_f1}])
