"""`edge replay`: run stored or simulated sessions through the recording pipeline, fast.

The packets go through exactly the `SessionProcessor` that `edge record` uses, with no
pacing, so a session is re-scored in a fraction of its length and the throughput is a
figure for the pipeline itself (time spent generating simulated packets is not counted).
Simulated sessions carry their true events, so detections are scored at event level:
a detection matches a true action of the same label within ±0.5 s (one-to-one, optimal
assignment), giving precision, recall and F1 per action of the model bundle: a club's
bundle is scored on its own labels, the paper's on its eight.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from edge.config import EdgeConfig
from edge.events import ActionEvent
from edge.infer import ActionModel
from edge.packets import Packet, SensorRole
from edge.store import Store
from edge.stream import SessionProcessor
from edge.taxonomy import ACTIONS, action_labels
from edge.transports.virtual import SquadSpec, VirtualSquad

MATCH_TOLERANCE_S = 0.5
ADVANCE_EVERY_PACKETS = 500


@dataclass(frozen=True)
class ActionScore:
    """Event-level counts and rates of one action (or "all", pooled)."""

    label: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0

    @property
    def recall(self) -> float:
        real = self.true_positives + self.false_negatives
        return self.true_positives / real if real else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class ReplayResult:
    athletes: int
    imu_sensors: int
    packets: int
    session_s: float
    pipeline_s: float
    events: dict[str, list[ActionEvent]] = field(default_factory=dict)
    scores: list[ActionScore] | None = None
    processor: SessionProcessor | None = None
    intervals: dict[str, tuple[float, float]] | None = None

    @property
    def realtime_factor(self) -> float:
        """Seconds of session processed per second of pipeline time."""
        return self.session_s / self.pipeline_s if self.pipeline_s > 0 else float("inf")


def run_pipeline(
    processor: SessionProcessor,
    packets: Iterable[Packet],
    progress: Callable[[float], None] | None = None,
) -> tuple[int, float, float]:
    """Feed every packet; return (packets, latest session time, seconds spent in the pipeline)."""
    spent = 0.0
    count = 0
    latest = 0.0
    for packet in packets:
        started = time.perf_counter()
        processor.feed(packet)
        count += 1
        if count % ADVANCE_EVERY_PACKETS == 0:
            processor.advance()
            if progress:
                progress(packet.arrival_s)
        spent += time.perf_counter() - started
        latest = max(latest, packet.arrival_s)
    started = time.perf_counter()
    processor.advance(final=True)
    spent += time.perf_counter() - started
    return count, latest, spent


def _imu_sensors(roles: list[SensorRole]) -> int:
    return sum(role.site in ("waist", "calf") for role in roles)


def replay_simulated(
    model: ActionModel,
    config: EdgeConfig,
    athletes: int,
    duration_s: float,
    *,
    seed: int = 0,
    loss: float = 0.0,
    drift_ppm: float = 50.0,
    scene: str = "small_sided_game",
    progress: Callable[[float], None] | None = None,
) -> ReplayResult:
    """Simulate a squad session and score the pipeline's events against the truth."""
    spec = SquadSpec.from_address(
        f"virtual://squad?athletes={athletes}&duration_s={duration_s}&seed={seed}"
        f"&loss={loss}&drift_ppm={drift_ppm}&scene={scene}"
    )
    squad = VirtualSquad(spec)
    roles = spec.roles()
    processor = SessionProcessor(roles, model, config.record, config.events)
    count, latest, spent = run_pipeline(processor, squad.packets(), progress)
    events = {a: list(state.events) for a, state in processor.athletes.items()}
    truth = {a: [(e.label, e.t_s) for e in true] for a, true in squad.truth.items()}
    found = {a: [(e.label, e.t_s) for e in ev] for a, ev in events.items()}
    labels = action_labels(model.manifest.labels)
    return ReplayResult(
        athletes,
        _imu_sensors(roles),
        count,
        latest,
        spent,
        events,
        score_events(found, truth, labels=labels),
        processor,
        f1_intervals(found, truth, seed=seed, labels=labels),
    )


def replay_stored(
    store: Store,
    session_id: str,
    model: ActionModel,
    config: EdgeConfig,
    progress: Callable[[float], None] | None = None,
) -> ReplayResult:
    """Re-run a recorded session's raw frames (e.g. with a newer model); the store is
    only read."""
    sensors = store.sensors(session_id)
    if not sensors:
        raise KeyError(session_id)
    roles = [SensorRole(s.address, s.athlete_id, s.site, s.protocol) for s in sensors]
    processor = SessionProcessor(roles, model, config.record, config.events)
    packets = (Packet(f.address, f.data, f.arrival_s) for f in store.frames(session_id))
    count, latest, spent = run_pipeline(processor, packets, progress)
    events = {a: list(state.events) for a, state in processor.athletes.items()}
    return ReplayResult(
        len(processor.athletes),
        _imu_sensors(roles),
        count,
        latest,
        spent,
        events,
        None,
        processor,
    )


def _counts_by_athlete(
    found: dict[str, list[tuple[str, float]]],
    truth: dict[str, list[tuple[str, float]]],
    tolerance_s: float,
    labels: Sequence[str],
) -> dict[str, np.ndarray]:
    """Per athlete: (labels × [TP, FP, FN]) counts."""
    out = {}
    for athlete in sorted(set(found) | set(truth)):
        counts = np.zeros((len(labels), 3), dtype=np.int64)
        for row, label in enumerate(labels):
            f = np.array([t for lab, t in found.get(athlete, []) if lab == label])
            g = np.array([t for lab, t in truth.get(athlete, []) if lab == label])
            matched = 0
            if len(f) and len(g):
                cost = np.abs(f[:, None] - g[None, :])
                rows, cols = linear_sum_assignment(np.where(cost <= tolerance_s, cost, 1e6))
                matched = int((cost[rows, cols] <= tolerance_s).sum())
            counts[row] = (matched, len(f) - matched, len(g) - matched)
        out[athlete] = counts
    return out


def score_events(
    found: dict[str, list[tuple[str, float]]],
    truth: dict[str, list[tuple[str, float]]],
    tolerance_s: float = MATCH_TOLERANCE_S,
    *,
    labels: Sequence[str] = ACTIONS,
) -> list[ActionScore]:
    """Per action label: detections matched one-to-one to true events of the same athlete
    and label within ±tolerance (Hungarian assignment on |Δt|); the last row pools all.

    `labels` are the actions scored, in order: the model bundle's own (`action_labels`
    of its vocabulary); the paper's eight by default. Events under other labels are not
    counted, since the model could never have found them.
    """
    per_athlete = _counts_by_athlete(found, truth, tolerance_s, labels)
    total = sum(per_athlete.values(), np.zeros((len(labels), 3), dtype=np.int64))
    scores = [ActionScore(label, *(int(v) for v in total[i])) for i, label in enumerate(labels)]
    return scores + [ActionScore("all", *(int(v) for v in total.sum(axis=0)))]


def f1_intervals(
    found: dict[str, list[tuple[str, float]]],
    truth: dict[str, list[tuple[str, float]]],
    repeats: int = 1000,
    seed: int = 0,
    tolerance_s: float = MATCH_TOLERANCE_S,
    *,
    labels: Sequence[str] = ACTIONS,
) -> dict[str, tuple[float, float]]:
    """95 % bootstrap intervals of each action's F1 (and "all"), resampling athletes with
    replacement: events of one player are not independent, players are. `labels` as in
    `score_events`."""
    per_athlete = _counts_by_athlete(found, truth, tolerance_s, labels)
    stacked = np.stack([per_athlete[a] for a in sorted(per_athlete)])  # (A, K, 3)
    rng = np.random.default_rng(seed)
    draws = stacked[rng.integers(0, len(stacked), (repeats, len(stacked)))].sum(axis=1)
    draws = np.concatenate([draws, draws.sum(axis=1, keepdims=True)], axis=1)  # + "all"
    tp, fp, fn = draws[..., 0], draws[..., 1], draws[..., 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
    low, high = np.percentile(f1, [2.5, 97.5], axis=0)
    names = [*labels, "all"]
    return {label: (float(low[i]), float(high[i])) for i, label in enumerate(names)}
