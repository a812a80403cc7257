"""Splits a sceptical reviewer accepts.

Actions: grouped by athlete, so no athlete's clips sit on both sides (a model must
recognise a sprint by someone it never saw). Risk: time-ordered (earlier weeks train, later
weeks test) or the paper's random 7:1.5:1.5 over athlete-weeks; cross-validation groups
both tasks by athlete. Every split is drawn from the dataset's own split seed, so all runs
and ablations on one dataset see identical splits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold

from firmware_bridge.errors import UserError


class SplitError(UserError, ValueError):
    """A split cannot be drawn from the data given (too few athletes or weeks)."""


@dataclass(frozen=True)
class Split:
    """Indices of the train, validation and test parts.

    `blend` is a part of `val` held back from early stopping (a run with an IMU companion
    fits the companion's blend on it, `halve_validation`); empty, all of `val` stops."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    blend: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def stop(self) -> np.ndarray:
        """The validation clips early stopping and the per-epoch metrics read."""
        return np.setdiff1d(self.val, self.blend) if len(self.blend) else self.val

    def to_dict(self) -> dict[str, list[int]]:
        parts = {"train": self.train, "val": self.val, "test": self.test}
        if len(self.blend):  # written only where there is one: other runs' files unchanged
            parts["blend"] = self.blend
        return {name: index.tolist() for name, index in parts.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Split:
        return cls(
            *(
                np.asarray(data.get(part, []), dtype=np.int64)
                for part in ("train", "val", "test", "blend")
            )
        )


@dataclass(frozen=True)
class SplitPlan:
    """The clip split (actions) and athlete-week split (risk) one training run uses."""

    actions: Split
    risk: Split
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "actions": self.actions.to_dict(),
            "risk": self.risk.to_dict(),
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SplitPlan:
        return cls(
            Split.from_dict(data["actions"]), Split.from_dict(data["risk"]), data["description"]
        )


def _counts(n: int, fractions: tuple[float, float, float]) -> tuple[int, int]:
    n_val = max(1, int(round(n * fractions[1])))
    n_test = max(1, int(round(n * fractions[2])))
    if n - n_val - n_test < 1:
        raise SplitError(f"cannot split {n} items into train, validation and test")
    return n_val, n_test


def grouped_split(groups: np.ndarray, fractions: tuple[float, float, float], seed: int) -> Split:
    """Whole groups (athletes) go to train, validation or test in the given proportions."""
    unique = np.unique(groups)
    if len(unique) < 3:
        raise SplitError(f"a grouped split needs at least 3 athletes, the data has {len(unique)}")
    order = np.random.default_rng(seed).permutation(unique)
    n_val, n_test = _counts(len(unique), fractions)
    test_groups, val_groups = order[:n_test], order[n_test : n_test + n_val]
    part = np.where(np.isin(groups, test_groups), 2, np.where(np.isin(groups, val_groups), 1, 0))
    return Split(*(np.flatnonzero(part == k) for k in range(3)))


def time_split(weeks: np.ndarray, fractions: tuple[float, float, float]) -> Split:
    """Earliest weeks train, the next validate, the latest test (whole weeks, never mixed)."""
    unique = np.unique(weeks)
    if len(unique) < 3:
        raise SplitError(f"a time-ordered split needs at least 3 weeks, the data has {len(unique)}")
    n_val, n_test = _counts(len(unique), fractions)
    val_from, test_from = unique[-(n_val + n_test)], unique[-n_test]
    part = np.where(weeks >= test_from, 2, np.where(weeks >= val_from, 1, 0))
    return Split(*(np.flatnonzero(part == k) for k in range(3)))


def random_split(n: int, fractions: tuple[float, float, float], seed: int) -> Split:
    """The paper's random 7:1.5:1.5 (over athlete-weeks, so an athlete can be on both sides)."""
    order = np.random.default_rng(seed).permutation(n)
    n_val, n_test = _counts(n, fractions)
    return Split(
        np.sort(order[n_val + n_test :]),
        np.sort(order[n_test : n_test + n_val]),
        np.sort(order[:n_test]),
    )


def grouped_folds(
    clip_groups: np.ndarray,
    week_groups: np.ndarray,
    folds: int,
    seed: int,
    val_fraction: float = 0.15,
) -> list[SplitPlan]:
    """K folds grouped by athlete for both tasks; each fold's validation athletes come from
    its training athletes, never from its test fold."""
    unique = np.unique(clip_groups)
    if folds < 2 or folds > len(unique):
        raise SplitError(f"{folds} folds need between 2 and {len(unique)} athletes per fold count")
    shuffled = np.random.default_rng(seed).permutation(unique)
    rank = {athlete: i for i, athlete in enumerate(shuffled)}
    plans = []
    splitter = GroupKFold(n_splits=folds)
    ranks = np.array([rank[a] for a in unique])
    for k, (_, test_pos) in enumerate(splitter.split(ranks, groups=ranks)):
        test_athletes = unique[test_pos]
        rest = np.setdiff1d(unique, test_athletes)
        n_val = max(1, int(round(len(rest) * val_fraction)))
        val_athletes = np.random.default_rng(seed + k + 1).permutation(rest)[:n_val]

        def parts(
            groups: np.ndarray, test: np.ndarray = test_athletes, val: np.ndarray = val_athletes
        ) -> Split:
            part = np.where(np.isin(groups, test), 2, np.where(np.isin(groups, val), 1, 0))
            return Split(*(np.flatnonzero(part == p) for p in range(3)))

        plans.append(
            SplitPlan(
                parts(clip_groups),
                parts(week_groups),
                f"fold {k + 1}/{folds} grouped by athlete (seed {seed})",
            )
        )
    return plans


def check_disjoint_groups(split: Split, groups: np.ndarray) -> None:
    """Raise if any group (athlete) sits in more than one part: the guard on every plan."""
    seen = [set(groups[index].tolist()) for index in (split.train, split.val, split.test)]
    shared = (seen[0] & seen[1]) | (seen[0] & seen[2]) | (seen[1] & seen[2])
    if shared:
        raise SplitError(f"athletes in more than one part of a grouped split: {sorted(shared)[:5]}")


def parse_athletes(text: str, option: str = "--test-athletes") -> list[str]:
    """`A,B , C` → ['A', 'B', 'C'] (an empty name is an error, not a silent skip);
    `option` is the option named in the error."""
    names = [part.strip() for part in text.split(",")]
    if not names or any(not name for name in names):
        raise SplitError(f"{option} {text!r}: expected athlete ids separated by commas")
    return names


def held_out_split(groups: np.ndarray, test: np.ndarray, val_fraction: float, seed: int) -> Split:
    """Test = the items of mask `test`; validation = other whole athletes (about
    `val_fraction` of the rest, at least one), so early stopping never looks at a series
    of an athlete the model trains on; training = everyone else."""
    rest = np.unique(groups[~test])
    if len(rest) < 2:
        raise SplitError(
            f"the test part leaves {len(rest)} athlete(s) to train and validate on; at least "
            "2 are needed (one to train on, one to stop early on)"
        )
    n_val = min(len(rest) - 1, max(1, int(round(len(rest) * val_fraction))))
    val_athletes = np.random.default_rng(seed).permutation(rest)[:n_val]
    val = np.isin(groups, val_athletes) & ~test
    return Split(np.flatnonzero(~test & ~val), np.flatnonzero(val), np.flatnonzero(test))


def athletes_held_out(
    groups: np.ndarray,
    test_athletes: list[str],
    val_fraction: float,
    seed: int,
    val_athletes: list[str] | None = None,
) -> Split:
    """Test = exactly the named athletes (`--test-athletes`); validation = exactly
    `val_athletes` (`--val-athletes`) when given, else drawn as `held_out_split` does."""
    known = np.unique(groups)
    for option, named in (("--test-athletes", test_athletes), ("--val-athletes", val_athletes)):
        unknown = [a for a in named or [] if a not in set(known.tolist())]
        if unknown:
            shown = ", ".join(known[:20].tolist()) + (" …" if len(known) > 20 else "")
            raise SplitError(f"{option}: no athlete {', '.join(unknown)} in the data ({shown})")
    test = np.isin(groups, test_athletes)
    if val_athletes is None:
        return held_out_split(groups, test, val_fraction, seed)
    both = sorted(set(test_athletes) & set(val_athletes))
    if both:
        raise SplitError(
            f"--val-athletes: {', '.join(both)} also in --test-athletes; an athlete is "
            "either validated on or tested on"
        )
    val = np.isin(groups, val_athletes)
    if not np.any(~test & ~val):
        raise SplitError(
            "--test-athletes and --val-athletes name every athlete; none is left to train on"
        )
    return Split(np.flatnonzero(~test & ~val), np.flatnonzero(val), np.flatnonzero(test))


def weeks_by_athletes(
    week_groups: np.ndarray, test_athletes: list[str], val_athletes: np.ndarray
) -> Split:
    """Risk split that follows the action split's athletes: their weeks go to the same part."""
    part = np.where(
        np.isin(week_groups, test_athletes), 2, np.where(np.isin(week_groups, val_athletes), 1, 0)
    )
    return Split(*(np.flatnonzero(part == p) for p in range(3)))


def leave_one_athlete_out(
    clip_groups: np.ndarray, week_groups: np.ndarray, seed: int, val_fraction: float = 0.15
) -> list[SplitPlan]:
    """One fold per athlete: that athlete is the test part, validation athletes come from
    the others (never from the test athlete, never series of training athletes)."""
    athletes = np.unique(clip_groups)
    if len(athletes) < 3:
        raise SplitError(
            f"leave-one-athlete-out needs at least 3 athletes (test, validation, training); "
            f"the data has {len(athletes)}"
        )
    plans = []
    for k, athlete in enumerate(athletes):
        actions = held_out_split(clip_groups, clip_groups == athlete, val_fraction, seed + k)
        risk = weeks_by_athletes(week_groups, [str(athlete)], np.unique(clip_groups[actions.val]))
        plans.append(
            SplitPlan(
                actions,
                risk,
                f"leave-one-athlete-out fold {k + 1}/{len(athletes)}: test athlete {athlete} "
                f"(seed {seed})",
            )
        )
    return plans


def halve_validation(split: Split, labels: np.ndarray, groups: np.ndarray) -> Split:
    """`split` with half its validation clips set aside as `blend`: the validation clips,
    ordered by athlete, then label, then index, are dealt alternately to early stopping and
    to the blend, so both halves hold every validation athlete with at least 2 clips and
    each athlete's labels about evenly. The IMU companion's blend weight is then chosen on
    clips the network was not stopped on (a network early-stopped on a validation loss
    looks better on it than it is)."""
    val = np.asarray(split.val, dtype=np.int64)
    order = val[np.lexsort((val, labels[val], groups[val]))]
    return replace(split, blend=np.sort(order[1::2]))
