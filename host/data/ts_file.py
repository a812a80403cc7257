"""A labelled UCR/UEA `.ts` file as training data, beside the dataset directory reader:
IMU-only clips on the model's grid (and, for a teacher's IMU companion, the series as
stored), its own labels, and splits by athlete when a groups file names the athlete of
every series."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from edge import dsp, taxonomy
from host.evaluation.splits import (
    Split,
    SplitPlan,
    athletes_held_out,
    check_disjoint_groups,
    grouped_split,
    held_out_split,
    random_split,
)
from host.models.config import TrainConfig
from host.models.inputs import ANTI_ALIAS_FRACTION, ClipArrays, InputStats, WeeklyInputs
from host.training.errors import TrainingError
from host.training.task import TaskData, val_share


def ts_task(
    path: Path,
    config: TrainConfig,
    plan: SplitPlan | None = None,
    stats: InputStats | None = None,
    groups: Path | None = None,
    test_athletes: list[str] | None = None,
    val_athletes: list[str] | None = None,
) -> tuple[TrainConfig, TaskData, dict[str, Any]]:
    """A labelled UCR/UEA `.ts` file as IMU-only task data with its own labels.

    Its sibling `*_TEST.ts` (when the file is `*_TRAIN.ts`) is the test part, untouched
    until evaluation. `groups` (see `read_groups`) names the athlete of every series: then
    validation is whole athletes of the training file, `test_athletes` may name the test
    part and then `val_athletes` the validation part. Without it each series is its own
    group and validation is 15 % of the training file's series.
    """
    from aeon.datasets import load_from_ts_file

    def read(file: Path) -> tuple[np.ndarray, np.ndarray]:
        try:
            x, y = load_from_ts_file(str(file))
        except (OSError, ValueError, IndexError) as exc:
            raise TrainingError(f"{file}: not a readable .ts file ({exc})") from None
        if isinstance(x, list):
            raise TrainingError(f"{file}: series of unequal length are not supported")
        return np.asarray(x, dtype=np.float64), np.asarray(y).astype(str)

    x, y = read(path)
    test_file = path.with_name(path.name.replace("_TRAIN", "_TEST"))
    n_train = len(y)
    if test_file != path and test_file.exists():
        x_test, y_test = read(test_file)
        x, y = np.concatenate([x, x_test]), np.concatenate([y, y_test])
    labels = sorted(set(y.tolist()))
    valid = np.isfinite(x)
    x = np.where(valid, x, 0.0)
    n, channels, _ = x.shape
    rate = config.imu_rate_hz if stats is None else stats.rates["imu"]
    stored, stored_valid = x, valid
    x, valid = ts_to_model_rate(x, valid, rate, config)
    athletes = np.arange(n).astype(str) if groups is None else read_groups(groups, n, n_train)
    if (test_athletes or val_athletes) and groups is None:
        option = "--test-athletes" if test_athletes else "--val-athletes"
        raise TrainingError(f"{path}: {option} needs --groups FILE naming each series' athlete")
    if val_athletes and not test_athletes:
        raise TrainingError("--val-athletes needs --test-athletes (the athletes held out to test)")
    if plan is None and groups is not None:
        empty = np.zeros(0, np.int64)
        share = val_share(config)
        if test_athletes:
            actions = athletes_held_out(athletes, test_athletes, share, config.seed, val_athletes)
            how = f"test athletes {', '.join(test_athletes)}"
            if val_athletes:
                how += f", validation athletes {', '.join(val_athletes)}"
        elif n_train < n:
            actions = held_out_split(athletes, np.arange(n) >= n_train, share, config.seed)
            how = "its own test file"
        else:
            actions = grouped_split(athletes, config.split_fractions, config.seed)
            how = "grouped by athlete"
        check_disjoint_groups(Split(actions.train, actions.val, empty), athletes)
        plan = SplitPlan(
            actions, Split(empty, empty, empty), f"{path.name}: {how}, validation athletes apart"
        )
    if plan is None:
        if n_train < n:
            order = np.random.default_rng(config.seed).permutation(n_train)
            n_val = max(1, round(config.split_fractions[1] * n_train))
            actions = Split(np.sort(order[n_val:]), np.sort(order[:n_val]), np.arange(n_train, n))
        else:
            actions = random_split(n, config.split_fractions, config.seed)
        empty = np.zeros(0, np.int64)
        plan = SplitPlan(actions, Split(empty, empty, empty), f"{path.name}: its own test file")
    if stats is None:
        imu = dsp.Normaliser.fit(x[plan.actions.train], axis=1, valid=valid[plan.actions.train])
        rates = {"imu": rate, "gps": 1.0, "hr": 1.0, "skeleton": 1.0}
        stats = InputStats(
            imu,
            dsp.Normaliser(np.zeros(3), np.ones(3)),
            dsp.Normaliser(np.zeros(1), np.ones(1)),
            rates,
        )
    steps = int(taxonomy.STORED_CLIP_S)
    arrays = ClipArrays(
        imu=np.concatenate(
            [stats.imu.apply(x) * valid, valid.any(1, keepdims=True)], axis=1
        ).astype(np.float32),
        gps=np.zeros((n, 4, steps), np.float32),
        hr=np.zeros((n, 2, steps), np.float32),
        skeleton=np.zeros((n, steps, len(taxonomy.JOINTS), 4), np.float32),
        present=np.tile(np.array([False, True, False, False]), (n, 1)),
    )
    companion_imu = None
    if config.model.imu_companion != "none":  # the series as stored, for the companion
        companion_imu = np.where(stored_valid, stats.imu.apply(stored), 0.0).astype(np.float32)
    model = dataclasses.replace(
        config.model,
        labels=tuple(labels),
        imu_channels=channels + 1,
        use_skeleton=False,
        use_gps=False,
        use_load=False,
        risk_features=(),
        history_features=(),
    )
    config = config.replace(model=model)
    weekly = WeeklyInputs(
        athlete_id=np.zeros(0, str),
        week=np.zeros(0, np.int64),
        features=np.zeros((0, 0)),
        columns=(),
        label=np.zeros(0),
        clip_owner=np.full(n, -1, np.int64),
    )
    task = TaskData(
        arrays=arrays,
        labels=np.searchsorted(labels, y).astype(np.int64),
        clip_athletes=athletes,
        scenes=np.zeros(n, np.int64),
        weekly=weekly,
        weekly_z=np.zeros((0, 0), np.float32),
        plan=plan,
        stats=stats,
        weekly_normaliser=None,
        companion_imu=companion_imu,
    )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    info = {
        "data": str(path),
        "format": "ts",
        "data_hash": digest,
        "synthetic": False,
        "dataset_name": path.stem,
        "labels": labels,
        "scenes": [],
        **({"groups": str(groups)} if groups is not None else {}),
    }
    return config, task, info


def ts_to_model_rate(
    x: np.ndarray, valid: np.ndarray, rate_hz: float, config: TrainConfig
) -> tuple[np.ndarray, np.ndarray]:
    """`.ts` series `(N, C, T)` and their validity onto the model's IMU grid.

    A `.ts` file carries no sample rate, so each series is taken as one stored clip
    (`taxonomy.STORED_CLIP_S`) and resampled to as many samples as the model sees in one
    at `rate_hz`, low-passed first as dataset clips are when that is fewer: the IMU
    branch's stem and GRU were sized for that time scale, and the time crop keeps the
    same share of a series as of a clip. Fed the file's samples as they were (600 per
    6 s at 100 Hz, three times the model's) and uncropped, the teacher scored 0.29
    leave-one-athlete-out on the soccer suit recording, 0.38 this way (docs/results.md,
    "The teacher on real takes"). A run saved with another rate is read back at it.
    """
    length = x.shape[2]
    target = int(round(taxonomy.STORED_CLIP_S * rate_hz))
    if target == length:
        return x, valid
    rate_in = length / taxonomy.STORED_CLIP_S
    if target < length:
        cutoff = min(config.imu_cutoff_hz, ANTI_ALIAS_FRACTION * rate_hz)
        x = dsp.lowpass(x, rate_in, cutoff)
    t, t_new = np.arange(length) / rate_in, np.arange(target) / rate_hz
    resampled = dsp.resample_linear(t, x, t_new)
    valid = dsp.resample_linear(t, valid.astype(np.float64), t_new) > 0.5
    return resampled, valid


def read_groups(path: Path, n: int, n_train: int) -> np.ndarray:
    """The athlete of each series: one id per line, the training file's series first, then
    its `_TEST` sibling's (a header line `athlete_id` is allowed)."""
    try:
        lines = [line.strip() for line in Path(path).read_text().splitlines()]
    except OSError as exc:
        raise TrainingError(f"{path}: cannot read the groups file ({exc.strerror})") from None
    if lines and lines[0] == "athlete_id":
        lines = lines[1:]
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) != n:
        test = f" + {n - n_train} test" if n > n_train else ""
        raise TrainingError(
            f"{path}: {len(lines)} athlete ids for {n} series ({n_train} training{test}); "
            "write one line per series"
        )
    if "" in lines:
        raise TrainingError(
            f"{path}: line {lines.index('') + 1} is empty (every series has an athlete)"
        )
    return np.array(lines)
