#!/usr/bin/env python3
"""Leave-subject-out benchmark of the sideline student against MiniRocket + ridge and Hydra.

Reads `NAME_TRAIN.ts`, its `_TEST` sibling and `NAME_groups.txt` (tools/real_motion/
convert.py writes them), joins train and test, and runs grouped folds over athletes:
fold k tests on its athletes, validates on fold k+1's athletes (recipes that keep their
best epoch stop on them), and trains on the rest. The three models see the same
training athletes and the same z-score (training athletes' statistics); no choice is made
on test athletes. Prints pooled macro-F1 over all folds with a 95 % athlete-bootstrap
interval, the per-fold figures, and the student's ONNX latency per window (onnxruntime,
one thread).

    python tools/real_motion/benchmark.py data/real/SoccerIMU_TRAIN.ts
    python tools/real_motion/benchmark.py data/real/PhoneWatchHAR_TRAIN.ts --folds 5 \\
        --recipe plain --recipe augmented --seeds 2
    python tools/real_motion/benchmark.py data/real/SoccerIMU_TRAIN.ts --no-trained-students \\
        --no-baselines --auto-student --seeds 3   # --student auto, fold by fold
    python tools/real_motion/benchmark.py data/real/SoccerIMU_TRAIN.ts --no-trained-students \\
        --baseline-seeds 3 --hydra-student 16 --hydra-pool 8 --hydra-copies 8 \\
        --hydra-seeds 3 --soft-teacher   # the Hydra head on MiniRocket + Hydra soft targets
    python tools/real_motion/benchmark.py data/real/PhoneWatchHAR_TRAIN.ts --folds 5 \\
        --no-trained-students --auto-student --teacher configs/ts-imu.toml
    python tools/real_motion/benchmark.py data/real/SoccerIMU_TRAIN.ts --no-trained-students \\
        --hydra-student 16 --hydra-pool 8 --hydra-copies 8 --teacher configs/takes.toml \\
        --teacher-data data/soccer   # the teacher with the takes' skeleton
    python tools/real_motion/benchmark.py data/real/DailySportsIMU_TRAIN.ts --folds 4 \\
        --seeds 4 --cnn-ensemble 2   # + two CNN seeds averaged, per pair of seeds

Recipes are named `DistillConfig` variants (RECIPES below), each a single CNN per seed but
`pair`, the product's `--student cnn` (two CNNs averaged); `default` is the product's
recipe for one CNN (`touchline distill --student cnn --cnn-members 1`).
`--auto-student` rows are the product's student exactly (`DistillConfig()`: `--student
auto`, its CNN family two CNNs averaged).
`--teacher CONFIG` adds the product's teacher (`touchline train` on the `.ts` file with
the fold's test and validation athletes, network + IMU companion as `touchline evaluate`
predicts) as one more row on the same folds, and the teacher's paired difference of
macro-F1 against every other row, the same athlete resamples for both sides.

`--teacher-data DATASET` trains the teacher on a takes dataset of the same recording
(`touchline import takes` of the TAKES.csv that convert.py writes beside the `.ts` files:
IMU and skeleton) instead of the `.ts` file, with the fold's athletes by name, and scores
it on its test athletes' clips; the other rows stay on the `.ts` series. convert.py (and
takes_to_ts.py) write each athlete's takes and `.ts` series in one order from one
recording, so the k-th clip of an athlete is their k-th series: the teacher's
predictions are put in the series' places and the paired difference is paired take for
take. A dataset whose athletes are not the groups file's, with a label the `.ts` file
lacks, or with an athlete whose clips' labels do not follow their series' in order is
refused before any fold runs.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from aeon.classification.convolution_based import HydraClassifier  # noqa: E402
from scipy.special import softmax  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

from edge import dsp  # noqa: E402
from firmware_bridge.errors import UserError  # noqa: E402
from host.data.dataset import load_dataset  # noqa: E402
from host.distill.augment import AugmentConfig, Augmenter, imu_sensors  # noqa: E402
from host.distill.baselines import fit_hydra, fit_minirocket  # noqa: E402
from host.distill.config import (  # noqa: E402
    PLAIN_PATIENCE,
    REAL_MOTION_AUGMENT,
    REAL_MOTION_EPOCHS,
    REAL_MOTION_PATIENCE,
    DistillConfig,
    StudentConfig,
)
from host.distill.ensemble import AveragedStudents  # noqa: E402
from host.distill.family import FamilyChoice, athlete_folds  # noqa: E402
from host.distill.hydra_student import (  # noqa: E402
    HydraConfig,
    HydraStudent,
    fit_head,
    fit_hydra_student,
    head_augmenter,
    hydra_features,
)
from host.distill.train_student import predict_logits  # noqa: E402
from host.distill.ucr import (  # noqa: E402
    load_collection,
    onnx_ms_per_window,
    train_recipe_student,
)
from host.evaluation.bootstrap import cluster_bootstrap  # noqa: E402
from host.evaluation.evaluate import PREDICTIONS_FILE, evaluate_run  # noqa: E402
from host.models.companion import fit_temperature, global_state_kept  # noqa: E402
from host.models.config import load_config  # noqa: E402
from host.models.run import load_run  # noqa: E402
from host.train import train as train_teacher  # noqa: E402

# The edge scores every athlete's ready window in one call (edge.session): a squad's batch.
SQUAD_BATCH = 25
# The baselines' rows: seed 0's carry these names, other seeds add " (seed k)".
BASELINE_FAMILIES = ("MiniRocket + ridge", "Hydra")
# Shares `a` of the labels in the Hydra head's targets `a · onehot + (1 - a) · p_teacher`
# tried on the validation athletes; a = 1 (today's head, on the labels alone) first, so it
# wins ties.
SOFT_SHARES = (1.0, 0.75, 0.5, 0.25, 0.0)
# Hydra's kernels a group, which `--hydra-student` rows take unless `--hydra-kernels` says.
HYDRA_KERNELS = HydraConfig().kernels_per_group

# Every recipe trains one CNN per seed (`--cnn-ensemble` averages seeds; `--hydra-student`
# and `--auto-student` rows are the other families). The recipes of earlier findings keep
# the raw weights (`weight_average_epochs=0`), the best validation epoch
# (`keep_weights="best"`) and the 80 epochs however few their steps (`min_steps=0`) they
# were measured with.
_CNN = StudentConfig(kind="cnn", cnn_members=1)
RECIPES: dict[str, DistillConfig] = {
    # One CNN as the product trains each of its pair, weights averaged over epochs.
    "default": DistillConfig(student=_CNN),
    # The recipe before augmentation (`touchline distill --no-augment --epochs 40`).
    "plain": DistillConfig(
        student=_CNN,
        augment=AugmentConfig(),
        max_epochs=40,
        early_stop_patience=PLAIN_PATIENCE,
        weight_average_epochs=0.0,
        keep_weights="best",
        min_steps=0,
    ),
    "augmented": DistillConfig(
        student=_CNN,
        augment=REAL_MOTION_AUGMENT,
        max_epochs=REAL_MOTION_EPOCHS,
        early_stop_patience=REAL_MOTION_PATIENCE,
        weight_average_epochs=0.0,
        keep_weights="best",
        min_steps=0,
    ),
}
_AUG = RECIPES["augmented"]
_CENTRED = _AUG.replace(student=replace(_CNN, centre_input=True))
_PAIR_BEST = DistillConfig(student=StudentConfig(kind="cnn"), keep_weights="best", min_steps=0)
RECIPES |= {
    # The product's `--student cnn`: two CNNs, each from its own member seed, averaged.
    "pair": DistillConfig(student=StudentConfig(kind="cnn")),
    # The pair kept at its best validation epoch, as before it ran its whole schedule
    # (docs/decisions.md, "The CNN kept at the end of its schedule"; `pair-last` then).
    "pair-best": _PAIR_BEST,
    # The pair stopped and kept on its raw weights, as before they were averaged over
    # epochs (docs/decisions.md, "The CNN's weights averaged over its last epochs").
    "pair-raw": _PAIR_BEST.replace(weight_average_epochs=0.0),
    # The pair distilled from the teacher's IMU companion cross-fitted: each training
    # athlete's targets from MiniRocket + Hydra fitted without them (`cross_fitted_targets`;
    # docs/decisions.md, "The CNN distilled from a teacher that never saw the athlete").
    "pair-distilled": _PAIR_BEST,
    # The pair trained for 80 epochs however few optimiser steps they take, as before
    # schedules were counted in steps (docs/decisions.md, "A schedule of at least 1 200
    # optimiser steps"; `pair-steps` was the pair now).
    "pair-epochs": DistillConfig(student=StudentConfig(kind="cnn"), min_steps=0),
    "aug-small-batch": _AUG.replace(batch_size=16),
    "aug-rot180": _AUG.replace(augment=replace(_AUG.augment, rotation_deg=180.0)),
    "aug-centred": _CENTRED,
    "aug-centred-small-batch-reg": _CENTRED.replace(
        student=replace(_CNN, centre_input=True, dropout=0.3), batch_size=16, weight_decay=1e-2
    ),
    "aug-centred-rot60": _CENTRED.replace(augment=replace(_AUG.augment, rotation_deg=60.0)),
    "aug-centred-no-mixup": _CENTRED.replace(augment=replace(_AUG.augment, mixup_alpha=0.0)),
    "aug-centred-no-rotation": _CENTRED.replace(augment=replace(_AUG.augment, rotation_deg=0.0)),
}
# Recipes trained on soft targets as well as the labels (`train_recipe_student`'s
# `soft_fit`): the cross-fitted companion's probabilities.
DISTILLED_RECIPES = frozenset({"pair-distilled"})


@dataclass
class Row:
    model: str
    predictions: np.ndarray  # pooled over folds, in the order of `truth`
    fold_f1: list[float]
    seconds: float


def _chosen_on_validation(
    candidates: Sequence[tuple[int, int, int]],
    seed: int,
    z: np.ndarray,
    y: np.ndarray,
    train: np.ndarray,
    val: np.ndarray,
    n_labels: int,
    augmenter: Augmenter,
    normaliser: dsp.Normaliser,
    athletes: np.ndarray,
) -> torch.nn.Module:
    """The Hydra student of the (groups, pool, copies) candidate that scores best on the
    fold's validation athletes: a size chosen without looking at its test athletes.
    `athletes` names every series' athlete."""
    best, best_f1 = None, -1.0
    for groups_n, pool, copies in candidates:
        config = HydraConfig(groups=groups_n, pool=pool, augmented_copies=copies, seed=seed)
        model = fit_hydra_student(
            z[train], y[train], n_labels, config, augmenter, normaliser, groups=athletes[train]
        )
        f1 = float(f1_score(y[val], predict_logits(model, z[val]).argmax(axis=1), average="macro"))
        if f1 > best_f1:
            best, best_f1 = model, f1
    assert best is not None
    return best


def teacher_decision(
    rocket: Pipeline, hydra: HydraClassifier, inputs: np.ndarray, n_labels: int
) -> np.ndarray:
    """The teacher's IMU companion's decisions `(N, n_labels)`: MiniRocket's and Hydra's
    ridge decisions averaged, as host.models.companion does; labels the ridges never saw
    are -inf (probability 0)."""
    decision = np.full((len(inputs), n_labels), -np.inf)
    seen = np.asarray(rocket.classes_, dtype=int)
    both = rocket.decision_function(inputs) + hydra.clf_.decision_function(inputs)
    decision[:, seen] = both / 2
    return decision


def teacher_targets(
    teacher: tuple[Pipeline, HydraClassifier],
    z: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    train: np.ndarray,
    val: np.ndarray,
    n_labels: int,
) -> dict[str, np.ndarray]:
    """The teacher's probabilities on the training windows, two ways, at the temperature
    fitted on the validation athletes: `in-sample` from the teacher fitted on all the
    training athletes (as the product's teacher labels its own training clips), and
    `cross-fitted`, each training athlete labelled by a teacher fitted on the others, so
    that the targets carry the confusions the teacher makes on players it has not seen."""
    temperature = fit_temperature(teacher_decision(*teacher, z[val], n_labels), y[val])
    own = teacher_decision(*teacher, z[train], n_labels)
    athletes = groups[train]
    each_athlete = [np.flatnonzero(athletes == athlete) for athlete in np.unique(athletes)]
    cross = held_out_decisions(z[train], y[train], each_athlete, n_labels)
    return {
        "in-sample": softmax(own / temperature, axis=1),
        "cross-fitted": softmax(cross / temperature, axis=1),
    }


def cross_fitted_targets(
    z: np.ndarray, y: np.ndarray, athletes: np.ndarray, n_labels: int
) -> np.ndarray:
    """Class probabilities `(N, n_labels)` for training series `z` from a teacher that
    never saw their athlete: the training athletes are dealt into grouped folds
    (`host.distill.family.athlete_folds`, as `auto` deals them), MiniRocket + Hydra (the
    teacher's IMU companion, seed 0) are fitted without each fold and decide its series,
    and one temperature, fitted on those held-out decisions against the labels, turns
    them into probabilities. Labels a fold's fit never saw get probability 0."""
    decisions = held_out_decisions(z, y, athlete_folds(athletes), n_labels)
    return softmax(decisions / fit_temperature(decisions, y), axis=1)


def held_out_decisions(
    z: np.ndarray, y: np.ndarray, folds: Sequence[np.ndarray], n_labels: int
) -> np.ndarray:
    """The companion's decisions `(N, n_labels)` on series `z`, each fold of rows `folds`
    decided by MiniRocket + Hydra (seed 0) fitted on the other rows."""
    decisions = np.empty((len(y), n_labels))
    for held in folds:
        rest = np.setdiff1d(np.arange(len(y)), held)
        pair = (fit_minirocket(z[rest], y[rest]), fit_hydra(z[rest], y[rest]))
        decisions[held] = teacher_decision(*pair, z[held], n_labels)
    return decisions


def _soft_heads(
    model: HydraStudent,
    scaled: np.ndarray,
    labels: np.ndarray,
    p_teacher: np.ndarray,
    val_inputs: np.ndarray,
    val_labels: np.ndarray,
    test_inputs: np.ndarray,
    athletes: np.ndarray,
) -> tuple[dict[float, np.ndarray], float]:
    """Test predictions of the Hydra student's head fitted on `a · onehot + (1 - a) ·
    p_teacher` for each share of SOFT_SHARES (`model` carries a = 1, the head on the
    labels alone), and the share whose head scores best on the validation athletes."""
    onehot = np.eye(p_teacher.shape[1], dtype=np.float32)[labels]
    predictions: dict[float, np.ndarray] = {}
    best, best_f1 = SOFT_SHARES[0], -1.0
    for a in SOFT_SHARES:
        head = model
        if a != 1.0:
            head = copy.deepcopy(model)
            fit_head(head, scaled, labels, a * onehot + (1 - a) * p_teacher, athletes)
        val_pred = predict_logits(head, val_inputs).argmax(axis=1)
        f1 = float(f1_score(val_labels, val_pred, average="macro"))
        if f1 > best_f1:
            best, best_f1 = a, f1
        predictions[a] = predict_logits(head, test_inputs).argmax(axis=1)
    return predictions, best


def series_of_takes(
    clip_ids: np.ndarray,
    clip_athletes: np.ndarray,
    clip_labels: np.ndarray,
    groups: np.ndarray,
    series_labels: np.ndarray,
    where: str,
) -> np.ndarray:
    """The `.ts` series (in the order train + test) of each clip of a takes dataset of the
    same recording: an athlete's k-th clip is their k-th series, the order in which
    convert.py and takes_to_ts.py write both. Refuses, naming `where`, a dataset whose
    athletes are not the groups file's, a label the `.ts` file does not have, or an
    athlete whose clips' labels are not their series' labels in order: then the takes
    are not the series, and pairing them take for take would be wrong."""
    clip_athletes, groups = clip_athletes.astype(str), groups.astype(str)
    if set(clip_athletes) != set(groups):
        raise SystemExit(
            f"{where}: athletes {', '.join(sorted(set(clip_athletes)))}, but the groups file "
            f"names {', '.join(sorted(set(groups)))}: not the same recording"
        )
    unknown = sorted(set(clip_labels.tolist()) - set(series_labels.tolist()))
    if unknown:
        raise SystemExit(
            f"{where}: label {', '.join(unknown)} is not one of the .ts file's "
            f"({', '.join(sorted(set(series_labels.tolist())))})"
        )
    series = np.empty(len(clip_ids), dtype=np.int64)
    for athlete in np.unique(groups):
        clips = np.flatnonzero(clip_athletes == athlete)
        theirs = np.flatnonzero(groups == athlete)
        differ = [
            k
            for k in range(min(len(clips), len(theirs)))
            if clip_labels[clips[k]] != series_labels[theirs[k]]
        ]
        if len(clips) != len(theirs) or differ:
            first = differ[0] if differ else min(len(clips), len(theirs))
            shown = (
                f"their clip {first + 1} ({clip_ids[clips[first]]}) is "
                f"{clip_labels[clips[first]]}, their series {first + 1} "
                f"{series_labels[theirs[first]]}"
                if differ
                else f"{len(clips)} clips against {len(theirs)} series"
            )
            raise SystemExit(
                f"{where}: athlete {athlete}'s takes are not their .ts series in order "
                f"({shown}); write both from one recording (convert.py --takes)"
            )
        series[clips] = theirs
    return series


def load_takes_pairing(dataset: Path, groups: np.ndarray, series_labels: np.ndarray) -> np.ndarray:
    """`series_of_takes` for the dataset directory `dataset`, read as `touchline train`
    reads it; a dataset that does not load is refused with its loader's message."""
    try:
        loaded = load_dataset(dataset)
        clips = loaded.clips()
    except UserError as error:
        raise SystemExit(f"--teacher-data: {error}") from error
    labels = np.asarray(loaded.manifest.labels)[clips.label]
    return series_of_takes(
        clips.clip_id, clips.athlete_id, labels, groups, series_labels, str(dataset)
    )


def teacher_fold(
    data: Path,
    config_file: Path,
    test_athletes: Sequence[str],
    val_athletes: Sequence[str],
    out: Path,
) -> tuple[np.ndarray, np.ndarray, float | None]:
    """Train the product's teacher on `data`, a `NAME_TRAIN.ts` file (with its `_TEST`
    sibling and groups file, as `touchline train --groups FILE --test-athletes …
    --val-athletes …` does) or a dataset directory, and score its test athletes with
    `touchline evaluate`'s own code, network and IMU companion blended. Returns the
    test items' indices (`.ts` series in the order train + test, as this benchmark joins
    them, or the dataset's clips), their predicted label names, and the companion's
    weight."""
    groups = (
        None if data.is_dir() else data.with_name(data.name.replace("_TRAIN.ts", "_groups.txt"))
    )
    with global_state_kept():
        train_teacher(
            data,
            out,
            load_config(config_file),
            show_progress=False,
            test_athletes=list(test_athletes),
            val_athletes=list(val_athletes),
            groups=groups,
        )
        # The interval is this benchmark's to compute, over every fold: few resamples here.
        evaluate_run(out, resamples=10)
    run = load_run(out)
    with np.load(out / PREDICTIONS_FILE) as predicted:
        index, labels = predicted["clip_index"], predicted["clip_predicted"]
    names = np.asarray(run.config.model.labels)[labels]
    weight = run.companion.weight if run.companion is not None else None
    return index, names, weight


def paired_differences(
    y: np.ndarray, groups: np.ndarray, rows: Sequence[Row], teacher: Row, resamples: int = 1000
) -> list[dict[str, object]]:
    """The teacher's pooled macro-F1 minus each other row's, with a 95 % interval from
    athlete resamples that score both rows on the same draw."""

    def f1(pred: np.ndarray, i: np.ndarray) -> float:
        return float(f1_score(y[i], pred[i], average="macro"))

    out: list[dict[str, object]] = []
    for row in rows:
        if row is teacher:
            continue

        def difference(i: np.ndarray, other: np.ndarray = row.predictions) -> float:
            return f1(teacher.predictions, i) - f1(other, i)

        estimate, low, high = cluster_bootstrap(difference, groups, resamples=resamples)
        out.append({"model": row.model, "difference": estimate, "ci": [low, high]})
    return out


def choice_summary(choice: FamilyChoice) -> str:
    """One fold's `auto` pick as the run records it: the family kept, each family's
    held-out macro-F1, and the later family's difference with its interval and the share
    of athlete resamples it is ahead on (what tools/real_motion/auto_level.py reads); where
    nothing was compared on athletes held out, the reason instead."""
    if not choice.held_out_macro_f1:
        return f"{choice.kept} (nothing held out: {choice.reason})"
    held_out = " ".join(f"{k} {v:.3f}" for k, v in choice.held_out_macro_f1.items())
    over = " ".join(
        f"{k} {v:+.3f} [{low:+.3f}, {high:+.3f}] ahead {choice.ahead_share[k]:.3f}"
        for k, (v, low, high) in choice.over_first.items()
    )
    return f"{choice.kept} ({held_out}; {over})"


def seed_family(model: str) -> str:
    """A row's name without its seed: the rows of one model over several seeds share it
    ("Hydra (seed 2)" and seed 0's "Hydra" are "Hydra")."""
    return re.sub(r" \(seed \d+\)$", "", re.sub(r", seed \d+\)$", ")", model))


def family_differences(
    y: np.ndarray, groups: np.ndarray, rows: Sequence[Row], resamples: int = 1000
) -> list[dict[str, object]]:
    """Each student model's macro-F1 averaged over its seeds minus each baseline's (MiniRocket,
    Hydra) averaged over its seeds, pooled over folds, with a 95 % interval from athlete
    resamples that score every row on the same draw: whether the student is at least as
    good as a baseline, with the kernel seeds' luck averaged out of both sides."""
    families: dict[str, list[Row]] = {}
    for row in rows:
        families.setdefault(seed_family(row.model), []).append(row)
    baselines = [name for name in families if name in BASELINE_FAMILIES]
    students = [name for name in families if "student" in name and "teacher" not in name]

    def mean_f1(members: list[Row], i: np.ndarray) -> float:
        return float(np.mean([f1_score(y[i], r.predictions[i], average="macro") for r in members]))

    out: list[dict[str, object]] = []
    for student in students:
        for baseline in baselines:

            def difference(
                i: np.ndarray,
                mine: list[Row] = families[student],
                other: list[Row] = families[baseline],
            ) -> float:
                return mean_f1(mine, i) - mean_f1(other, i)

            estimate, low, high = cluster_bootstrap(difference, groups, resamples=resamples)
            out.append(
                {
                    "student": student,
                    "baseline": baseline,
                    "seeds": [len(families[student]), len(families[baseline])],
                    "difference": estimate,
                    "ci": [low, high],
                }
            )
    return out


def folds_of(groups: np.ndarray, n_folds: int, seed: int) -> list[np.ndarray]:
    """Athletes dealt into `n_folds` folds in a seeded random order."""
    athletes = np.random.default_rng(seed).permutation(np.unique(groups))
    return [athletes[k::n_folds] for k in range(n_folds)]


def run(
    train_file: Path,
    recipes: Sequence[str],
    n_folds: int,
    seeds: int,
    max_epochs: int | None,
    baselines: bool,
    hydra_students: Sequence[int] = (),
    hydra_copies: int = 0,
    hydra_seeds: int = 1,
    hydra_pool: int = 4,
    hydra_candidates: Sequence[tuple[int, int, int]] = (),
    baseline_seeds: int = 1,
    auto_student: bool = False,
    soft_teacher: bool = False,
    teacher: Path | None = None,
    teacher_runs: Path | None = None,
    hydra_summaries: bool = True,
    teacher_data: Path | None = None,
    hydra_loo_penalty: bool = False,
    cnn_ensemble: int = 0,
    hydra_ppv: bool = False,
    hydra_kernels: int = HYDRA_KERNELS,
    first_seed: int = 0,
) -> dict:
    data = load_collection(train_file)
    if data.groups_train is None or data.groups_test is None:
        raise SystemExit(f"{train_file}: no {data.name}_groups.txt beside it; athletes unknown")
    x = np.concatenate([data.x_train, data.x_test])
    y = np.concatenate([data.y_train, data.y_test])
    groups = np.concatenate([data.groups_train, data.groups_test])
    n_folds = min(n_folds, len(np.unique(groups)))
    if n_folds < 3:
        raise SystemExit(
            f"{train_file}: {n_folds} folds, but each fold tests on one group of athletes, "
            "validates on the next and trains on the rest: give --folds 3 or more (and at "
            "least three athletes)"
        )
    folds = folds_of(groups, n_folds, seed=0)
    series_of_clip: np.ndarray | None = None  # each takes clip's .ts series
    teacher_source, on_takes = train_file, ""
    if teacher is not None and teacher_data is not None:  # checked before any fold runs
        series_of_clip = load_takes_pairing(teacher_data, groups, np.asarray(data.classes)[y])
        teacher_source, on_takes = teacher_data, f", trained on {teacher_data}"
    teacher_name = f"teacher ({teacher}{on_takes})"
    if teacher is not None and teacher_runs is None:
        scratch = tempfile.TemporaryDirectory(prefix="teacher-runs-")
        teacher_runs = Path(scratch.name)
    rows: dict[str, Row] = {}
    latency: dict[str, float] = {}
    squad_latency: dict[str, float] = {}
    chosen: dict[str, list[str]] = {}  # the auto student's (or the soft share's) pick per fold
    n_labels = len(data.classes)
    # Turned straps, stronger or slower players: the augmentations of the students' recipe.
    augmenter = head_augmenter(REAL_MOTION_AUGMENT, imu_sensors(x.shape[1] // 6))

    def record(name: str, test: np.ndarray, pred: np.ndarray, seconds: float) -> None:
        row = rows.setdefault(name, Row(name, np.full(len(y), -1), [], 0.0))
        row.predictions[test] = pred
        row.fold_f1.append(float(f1_score(y[test], pred, average="macro")))
        row.seconds += seconds

    def scheduled(config: DistillConfig) -> DistillConfig:
        """`config`, or `max_epochs` epochs of it, however few steps, where one was given."""
        return config if max_epochs is None else config.replace(max_epochs=max_epochs, min_steps=0)

    # The students' seeds (recipes and auto, Hydra students); the baselines' start at 0.
    student_seeds = range(first_seed, first_seed + seeds)
    hydra_student_seeds = range(first_seed, first_seed + hydra_seeds)
    for k in range(n_folds):
        test = np.flatnonzero(np.isin(groups, folds[k]))
        val = np.flatnonzero(np.isin(groups, folds[(k + 1) % n_folds]))
        train = np.setdiff1d(np.arange(len(y)), np.concatenate([test, val]))
        normaliser = dsp.Normaliser.fit(x[train], axis=1)
        z = normaliser.apply(x).astype(np.float32)
        # MiniRocket and Hydra per seed, fitted once: rows of their own, and seed 0's pair
        # is the teacher whose soft targets the Hydra student's head may fit.
        fitted: dict[int, tuple[Pipeline, HydraClassifier]] = {}
        fit_seconds: dict[int, float] = {}
        for seed in range(max(baseline_seeds if baselines else 0, int(soft_teacher))):
            start = time.perf_counter()
            fitted[seed] = (
                fit_minirocket(z[train], y[train], seed=seed),
                fit_hydra(z[train], y[train], seed=seed),
            )
            fit_seconds[seed] = time.perf_counter() - start
        p_teacher = (
            teacher_targets(fitted[0], z, y, groups, train, val, n_labels) if soft_teacher else {}
        )
        for kind, p in p_teacher.items():
            right = p[np.arange(len(train)), y[train]]
            print(f"  teacher {kind} on training windows: p(true label) mean {right.mean():.3f}")
        soft: np.ndarray | None = None
        if DISTILLED_RECIPES.intersection(recipes):
            start = time.perf_counter()
            soft = cross_fitted_targets(z[train], y[train], groups[train], n_labels)
            right = soft[np.arange(len(train)), y[train]]
            print(
                f"  cross-fitted teacher on training windows: p(true label) mean "
                f"{right.mean():.3f}, argmax right {np.mean(soft.argmax(1) == y[train]):.3f} "
                f"({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
        for recipe in recipes:
            members: list[tuple[torch.nn.Module, np.ndarray, float]] = []
            for seed in student_seeds:
                config = scheduled(RECIPES[recipe].replace(seed=seed))
                start = time.perf_counter()
                model, _ = train_recipe_student(
                    z[train],
                    y[train],
                    z[val],
                    y[val],
                    len(data.classes),
                    config,
                    normaliser,
                    soft_fit=soft if recipe in DISTILLED_RECIPES else None,
                )
                logits = predict_logits(model, z[test])
                seconds = time.perf_counter() - start
                name = f"student ({recipe}, seed {seed})"
                record(name, test, logits.argmax(axis=1), seconds)
                members.append((model, logits, seconds))
                if name not in latency:
                    latency[name] = onnx_ms_per_window(model, z[test][:1])
            # Consecutive seeds' students averaged, one graph: each group is one row.
            for group in range(seeds // cnn_ensemble if cnn_ensemble > 1 else 0):
                chosen_members = members[group * cnn_ensemble : (group + 1) * cnn_ensemble]
                probabilities = np.mean([softmax(m[1], axis=1) for m in chosen_members], axis=0)
                name = f"student ensemble of {cnn_ensemble} ({recipe}, seed {group})"
                record(name, test, probabilities.argmax(axis=1), sum(m[2] for m in chosen_members))
                if name not in latency:
                    ensemble = AveragedStudents([m[0] for m in chosen_members])
                    latency[name] = onnx_ms_per_window(ensemble, z[test][:1])

        for groups_n in hydra_students:
            for seed in hydra_student_seeds:
                start = time.perf_counter()
                config = HydraConfig(
                    kernels_per_group=hydra_kernels,
                    groups=groups_n,
                    pool=hydra_pool,
                    augmented_copies=hydra_copies,
                    summaries=hydra_summaries,
                    seed=seed,
                )
                model, scaled = hydra_features(z[train], n_labels, config, augmenter, normaliser)
                fit_head(model, scaled, y[train], groups=groups[train])  # as fit_hydra_student
                pred = predict_logits(model, z[test]).argmax(axis=1)
                size = f"{groups_n} groups, {hydra_pool}x pooled, {hydra_copies} augmented copies"
                size += "" if hydra_summaries else ", no summaries"
                size += "" if hydra_kernels == HYDRA_KERNELS else f", {hydra_kernels} kernels"
                name = f"Hydra student ({size}, seed {seed})"
                record(name, test, pred, time.perf_counter() - start)
                if hydra_loo_penalty:  # the same features, the penalty chosen as before
                    start = time.perf_counter()
                    before = copy.deepcopy(model)
                    fit_head(before, scaled, y[train])
                    pred = predict_logits(before, z[test]).argmax(axis=1)
                    loo_name = f"Hydra student ({size}, penalty by leave-one-out, seed {seed})"
                    record(loo_name, test, pred, time.perf_counter() - start)
                if hydra_ppv:  # the same student, its head also reading the proportions
                    start = time.perf_counter()
                    ppv_model = fit_hydra_student(
                        z[train],
                        y[train],
                        n_labels,
                        replace(config, ppv=True),
                        augmenter,
                        normaliser,
                        groups=groups[train],
                    )
                    pred = predict_logits(ppv_model, z[test]).argmax(axis=1)
                    ppv_name = f"Hydra student ({size}, proportions, seed {seed})"
                    record(ppv_name, test, pred, time.perf_counter() - start)
                    if ppv_name not in latency:
                        latency[ppv_name] = onnx_ms_per_window(ppv_model, z[test][:1])
                for kind, p in p_teacher.items():
                    start = time.perf_counter()
                    predictions, share = _soft_heads(
                        model, scaled, y[train], p, z[val], y[val], z[test], groups[train]
                    )
                    for a, pred in predictions.items():  # each share alone, for comparison
                        if a != 1.0:  # a = 1 is the plain row
                            soft_name = (
                                f"Hydra student ({size}, {kind} teacher, a = {a}, seed {seed})"
                            )
                            record(soft_name, test, pred, 0.0)
                    soft_name = (
                        f"Hydra student ({size}, {kind} teacher, a chosen on validation, "
                        f"seed {seed})"
                    )
                    record(soft_name, test, predictions[share], time.perf_counter() - start)
                    chosen.setdefault(soft_name, []).append(f"a = {share}")
                if name not in latency:
                    latency[name] = onnx_ms_per_window(model, z[test][:1])
                    squad = np.resize(z[test], (SQUAD_BATCH, *z.shape[1:]))
                    squad_latency[name] = onnx_ms_per_window(model, squad) / SQUAD_BATCH
        for seed in student_seeds if auto_student else ():
            start = time.perf_counter()
            # As --student auto: each family fitted without some training athletes and
            # scored on them, the better trained on them all (host.distill.family).
            config = scheduled(DistillConfig(seed=seed))
            model, choice = train_recipe_student(
                z[train], y[train], z[val], y[val], n_labels, config, normaliser, groups[train]
            )
            assert choice is not None  # kind "auto" always chooses
            pred = predict_logits(model, z[test]).argmax(axis=1)
            row_name = f"student auto (seed {seed})"
            record(row_name, test, pred, time.perf_counter() - start)
            chosen.setdefault(row_name, []).append(choice_summary(choice))
            if row_name not in latency:  # the first fold's pick
                latency[row_name] = onnx_ms_per_window(model, z[test][:1])
        if hydra_candidates:
            for seed in range(hydra_seeds):
                start = time.perf_counter()
                model = _chosen_on_validation(
                    hydra_candidates,
                    seed,
                    z,
                    y,
                    train,
                    val,
                    len(data.classes),
                    augmenter,
                    normaliser,
                    groups,
                )
                pred = predict_logits(model, z[test]).argmax(axis=1)
                name = f"Hydra student (size chosen on validation athletes, seed {seed})"
                record(name, test, pred, time.perf_counter() - start)
        for seed in range(baseline_seeds if baselines else 0):
            suffix = f" (seed {seed})" if seed else ""
            for name, baseline in zip(BASELINE_FAMILIES, fitted[seed], strict=True):
                start = time.perf_counter()
                pred = baseline.predict(z[test])
                # Fit time of the pair, split evenly between its two rows.
                seconds = time.perf_counter() - start + fit_seconds[seed] / 2
                record(name + suffix, test, pred, seconds)
        if teacher is not None and teacher_runs is not None:
            start = time.perf_counter()
            index, names, weight = teacher_fold(
                teacher_source,
                teacher,
                [str(a) for a in folds[k]],
                [str(a) for a in folds[(k + 1) % n_folds]],
                teacher_runs / f"fold-{k + 1:02d}",
            )
            if series_of_clip is not None:  # the takes' predictions in their series' places
                index = series_of_clip[index]
            if not np.array_equal(np.sort(index), test):
                raise SystemExit(f"fold {k + 1}: the teacher scored other series than the fold's")
            position = {c: i for i, c in enumerate(data.classes)}
            pred = np.array([position[c] for c in names])[np.argsort(index)]
            record(teacher_name, test, pred, time.perf_counter() - start)
            chosen.setdefault(teacher_name, []).append(f"w = {weight}")
        print(
            f"fold {k + 1}/{n_folds} (test {', '.join(map(str, folds[k]))}): "
            + "  ".join(f"{r.model} {r.fold_f1[-1]:.3f}" for r in rows.values()),
            flush=True,
        )

    def pooled(pred: np.ndarray) -> tuple[float, float, float]:
        return cluster_bootstrap(
            lambda i: float(f1_score(y[i], pred[i], average="macro")), groups, resamples=1000
        )

    result = {
        "dataset": data.name,
        "series": int(len(y)),
        "athletes": int(len(np.unique(groups))),
        "classes": data.classes,
        "folds": n_folds,
        "rows": [],
    }
    teacher_row = rows.get(teacher_name)
    if teacher_row is not None:
        result["paired"] = paired_differences(y, groups, list(rows.values()), teacher_row)
        result["pairing"] = (
            f"by take: the teacher's predictions on {teacher_data}'s clips are put in their "
            ".ts series' places (an athlete's k-th take is their k-th series)"
            if series_of_clip is not None
            else "by series: every row predicts the same .ts series"
        )
    result["families"] = family_differences(y, groups, list(rows.values()))
    for row in rows.values():
        estimate, low, high = pooled(row.predictions)
        result["rows"].append(
            {
                "model": row.model,
                "macro_f1": estimate,
                "ci": [low, high],
                "fold_macro_f1": row.fold_f1,
                "ms_per_window": latency.get(row.model),
                "ms_per_window_squad_batch": squad_latency.get(row.model),
                "fit_seconds": row.seconds,
                "chosen_per_fold": chosen.get(row.model),
            }
        )
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("train_file", type=Path, help="NAME_TRAIN.ts (with _TEST and _groups)")
    parser.add_argument("--recipe", action="append", choices=sorted(RECIPES))
    parser.add_argument("--folds", type=int, default=8, help="grouped folds (≤ athletes)")
    parser.add_argument("--seeds", type=int, default=1, help="student seeds per recipe")
    parser.add_argument(
        "--first-seed",
        type=int,
        default=0,
        help="the students' seeds (recipes, --hydra-student, --auto-student) start here, to "
        "add seeds to an earlier run; the baselines' always start at 0",
    )
    parser.add_argument(
        "--max-epochs",
        type=int,
        help="override the recipes' schedules: this many epochs, however few steps",
    )
    parser.add_argument("--no-baselines", action="store_true", help="student rows only")
    parser.add_argument(
        "--baseline-seeds", type=int, default=1, help="MiniRocket and Hydra seeds (rows)"
    )
    parser.add_argument(
        "--no-trained-students", action="store_true", help="no trained (CNN/GRU) student rows"
    )
    parser.add_argument(
        "--hydra-student", type=int, action="append", metavar="GROUPS", help="Hydra student rows"
    )
    parser.add_argument(
        "--hydra-copies", type=int, default=0, help="augmented copies the Hydra head fits on"
    )
    parser.add_argument(
        "--hydra-no-summaries",
        action="store_true",
        help="--hydra-student rows without the window summaries its head reads by default",
    )
    parser.add_argument("--hydra-seeds", type=int, default=1, help="Hydra student seeds")
    parser.add_argument(
        "--hydra-pool", type=int, default=4, help="samples the Hydra student averages into one"
    )
    parser.add_argument(
        "--hydra-candidate",
        action="append",
        default=[],
        metavar="GROUPS,POOL,COPIES",
        help="a Hydra student size; with several, a row whose size each fold chooses on its "
        "validation athletes",
    )
    parser.add_argument(
        "--hydra-loo-penalty",
        action="store_true",
        help="with --hydra-student: also a row per seed whose head takes the penalty that "
        "leave-one-out chooses (the rule before penalties were chosen on athletes held out), "
        "on the same features",
    )
    parser.add_argument(
        "--hydra-ppv",
        action="store_true",
        help="with --hydra-student: also a row per seed whose head reads, beside the "
        "counts, each kernel's proportion of responses above a fitted bias (MiniRocket's "
        "feature), on the same kernels",
    )
    parser.add_argument(
        "--hydra-kernels",
        type=int,
        default=HYDRA_KERNELS,
        metavar="K",
        help="kernels per group of the --hydra-student rows (they compete at every step)",
    )
    parser.add_argument(
        "--cnn-ensemble",
        type=int,
        default=0,
        metavar="K",
        help="also a row per K consecutive seeds of each recipe: those students' class "
        "probabilities averaged (one ONNX graph of K students; --seeds a multiple of K)",
    )
    parser.add_argument(
        "--auto-student",
        action="store_true",
        help="a row per seed of `--student auto`: the default CNN or the default Hydra "
        "student, whichever predicts the fold's training athletes held out from its fits "
        "better (host.distill.family)",
    )
    parser.add_argument(
        "--soft-teacher",
        action="store_true",
        help="with --hydra-student: rows whose head fits a * onehot + (1 - a) * p_teacher, p "
        "from MiniRocket + Hydra (the teacher's IMU companion, temperature fitted on the "
        "validation athletes); a per share, and a chosen per fold on the validation athletes",
    )
    parser.add_argument(
        "--teacher",
        type=Path,
        metavar="CONFIG",
        help="a row for the product's teacher trained with this config (touchline train "
        "--groups … --test-athletes … --val-athletes …: the fold's athletes), and its paired "
        "difference of macro-F1 against every other row",
    )
    parser.add_argument(
        "--teacher-data",
        type=Path,
        metavar="DATASET",
        help="train and score the teacher on this takes dataset of the same recording (touchline "
        "import takes of convert.py's TAKES.csv: IMU and skeleton) instead of the .ts file; its "
        "predictions are paired with the .ts series take for take",
    )
    parser.add_argument(
        "--teacher-runs", type=Path, help="keep the teacher's fold runs here (default: discarded)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.teacher_data is not None and args.teacher is None:
        parser.error("--teacher-data trains the teacher: give --teacher CONFIG too")
    result = run(
        args.train_file,
        [] if args.no_trained_students else args.recipe or ["default"],
        args.folds,
        args.seeds,
        args.max_epochs,
        not args.no_baselines,
        args.hydra_student or (),
        args.hydra_copies,
        args.hydra_seeds,
        args.hydra_pool,
        [tuple(int(part) for part in spec.split(",")) for spec in args.hydra_candidate],
        args.baseline_seeds,
        args.auto_student,
        args.soft_teacher,
        args.teacher,
        args.teacher_runs,
        not args.hydra_no_summaries,
        args.teacher_data,
        args.hydra_loo_penalty,
        args.cnn_ensemble,
        args.hydra_ppv,
        args.hydra_kernels,
        args.first_seed,
    )
    print(
        f"\n{result['dataset']}: {result['series']} series, {result['athletes']} athletes, "
        f"{len(result['classes'])} classes, {result['folds']} grouped folds (leave-subject-out)"
    )
    print(
        f"| model | macro-F1 [95 % athlete bootstrap] | ms/window | "
        f"ms/window in a batch of {SQUAD_BATCH} | fit s |"
    )
    print("|---|---|---|---|---|")
    for row in result["rows"]:
        ms, squad_ms = (
            f"{row[key]:.3f}" if row[key] is not None else "–"
            for key in ("ms_per_window", "ms_per_window_squad_batch")
        )
        low, high = row["ci"]
        print(
            f"| {row['model']} | {row['macro_f1']:.3f} [{low:.3f}, {high:.3f}] | {ms} | "
            f"{squad_ms} | {row['fit_seconds']:.0f} |"
        )
    for row in result["rows"]:
        if row["chosen_per_fold"]:
            print(f"{row['model']} chose, fold by fold: {', '.join(row['chosen_per_fold'])}")
    if result.get("families"):
        print(
            "\n| student (mean over seeds) minus baseline (mean over seeds) | seeds | paired "
            "difference of macro-F1 [95 % athlete bootstrap, same draws] |\n|---|---|---|"
        )
        for pair in result["families"]:
            low, high = pair["ci"]
            seeds = "{} / {}".format(*pair["seeds"])
            print(
                f"| {pair['student']} minus {pair['baseline']} | {seeds} | "
                f"{pair['difference']:+.3f} [{low:+.3f}, {high:+.3f}] |"
            )
    if result.get("paired"):
        print(f"\nThe teacher paired with the other rows {result['pairing']}.")
        print(
            "\n| teacher minus | paired difference of macro-F1 [95 % athlete bootstrap, "
            "same draws] |\n|---|---|"
        )
        for pair in result["paired"]:
            low, high = pair["ci"]
            print(f"| {pair['model']} | {pair['difference']:+.3f} [{low:+.3f}, {high:+.3f}] |")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
