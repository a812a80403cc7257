"""Replay scores events against the truth, and runs stored frames through the same pipeline."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from linear_bundle import toy_windows, train_bundle

from edge.bundle import read_bundle
from edge.config import EdgeConfig
from edge.infer import ActionModel
from edge.replay import (
    ActionScore,
    f1_intervals,
    replay_simulated,
    replay_stored,
    score_events,
)
from edge.session import record
from edge.store import Store
from edge.taxonomy import BACKGROUND
from edge.transports.virtual import SquadSpec, VirtualSquadTransport


def test_event_matching_is_one_to_one_within_tolerance() -> None:
    truth = {"7": [("shot", 10.0), ("shot", 10.8), ("pass", 30.0)], "8": [("header", 5.0)]}
    found = {
        "7": [("shot", 10.3), ("shot", 11.5), ("pass", 29.6), ("pass", 31.0)],
        "8": [("header", 5.1), ("landing", 5.1)],
    }
    scores = {s.label: s for s in score_events(found, truth)}
    # 10.3 matches 10.0 (or 10.8); 11.5 is 0.7 s from 10.8: no second match
    assert scores["shot"] == ActionScore("shot", 1, 1, 1)
    assert scores["pass"] == ActionScore("pass", 1, 1, 0)
    assert scores["header"].f1 == 1.0
    assert scores["landing"] == ActionScore("landing", 0, 1, 0)
    assert scores["all"] == ActionScore("all", 3, 3, 1)
    assert scores["shot"].precision == 0.5 and scores["shot"].recall == 0.5


def test_replay_of_a_recorded_session_finds_the_same_events(tmp_path: Path, trained_bundle) -> None:
    config = EdgeConfig(data_dir=tmp_path)
    model = ActionModel.from_bundle(trained_bundle)
    address = "virtual://squad?athletes=2&duration_s=40&seed=3&loss=0.01"
    roles = SquadSpec.from_address(address).roles()
    with Store(config.store_path) as store:
        result = asyncio.run(record(config, roles, [VirtualSquadTransport(address)], model, store))
        assert store.session(result.session_id).status == "closed"
        recorded = store.events(result.session_id)
        replayed = replay_stored(store, result.session_id, model, config)
    again = sorted((a, e.label, round(e.t_s, 3)) for a, ev in replayed.events.items() for e in ev)
    assert again == sorted((e.athlete_id, e.label, round(e.t_s, 3)) for e in recorded)
    assert replayed.packets == result.packets
    assert replayed.processor.athletes["V01"].windows_total == pytest.approx(
        (40 - 6) / 0.5 + 1, abs=2
    )


def test_simulated_replay_reports_throughput_and_scores(tmp_path: Path, trained_bundle) -> None:
    model = ActionModel.from_bundle(trained_bundle)
    result = replay_simulated(
        model, EdgeConfig(data_dir=tmp_path), athletes=2, duration_s=30, seed=1
    )
    assert result.imu_sensors == 4 and result.session_s == pytest.approx(30, abs=0.5)
    assert result.realtime_factor > 1
    pooled = result.scores[-1]
    true_events = pooled.true_positives + pooled.false_negatives
    assert pooled.label == "all" and true_events > 0


def test_f1_interval_brackets_the_pooled_f1_and_closes_on_agreement() -> None:
    truth = {f"a{i}": [("shot", 10.0 * k) for k in range(1, 6)] for i in range(6)}
    perfect = {a: list(events) for a, events in truth.items()}
    half = {a: events[:2] + [("shot", 99.0)] for a, events in truth.items()}
    low, high = f1_intervals(perfect, truth)["shot"]
    assert low == high == 1.0
    mixed = dict(half, a0=truth["a0"], a1=truth["a1"])  # two athletes perfect, four poor
    pooled = {s.label: s for s in score_events(mixed, truth)}["shot"].f1
    low, high = f1_intervals(mixed, truth)["shot"]
    assert 0.5 <= low < pooled < high <= 1.0


CLUB_ACTIONS = ("volley", "rabona", "nutmeg", "tackle", "throw_in", "chip", "dive", "block")


def test_a_clubs_own_labels_are_scored_not_the_papers() -> None:
    truth = {"7": [("volley", 10.0), ("rabona", 20.0), ("shot", 30.0)]}
    found = {"7": [("volley", 10.2), ("nutmeg", 25.0), ("shot", 30.0)]}
    scores = {s.label: s for s in score_events(found, truth, labels=CLUB_ACTIONS)}
    assert list(scores) == [*CLUB_ACTIONS, "all"]
    assert scores["volley"] == ActionScore("volley", 1, 0, 0)
    assert scores["rabona"] == ActionScore("rabona", 0, 0, 1)
    assert scores["nutmeg"] == ActionScore("nutmeg", 0, 1, 0)
    assert scores["all"] == ActionScore("all", 1, 1, 1)  # "shot" is not the model's word
    intervals = f1_intervals(found, truth, repeats=50, labels=CLUB_ACTIONS)
    assert list(intervals) == [*CLUB_ACTIONS, "all"]


def test_simulated_replay_scores_the_bundles_labels(tmp_path: Path) -> None:
    windows, labels = toy_windows(np.random.default_rng(0), n_per_class=10)
    bundle = read_bundle(
        train_bundle(
            tmp_path / "club-1", windows, labels, "club-1", label_names=(*CLUB_ACTIONS, BACKGROUND)
        )
    )
    result = replay_simulated(
        ActionModel.from_bundle(bundle), EdgeConfig(data_dir=tmp_path), athletes=1, duration_s=20
    )
    assert [s.label for s in result.scores] == [*CLUB_ACTIONS, "all"]
    assert list(result.intervals) == [*CLUB_ACTIONS, "all"]
    found = sum(s.true_positives + s.false_positives for s in result.scores[:-1])
    assert found == sum(len(events) for events in result.events.values())
