"""`touchline distill`: teach the sideline student what the multimodal teacher knows.

Reads like a recipe: clips → student windows (IMU + GPS speed) → athlete-grouped split
(the teacher run's own, when it recorded one) → shared preprocessing fitted on the training
athletes → students with and without distillation → MiniRocket + ridge on the clips and
on the students' own windows → one table on the same test athletes, and again on the
clips whose video was occluded. Event thresholds are tuned on the validation athletes.
Everything the export needs is written to `RUN_DIR/student/`.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from sklearn.metrics import f1_score

from edge import dsp, taxonomy
from edge.bundle import InputSpec, filter_windows, prepare_windows
from edge.infer import softmax
from edge.replay import f1_intervals, score_events
from edge.windows import drop_reason, occluded_frames
from firmware_bridge.errors import UserError
from host.data.dataset import Clips, Dataset, load_dataset
from host.data.shards import ShardIndex
from host.device import Compute
from host.distill.augment import imu_sensors
from host.distill.baselines import fit_minirocket
from host.distill.config import (
    GPS_SPEED_CHANNEL,
    HOP_S,
    MINIROCKET_KERNELS,
    STUDENT_RATE_HZ,
    WINDOW_S,
    DistillConfig,
)
from host.distill.continuous import (
    ContinuousSession,
    ScoredSession,
    found_and_truth,
    load_continuous,
    session_windows,
    simulate_sessions,
    training_windows,
    tune_event_settings,
)
from host.distill.family import train_chosen_student
from host.distill.report import (
    ROCKET_CLIPS,
    ROCKET_SAME,
    STUDENT_DISTILLED,
    STUDENT_PLAIN,
    TEACHER,
    DistillReport,
    ModelScores,
    StudentSummary,
    TrainWindows,
    gating_metrics,
    report_markdown,
    score_model,
)
from host.distill.student import parameter_count
from host.distill.train_student import TrainingSet, predict_logits, train_student
from host.distill.trained import CHECKPOINT, REPORT_JSON, REPORT_MD, STATE
from host.distill.views import PREPARE_CHUNK, ShiftedViews
from host.distill.windows import ShiftedWindows, clip_spans, student_channels, student_labels
from host.evaluation.splits import Split, SplitPlan, check_disjoint_groups, grouped_split

STUDENT_DIR = "student"
# Where a training run keeps its SplitPlan (host.train writes it).
SPLIT_FILE = "splits.json"
# Latency in the distill table is a quick indication; tools/bench/student.py measures it.
_LATENCY_REPEATS = 200


class DistillError(UserError):
    """Distillation cannot run on this input (no IMU clips, no teacher, bad run dir)."""


class Teacher(Protocol):
    """What the student learns from: class probabilities in the order of its labels."""

    def predict_proba(self, clips: Clips) -> np.ndarray: ...


@dataclass(frozen=True)
class DistillResult:
    out_dir: Path
    report: DistillReport


@dataclass(frozen=True)
class _Candidate:
    """A model to score: its test predictions, and its cost where measured."""

    name: str
    predicted: np.ndarray
    latency_ms: float | None
    size_bytes: int | None


def distill(
    dataset: Dataset,
    out_dir: Path,
    teacher: Teacher | None,
    config: DistillConfig | None = None,
    split: Split | None = None,
    minirocket_kernels: int = MINIROCKET_KERNELS,
    teacher_labels: list[str] | tuple[str, ...] = taxonomy.LABELS,
    stream: bool = False,
) -> DistillResult:
    """Train and compare the students; write checkpoint, state and report to `out_dir`.

    `teacher_labels` names the teacher's output columns (a dataset without `background`
    gives a teacher with eight); they are placed into the student's label order. With
    `stream` the clips are read one shard at a time and only the student's raw spans are
    kept: the same windows, soft labels and occlusion flags without the skeletons held."""
    config = config or DistillConfig()
    vocabulary = student_labels(dataset.manifest.labels)
    custom = vocabulary != taxonomy.LABELS
    if custom:
        # A club's own labels: the student's head has one output per label, and neither
        # simulated sessions nor streams (events in the paper's actions) can teach it.
        config = dataclasses.replace(
            config,
            student=dataclasses.replace(config.student, n_labels=len(vocabulary)),
            simulated_minutes=0.0,
        )
    examples = student_clips(
        dataset, teacher, list(teacher_labels), vocabulary, config.shift_views_s, stream
    )
    windows, soft, video_occluded = examples.windows, examples.soft, examples.video_occluded
    imu_ok = windows.imu_ok[:, 0]
    groups = examples.athlete_id
    split_source = "the teacher run's split" if split is not None else "drawn with the dataset seed"
    if split is None:
        split = grouped_split(groups, config.split_fractions, dataset.manifest.splits.seed)
    check_disjoint_groups(split, groups)
    parts = {
        name: index[imu_ok[index]]
        for name, index in (("train", split.train), ("val", split.val), ("test", split.test))
    }
    if min(len(p) for p in parts.values()) == 0:
        raise DistillError("a split part has no clips with usable IMU; more athletes are needed")

    spec = _fit_input_spec(windows, parts["train"], config)
    train_index, val_index, test_index = parts["train"], parts["val"], parts["test"]
    labels, dropped_imu_loss = windows.labels, int((~imu_ok).sum())
    no_streams = np.zeros((0, len(spec.channels), windows.length), np.float32)
    val_inputs = ShiftedViews(spec, windows.subset(val_index), no_streams).view(0)
    test_inputs = ShiftedViews(spec, windows.subset(test_index), no_streams).view(0)
    # The training clips keep their raw spans; each batch prepares the views it draws.
    train_windows = windows.subset(train_index)
    del examples, windows
    gps_row = spec.channel_names.index(GPS_SPEED_CHANNEL)
    normaliser = dsp.Normaliser(
        mean=np.asarray(spec.normalisation.mean), std=np.asarray(spec.normalisation.std)
    )
    sensors = imu_sensors(len(taxonomy.IMU_SITES))
    streams = (
        {"train": [], "val": [], "test": []}
        if custom
        else _continuous_sessions(dataset, split, groups, config)
    )
    # The students' training set: every view of the training clips, then the streams'
    # windows (the same in every view).
    stream_inputs, stream_labels, stream_athletes = _stream_windows(
        streams["train"], spec, config, no_streams.shape[1:]
    )
    n_clips = len(train_index)
    train_soft = None
    if soft is not None:
        stream_soft = np.eye(soft.shape[1], dtype=np.float32)[stream_labels]
        train_soft = np.concatenate([soft[train_index], stream_soft])
    train = TrainingSet(
        ShiftedViews(spec, train_windows, stream_inputs),
        np.concatenate([labels[train_index], stream_labels]),
        train_soft,
        gps_row,
        sensors,
        normaliser,
        np.concatenate([groups[train_index], stream_athletes]),
    )
    val = TrainingSet(
        val_inputs[None],
        labels[val_index],
        None if soft is None else soft[val_index],
        gps_row,
        sensors,
        normaliser,
    )
    kd, choice = train_chosen_student(
        train, val, config, distil=True, description=STUDENT_DISTILLED
    )
    if choice is not None:
        # The family chosen on training athletes held out is what is saved, exported and
        # reported, and what the student without distillation is, so that the two differ
        # only by the teacher.
        config = config.replace(student=dataclasses.replace(config.student, kind=choice.kept))
    plain = train_student(train, val, config, distil=False, description=STUDENT_PLAIN)
    # MiniRocket twice: on the clips alone (the classic baseline), and on exactly the
    # windows the students learn from, streams included, so the comparison with the
    # students is on the same training data (streams teach "not centred → background",
    # which costs clip accuracy; measured in docs/student.md).
    centred = train.views.view(0)
    rockets = {
        ROCKET_CLIPS: fit_minirocket(
            centred[:n_clips], labels[train_index], config.seed, minirocket_kernels
        )
    }
    if streams["train"]:
        rockets[ROCKET_SAME] = fit_minirocket(
            centred, train.labels, config.seed, minirocket_kernels
        )
    del centred

    y_test = labels[test_index]
    # Every model on the same test clips: its predictions, and its cost where measured.
    candidates = [
        _Candidate(
            STUDENT_DISTILLED,
            predict_logits(kd.model, test_inputs).argmax(axis=1),
            _onnx_latency_ms(kd.model, test_inputs[:1]),
            4 * parameter_count(kd.model),
        ),
        _Candidate(
            STUDENT_PLAIN,
            predict_logits(plain.model, test_inputs).argmax(axis=1),
            _onnx_latency_ms(plain.model, test_inputs[:1]),
            4 * parameter_count(plain.model),
        ),
        *(
            _Candidate(
                name,
                rocket.predict(test_inputs),
                _latency_ms(rocket.predict, test_inputs[:1], 10),
                len(pickle.dumps(rocket)),
            )
            for name, rocket in rockets.items()
        ),
    ]
    if soft is not None:
        candidates.insert(0, _Candidate(TEACHER, soft[test_index].argmax(axis=1), None, None))
    occluded = video_occluded[test_index]
    synthetic = dataset.manifest.synthetic
    groups_test = groups[test_index]

    def scored(mask: np.ndarray, with_cost: bool) -> list[ModelScores]:
        return [
            score_model(
                c.name,
                y_test[mask],
                c.predicted[mask],
                groups_test[mask],
                config.bootstrap_samples,
                config.seed,
                c.latency_ms if with_cost else None,
                c.size_bytes if with_cost else None,
            )
            for c in candidates
        ]

    rows = scored(np.ones(len(y_test), dtype=bool), with_cost=True)
    occluded_rows = scored(occluded, with_cost=False) if occluded.any() else []

    events = _event_settings(kd.model, val, streams, spec, config, vocabulary)
    report = DistillReport(
        synthetic=synthetic,
        data_hash=dataset.content_hash,
        dataset=dataset.manifest.name,
        split=f"grouped by athlete ({split_source})",
        n_clips={name: int(len(p)) for name, p in parts.items()},
        n_test_occluded=int(occluded.sum()),
        n_train_windows=TrainWindows(clips=n_clips, students=len(train.labels)),
        dropped_imu_loss=dropped_imu_loss,
        student=StudentSummary(
            kind=config.student.kind,
            parameters=parameter_count(kd.model),
            epochs=kd.epochs,
            val_macro_f1=kd.val_macro_f1,
            family_choice="" if choice is None else choice.reason,
            held_out_macro_f1={} if choice is None else choice.held_out_macro_f1,
            held_out_over_first={} if choice is None else choice.over_first,
            held_out_ahead_share={} if choice is None else choice.ahead_share,
        ),
        rows=rows,
        occluded_rows=occluded_rows,
        thresholds=events["thresholds"],
        events=events["report"],
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.save(
        {"state_dict": kd.model.state_dict(), "config": config.to_dict()}, out_dir / CHECKPOINT
    )
    state = {
        "labels": list(vocabulary),
        "config": config.to_dict(),
        "input_spec": spec.model_dump(mode="json"),
        "events": {"thresholds": events["thresholds"], "nms_s": events["nms_s"]},
        "split_athletes": {
            name: sorted(set(groups[index].tolist()))
            for name, index in (("train", split.train), ("val", split.val), ("test", split.test))
        },
        "data_dir": str(dataset.root.resolve()),
        "data_hash": dataset.content_hash,
        "synthetic": synthetic,
        "metrics": gating_metrics(report),
    }
    (out_dir / STATE).write_text(json.dumps(state, indent=2) + "\n")
    report.save(out_dir / REPORT_JSON)
    (out_dir / REPORT_MD).write_text(report_markdown(report))
    return DistillResult(out_dir, report)


def distill_run(
    run_dir: Path,
    data_dir: Path | None = None,
    config: DistillConfig | None = None,
    minirocket_kernels: int = MINIROCKET_KERNELS,
    compute: Compute | None = None,
    stream: bool = False,
) -> DistillResult:
    """Distil the teacher saved in `run_dir` (a `touchline train` run) into
    `run_dir/student/`, on the run's own athlete split when it recorded one. The teacher
    labels the clips on `compute`'s device (default the CPU); the students, a few
    thousand parameters each, train on the CPU. `stream`: see `distill`."""
    from host.models.run import RunError, load_run

    config = config or DistillConfig()
    try:
        run = load_run(run_dir)
    except RunError as exc:
        raise DistillError(str(exc)) from exc
    run.model.to((compute or Compute()).device)
    data_path = data_dir or run.info.get("data")
    if data_path is None:
        raise DistillError(f"{run_dir}: the run does not say which dataset it used; pass --data")
    if Path(data_path).suffix == ".ts":
        raise DistillError(
            f"{run_dir} was trained on the labelled series of {data_path}; `touchline "
            "distill` distils on a dataset folder's clips. For a .ts file, `touchline "
            f"student-check --data {data_path}` trains the sideline student on the same "
            "series and scores it beside MiniRocket and Hydra"
        )
    dataset = load_dataset(data_path)
    split = None
    split_file = Path(run_dir) / SPLIT_FILE
    if split_file.exists():
        split = SplitPlan.from_dict(json.loads(split_file.read_text())).actions
    return distill(
        dataset,
        Path(run_dir) / STUDENT_DIR,
        run,
        config,
        split,
        minirocket_kernels,
        teacher_labels=run.labels,
        stream=stream,
    )


def _continuous_sessions(
    dataset: Dataset, split: Split, groups: np.ndarray, config: DistillConfig
) -> dict[str, list[ContinuousSession]]:
    """The dataset's continuous sessions by split part (athlete grouping as the clips), plus
    `config.simulated_minutes` simulated per training and per validation athlete; test
    athletes get none simulated."""
    by_part: dict[str, list[ContinuousSession]] = {"train": [], "val": [], "test": []}
    members = {
        name: set(groups[index].tolist())
        for name, index in (("train", split.train), ("val", split.val), ("test", split.test))
    }
    for path in dataset.continuous_files:
        session = load_continuous(path, dataset.manifest.labels)
        for name, athletes in members.items():
            if session.athlete_id in athletes:
                by_part[name].append(session)
    if config.simulated_minutes > 0:
        for name, offset in (("train", 0), ("val", 1)):
            by_part[name] += simulate_sessions(
                sorted(members[name]), config.simulated_minutes, config.seed * 2 + offset
            )
    return by_part


def _stream_windows(
    sessions: list[ContinuousSession],
    spec: InputSpec,
    config: DistillConfig,
    shape: tuple[int, ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The streams' training windows, prepared, their labels and their athletes (none
    without streams; `shape` is a window's). They are the same in every view, and the
    teacher has no view of a stream, so its soft label is the hard one."""
    if not sessions:
        return np.zeros((0, *shape), np.float32), np.zeros(0, np.int64), np.zeros(0, str)
    rng = np.random.default_rng(config.seed)
    # Session by session, one generator: the same windows as all sessions at once.
    parts = [
        training_windows(
            [session],
            HOP_S,
            config.continuous_tolerance_s,
            config.continuous_ambiguous_s,
            config.continuous_background_per_session,
            rng,
        )
        for session in sessions
    ]
    raw = np.concatenate([part.raw for part in parts])
    present = np.concatenate([part.present for part in parts])
    athletes = np.concatenate(
        [np.full(len(part.labels), s.athlete_id) for part, s in zip(parts, sessions, strict=True)]
    )
    return (
        prepare_windows(spec, raw, present),
        np.concatenate([part.labels for part in parts]),
        athletes,
    )


def score_sessions(
    model: torch.nn.Module, sessions: list[ContinuousSession], spec: InputSpec
) -> list[ScoredSession]:
    """Window scores of every stream, windows cut and prepared as the edge does."""
    scored = []
    for session in sessions:
        windows = session_windows(session, spec.hop_s)
        probs = softmax(predict_logits(model, prepare_windows(spec, windows.raw, windows.present)))
        scored.append(ScoredSession(session.athlete_id, windows.centres_s, probs, session.events))
    return scored


def _event_settings(
    model: torch.nn.Module,
    val: TrainingSet,
    streams: dict[str, list[ContinuousSession]],
    spec: InputSpec,
    config: DistillConfig,
    vocabulary: tuple[str, ...] = taxonomy.LABELS,
) -> dict[str, Any]:
    """Thresholds and NMS by event-level F1 on the validation streams (clip F1 when there
    are none), and the event-level scores on the test athletes' streams."""
    report: dict[str, Any] = {"tuned_on": "validation clips (no validation streams)"}
    if streams["val"]:
        val_scored = score_sessions(model, streams["val"], spec)
        thresholds, nms_s, val_f1 = tune_event_settings(
            val_scored, config.threshold_grid, config.nms_grid_s
        )
        report = {
            "tuned_on": f"{len(val_scored)} validation streams, "
            f"{sum(len(s.centres_s) for s in val_scored) * spec.hop_s / 60:.0f} min",
            "val_event_f1": val_f1,
        }
    else:
        val_probs = softmax(predict_logits(model, val.views.view(0)))
        thresholds = tune_thresholds(val_probs, val.labels, config.threshold_grid, vocabulary)
        nms_s = config.nms_s
    if streams["test"]:
        found, truth = found_and_truth(
            score_sessions(model, streams["test"], spec), thresholds, nms_s
        )
        intervals = f1_intervals(found, truth, config.bootstrap_samples, config.seed)
        report["test_streams"] = len(streams["test"])
        report["test"] = [
            {
                "action": s.label,
                "precision": s.precision,
                "recall": s.recall,
                "f1": s.f1,
                "f1_low": intervals[s.label][0],
                "f1_high": intervals[s.label][1],
                "true_events": s.true_positives + s.false_negatives,
                "detections": s.true_positives + s.false_positives,
            }
            for s in score_events(found, truth)
        ]
    return {"thresholds": thresholds, "nms_s": nms_s, "report": report}


def tune_thresholds(
    probs: np.ndarray,
    labels: np.ndarray,
    grid: tuple[float, ...],
    vocabulary: tuple[str, ...] = taxonomy.LABELS,
) -> dict[str, float]:
    """Per action (every label but background), the score threshold with the best
    one-vs-rest F1 on these (validation) windows; an action absent from them keeps the
    middle of the grid."""
    thresholds: dict[str, float] = {}
    for k, action in enumerate(vocabulary):
        if action == taxonomy.BACKGROUND:
            continue
        truth = labels == k
        if not truth.any():
            thresholds[action] = float(grid[len(grid) // 2])
            continue
        scores = [f1_score(truth, probs[:, k] >= t, zero_division=0) for t in grid]
        thresholds[action] = float(grid[int(np.argmax(scores))])
    return thresholds


def _fit_input_spec(windows: ShiftedWindows, index: np.ndarray, config: DistillConfig) -> InputSpec:
    """Channels and filters from the config; z-score statistics from the training windows
    `index` (centred view) after the same low-pass the edge applies (missing GPS left out
    of the statistics)."""
    channels = student_channels(config.imu_cutoff_hz, config.gps_cutoff_hz)
    identity = {"mean": [0.0] * len(channels), "std": [1.0] * len(channels)}
    spec = InputSpec.model_validate(
        {
            "channels": channels,
            "sample_rate_hz": STUDENT_RATE_HZ,
            "window_s": WINDOW_S,
            "hop_s": HOP_S,
            "filter_order": config.filter_order,
            "normalisation": identity,
        }
    )
    # filter_windows' dtype, filled chunk by chunk (filtering works in float64).
    filtered = np.empty((len(index), len(channels), windows.length), np.float32)
    for start in range(0, len(index), PREPARE_CHUNK):
        rows = index[start : start + PREPARE_CHUNK]
        filtered[start : start + len(rows)] = filter_windows(spec, windows.raw_view(0, rows))
    present = windows.present[index, 0]
    mean = np.zeros(len(channels))
    std = np.ones(len(channels))
    # A channel at a time: the fit's float64 temporaries are then a channel's size, and
    # each channel's statistics are the same as fitted with the others.
    for channel in np.flatnonzero(present.any(axis=0)):
        fitted = dsp.Normaliser.fit(
            filtered[:, [channel]], axis=1, valid=present[:, [channel], None]
        )
        mean[channel] = fitted.mean[0]
        # A channel that never moves keeps unit scale rather than dividing by ~0.
        std[channel] = fitted.std[0] if fitted.std[0] > 1e-3 else 1.0
    normaliser = dsp.Normaliser(mean=mean, std=std)
    return InputSpec.model_validate({**spec.model_dump(), "normalisation": normaliser.to_dict()})


@dataclass(frozen=True)
class StudentClips:
    """What distillation keeps of every clip: the student's raw spans at every shift, the
    athlete, the teacher's probabilities (None without a teacher) and whether the video
    was occluded."""

    windows: ShiftedWindows
    athlete_id: np.ndarray
    soft: np.ndarray | None
    video_occluded: np.ndarray


def student_clips(
    dataset: Dataset,
    teacher: Teacher | None,
    labels: list[str],
    vocabulary: tuple[str, ...],
    shifts_s: tuple[float, ...],
    stream: bool,
) -> StudentClips:
    """Every clip cut into the student's spans at `shifts_s`, with its teacher
    probabilities and occlusion flag. Streamed, each shard is read once, labelled by the
    teacher whole and cut, and only its spans are kept: no clip's signals outlive its
    shard."""
    imu = dataset.manifest.modalities.get("imu")
    gps = dataset.manifest.modalities.get("gps")

    def cut(clips: Clips) -> ShiftedWindows:
        return clip_spans(
            clips,
            dataset.manifest.labels,
            imu.rate_hz if imu else 0.0,
            gps.rate_hz if gps else taxonomy.GPS_RATE_HZ,
            shifts_s,
            vocabulary,
        )

    if not stream:
        clips = dataset.clips()
        soft = (
            None if teacher is None else _teacher_probabilities(teacher, clips, labels, vocabulary)
        )
        return StudentClips(cut(clips), np.asarray(clips.athlete_id), soft, _video_occluded(clips))
    index = ShardIndex.of(dataset)
    windows: ShiftedWindows | None = None
    soft_parts, occluded = [], []
    for shard in range(len(index.paths)):
        whole = index.read(shard)
        if teacher is not None:
            soft_parts.append(_teacher_probabilities(teacher, whole, labels, vocabulary))
        occluded.append(_video_occluded(whole))
        part = cut(whole)
        if windows is None:
            windows = ShiftedWindows.allocate(len(index), part)
        windows.put(int(index.starts[shard]), part)
    assert windows is not None  # ShardIndex.of refuses a dataset without shards
    return StudentClips(
        windows,
        np.asarray(index.identity.athlete_id),
        np.concatenate(soft_parts) if teacher is not None else None,
        np.concatenate(occluded),
    )


def _teacher_probabilities(
    teacher: Teacher, clips: Clips, labels: list[str], vocabulary: tuple[str, ...]
) -> np.ndarray:
    """The teacher's probabilities in the student's label order (0 for labels it lacks)."""
    unknown = sorted(set(labels) - set(vocabulary))
    if unknown:
        raise DistillError(f"the teacher predicts labels {unknown} the student does not know")
    probs = np.asarray(teacher.predict_proba(clips), dtype=np.float32)
    if probs.shape != (len(clips), len(labels)):
        raise DistillError(
            f"teacher gave probabilities of shape {probs.shape}, "
            f"expected ({len(clips)}, {len(labels)})"
        )
    ordered = np.zeros((len(clips), len(vocabulary)), dtype=np.float32)
    ordered[:, [vocabulary.index(label) for label in labels]] = probs
    return ordered


def _video_occluded(clips: Clips) -> np.ndarray:
    """Clips whose skeleton is absent, or occluded longer than the paper's 1.5 s (the
    edge's drop rule): where the teacher loses its video branch."""
    if clips.skeleton_conf is None:
        return np.ones(len(clips), dtype=bool)
    return np.array(
        [
            occluded_frames(conf).all() or drop_reason(skeleton_conf=conf) is not None
            for conf in clips.skeleton_conf
        ]
    )


def _latency_ms(fn: Callable[[np.ndarray], object], window: np.ndarray, repeats: int) -> float:
    fn(window)
    start = time.perf_counter()
    for _ in range(repeats):
        fn(window)
    return (time.perf_counter() - start) / repeats * 1e3


def _onnx_latency_ms(model: torch.nn.Module, window: np.ndarray) -> float:
    from host.export.onnx import onnx_session, to_onnx_bytes

    session = onnx_session(to_onnx_bytes(model))
    name = session.get_inputs()[0].name
    return _latency_ms(lambda x: session.run(None, {name: x}), window, _LATENCY_REPEATS)
