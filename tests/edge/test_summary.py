"""Contract 5 under a club's own action labels: the sideline counts actions in the installed
bundle's words, says which words they are, and the host stores them and counts them per
week; a bundle on the paper's eight sends summaries exactly as before."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import numpy as np
import pytest
from fastapi.testclient import TestClient
from linear_bundle import toy_windows, train_bundle

from edge import taxonomy
from edge.bundle import read_bundle
from edge.infer import ActionModel
from edge.outbox import Outbox
from edge.packets import Packet, SensorRole
from edge.session import finish_session
from edge.store import Store
from edge.stream import SessionProcessor
from edge.summary import SummaryError, build_summary, summary_schema, validate_summary
from firmware_bridge.frame import encode_imu

RATE = 100.0
# Label index k of the toy model answers a pulse on IMU channel k; the club's words replace
# the paper's names index by index, keeping `pass` (a word both share) and background.
CLUB = (
    "instep_kick",
    "juggle",
    "dribble",
    "pass",
    "volley",
    "side_foot",
    "tackle",
    "chip",
    "background",
)
ROLES = [
    SensorRole("virtual://test/waist", "7", "waist"),
    SensorRole("virtual://test/calf", "7", "calf"),
]
STARTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _packets(duration_s: float, pulses: dict[float, int], seed: int) -> list[Packet]:
    """Waist and calf frames of one athlete: noise, gravity, and a 0.3 s pulse on IMU
    channel k at each given time."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * RATE)
    signal = rng.normal(0, 0.3, (12, n)).astype(np.float32)
    signal[[2, 8]] += 1.0
    for at, channel in pulses.items():
        i = int(at * RATE)
        signal[channel, i - 15 : i + 15] += np.hanning(30) * 4.0
    packets = []
    for sensor_id, rows, site in ((1, signal[:6], "waist"), (2, signal[6:], "calf")):
        for seq, first in enumerate(range(0, n, 10)):
            chunk = rows[:, first : first + 10].T
            data = encode_imu(sensor_id, seq, int(first / RATE * 1e6), chunk[:, :3], chunk[:, 3:])
            packets.append(Packet(f"virtual://test/{site}", data, first / RATE + 0.1))
    return sorted(packets, key=lambda p: p.arrival_s)


def _processor(tmp_path, labels: tuple[str, ...], pulses: dict[float, int]) -> SessionProcessor:
    windows, y = toy_windows(np.random.default_rng(0), n_per_class=40)
    bundle = read_bundle(
        train_bundle(tmp_path / "bundle", windows, y, version="club-1", label_names=labels)
    )
    processor = SessionProcessor(ROLES, ActionModel.from_bundle(bundle))
    for i, packet in enumerate(_packets(80, pulses, seed=1)):
        processor.feed(packet)
        if i % 50 == 0:
            processor.advance()
    processor.advance(final=True)
    return processor


def _summary(processor: SessionProcessor) -> dict:
    return build_summary(
        processor, "7", session_id="s1", revision=1, started_at=STARTED, session_type="training"
    )


@pytest.fixture(scope="module")
def club_processor(tmp_path_factory) -> SessionProcessor:
    # two instep kicks (channel 0) and a juggle (channel 1)
    return _processor(tmp_path_factory.mktemp("club"), CLUB, {20.0: 0, 40.0: 1, 60.0: 0})


def test_actions_are_counted_under_the_bundles_own_labels(club_processor) -> None:
    summary = _summary(club_processor)  # validated on the way out
    assert summary["action_labels"] == list(CLUB[:-1])
    assert {label: a["n"] for label, a in summary["actions"].items()} == {
        "instep_kick": 2,
        "juggle": 1,
    }
    assert summary["model_version"] == "club-1"


def test_a_bundle_on_the_papers_eight_sends_no_vocabulary(tmp_path) -> None:
    processor = _processor(tmp_path, taxonomy.LABELS, {30.0: 6})
    summary = _summary(processor)
    assert "action_labels" not in summary
    assert set(summary["actions"]) == {"confrontation"}


def test_a_key_outside_the_vocabulary_is_a_summary_error(club_processor) -> None:
    summary = _summary(club_processor)
    summary["actions"]["header"] = {"n": 1, "impact_mean": 0.5}
    with pytest.raises(SummaryError, match=r"actions: \['header'\] are not in action_labels"):
        validate_summary(summary)
    paper = copy.deepcopy(summary)
    del paper["action_labels"]
    with pytest.raises(SummaryError, match="'instep_kick' is not one of"):
        validate_summary(paper)
    summary["actions"] = {"instep kick": {"n": 1, "impact_mean": 0.5}}
    with pytest.raises(SummaryError, match="'instep kick' does not match"):
        validate_summary(summary)


def test_the_schema_holds_the_label_rule_the_taxonomy_states() -> None:
    properties = summary_schema()["properties"]
    assert properties["actions"]["propertyNames"]["pattern"] == taxonomy.LABEL_PATTERN
    assert properties["action_labels"]["items"]["pattern"] == taxonomy.LABEL_PATTERN
    assert properties["actions"]["maxProperties"] == taxonomy.MAX_ACTION_LABELS
    assert properties["action_labels"]["maxItems"] == taxonomy.MAX_ACTION_LABELS
    paper = summary_schema()["then"]["properties"]["actions"]["propertyNames"]["enum"]
    assert tuple(paper) == taxonomy.ACTIONS


def test_club_labels_sync_to_the_host_and_show_in_weekly_counts(
    club_processor, tmp_path, db_url
) -> None:
    from host.api import create_app
    from host.db.engine import engine_for, session_scope
    from host.db.tokens import Role, create_token
    from host.risk.features import CLUB_ACTIONS, features_from_tables
    from host.risk.store import load_tables
    from host.settings import Settings

    settings = Settings(
        database_url=db_url, bundle_dir=tmp_path / "bundles", rate_limit_per_minute=1000
    )
    with session_scope(engine_for(db_url)) as db:
        token = create_token(db, Role.DEVICE, device_id="pi-1")
    with Store(tmp_path / "edge.db") as store, TestClient(create_app(settings)) as client:
        store.begin_session("s1", "training", "club-1")
        sent = finish_session(store, "s1", club_processor, STARTED, "training", "pi-1")
        outbox = Outbox(store, "http://testserver", token, client=client)
        report = outbox.sync()
        assert (report.sent, report.rejected) == (1, 0)
        stored = client.get("/api/v1/sessions/s1/7", headers={"Authorization": f"Bearer {token}"})
        assert stored.json()["summary"] == json.loads(json.dumps(sent["7"]))

    with session_scope(engine_for(db_url)) as db:
        tables = load_tables(db)
    weights = {"landing": 1.0, "pass": 0.2}
    features = features_from_tables(tables, weights, time_loss_min_days=2)
    week = features.loc[("7", 0)]
    assert (week["n_instep_kick"], week["n_juggle"], week[CLUB_ACTIONS]) == (2, 1, 3)
    impacts = sent["7"]["actions"]
    club_weight = np.mean([1.0, 0.2])  # the mean of the configured weights
    assert week["impact_score"] == pytest.approx(
        sum(club_weight * a["n"] * a["impact_mean"] for a in impacts.values()), rel=1e-3
    )
