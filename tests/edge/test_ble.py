"""The BLE transport against the fake radio (bleak's interface, real frame v1 bytes): frames
arrive by notification, and a sensor that walks out of range is reconnected with backoff.

The radio runs on its own session clock (`speed=None`): session time moves only as frames
are delivered and disconnect windows pass, so what arrives does not depend on how busy the
machine is."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import numpy as np
import pytest

from edge.backoff import Backoff
from edge.infer import ActionModel
from edge.packets import Packet, SensorRole
from edge.stream import SessionProcessor
from edge.summary import build_summary
from edge.transports.base import LinkTransport
from edge.transports.ble import BleLink
from firmware_bridge.frame import decode_frame
from firmware_bridge.profiles import get_profile
from firmware_bridge.virtual.ble import FakeRadio, heart_rate_strap, touchline_sensor
from firmware_bridge.virtual.devices import (
    BatteryProfile,
    LinkProfile,
    VirtualHrDevice,
    VirtualImuDevice,
)


def test_ble_sensor_out_of_range_is_reconnected_and_frames_continue() -> None:
    t = np.arange(0, 12, 0.01)
    device = VirtualImuDevice(
        sensor_id=21,
        t_s=t,
        accel_g=np.tile([0.0, 0.0, 1.0], (len(t), 1)),
        gyro_dps=np.zeros((len(t), 3)),
        link=LinkProfile(disconnects=((4.0, 1.5),)),
        battery=BatteryProfile(status_every_s=0),
    )
    sensor = touchline_sensor(device)

    async def session() -> tuple[list[Packet], LinkTransport]:
        radio = FakeRadio([sensor], speed=None)
        link = BleLink(sensor.address, scanner_class=radio.scanner, client_class=radio.client)
        transport = LinkTransport([link], Backoff(0.05, 0.2, 0.25, random.Random(1)))
        await transport.open()
        received: list[Packet] = []

        async def take() -> None:
            async for packet in transport.packets():
                received.append(packet)
                if decode_frame(packet.data).seq >= 110:
                    return

        await asyncio.wait_for(take(), timeout=20)
        await transport.close()
        return received, transport

    received, transport = asyncio.run(session())
    seqs = [decode_frame(p.data).seq for p in received]
    # every frame sent in range arrives, in order; the 15 frames of 4.0-5.5 s are lost
    assert seqs == sorted(seqs) and seqs[0] == 0 and seqs[-1] == 110
    assert sorted(set(range(111)) - set(seqs)) == list(range(40, 55))
    (status,) = transport.status()
    assert status.reconnects >= 1 and sensor.connections == status.connects


def test_standard_heart_rate_strap_feeds_the_summary(trained_bundle) -> None:
    """A club's own chest strap (0x2A37, no Touchline clock) paired with protocol ble_hr."""
    t = np.arange(0, 30, 1.0)
    bpm = np.linspace(120, 178, len(t)).astype(int)
    strap = heart_rate_strap(
        VirtualHrDevice(sensor_id=5, t_s=t, bpm=bpm, battery=BatteryProfile(status_every_s=0))
    )

    async def session() -> list[Packet]:
        radio = FakeRadio([strap], speed=None)
        link = BleLink(
            strap.address,
            scanner_class=radio.scanner,
            client_class=radio.client,
            profile=get_profile("ble_hr"),
        )
        transport = LinkTransport([link], Backoff(0.05, 0.2, 0.25, random.Random(1)))
        await transport.open()
        received: list[Packet] = []

        async def take() -> None:
            async for packet in transport.packets():
                received.append(packet)
                if packet.data[1] == 178:  # the strap's last value (flags, then 8-bit bpm)
                    return

        await asyncio.wait_for(take(), timeout=30)
        await transport.close()
        return received

    packets = asyncio.run(session())
    roles = [SensorRole(strap.address, "7", "hr", "ble_hr")]
    processor = SessionProcessor(roles, ActionModel.from_bundle(trained_bundle))
    for packet in packets:
        processor.feed(packet)
    summary = build_summary(
        processor,
        "7",
        session_id="s1",
        revision=1,
        started_at=datetime.now(UTC),
        session_type="training",
    )
    assert len(packets) == len(bpm)  # session time waits for the link: nothing goes by
    assert summary["heart_rate"]["max_bpm"] == 178
    assert summary["heart_rate"]["mean_bpm"] == pytest.approx(bpm.mean(), abs=0.5)
    assert sum(summary["heart_rate"]["zones_s"]) == len(packets)
    assert processor.rejects == {}
