"""The student on continuous sessions: windows cut at the edge's hop, and event settings
tuned on whole validation streams.

On the sideline most windows hold no action and many hold one off-centre, so a student
trained on centred clips alone fires far too often. Here a session (a dataset's
`continuous/*.npz`, or one simulated with `edge.sim.simulate_session`) is cut into 6 s
windows every hop exactly as the edge cuts them; a window whose centre lies within
`label_tolerance_s` of a true event's key instant takes that action's label, one with an
event between that and `ambiguous_s` is left out (neither clearly the action nor clearly
not), every other window is `background`. Event thresholds and non-maximum suppression
are then chosen by event-level F1 on validation streams, through the edge's own
`EventDetector` and `score_events`.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge import taxonomy
from edge.events import EventDetector
from edge.replay import ActionScore, score_events
from edge.sim import random_traits, simulate_session
from edge.windows import drop_reason
from host.distill.config import STUDENT_RATE_HZ, WINDOW_S
from host.distill.windows import StudentDataError, StudentWindows

# Windows labelled "ignore" (an event near, but not at, the centre).
AMBIGUOUS = -1


@dataclass(frozen=True)
class ContinuousSession:
    """One athlete's stream: IMU `(T, 12)` at 100 Hz from time 0, which IMU samples were
    delivered `(T, 2)`, GPS speed fixes, and the true events (label, key instant s)."""

    name: str
    athlete_id: str
    imu: np.ndarray
    imu_valid: np.ndarray
    gps_t_s: np.ndarray
    gps_speed: np.ndarray
    gps_valid: np.ndarray
    events: list[tuple[str, float]]


@dataclass(frozen=True)
class SessionWindows:
    """Every scorable window of a session: raw windows, channel presence, window centres."""

    raw: np.ndarray
    present: np.ndarray
    centres_s: np.ndarray


def load_continuous(path: Path, dataset_labels: Sequence[str]) -> ContinuousSession:
    """Read `continuous/<session>__<athlete>.npz` (keys in docs/synthetic.md)."""
    session_id, _, athlete_id = path.stem.partition("__")
    if not athlete_id:
        raise StudentDataError(f"{path}: name is not <session>__<athlete>.npz")
    try:
        with np.load(path) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise StudentDataError(f"{path}: unreadable continuous session ({exc})") from exc
    missing = sorted(
        {
            "waist",
            "calf",
            "waist_valid",
            "calf_valid",
            "gps",
            "gps_t_s",
            "gps_valid",
            "events_t_s",
            "events_label",
        }
        - set(arrays)
    )
    if missing:
        raise StudentDataError(f"{path}: continuous session lacks {missing}")
    labels = [dataset_labels[int(k)] for k in arrays["events_label"]]
    return ContinuousSession(
        name=path.stem,
        athlete_id=athlete_id,
        imu=np.concatenate([arrays["waist"], arrays["calf"]], axis=1).astype(np.float32),
        imu_valid=np.stack([arrays["waist_valid"], arrays["calf_valid"]], axis=1),
        gps_t_s=arrays["gps_t_s"].astype(np.float64),
        gps_speed=arrays["gps"][:, taxonomy.GPS_CHANNELS.index("speed_mps")],
        gps_valid=arrays["gps_valid"].astype(bool),
        events=[(label, float(t)) for label, t in zip(labels, arrays["events_t_s"], strict=True)],
    )


def simulate_sessions(
    athlete_ids: Iterable[str], minutes: float, seed: int
) -> list[ContinuousSession]:
    """One simulated session of `minutes` per athlete id (a fresh virtual player under that
    id, scene drawn from the paper's six): more streams than a dataset stores."""
    sessions = []
    for k, athlete_id in enumerate(athlete_ids):
        rng = np.random.default_rng([seed, 7919, k])
        scene = str(rng.choice(taxonomy.SCENES))
        signals = simulate_session(
            random_traits(rng, athlete_id), rng, minutes * 60.0, scene, with_skeleton=False
        )
        sessions.append(
            ContinuousSession(
                name=f"sim{k}__{athlete_id}",
                athlete_id=athlete_id,
                imu=np.concatenate([signals.waist, signals.calf], axis=1).astype(np.float32),
                imu_valid=np.stack([signals.waist_valid, signals.calf_valid], axis=1),
                gps_t_s=np.asarray(signals.gps_t_s, dtype=np.float64),
                gps_speed=signals.gps[:, taxonomy.GPS_CHANNELS.index("speed_mps")],
                gps_valid=np.asarray(signals.gps_valid, dtype=bool),
                events=[(e.label, float(e.t_s)) for e in signals.events],
            )
        )
    return sessions


def session_windows(session: ContinuousSession, hop_s: float) -> SessionWindows:
    """Every window the edge would score, cut every `hop_s` from time 0, with GPS speed
    interpolated from valid fixes; windows the paper's loss rules drop are left out."""
    length = round(WINDOW_S * STUDENT_RATE_HZ)
    hop = round(hop_s * STUDENT_RATE_HZ)
    n_samples = len(session.imu)
    if n_samples < length:
        return SessionWindows(
            np.zeros((0, 13, length), np.float32), np.zeros((0, 13), bool), np.zeros(0)
        )
    t_imu = np.arange(n_samples) / STUDENT_RATE_HZ
    fixes = session.gps_valid
    speed = (
        np.interp(t_imu, session.gps_t_s[fixes], session.gps_speed[fixes]).astype(np.float32)
        if fixes.sum() >= 2
        else None
    )
    gps_period = 1.0 / taxonomy.GPS_RATE_HZ
    starts = np.arange(0, n_samples - length + 1, hop)
    keep, present = [], []
    for start in starts:
        t0, t1 = start / STUDENT_RATE_HZ, (start + length) / STUDENT_RATE_HZ
        in_window = (session.gps_t_s >= t0 - gps_period) & (session.gps_t_s < t1 + gps_period)
        gps_valid = fixes[in_window]
        reason = drop_reason(
            imu_valid=session.imu_valid[start : start + length].T,
            gps_valid=gps_valid if speed is not None else None,
            imu_rate_hz=STUDENT_RATE_HZ,
        )
        if reason is None:
            keep.append(start)
            present.append(speed is not None and gps_valid.sum() >= 2)
    index = np.asarray(keep, dtype=np.int64)
    raw = np.zeros((len(index), 13, length), dtype=np.float32)
    imu_view = np.lib.stride_tricks.sliding_window_view(session.imu, length, axis=0)
    raw[:, :12] = imu_view[index]
    if speed is not None:
        raw[:, 12] = np.lib.stride_tricks.sliding_window_view(speed, length)[index]
    channel_present = np.ones((len(index), 13), dtype=bool)
    channel_present[:, 12] = np.asarray(present, dtype=bool)
    raw[~channel_present[:, 12], 12] = 0.0
    centres = (index + length / 2) / STUDENT_RATE_HZ
    return SessionWindows(raw, channel_present, centres)


def window_labels(
    centres_s: np.ndarray,
    events: Sequence[tuple[str, float]],
    tolerance_s: float,
    ambiguous_s: float,
) -> np.ndarray:
    """Label index per window centre: the nearest event's action within `tolerance_s`,
    `AMBIGUOUS` for an event within `ambiguous_s`, background otherwise."""
    labels = np.full(len(centres_s), taxonomy.LABELS.index(taxonomy.BACKGROUND), np.int64)
    if not events:
        return labels
    times = np.array([t for _, t in events])
    kinds = np.array([taxonomy.LABELS.index(label) for label, _ in events])
    distance = np.abs(centres_s[:, None] - times[None, :])
    nearest = distance.argmin(axis=1)
    gap = distance[np.arange(len(centres_s)), nearest]
    labels[gap <= ambiguous_s] = AMBIGUOUS
    labels[gap <= tolerance_s] = kinds[nearest[gap <= tolerance_s]]
    return labels


def training_windows(
    sessions: Sequence[ContinuousSession],
    hop_s: float,
    tolerance_s: float,
    ambiguous_s: float,
    background_per_session: int,
    rng: np.random.Generator,
) -> StudentWindows:
    """Every action window of the sessions plus up to `background_per_session` background
    windows each, drawn at random (a 10-minute stream has ~1 200)."""
    raws, presents, labels = [], [], []
    background = taxonomy.LABELS.index(taxonomy.BACKGROUND)
    for session in sessions:
        windows = session_windows(session, hop_s)
        y = window_labels(windows.centres_s, session.events, tolerance_s, ambiguous_s)
        actions = np.flatnonzero((y != AMBIGUOUS) & (y != background))
        quiet = np.flatnonzero(y == background)
        quiet = rng.choice(quiet, min(background_per_session, len(quiet)), replace=False)
        chosen = np.sort(np.concatenate([actions, quiet]))
        raws.append(windows.raw[chosen])
        presents.append(windows.present[chosen])
        labels.append(y[chosen])
    raw = np.concatenate(raws) if raws else np.zeros((0, 13, round(WINDOW_S * STUDENT_RATE_HZ)))
    return StudentWindows(
        raw.astype(np.float32),
        np.concatenate(presents) if presents else np.zeros((0, 13), bool),
        np.ones(len(raw), dtype=bool),
        np.concatenate(labels) if labels else np.zeros(0, np.int64),
    )


def detect_events(
    centres_s: np.ndarray, probs: np.ndarray, thresholds: Mapping[str, float], nms_s: float
) -> list[tuple[str, float]]:
    """(label, time) of the events the edge's detector finds in these window scores."""
    detector = EventDetector(taxonomy.LABELS, dict(thresholds), nms_s)
    found = []
    for t, p in zip(centres_s, probs, strict=True):
        found += detector.update(float(t), p)
    found += detector.flush()
    return [(e.label, e.t_s) for e in found]


@dataclass(frozen=True)
class ScoredSession:
    """A stream's window scores beside its truth, ready to detect events at any setting."""

    athlete_id: str
    centres_s: np.ndarray
    probs: np.ndarray
    events: list[tuple[str, float]]


def found_and_truth(
    sessions: Sequence[ScoredSession], thresholds: Mapping[str, float], nms_s: float
) -> tuple[dict[str, list[tuple[str, float]]], dict[str, list[tuple[str, float]]]]:
    """Detections and true events keyed per stream, as edge.replay scores them."""
    found: dict[str, list[tuple[str, float]]] = {}
    truth: dict[str, list[tuple[str, float]]] = {}
    for k, s in enumerate(sessions):
        key = f"{s.athlete_id}#{k}"
        found[key] = detect_events(s.centres_s, s.probs, thresholds, nms_s)
        truth[key] = list(s.events)
    return found, truth


def event_scores(
    sessions: Sequence[ScoredSession], thresholds: Mapping[str, float], nms_s: float
) -> list[ActionScore]:
    """Event-level precision/recall/F1 per action (edge.replay.score_events, ±0.5 s)."""
    return score_events(*found_and_truth(sessions, thresholds, nms_s))


def tune_event_settings(
    sessions: Sequence[ScoredSession], grid: Sequence[float], nms_grid: Sequence[float]
) -> tuple[dict[str, float], float, float]:
    """Per-action thresholds and one NMS width maximising event-level F1 on these
    (validation) streams. Actions are detected independently, so each action's threshold
    is its own best; the NMS width is the one with the best pooled F1. Returns
    (thresholds, nms_s, pooled F1). An action absent from the streams keeps the
    middle of the grid."""
    best: tuple[float, dict[str, float], float] | None = None
    for nms in nms_grid:
        per_threshold = [
            event_scores(sessions, dict.fromkeys(taxonomy.ACTIONS, t), nms) for t in grid
        ]
        thresholds = {}
        for k, action in enumerate(taxonomy.ACTIONS):
            f1s = [scores[k].f1 for scores in per_threshold]
            seen = per_threshold[0][k].true_positives + per_threshold[0][k].false_negatives
            thresholds[action] = float(grid[int(np.argmax(f1s))] if seen else grid[len(grid) // 2])
        pooled = event_scores(sessions, thresholds, nms)[-1].f1
        if best is None or pooled > best[0]:
            best = (pooled, thresholds, float(nms))
    assert best is not None, "nms_grid is empty"
    return best[1], best[2], best[0]
