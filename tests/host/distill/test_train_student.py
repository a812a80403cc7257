"""The CNN student of several members: each trained from its own seed and stopped on its
own, joined into one network whose validation figure is the joined network's."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from signature_data import TEST_CONFIG
from sklearn.metrics import f1_score

from host.distill.config import REAL_MOTION_MIN_STEPS, DistillConfig, StudentConfig
from host.distill.ensemble import AveragedStudents
from host.distill.student import StudentCNN, build_student, family_of
from host.distill.train_student import (
    TrainingSet,
    member_seeds,
    predict_logits,
    scheduled_epochs,
    steps_per_epoch,
    train_student,
)

N_LABELS = 3


def _windows(rng: np.random.Generator, n: int) -> TrainingSet:
    """Windows whose label is the height of a bump on the first channel, with noise."""
    labels = rng.integers(0, N_LABELS, n)
    x = rng.normal(scale=0.5, size=(n, 4, 64)).astype(np.float32)
    x[:, 0, 24:40] += labels[:, None].astype(np.float32)
    return TrainingSet(x[None], labels)


def _config(members: int) -> DistillConfig:
    student = StudentConfig(kind="cnn", in_channels=4, n_labels=N_LABELS, cnn_members=members)
    return dataclasses.replace(TEST_CONFIG, student=student, max_epochs=3, batch_size=16)


@pytest.fixture(scope="module")
def squad() -> tuple[TrainingSet, TrainingSet]:
    rng = np.random.default_rng(0)
    return _windows(rng, 96), _windows(rng, 48)


def test_two_members_are_trained_from_their_own_seeds_and_averaged(
    squad: tuple[TrainingSet, TrainingSet],
) -> None:
    train, validation = squad
    pair = train_student(train, validation, _config(2), distil=False)
    assert isinstance(pair.model, AveragedStudents)
    first, second = pair.model.students
    assert isinstance(first, StudentCNN) and isinstance(second, StudentCNN)
    # Each member is the single CNN its member seed trains, weight for weight.
    for member, seed in zip(pair.model.students, member_seeds(TEST_CONFIG.seed, 2), strict=True):
        alone = train_student(train, validation, _config(1).replace(seed=seed), distil=False)
        for kept, expected in zip(
            member.state_dict().values(), alone.model.state_dict().values(), strict=True
        ):
            assert torch.equal(kept, expected)
    # The validation figure is the joined network's, not a member's.
    joined = predict_logits(pair.model, validation.views.view(0)).argmax(axis=1)
    assert pair.val_macro_f1 == pytest.approx(f1_score(validation.labels, joined, average="macro"))
    assert {row["member"] for row in pair.history} == {1, 2}
    assert family_of(pair.model) == "cnn"


def test_one_member_is_the_single_cnn(squad: tuple[TrainingSet, TrainingSet]) -> None:
    train, validation = squad
    single = train_student(train, validation, _config(1), distil=False)
    assert isinstance(single.model, StudentCNN)
    assert all("member" not in row for row in single.history)


def test_members_of_neighbouring_seeds_share_no_seed() -> None:
    assert len(set(member_seeds(0, 2)) | set(member_seeds(1, 2))) == 4
    assert member_seeds(3, 2) == member_seeds(3, 2)


def test_a_saved_pair_loads_into_the_network_its_config_builds(
    squad: tuple[TrainingSet, TrainingSet],
) -> None:
    train, validation = squad
    config = _config(2)
    pair = train_student(train, validation, config, distil=False).model
    rebuilt = build_student(config.student)
    rebuilt.load_state_dict(pair.state_dict())
    x = validation.views.view(0)
    assert np.allclose(predict_logits(rebuilt, x), predict_logits(pair, x), atol=1e-6)


def test_a_student_with_no_members_is_refused() -> None:
    with pytest.raises(ValueError, match="cnn_members is 0"):
        build_student(StudentConfig(kind="cnn", cnn_members=0))


def test_students_saved_before_averaging_load_as_one_cnn() -> None:
    saved = DistillConfig(student=StudentConfig(kind="cnn")).to_dict()
    del saved["student"]["cnn_members"]
    assert DistillConfig.from_dict(saved).student.cnn_members == 1
    assert DistillConfig.from_dict(DistillConfig().to_dict()).student.cnn_members == 2


def _distance(model: torch.nn.Module, reference: torch.nn.Module) -> float:
    """Euclidean distance between two networks' parameters."""
    return float(
        sum(
            (a - b).square().sum()
            for a, b in zip(model.parameters(), reference.parameters(), strict=True)
        )
        ** 0.5
    )


def test_an_average_with_no_memory_keeps_the_raw_weights(
    squad: tuple[TrainingSet, TrainingSet],
) -> None:
    train, validation = squad
    raw = train_student(train, validation, _config(1).replace(weight_average_epochs=0.0), False)
    forgetful = train_student(
        train, validation, _config(1).replace(weight_average_epochs=1e-9), distil=False
    )
    assert forgetful.epochs == raw.epochs
    for kept, expected in zip(
        forgetful.model.state_dict().values(), raw.model.state_dict().values(), strict=True
    ):
        assert torch.allclose(kept.float(), expected.float(), atol=1e-6)


def test_a_long_half_life_keeps_weights_near_where_training_began(
    squad: tuple[TrainingSet, TrainingSet],
) -> None:
    """The kept network is the average, not the last weights: with a half-life of many
    epochs the average has barely left the weights of the first step (one Adam step moves
    every weight by about the learning rate)."""
    train, validation = squad
    config = _config(1).replace(weight_average_epochs=0.0)
    torch.manual_seed(config.seed)  # as the loop does before building its network
    start = build_student(config.student)
    raw = train_student(train, validation, config, distil=False).model
    slow = train_student(
        train, validation, config.replace(weight_average_epochs=1000.0), distil=False
    )
    assert _distance(slow.model, start) < 0.5 * _distance(raw, start)
    # Scored, stopped and reported on the average.
    predicted = predict_logits(slow.model, validation.views.view(0)).argmax(axis=1)
    assert slow.val_macro_f1 == pytest.approx(
        f1_score(validation.labels, predicted, average="macro")
    )


def test_the_product_averages_weights_and_older_saves_read_back_without() -> None:
    assert DistillConfig().weight_average_epochs > 0
    saved = DistillConfig().to_dict()
    del saved["weight_average_epochs"]
    assert DistillConfig.from_dict(saved).weight_average_epochs == 0.0
    assert DistillConfig.from_dict(DistillConfig().to_dict()) == DistillConfig()


def test_kept_at_the_end_a_network_runs_its_whole_schedule_and_keeps_the_last_weights(
    squad: tuple[TrainingSet, TrainingSet],
) -> None:
    train, validation = squad
    config = _config(1).replace(max_epochs=6, early_stop_patience=1, keep_weights="last")
    last = train_student(train, validation, config, distil=False)
    # No patience stops it, and what it keeps is what the last epoch scored.
    assert last.epochs == 6 and [row["epoch"] for row in last.history] == list(range(1, 7))
    predicted = predict_logits(last.model, validation.views.view(0)).argmax(axis=1)
    assert last.val_macro_f1 == pytest.approx(
        f1_score(validation.labels, predicted, average="macro")
    )
    assert last.val_macro_f1 == last.history[-1]["val_macro_f1"]
    assert DistillConfig.from_dict(config.to_dict()).keep_weights == "last"


def test_the_product_keeps_the_last_weights_and_older_saves_read_back_the_best() -> None:
    assert DistillConfig().keep_weights == "last"
    saved = DistillConfig().to_dict()
    del saved["keep_weights"]
    assert DistillConfig.from_dict(saved).keep_weights == "best"


def test_a_small_training_set_trains_for_more_epochs_until_it_has_taken_min_steps(
    squad: tuple[TrainingSet, TrainingSet],
) -> None:
    train, validation = squad  # 96 windows at batch 16: six steps an epoch
    config = _config(1).replace(max_epochs=2, min_steps=20, keep_weights="last")
    assert steps_per_epoch(len(train.labels), config.batch_size) == 6
    stretched = train_student(train, validation, config, distil=False)
    assert stretched.epochs == 4 and len(stretched.history) == 4  # ceil(20 / 6)
    # A schedule already long enough is left as it is.
    assert scheduled_epochs(config.replace(max_epochs=5), len(train.labels)) == 5
    # A last batch of one is skipped (BatchNorm needs two), so it is not a step.
    assert steps_per_epoch(97, 16) == 6 and steps_per_epoch(98, 16) == 7


def test_the_product_counts_steps_and_older_saves_read_back_epochs_only() -> None:
    assert DistillConfig().min_steps == REAL_MOTION_MIN_STEPS > 0
    saved = DistillConfig().to_dict()
    del saved["min_steps"]
    assert DistillConfig.from_dict(saved).min_steps == 0
