"""`--student auto`: the student family chosen on training athletes held out.

Which family generalises to a squad's unseen players depends on the squad: leave-subject-
out, the Hydra student wins on real footballers and the CNN on phone + watch wearers
(docs/student.md, "The family chosen on athletes held out"). `auto` decides as the Hydra
head's penalty is decided (host.distill.ridge): the training athletes are dealt into
folds, each family is fitted without one fold's athletes and predicts theirs, so every
training window is predicted by a fit that never saw its athlete, and the family chosen
on those predictions is trained on all of them. The validation athletes take no part:
chosen on them, the family was chosen on one player per fold on the footballers and on
noise on phone + watch.

The CNN (two averaged, `StudentConfig.cnn_members`; every fold fits the pair), the
default and the faster, is kept unless another family is ahead of it on at least 97.5 %
of athlete resamples of the held-out difference. On phone + watch, where both
reach 0.98, the larger figure alone chose the Hydra student on three of the first four
folds and seeds the CNN then won on the test athletes; of the levels 0.5 to 0.975, set
beside each other on phone + watch and on daily and sports activities before the
footballers were looked at again, no lower level scored higher (docs/decisions.md). With
fewer than two training athletes named nothing can be held out, and the CNN is kept,
saying so. A family whose model the export would refuse as over the sideline's budget
(the Hydra student past about twenty labels) is left out before anything is fitted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

from host.distill.config import DistillConfig, StudentConfig, StudentFamily
from host.distill.report import fast_macro_f1
from host.distill.student import build_student
from host.distill.train_student import TrainedStudent, TrainingSet, predict_logits, train_student
from host.distill.views import HELD_VIEWS_MB
from host.evaluation.bootstrap import cluster_bootstrap_draws, percentile_interval
from host.export import bundle as export_bundle
from host.export.onnx import to_onnx_bytes

# The families `auto` chooses between; the first is kept unless another is clearly
# better (the CNN: the default, and the faster).
AUTO_FAMILIES: tuple[StudentFamily, ...] = ("cnn", "hydra")
# Athlete resamples of the paired difference between a family and the first.
CHOICE_RESAMPLES = 1000
# A later family is kept when ahead of the first on at least this share of the resamples.
CHOICE_CONFIDENCE = 0.975
# Training athletes are held out in this many folds (fewer when there are fewer athletes):
# each family is fitted this many extra times.
CHOICE_FOLDS = 4

# How a family is fitted: `train_student`'s signature (tests pass a fake).
Fit = Callable[[TrainingSet, TrainingSet, DistillConfig, bool, str], TrainedStudent]


@dataclass(frozen=True)
class FamilyChoice:
    """The family kept and why; every family's macro-F1 on training athletes its fits left
    out, each later family's paired difference from the first, (estimate, low, high),
    and the share of athlete resamples on which that difference is above 0. All are
    empty where no athlete could be held out or one family was left, the others being
    over the sideline's budget."""

    kept: StudentFamily
    reason: str
    held_out_macro_f1: dict[str, float]
    over_first: dict[str, tuple[float, float, float]]
    ahead_share: dict[str, float]


def athlete_folds(groups: np.ndarray, n_folds: int = CHOICE_FOLDS) -> list[np.ndarray]:
    """Row indices held out per fold: whole athletes, each athlete in exactly one fold;
    no folds for fewer than two athletes."""
    n_athletes = len(np.unique(groups))
    if n_athletes < 2:
        return []
    splitter = GroupKFold(n_splits=min(n_folds, n_athletes))
    return [held for _, held in splitter.split(groups, groups=groups)]


def choose_family(
    train: TrainingSet,
    validation: TrainingSet,
    config: DistillConfig,
    distil: bool = True,
    families: Sequence[StudentFamily] = AUTO_FAMILIES,
    fit: Fit = train_student,
) -> FamilyChoice:
    """The first of `families`, unless a later one's fits without some training athletes
    predict those athletes better (macro-F1 pooled over the folds) on at least
    `CHOICE_CONFIDENCE` of the athlete resamples: then the best of those. Each family is
    fitted by `config`'s recipe; a later family whose model would be over the sideline's
    budget is not."""
    too_large = {
        family: size
        for family in families[1:]
        if (size := oversized_model_bytes(config.student, family)) is not None
    }
    if too_large:
        skipped = "; ".join(
            f"{family} left out: its model would take {size / 1024:.0f} KB even with its "
            f"matrix weights in half precision, over the sideline's "
            f"{export_bundle.MODEL_BUDGET_BYTES / 1024:.0f} KB per model, so the export "
            f"would refuse it ({config.student.n_labels} labels)"
            for family, size in too_large.items()
        )
        families = [family for family in families if family not in too_large]
        if len(families) == 1:
            return FamilyChoice(families[0], f"{families[0]}: {skipped}", {}, {}, {})
    athletes = train.groups
    folds = [] if athletes is None else athlete_folds(athletes)
    if athletes is None or not folds:
        reason = (
            f"{families[0]}: the training windows name fewer than two athletes, so no "
            "family could be judged on athletes it did not fit"
        )
        return FamilyChoice(families[0], reason, {}, {}, {})
    train = dataclasses.replace(train, inputs=train.views.held(HELD_VIEWS_MB))
    predictions: dict[str, np.ndarray] = {}
    for family in families:
        recipe = config.replace(student=dataclasses.replace(config.student, kind=family))
        predicted = np.empty(len(train.labels), dtype=np.int64)
        for number, held in enumerate(folds, start=1):
            fitted = np.setdiff1d(np.arange(len(train.labels)), held)
            description = f"{family} without athletes of fold {number}/{len(folds)}"
            student = fit(train.subset(fitted), validation, recipe, distil, description)
            inputs = train.subset(held).views.view(0)
            predicted[held] = predict_logits(student.model, inputs).argmax(axis=1)
        predictions[family] = predicted
    labels, first = train.labels, predictions[families[0]]
    scores = {
        family: float(f1_score(labels, predicted, average="macro"))
        for family, predicted in predictions.items()
    }
    over_first: dict[str, tuple[float, float, float]] = {}
    ahead_share: dict[str, float] = {}
    for family in families[1:]:
        estimate, draws = _paired_difference(
            labels, predictions[family], first, athletes, config.seed
        )
        over_first[family] = (estimate, *percentile_interval(draws))
        ahead_share[family] = float(np.mean(draws > 0)) if len(draws) else float("nan")
    clearly_better = [f for f in families[1:] if ahead_share[f] >= CHOICE_CONFIDENCE]
    kept = max(clearly_better, key=lambda family: scores[family], default=families[0])
    figures = ", ".join(f"{family} {score:.3f}" for family, score in scores.items())
    differences = "; ".join(
        f"{family} − {families[0]} {value:+.3f} [{low:+.3f}, {high:+.3f}], ahead on "
        f"{ahead_share[family]:.1%} of athlete resamples"
        for family, (value, low, high) in over_first.items()
    )
    reason = (
        f"{kept}: macro-F1 on training athletes each family's fits left out ({len(folds)} "
        f"folds) {figures}; {differences}; {families[0]} is kept unless another family is "
        f"ahead on at least {CHOICE_CONFIDENCE:.1%} of them"
    )
    return FamilyChoice(kept, reason, scores, over_first, ahead_share)


def oversized_model_bytes(config: StudentConfig, family: StudentFamily) -> int | None:
    """The bytes of `family`'s model at `config`'s size (channels, window, labels) where
    even with its matrix weights in half precision, as the export stores a graph over the
    budget, it is over the sideline's per-model budget; None where it fits. The Hydra
    student's head grows with the labels and outgrows it past about twenty."""
    model = build_student(dataclasses.replace(config, kind=family)).eval()
    graph = to_onnx_bytes(model, config.in_channels, config.hydra_window_samples)
    shipped = export_bundle.fp32_as_shipped(graph)
    return len(shipped) if len(shipped) > export_bundle.MODEL_BUDGET_BYTES else None


def _paired_difference(
    labels: np.ndarray, predicted: np.ndarray, first: np.ndarray, athletes: np.ndarray, seed: int
) -> tuple[float, np.ndarray]:
    """Macro-F1 of `predicted` minus that of `first`, and its values over athlete
    resamples (both sides on the same draws)."""

    def difference(rows: np.ndarray) -> float:
        truth = labels[rows]
        return fast_macro_f1(truth, predicted[rows]) - fast_macro_f1(truth, first[rows])

    return cluster_bootstrap_draws(difference, athletes, CHOICE_RESAMPLES, seed)


def train_chosen_student(
    train: TrainingSet,
    validation: TrainingSet,
    config: DistillConfig,
    distil: bool = True,
    description: str = "student",
) -> tuple[TrainedStudent, FamilyChoice | None]:
    """`train_student`, with `config.student.kind` "auto" resolved by `choose_family`
    first (the choice is returned; None for a named family)."""
    if config.student.kind != "auto":
        return train_student(train, validation, config, distil, description), None
    choice = choose_family(train, validation, config, distil)
    kept = config.replace(student=dataclasses.replace(config.student, kind=choice.kept))
    return train_student(train, validation, kept, distil, f"{description} ({choice.kept})"), choice
