"""The student on continuous sessions: stream windows, their labels, event tuning, and
event-level detection on held-out athletes' streams."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edge import taxonomy
from edge.replay import score_events
from host.data.dataset import Dataset
from host.distill.config import HOP_S
from host.distill.continuous import (
    AMBIGUOUS,
    ContinuousSession,
    ScoredSession,
    load_continuous,
    session_windows,
    simulate_sessions,
    training_windows,
    tune_event_settings,
    window_labels,
)
from host.distill.pipeline import DistillResult
from host.distill.trained import load_student
from host.distill.windows import StudentDataError

BACKGROUND = taxonomy.LABELS.index(taxonomy.BACKGROUND)
SHOT = taxonomy.LABELS.index("shot")


def test_window_takes_the_action_only_when_its_centre_is_near_the_key_instant() -> None:
    centres = np.array([10.0, 10.4, 11.0, 11.5, 20.0])
    labels = window_labels(centres, [("shot", 10.1)], tolerance_s=0.5, ambiguous_s=1.5)
    assert labels.tolist() == [SHOT, SHOT, AMBIGUOUS, AMBIGUOUS, BACKGROUND]


def test_nearest_event_labels_a_window_between_two() -> None:
    labels = window_labels(
        np.array([10.0]), [("shot", 9.6), ("pass", 10.2)], tolerance_s=0.5, ambiguous_s=1.5
    )
    assert labels.tolist() == [taxonomy.LABELS.index("pass")]


def _stream(seconds: float, lost: slice | None = None) -> ContinuousSession:
    n = round(seconds * taxonomy.IMU_RATE_HZ)
    valid = np.ones((n, 2), bool)
    if lost is not None:
        valid[lost] = False
    n_gps = round(seconds * taxonomy.GPS_RATE_HZ)
    return ContinuousSession(
        "s__a",
        "a",
        np.arange(n, dtype=np.float32)[:, None].repeat(12, axis=1),
        valid,
        np.arange(n_gps) / taxonomy.GPS_RATE_HZ,
        np.full(n_gps, 3.0, np.float32),
        np.ones(n_gps, bool),
        [],
    )


def test_stream_is_cut_every_hop_like_the_edge_with_gps_speed() -> None:
    windows = session_windows(_stream(20.0), hop_s=0.5)
    # Windows start every 0.5 s from 0 while a whole 6 s fits in 20 s: 29 of them.
    assert len(windows.raw) == 29
    np.testing.assert_allclose(windows.centres_s[:3], [3.0, 3.5, 4.0])
    assert windows.raw[1, 0, 0] == 50.0  # second window starts at sample 50
    assert windows.present.all()
    np.testing.assert_allclose(windows.raw[:, 12], 3.0)


def test_windows_with_more_than_three_seconds_of_imu_loss_are_not_cut() -> None:
    # 4 s of both IMUs lost from 8 s to 12 s: any window holding more than 3 s of it drops.
    windows = session_windows(_stream(20.0, slice(800, 1200)), hop_s=0.5)
    starts = windows.centres_s - 3.0
    assert len(windows.raw) < 29
    assert not np.any((starts > 5.0) & (starts < 9.0))


def test_tuning_finds_the_threshold_that_separates_true_peaks_from_noise() -> None:
    rng = np.random.default_rng(0)
    centres = np.arange(3.0, 300.0, 0.5)
    probs = np.zeros((len(centres), len(taxonomy.LABELS)))
    probs[:, BACKGROUND] = 1.0
    events = []
    for t in np.arange(10.0, 290.0, 15.0):
        row = int(np.argmin(np.abs(centres - t)))
        probs[row] = 0.0
        probs[row, SHOT] = 0.8  # true shots peak at 0.8
        events.append(("shot", float(t)))
    for row in rng.choice(len(centres), 40, replace=False):
        if probs[row, SHOT] == 0.0:
            probs[row] = 0.0
            probs[row, SHOT] = 0.5  # false alarms peak at 0.5
            probs[row, BACKGROUND] = 0.5
    scored = [ScoredSession("a", centres, probs, events)]
    thresholds, nms_s, f1 = tune_event_settings(scored, (0.3, 0.45, 0.55, 0.7, 0.9), (1.0, 1.5))
    assert thresholds["shot"] in (0.55, 0.7)
    assert f1 == pytest.approx(1.0)
    assert nms_s in (1.0, 1.5)


def test_student_detects_events_on_held_out_streams_above_chance(
    distilled: tuple[Dataset, DistillResult],
) -> None:
    dataset, result = distilled
    events = result.report.events
    assert "validation streams" in events["tuned_on"]
    pooled = events["test"][-1]
    assert pooled["action"] == "all" and pooled["true_events"] > 0
    # Chance: as many detections as the student made, at random times and actions, on the
    # same test streams.
    test_athletes = set(load_student(result.out_dir).state["split_athletes"]["test"])
    streams = [load_continuous(p, dataset.manifest.labels) for p in dataset.continuous_files]
    truth = {s.athlete_id: s.events for s in streams if s.athlete_id in test_athletes}
    rng = np.random.default_rng(0)
    per_stream = max(1, pooled["detections"] // len(truth))
    chance = {
        athlete: [
            (str(rng.choice(taxonomy.ACTIONS)), float(rng.uniform(3.0, 87.0)))
            for _ in range(per_stream)
        ]
        for athlete in truth
    }
    chance_f1 = score_events(chance, truth)[-1].f1
    assert pooled["f1"] > max(0.5, 3 * chance_f1)
    state = load_student(result.out_dir)
    assert state.nms_s in (1.0, 1.5, 2.0)


def test_a_truncated_or_incomplete_stream_file_is_refused_by_name(tmp_path: Path) -> None:
    truncated = tmp_path / "s1__p01.npz"
    truncated.write_bytes(b"PK\x03\x04 not a whole archive")
    with pytest.raises(StudentDataError, match="s1__p01.npz: unreadable"):
        load_continuous(truncated, taxonomy.LABELS)
    incomplete = tmp_path / "s2__p02.npz"
    np.savez(incomplete, waist=np.zeros((10, 6)))
    with pytest.raises(StudentDataError, match=r"s2__p02.npz: continuous session lacks \["):
        load_continuous(incomplete, taxonomy.LABELS)


def test_windows_drawn_one_session_at_a_time_are_those_drawn_all_at_once() -> None:
    # The distillation names each stream window's athlete by drawing session by session
    # with one generator; the windows must not change for it.
    sessions = simulate_sessions(["a", "b", "c"], 0.5, seed=4)
    settings = (HOP_S, 0.25, 0.75, 20)
    together = training_windows(sessions, *settings, np.random.default_rng(7))
    rng = np.random.default_rng(7)
    apart = [training_windows([session], *settings, rng) for session in sessions]
    np.testing.assert_array_equal(together.raw, np.concatenate([w.raw for w in apart]))
    np.testing.assert_array_equal(together.labels, np.concatenate([w.labels for w in apart]))
    assert all(len(w.labels) > 0 for w in apart)
