"""Splits: no athlete on both sides of a grouped split, later weeks test, folds cover all."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from host.evaluation.splits import (
    Split,
    SplitError,
    athletes_held_out,
    check_disjoint_groups,
    grouped_folds,
    grouped_split,
    halve_validation,
    random_split,
    time_split,
)

FRACTIONS = (0.7, 0.15, 0.15)


@settings(max_examples=40, deadline=None)
@given(athletes=st.integers(3, 40), clips=st.integers(30, 300), seed=st.integers(0, 10_000))
def test_grouped_split_never_puts_an_athlete_on_two_sides(
    athletes: int, clips: int, seed: int
) -> None:
    groups = np.random.default_rng(seed).integers(0, athletes, clips).astype(str)
    split = grouped_split(groups, FRACTIONS, seed)
    parts = [set(groups[idx]) for idx in (split.train, split.val, split.test)]
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    assert sorted(np.concatenate([split.train, split.val, split.test])) == list(range(clips))
    check_disjoint_groups(split, groups)


def test_disjointness_check_catches_a_shared_athlete() -> None:
    groups = np.array(["a", "a", "b", "c"])
    with pytest.raises(SplitError, match="'a'"):
        check_disjoint_groups(Split(np.array([0, 2]), np.array([1]), np.array([3])), groups)


def test_same_seed_same_split_and_too_few_athletes_refused() -> None:
    groups = np.repeat(np.arange(10), 5)
    a, b = grouped_split(groups, FRACTIONS, 3), grouped_split(groups, FRACTIONS, 3)
    assert np.array_equal(a.test, b.test)
    with pytest.raises(SplitError, match="at least 3 athletes"):
        grouped_split(np.array(["x", "y", "x"]), FRACTIONS, 0)


def test_time_split_trains_on_earlier_weeks_and_tests_on_the_latest() -> None:
    weeks = np.tile(np.arange(10), 7)
    split = time_split(weeks, FRACTIONS)
    assert weeks[split.train].max() < weeks[split.val].min()
    assert weeks[split.val].max() < weeks[split.test].min()
    assert set(weeks[split.test]) == {9} or set(weeks[split.test]) == {8, 9}


def test_random_split_has_the_papers_proportions() -> None:
    split = random_split(1260, FRACTIONS, 0)
    assert (len(split.train), len(split.val), len(split.test)) == (882, 189, 189)


def test_grouped_folds_test_every_athlete_exactly_once() -> None:
    clip_groups = np.repeat(np.arange(12).astype(str), 6)
    week_groups = np.repeat(np.arange(12).astype(str), 4)
    plans = grouped_folds(clip_groups, week_groups, folds=4, seed=1)
    tested = np.concatenate([clip_groups[p.actions.test] for p in plans])
    assert sorted(set(tested)) == sorted(set(clip_groups)) and len(tested) == len(clip_groups)
    for plan in plans:
        check_disjoint_groups(plan.actions, clip_groups)
        check_disjoint_groups(plan.risk, week_groups)
        assert set(clip_groups[plan.actions.test]) == set(week_groups[plan.risk.test])


@settings(max_examples=40, deadline=None)
@given(athletes=st.integers(1, 6), clips=st.integers(1, 60), seed=st.integers(0, 10_000))
def test_halved_validation_keeps_every_athlete_on_both_sides(
    athletes: int, clips: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, athletes, clips + 5).astype(str)
    labels = rng.integers(0, 4, clips + 5)
    val = np.sort(rng.choice(clips + 5, clips, replace=False))
    split = halve_validation(
        Split(np.zeros(0, np.int64), val, np.zeros(0, np.int64)), labels, groups
    )
    stop, blend = split.stop, split.blend
    assert not set(stop) & set(blend)
    assert sorted(np.concatenate([stop, blend])) == val.tolist()
    assert len(stop) - len(blend) in (0, 1)
    for athlete in np.unique(groups[val]):
        theirs = val[groups[val] == athlete]
        if len(theirs) >= 2:
            assert athlete in set(groups[stop]) and athlete in set(groups[blend])
        for label in np.unique(labels[theirs]):  # each athlete's labels dealt evenly
            of_label = theirs[labels[theirs] == label]
            assert abs(np.isin(of_label, stop).sum() - np.isin(of_label, blend).sum()) <= 1


def test_blend_half_is_saved_and_read_back_and_absent_without_one() -> None:
    groups = np.repeat(np.array(["a", "b", "c", "d"]), 4)
    labels = np.tile(np.arange(2), 8)
    whole = Split(np.arange(8), np.arange(8, 12), np.arange(12, 16))
    assert "blend" not in whole.to_dict()
    assert np.array_equal(whole.stop, whole.val)
    assert np.array_equal(Split.from_dict(whole.to_dict()).blend, np.zeros(0))
    halved = halve_validation(whole, labels, groups)
    again = Split.from_dict(halved.to_dict())
    assert np.array_equal(again.blend, halved.blend) and len(again.blend) == 2
    assert np.array_equal(again.stop, halved.stop)
    assert np.array_equal(again.val, whole.val)


def test_named_validation_athletes_are_exactly_the_validation_part() -> None:
    groups = np.repeat(np.array(["a", "b", "c", "d", "e"]), 3)
    split = athletes_held_out(groups, ["a"], 0.2, 0, val_athletes=["c", "d"])
    assert set(groups[split.test]) == {"a"} and set(groups[split.val]) == {"c", "d"}
    assert set(groups[split.train]) == {"b", "e"}
    with pytest.raises(SplitError, match="--val-athletes: no athlete z in the data"):
        athletes_held_out(groups, ["a"], 0.2, 0, val_athletes=["z"])
    with pytest.raises(SplitError, match="--val-athletes: a also in --test-athletes"):
        athletes_held_out(groups, ["a"], 0.2, 0, val_athletes=["a", "b"])
    with pytest.raises(SplitError, match="none is left to train on"):
        athletes_held_out(groups, ["a", "b"], 0.2, 0, val_athletes=["c", "d", "e"])
