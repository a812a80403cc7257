"""The virtual squad transmits through firmware_bridge's virtual devices: drifting clocks,
loss bursts and disconnects reach the pipeline as they would from the pitch."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import numpy as np
import pytest

from edge.infer import ActionModel
from edge.packets import Packet
from edge.stream import SessionProcessor
from edge.summary import build_summary
from edge.transports import virtual
from edge.transports.virtual import (
    SquadSpec,
    VirtualAddressError,
    VirtualSquad,
    VirtualSquadTransport,
)
from firmware_bridge.frame import decode_frame
from firmware_bridge.samples import StatusSample


def _processed(spec: SquadSpec, trained_bundle) -> tuple[VirtualSquad, SessionProcessor]:
    squad = VirtualSquad(spec)
    processor = SessionProcessor(spec.roles(), ActionModel.from_bundle(trained_bundle))
    for packet in squad.packets():
        processor.feed(packet)
    return squad, processor


def _summary(processor: SessionProcessor, athlete_id: str) -> dict:
    processor.advance(final=True)
    return build_summary(
        processor,
        athlete_id,
        session_id="s1",
        revision=1,
        started_at=datetime(2026, 3, 14, 10, tzinfo=UTC),
        session_type="training",
    )


def test_squad_drifting_100_ppm_is_aligned_within_one_sample(trained_bundle, monkeypatch) -> None:
    # Short segments, so the clocks and seq counters must also carry across segment starts.
    monkeypatch.setattr(virtual, "SEGMENT_S", 50.0)
    spec = SquadSpec.from_address("virtual://squad?athletes=1&duration_s=200&drift_ppm=100&seed=3")
    squad, processor = _processed(spec, trained_bundle)
    drifts = [s.clock.drift_ppm for s in squad.sensors.values()]
    assert max(drifts) - min(drifts) > 80  # uncorrected, the sensors part by > 16 ms
    t = np.linspace(20.0, 190.0, 50)
    errors = []
    for (index, site), sensor in squad.sensors.items():
        state = processor.sensors[spec.sensor_address(index, site)]
        assert state.clock is not None and state.clock.resets == 0
        device_us = np.array([sensor.clock.device_us(float(x)) for x in t])
        errors.append(state.clock.to_session(device_us) - t)
    errors = np.array(errors)
    assert errors.max() - errors.min() < 0.010  # every sensor on one timeline
    assert (
        abs(
            processor.sensors[spec.sensor_address(0, "waist")].clock.drift_ppm
            - squad.sensors[(0, "waist")].clock.drift_ppm
        )
        < 10
    )


def test_loss_bursts_show_in_the_data_quality_columns(trained_bundle) -> None:
    clean = SquadSpec.from_address("virtual://squad?athletes=1&duration_s=60&seed=8")
    lossy = SquadSpec.from_address(
        "virtual://squad?athletes=1&duration_s=60&seed=8&loss=0.15&burst=4"
    )
    quality = {}
    for spec in (clean, lossy):
        _, processor = _processed(spec, trained_bundle)
        quality[spec.loss] = _summary(processor, "V01")["quality"]
    extra_loss = quality[0.15]["loss_pct"] - quality[0.0]["loss_pct"]
    assert 7 < extra_loss < 23
    extra_gaps = quality[0.15]["gaps"] - quality[0.0]["gaps"]
    assert extra_gaps > 20
    # bursts, not single frames: about `burst` frames lost per gap
    lost_frames = extra_loss / 100 * 4 * 60 * 10  # four sensors' worth of IMU-rate frames
    assert extra_gaps < lost_frames / 2


def test_reordered_frames_are_late_not_lost(trained_bundle) -> None:
    address = "virtual://squad?athletes=1&duration_s=30&seed=5"
    in_order = _processed(SquadSpec.from_address(address), trained_bundle)[1]
    shuffled = _processed(SquadSpec.from_address(address + "&reorder=0.05"), trained_bundle)[1]
    lost = {s.role.site: s.clock.frames_lost for s in in_order.sensors.values() if s.clock}
    for sensor in shuffled.sensors.values():
        if sensor.role.site in ("waist", "calf"):
            assert sensor.clock is not None and sensor.clock.reordered > 5
            assert sensor.clock.frames_lost == lost[sensor.role.site]


def test_disconnect_knob_takes_the_first_athlete_off_the_air_and_back(trained_bundle) -> None:
    address = "virtual://squad?athletes=2&duration_s=40&seed=4&disconnect=20:6"
    transport = VirtualSquadTransport(address)
    waist0, waist1 = (transport.spec.sensor_address(i, "waist") for i in (0, 1))
    seen: dict[str, tuple[bool, int]] = {}

    async def run() -> list[Packet]:
        await transport.open()
        packets = []
        async for packet in transport.packets():
            packets.append(packet)
            status = {s.address: s for s in transport.status()}
            if 22 < packet.arrival_s < 25 and "during" not in seen:
                seen["during"] = (status[waist0].connected, status[waist0].reconnects)
                seen["other"] = (status[waist1].connected, status[waist1].reconnects)
            if packet.arrival_s > 30 and "after" not in seen:
                seen["after"] = (status[waist0].connected, status[waist0].reconnects)
        await transport.close()
        return packets

    packets = asyncio.run(run())
    assert seen == {"during": (False, 0), "other": (True, 0), "after": (True, 1)}
    silent = [
        p
        for p in packets
        if p.address.startswith("virtual://squad/0/") and 20.05 < p.arrival_s < 26.0
    ]
    assert silent == []

    processor = SessionProcessor(transport.spec.roles(), ActionModel.from_bundle(trained_bundle))
    for packet in packets:
        processor.feed(packet)
    clock = processor.sensors[waist0].clock
    assert clock is not None and clock.resets == 0  # the device kept counting while away
    longest = max(clock.gaps, key=lambda g: g.duration_s)
    assert longest.kind == "loss" and 5.5 < longest.duration_s < 6.5
    assert 19.5 < longest.start_s < 20.5
    processor.advance(final=True)
    assert processor.athletes["V01"].last_t_s > 38  # recording went on after the reconnect


def test_batteries_drain_in_the_status_frames() -> None:
    squad = VirtualSquad(
        SquadSpec.from_address("virtual://squad?athletes=1&duration_s=70&seed=2&drain_pct_h=360")
    )
    readings: dict[str, list[int]] = {}
    for packet in squad.packets():
        sample = decode_frame(packet.data)
        if isinstance(sample, StatusSample):
            readings.setdefault(packet.address, []).append(sample.battery_pct)
    assert len(readings) == 4  # every sensor reports its battery
    for levels in readings.values():
        assert levels == sorted(levels, reverse=True)
        assert 5 <= levels[0] - levels[-1] <= 8  # 0.1 % a second over 60-70 s


def test_athlete_ids_come_from_the_address() -> None:
    given = SquadSpec.from_address("virtual://squad?athletes=3&ids=A001,A002,A003")
    assert [r.athlete_id for r in given.roles()[::4]] == ["A001", "A002", "A003"]
    assert SquadSpec.from_address("virtual://squad?ids=A1,B2").athletes == 2
    assert SquadSpec.from_address("virtual://squad?athletes=2&prefix=U17-").athlete_ids == (
        "U17-01",
        "U17-02",
    )
    assert SquadSpec.from_address("virtual://squad?athletes=2").athlete_ids == ("V01", "V02")
    squad = VirtualSquad(SquadSpec.from_address("virtual://squad?ids=A1,B2&duration_s=10"))
    assert set(squad.truth) == {"A1", "B2"}


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("virtual://squad?athletes=3&ids=A1,A2", "ids lists 2 athletes but athletes=3"),
        ("virtual://squad?ids=A1,A1", "athlete ids must be different"),
        ("virtual://squad?ids=A1,bad id", "athlete id 'bad id' must be"),
        ("virtual://squad?ids=A1,&athletes=2", "athlete id '' must be"),
        ("virtual://squad?ids=A1&prefix=B", "ids or prefix, not both"),
        ("virtual://squad?disconnect=20", "disconnect='20' is not a"),
        ("virtual://squad?loss=0.1&burst=0.5", "burst ≥ 1"),
    ],
)
def test_bad_squad_knobs_say_what_is_wrong(address: str, words: str) -> None:
    with pytest.raises(VirtualAddressError, match=words):
        SquadSpec.from_address(address)
