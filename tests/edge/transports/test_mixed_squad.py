"""A mixed squad (WitMotion waist, Movesense calf, Polar H10 chest, BLE HR strap, NMEA GPS)
runs through the same pipeline as Touchline sensors: every vendor's bytes decode, every
link counts, every summary is complete and the H10's missing gyro is a channel mask."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from edge.infer import ActionModel
from edge.stream import SessionProcessor
from edge.summary import build_summary
from edge.transports.virtual import KITS, SquadSpec, VirtualAddressError, VirtualSquad

ADDRESS = "virtual://squad?athletes=2&duration_s=60&kit=mixed&seed=4"


@pytest.fixture(scope="module")
def processed(trained_bundle) -> tuple[SquadSpec, SessionProcessor]:
    spec = SquadSpec.from_address(ADDRESS)
    processor = SessionProcessor(spec.roles(), ActionModel.from_bundle(trained_bundle))
    for count, packet in enumerate(VirtualSquad(spec).packets(), 1):
        processor.feed(packet)
        if count % 2000 == 0:
            processor.advance()
    processor.advance(final=True)
    return spec, processor


def test_roles_carry_each_sites_family() -> None:
    roles = SquadSpec.from_address(ADDRESS).roles()
    assert {(r.site, r.protocol) for r in roles} == set(KITS["mixed"].items())


def test_every_vendor_stream_decodes_without_rejects(processed) -> None:
    spec, processor = processed
    assert not processor.rejects, processor.rejects
    for sensor in processor.sensors.values():
        assert sensor.frames > 0, sensor.role
    imu = processor.athletes[spec.athlete_id(0)].imu
    for site, rate_hz in (("waist", 100.0), ("calf", 104.0), ("chest", 200.0)):
        t, _ = imu[site].between(45, 55)  # WitMotion, Movesense, Polar H10
        assert np.median(np.diff(t)) == pytest.approx(1 / rate_hz, rel=0.02), site
    _, chest = imu["chest"].between(45, 55)
    assert np.isnan(chest[:, 3:]).all() and np.isfinite(chest[:, :3]).all()
    # Gravity on +z for every mounting once the family's axis map is applied.
    for site in ("waist", "calf", "chest"):
        _, values = processor.athletes[spec.athlete_id(0)].imu[site].between(40, 60)
        assert np.median(values[:, 2]) == pytest.approx(1.0, abs=0.35), site


def test_every_summary_is_complete(processed) -> None:
    spec, processor = processed
    for athlete_id in spec.athlete_ids:
        summary = build_summary(
            processor,
            athlete_id,
            session_id="s1",
            revision=1,
            started_at=datetime(2026, 3, 14, 10, tzinfo=UTC),
            session_type="training",
        )
        load = summary["load"]
        assert load["player_load"] > 0 and load["distance_m"] > 0
        assert summary["heart_rate"]["mean_bpm"] > 0
        assert processor.athletes[athlete_id].windows_total > 0
        assert (
            processor.athletes[athlete_id].windows_dropped
            < processor.athletes[athlete_id].windows_total
        )


def test_unknown_kit_is_refused() -> None:
    with pytest.raises(VirtualAddressError, match="kit must be one of"):
        SquadSpec.from_address("virtual://squad?kit=garmin")


def test_live_table_shows_every_link_of_the_mixed_kit(processed) -> None:
    from rich.console import Console

    from edge.live import session_table

    spec, processor = processed
    console = Console(width=120, record=True)
    console.print(session_table(processor, [], 60.0))
    text = console.export_text()
    row = next(line for line in text.splitlines() if spec.athlete_id(0) in line)
    assert "WCTGH" in row  # waist, calf, chest, GPS, heart rate: one letter per link
