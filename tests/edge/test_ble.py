"""The BLE transport against the fake radio (bleak's interface, real frame v1 bytes): frames
arrive by notification, and a sensor that walks out of range is reconnected with backoff."""

from __future__ import annotations

import asyncio
import random

import numpy as np

from edge.backoff import Backoff
from edge.stream import Packet
from edge.transports.base import LinkTransport
from edge.transports.ble import BleLink
from firmware_bridge.frame import decode_frame
from firmware_bridge.virtual.ble import FakeRadio, touchline_sensor
from firmware_bridge.virtual.devices import BatteryProfile, LinkProfile, VirtualImuDevice


def test_ble_sensor_out_of_range_is_reconnected_and_frames_continue() -> None:
    t = np.arange(0, 12, 0.01)
    device = VirtualImuDevice(
        sensor_id=21, t_s=t, accel_g=np.tile([0.0, 0.0, 1.0], (len(t), 1)),
        gyro_dps=np.zeros((len(t), 3)), link=LinkProfile(disconnects=((4.0, 1.5),)),
        battery=BatteryProfile(status_every_s=0),
    )
    sensor = touchline_sensor(device)

    async def session() -> tuple[list[Packet], LinkTransport]:
        radio = FakeRadio([sensor], speed=8.0)
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
    assert seqs == sorted(seqs)
    missing = sorted(set(range(seqs[0], seqs[-1] + 1)) - set(seqs))
    # frames sent while out of range (4.0–5.5 s, plus the reconnect) are lost, the rest arrive
    assert 10 <= len(missing) <= 40
    assert all(35 <= s <= 80 for s in missing)
    (status,) = transport.status()
    assert status.reconnects >= 1 and sensor.connections == status.connects
