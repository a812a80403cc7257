"""A dataset directory as the data a run trains and validates on: clips, labelled
athlete-weeks, the split plan, and normalisation fitted on the training part only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from edge import dsp
from host.data.shards import ShardIndex
from host.evaluation.splits import (
    Split,
    SplitError,
    SplitPlan,
    athletes_held_out,
    check_disjoint_groups,
    grouped_split,
    random_split,
    time_split,
    weeks_by_athletes,
)
from host.models.config import TrainConfig
from host.models.inputs import (
    InputStats,
    WeeklyInputs,
    fit_stats,
    prepare,
    stored_imu,
    weekly_inputs,
)
from host.training.errors import TrainingError
from host.training.feed import ClipSource
from host.training.streaming import StreamedClips, streamed_stats

if TYPE_CHECKING:
    from host.data.dataset import Clips
    from host.risk.features import FeatureSettings


@dataclass(kw_only=True)
class TaskData:
    """Everything a run trains and validates on, prepared once."""

    arrays: ClipSource  # in memory (ClipArrays) or streamed from the shards
    labels: np.ndarray  # (N,) action label per clip
    clip_athletes: np.ndarray
    scenes: np.ndarray
    weekly: WeeklyInputs
    weekly_z: np.ndarray  # (W, F') V_t z-scored on the training weeks, risk-input columns only
    plan: SplitPlan
    stats: InputStats
    weekly_normaliser: dsp.Normaliser | None
    # (N, C, T) the IMU at its stored rate as the teacher's IMU companion reads it
    # (`stored_imu`); None unless the config has a companion (it is 4x the model grid).
    companion_imu: np.ndarray | None = None


def default_plan(
    clip_athletes: np.ndarray,
    weekly: WeeklyInputs,
    config: TrainConfig,
    split_seed: int,
    test_athletes: list[str] | None = None,
    val_athletes: list[str] | None = None,
) -> SplitPlan:
    """Actions grouped by athlete; risk time-ordered or the paper's random 7:1.5:1.5.

    With `test_athletes`, exactly those athletes are the test part of both tasks and the
    validation athletes are `val_athletes`, or drawn from the others. Data covering fewer
    than 3 weeks (a club's labelled takes) has no risk split: the run learns actions only.
    """
    if test_athletes:
        actions = athletes_held_out(
            clip_athletes, test_athletes, val_share(config), split_seed, val_athletes
        )
    elif val_athletes:
        raise SplitError("--val-athletes needs --test-athletes (the athletes held out to test)")
    else:
        actions = grouped_split(clip_athletes, config.split_fractions, split_seed)
    check_disjoint_groups(actions, clip_athletes)
    weeks = len(np.unique(weekly.week))
    empty = np.zeros(0, np.int64)
    if weeks < 3:
        risk, how = Split(empty, empty, empty), f"no risk split ({weeks} labelled week(s))"
    elif test_athletes:
        validated = np.unique(clip_athletes[actions.val])
        risk = weeks_by_athletes(weekly.athlete_id, test_athletes, validated)
        how = "risk by the same athletes"
    elif config.risk_split == "time":
        risk, how = time_split(weekly.week, config.split_fractions), "risk time-split"
    else:
        risk = random_split(len(weekly), config.split_fractions, split_seed)
        how = "risk random-split"
    held = f"test athletes {', '.join(test_athletes)}" if test_athletes else "grouped by athlete"
    if val_athletes:
        held += f", validation athletes {', '.join(val_athletes)}"
    return SplitPlan(actions, risk, f"actions {held}, {how}, seed {split_seed}")


def val_share(config: TrainConfig) -> float:
    """Validation's share of the athletes left once the test part is taken."""
    train, val, _ = config.split_fractions
    return val / (train + val)


def athlete_weeks(
    dataset: Any, features: FeatureSettings | None = None, clips: Clips | None = None
) -> WeeklyInputs:
    """The labelled athlete-weeks of a dataset with V_t and the clips of each week
    (`features`: impact weights and time-loss definition, default the documented ones;
    `clips`: the clips' identity columns, when they are already at hand)."""
    from host.risk.features import FEATURE_COLUMNS, LABEL, FeatureSettings, weekly_features

    chosen = features or FeatureSettings()
    frame = weekly_features(dataset, chosen.impact_weights, chosen.time_loss_min_days)
    clips = clips if clips is not None else dataset.clips()
    return weekly_inputs(frame, clips.athlete_id, clips.week, tuple(FEATURE_COLUMNS), LABEL)


def week_members(weekly: WeeklyInputs) -> list[np.ndarray]:
    """Clip indices of every athlete-week."""
    order = np.argsort(weekly.clip_owner, kind="stable")
    owners = weekly.clip_owner[order]
    bounds = np.searchsorted(owners, np.arange(len(weekly) + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(len(weekly))]


def load_task_data(
    dataset: Any,
    config: TrainConfig,
    plan: SplitPlan | None = None,
    stats: InputStats | None = None,
    weekly_normaliser: dsp.Normaliser | None = None,
    test_athletes: list[str] | None = None,
    features: FeatureSettings | None = None,
    cache_mb: float = 0,
    val_athletes: list[str] | None = None,
) -> TaskData:
    """Clips and athlete-weeks of a dataset, split and normalised on the training part.

    With `cache_mb` above 0 the clips stream from their shards (`StreamedClips`, at most
    that many megabytes of prepared clips kept); with 0 every clip is prepared up front.
    Both give the same tensors, statistics and splits. `test_athletes` and
    `val_athletes`: see `default_plan`."""
    index = ShardIndex.of(dataset) if cache_mb > 0 else None
    clips = index.identity if index is not None else dataset.clips()
    if len(clips) == 0:
        raise TrainingError(f"{dataset.root}: the dataset has no clips to train on")
    weekly = athlete_weeks(dataset, features, clips)
    plan = plan or default_plan(
        clips.athlete_id, weekly, config, dataset.manifest.splits.seed, test_athletes, val_athletes
    )
    companion_imu = None
    if index is not None:
        stats = stats or streamed_stats(index, plan.actions.train, config)
        arrays: ClipSource = StreamedClips(index, stats, config, cache_mb)
        if config.model.imu_companion != "none":  # one shard's signals read at a time
            keys = frozenset({"imu", "imu_valid"}) & index.keys
            companion_imu = np.concatenate(
                [stored_imu(index.read(s, keys), stats) for s in range(len(index.paths))]
            )
    else:
        stats = stats or fit_stats(clips.subset(plan.actions.train), config)
        arrays = prepare(clips, stats, config)
        if config.model.imu_companion != "none":
            companion_imu = stored_imu(clips, stats)
    columns = config.model.risk_inputs
    chosen = weekly.features[:, [weekly.columns.index(c) for c in columns]]
    if weekly_normaliser is None and len(columns) and len(plan.risk.train):
        weekly_normaliser = dsp.Normaliser.fit(chosen[plan.risk.train], axis=1)
    weekly_z = weekly_normaliser.apply(chosen) if weekly_normaliser is not None else chosen
    return TaskData(
        arrays=arrays,
        labels=clips.label.astype(np.int64),
        clip_athletes=clips.athlete_id,
        scenes=clips.scene.astype(np.int64),
        weekly=weekly,
        weekly_z=weekly_z.astype(np.float32),
        plan=plan,
        stats=stats,
        weekly_normaliser=weekly_normaliser,
        companion_imu=companion_imu,
    )


def model_config_for(
    config: TrainConfig, labels: list[str], risk_columns: tuple[str, ...]
) -> TrainConfig:
    """The config with the data's labels and V_t columns filled in (saved with the run)."""
    from host.risk.features import LOAD_FEATURES

    history = tuple(c for c in risk_columns if c not in LOAD_FEATURES)
    model = config.model.__class__(
        **{
            **config.model.__dict__,
            "labels": tuple(labels),
            "risk_features": tuple(risk_columns),
            "history_features": history,
        }
    )
    return config.replace(model=model)


def dataset_task(
    data: Path,
    config: TrainConfig,
    plan: SplitPlan | None,
    test_athletes: list[str] | None,
    features: FeatureSettings | None = None,
    cache_mb: float = 0,
    val_athletes: list[str] | None = None,
) -> tuple[TrainConfig, TaskData, dict[str, Any]]:
    """A dataset directory's task data, the config filled from it, and its run.json facts
    (with the feature settings, so evaluation labels the weeks as training did;
    `cache_mb`: stream the clips, and `val_athletes`, see `load_task_data`)."""
    from host.data.dataset import load_dataset
    from host.risk.features import FEATURE_COLUMNS, FeatureSettings

    features = features or FeatureSettings()
    dataset = load_dataset(data)
    config = model_config_for(config, list(dataset.manifest.labels), tuple(FEATURE_COLUMNS))
    info = {
        "data": str(data),
        "format": "dataset",
        "data_hash": dataset.content_hash,
        "synthetic": dataset.manifest.synthetic,
        "dataset_name": dataset.manifest.name,
        "labels": list(dataset.manifest.labels),
        "scenes": list(dataset.manifest.scenes),
        "features": features.to_dict(),
    }
    task = load_task_data(
        dataset,
        config,
        plan,
        test_athletes=test_athletes,
        features=features,
        cache_mb=cache_mb,
        val_athletes=val_athletes,
    )
    return config, task, info
